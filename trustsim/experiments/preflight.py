"""What an experiment checks before it imports the model or computes anything.

:func:`preflight` resolves the scenario file(s), refuses a design too large for the
machine's memory (:mod:`trustsim.experiments.sizing`) and an ``--out`` it could not write.
It imports neither Mesa, pandas, SciPy nor the compiled model, so the command line runs it
before it imports the experiment path: such a request is refused in about 0.4 s instead
of 1.8 s (docs/performance.md, "Start-up"). A model too large for memory is refused later,
by the template's estimate of each batch of points. :func:`run_experiment
<trustsim.experiments.template.run_experiment>` starts with the same call, for callers of
the Python API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from trustsim.errors import ScenarioError
from trustsim.experiments import sizing
from trustsim.experiments.file import as_experiment
from trustsim.experiments.kind import Kind, Study
from trustsim.experiments.registry import KINDS
from trustsim.output.folders import STORE_DIR, check_experiment_output
from trustsim.scenario.schema import Scenario

#: Folder of ``--out`` where adaptive kinds keep their state (:attr:`Study.workspace`).
WORKSPACE_DIR = ".studies"


def kind_named(name: str) -> Kind:
    """The registered kind ``name``.

    Raises:
        ScenarioError: no such kind.
    """
    if name not in KINDS:
        raise ScenarioError(f"experiment kind {name!r} is not one of {', '.join(KINDS)}")
    return KINDS[name]


def resolve(
    kind: Kind,
    sources: Sequence[Scenario | str | Path],
    overrides: Mapping[str, Any] | None,
    options: Mapping[str, Any] | None,
) -> Study:
    """Load and validate every source as an experiment file, with the overrides.

    Raises:
        ScenarioError: no source, too many, or an invalid one (nothing runs).
    """
    if not sources:
        raise ScenarioError(f"{kind.name}: name a scenario file")
    if len(sources) > 1 and not kind.many_files:
        raise ScenarioError(f"{kind.name}: takes one scenario file, got {len(sources)}")
    files = [as_experiment(source, overrides) for source in sources]
    base, origin = files[0]
    return Study(base=base, origin=origin, files=files, options=dict(options or {}))


def preflight(
    kind: Kind,
    sources: Sequence[Scenario | str | Path],
    overrides: Mapping[str, Any] | None,
    options: Mapping[str, Any] | None,
    out: str | Path | None,
    force: bool,
) -> Study:
    """The experiment's study, once its design fits the machine and ``out`` can be written.

    Args:
        kind: the experiment kind.
        sources: scenario files or scenarios.
        overrides: dotted-key overrides applied to every source first.
        options: the kind's own options.
        out: the results folder (None: nothing is written, nothing to check).
        force: skip the memory check.

    Raises:
        ScenarioError: bad scenario, block or option.
        ResourceError: the design would need more memory than the machine has (an
            estimate made before its points are expanded).
        ResultsError: the run store or the results folder under ``out`` cannot be written.
    """
    study = resolve(kind, sources, overrides, options)
    study.workspace = Path(out) / WORKSPACE_DIR if out is not None else None
    count, size_field, size_value = kind.design_size(study)
    base = study.base
    design = sizing.for_points(count, size_field, size_value, base.steps, base.replicates)
    sizing.check(design, study.origin, force)
    if out is not None:  # a read-only --out fails now, before any run
        check_experiment_output(Path(out) / STORE_DIR, Path(out) / base.name)
    return study
