"""``optimize`` and ``calibrate`` on a real Dask cluster give the tables they give
serially: the batch of trials or proposals is fixed before it runs and read in order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.experiments.kinds.test_calibrate import _small
from tests.experiments.kinds.test_optimize import SMALL
from trustsim.experiments.template import run_experiment


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    """A real Dask cluster on loopback: a scheduler and two worker processes."""
    import distributed  # a dependency (dask[distributed]): must not be skipped

    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        # Its HTTP server (which it starts even without a dashboard) on any free port:
        # with None it takes 8787 and warns when another cluster holds that port.
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        yield cluster.scheduler_address


def test_optimize_on_dask_asks_and_reports_what_it_does_serially(
    tmp_path: Path, dask_address: str
) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    serial = run_experiment("optimize", [path], out=tmp_path / "serial", figures=False)
    dask = run_experiment(
        "optimize", [path], out=tmp_path / "dask", figures=False, dask=dask_address
    )
    assert "dask" in str(dask.manifest.get("executor", "")).lower()
    assert serial.path is not None and dask.path is not None
    for name in ("trials.csv", "best.csv"):
        assert (serial.path / name).read_bytes() == (dask.path / name).read_bytes(), name


def test_calibrate_on_dask_gives_the_serial_posterior(tmp_path: Path, dask_address: str) -> None:
    scenario, observed = _small(tmp_path)
    options = {"data": observed}
    serial = run_experiment(
        "calibrate", [scenario], options=options, out=tmp_path / "serial", figures=False
    )
    dask = run_experiment(
        "calibrate",
        [scenario],
        options=options,
        out=tmp_path / "dask",
        figures=False,
        dask=dask_address,
    )
    pd.testing.assert_frame_equal(serial.posterior, dask.posterior)
    pd.testing.assert_frame_equal(serial.predictive, dask.predictive)
