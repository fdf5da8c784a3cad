"""Start-up stays cheap: ``import trustsim`` and ``trustsim --help`` import none of the heavy
libraries (NumPy, Mesa, pandas, SciPy, matplotlib, SALib, Dask, numba), which load only
where a command needs them, and ``--help`` builds no pydantic validator (they are built on
first use). Checked on ``sys.modules`` and the schema classes in a fresh interpreter, not
timed (the times are in docs/performance.md, "Start-up")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import trustsim

#: Top-level packages that must not be imported by start-up.
HEAVY = (
    "numpy", "mesa", "pandas", "scipy", "matplotlib", "SALib", "dask", "distributed", "numba",
)  # fmt: skip

PROBE = """
import json, sys
{code}
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({heavy!r}))
print(json.dumps(loaded))
"""

HELP = """
from trustsim.cli.main import main
try:
    main({argv!r})
except SystemExit as exit:
    assert exit.code == 0, exit.code
"""


def printed_list(script: str) -> list[str]:
    """The JSON list ``script`` prints last, run in a fresh interpreter."""
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    printed: list[str] = json.loads(completed.stdout.strip().splitlines()[-1])
    return printed


def heavy_modules_after(code: str) -> list[str]:
    """The heavy packages in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    return printed_list(PROBE.format(code=code, heavy=HEAVY))


def test_import_trustsim_loads_no_heavy_library():
    assert heavy_modules_after("import trustsim") == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["run", "--help"],
        ["sweep", "--help"],
        ["compare", "--help"],
        ["sensitivity", "--help"],
        ["viz", "--help"],
    ],
)
def test_trustsim_help_loads_no_heavy_library(argv: list[str]):
    assert heavy_modules_after(HELP.format(argv=argv)) == []


def test_the_check_sees_a_heavy_import():
    """Companion: the same probe reports Mesa once the model is used, so the two
    tests above could fail."""
    loaded = heavy_modules_after("import trustsim\ntrustsim.TrustModel")
    assert "mesa" in loaded


BUILT = """
import json
import pydantic
{code}

def subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from subclasses(subclass)

models = {{c for c in subclasses(pydantic.BaseModel) if c.__module__.startswith("trustsim.")}}
assert len(models) > 10, models
print(json.dumps(sorted(c.__qualname__ for c in models if c.__pydantic_complete__)))
"""


def built_models_after(code: str) -> list[str]:
    """The trustsim pydantic models whose validator is built after running ``code`` in a
    fresh interpreter."""
    return printed_list(BUILT.format(code=code))


def test_trustsim_help_builds_no_pydantic_validator():
    assert built_models_after(HELP.format(argv=["--help"])) == []


def test_the_check_sees_a_built_validator():
    """Companion: loading a scenario file builds the experiment-file schema."""
    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    code = f"import trustsim\ntrustsim.load_experiment({str(scenario)!r})"
    assert "ExperimentFile" in built_models_after(code)


def test_every_public_name_resolves_on_first_use():
    for name in trustsim.__all__:
        assert getattr(trustsim, name) is not None
    assert set(trustsim.__all__) <= set(dir(trustsim))
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        trustsim.no_such_name  # noqa: B018
    from trustsim.model.model import TrustModel

    assert trustsim.TrustModel is TrustModel
