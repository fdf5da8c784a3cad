"""The documentation stays true to the code: every parameter is documented, every figure
referenced exists, and the validation figures are the ones the script draws."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pydantic import BaseModel

from trustsim.scenario.firm import FirmSettings
from trustsim.scenario.schema import (
    AcquisitionSettings,
    ChurnSettings,
    ClaimsSettings,
    EconomicsSettings,
    TrustDynamicsSettings,
    WordOfMouthSettings,
)

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize(
    "block",
    [
        FirmSettings,
        ClaimsSettings,
        TrustDynamicsSettings,
        WordOfMouthSettings,
        ChurnSettings,
        AcquisitionSettings,
        EconomicsSettings,
    ],
)
def test_model_reference_names_every_parameter(block: type[BaseModel]) -> None:
    text = (DOCS / "model.md").read_text()
    missing = [name for name in block.model_fields if f"`{name}`" not in text]
    assert not missing, f"docs/model.md does not document {block.__name__}: {missing}"


def test_every_image_referenced_in_the_docs_exists() -> None:
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text()):
            assert (page.parent / target).is_file(), f"{page.name} shows missing {target}"


def shown_figures() -> set[str]:
    pages = (DOCS / "validation.md").read_text() + (DOCS / "model.md").read_text()
    return set(re.findall(r"\(validation/([a-z_]+\.png)\)", pages))


def test_docs_show_every_figure_the_validation_script_draws() -> None:
    script = (DOCS / "make_validation_figures.py").read_text()
    drawn = set(re.findall(r'out / "([a-z_]+\.png)"', script))
    assert drawn and drawn <= shown_figures(), drawn - shown_figures()


@pytest.mark.parametrize(("index", "most_files"), [(0, 3), (1, 2)], ids=["lever", "event"])
def test_extending_walkthroughs_apply_and_touch_few_source_files(
    index: int, most_files: int, tmp_path: Path
) -> None:
    """docs/extending.md: each worked example's diff applies to today's sources and touches
    at most the number of source files the acceptance allows (lever 3, event 2)."""
    diffs = re.findall(r"```diff\n(.*?)```", (DOCS / "extending.md").read_text(), flags=re.S)
    assert len(diffs) == 2
    touched = re.findall(r"^\+\+\+ b/(\S+)", diffs[index], flags=re.M)
    assert 1 <= len(touched) <= most_files
    assert all(path.startswith("trustsim/") for path in touched)
    patch = tmp_path / "walkthrough.diff"
    patch.write_text(diffs[index])
    completed = subprocess.run(
        ["git", "apply", "--check", str(patch)],
        cwd=DOCS.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def test_docs_show_the_lever_tipping_map_and_robustness_figures() -> None:
    from trustsim.scenario.firm import LEVERS

    wanted = {f"lever_{name}.png" for name in LEVERS}
    wanted |= {"tipping.png", "robustness.png"}
    wanted |= {"verification_map_cost_scored.png", "verification_map_cost_random.png"}
    missing = wanted - shown_figures()
    assert not missing, missing


def parameter_table() -> dict[str, str]:
    """Rows of the parameter table of docs/model.md: backticked names -> source column."""
    text = (DOCS / "model.md").read_text()
    table = text.split("## Parameters and their sources", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].startswith("`"):
            continue
        for name in re.findall(r"`([a-z_.]+)`", cells[0]):
            rows[name.split(".")[-1]] = cells[-1]
    return rows


def schema_parameters() -> set[str]:
    from trustsim.scenario.schema import (
        InitialTrustSettings,
        PopulationSettings,
        Scenario,
        SegmentSettings,
    )

    names = {"steps", "replicates", "seed"}
    blocks = (
        FirmSettings,
        ClaimsSettings,
        TrustDynamicsSettings,
        WordOfMouthSettings,
        ChurnSettings,
        AcquisitionSettings,
        EconomicsSettings,
    )
    for block in blocks:
        names |= set(block.model_fields)
    names |= set(PopulationSettings.model_fields) - {"segments"}
    names |= set(SegmentSettings.model_fields) - {"name", "trust_weights", "initial_trust"}
    names |= {"trust_weights", "initial_trust", "correlation"}
    assert "correlation" in InitialTrustSettings.model_fields
    assert {"steps", "seed"} <= set(Scenario.model_fields)
    return names


def test_every_parameter_cites_a_source_or_says_it_is_an_assumption() -> None:
    rows = parameter_table()
    missing = sorted(schema_parameters() - set(rows) - {"network"})
    assert not missing, f"docs/model.md parameter table lacks {missing}"
    status = re.compile(r"assumption|tuned|choice|\(\d{4}\)|\d{4}[):;,]|units|CFR")
    unsourced = sorted(name for name, source in rows.items() if not status.search(source))
    assert not unsourced, f"no source and not marked as an assumption: {unsourced}"


def test_validation_page_separates_calibration_from_held_out_facts() -> None:
    text = (DOCS / "validation.md").read_text()
    assert "## Calibration targets" in text
    assert "## Held-out validation facts" in text
    calibration = text.split("## Calibration targets", 1)[1].split("## ", 1)[0]
    for target in ("80%", "83%", "10%"):
        assert target in calibration
