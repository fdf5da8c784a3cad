"""The timeseries recorder (trustsim/model/recording.py): the same table, types and CSV bytes
as Mesa's DataCollector fed the same rows; growth past the horizon; column types; and the
DataCollector view that keeps ``model.datacollector`` working."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd
import pytest

from trustsim.model.metrics import COLUMNS
from trustsim.model.model import TrustModel
from trustsim.model.recording import DataCollectorView, Recorder
from trustsim.scenario.loading import scenario_from_dict
from trustsim.scenario.schema import Scenario


def scenario(customers: int, steps: int) -> Scenario:
    """A short run with an event of each kind that writes a label or changes a lever."""
    return scenario_from_dict(
        {
            "name": "recording",
            "steps": steps,
            "population": {"customers": customers},
            "events": [
                {"type": "data_breach", "at": 3, "disclosed": False},
                {"type": "policy_change", "at": 5, "changes": {"transparency": 0.9}},
                {"type": "outage", "from": 6, "until": 8},
            ],
        }
    )


def mesa_collector() -> mesa.DataCollector:
    """Mesa's DataCollector reading the model's latest metrics row (trustsim's old way)."""

    def reporter(column: str) -> Any:
        return lambda model: model.latest_metrics[column]

    return mesa.DataCollector(model_reporters={column: reporter(column) for column in COLUMNS})


@pytest.mark.parametrize(
    ("engine", "customers", "steps"), [("vectorized", 300, 40), ("agents", 60, 12)]
)
def test_the_table_equals_mesas_datacollector_to_the_byte(engine: str, customers: int, steps: int):
    model = TrustModel(scenario(customers, steps), seed=4, engine=engine)
    reference = mesa_collector()
    reference.collect(model)
    while model.running:
        model.step()
        reference.collect(model)
    expected = reference.get_model_vars_dataframe()
    recorded = model.timeseries()
    assert list(recorded.columns) == list(COLUMNS)
    assert recorded.dtypes.to_dict() == expected.dtypes.to_dict()
    pd.testing.assert_frame_equal(recorded, expected)
    assert recorded.to_csv(index=False) == expected.to_csv(index=False)
    assert (recorded["events"] != "").any()  # the text column was exercised
    assert model.datacollector.get_model_vars_dataframe().equals(expected)
    assert model.datacollector.model_vars == reference.model_vars


def test_stepping_past_the_horizon_keeps_recording(tiny: Scenario):
    model = TrustModel(tiny, seed=2, engine="vectorized")
    first = model.recorder.capacity
    for _ in range(3 * tiny.steps):
        model.step()
    table = model.timeseries()
    assert model.recorder.capacity > first
    assert table["step"].tolist() == list(range(3 * tiny.steps + 1))
    assert table.iloc[-1].to_dict() == model.latest_metrics


def test_a_table_is_a_copy_of_the_records(tiny: Scenario):
    model = TrustModel(tiny, seed=2, engine="vectorized")
    model.step()
    table = model.timeseries()
    table.loc[0, "trust_mean"] = -1.0
    assert model.timeseries().loc[0, "trust_mean"] != -1.0


def test_column_types_follow_the_first_row_like_pandas():
    recorder = Recorder(["count", "share", "flag", "label"], capacity=1)
    assert recorder.frame().empty and tuple(recorder.frame().columns) == recorder.columns
    recorder.append({"count": 1, "share": 0.5, "flag": True, "label": "a"})
    recorder.append({"count": np.int64(2), "share": 1, "flag": np.bool_(False), "label": ""})
    assert recorder.capacity == 2
    table = recorder.frame()
    rows = [
        {"count": 1, "share": 0.5, "flag": True, "label": "a"},
        {"count": 2, "share": 1, "flag": False, "label": ""},
    ]
    expected = pd.DataFrame({name: [row[name] for row in rows] for name in rows[0]})
    pd.testing.assert_frame_equal(table, expected)
    # a whole-number column widens to float64 when a fraction arrives, as a mixed list would
    recorder.append({"count": 2.5, "share": 0.25, "flag": True, "label": "b"})
    assert recorder.capacity == 4
    assert recorder.frame()["count"].tolist() == [1.0, 2.0, 2.5]
    assert recorder.frame()["count"].dtype == np.float64
    with pytest.raises(TypeError, match="column 'flag' holds bool values; step row 3 gives 'x'"):
        recorder.append({"count": 1, "share": 0.5, "flag": "x", "label": "c"})


def test_the_view_offers_mesas_read_api_and_collect_adds_nothing(tiny: Scenario):
    model = TrustModel(tiny, seed=2, engine="vectorized")
    model.step()
    assert isinstance(model.datacollector, DataCollectorView)
    model.datacollector.collect(model)
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 2 and frame["step"].tolist() == [0, 1]
    assert model.datacollector.model_vars["step"] == [0, 1]
    assert set(model.datacollector.model_vars) == set(COLUMNS)
