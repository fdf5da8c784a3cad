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


def test_validation_page_shows_every_figure_the_script_draws() -> None:
    script = (DOCS / "make_validation_figures.py").read_text()
    drawn = set(re.findall(r'out / "([a-z_]+\.png)"', script))
    shown = set(re.findall(r"\(validation/([a-z_]+\.png)\)", (DOCS / "validation.md").read_text()))
    assert drawn and drawn == shown


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
