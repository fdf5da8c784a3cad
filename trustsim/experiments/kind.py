"""The contract of an experiment kind, and the points it runs.

An experiment kind (``run``, ``sweep``, ``compare``, ``sensitivity``; later ``optimize``,
``calibrate``) is a small module in :mod:`trustsim.experiments.kinds` with one subclass
of :class:`Kind`. It says

* which YAML block it reads (:attr:`Kind.block`, schema :attr:`Kind.settings`) and its own
  command-line options;
* which points to run, in rounds (:meth:`Kind.rounds`): a generator that yields a batch of
  points, receives each point's results (all its replicates) and may yield more. A fixed
  design (run, sweep, compare, sensitivity) yields once; an adaptive one (optimisation
  with ask/tell, ABC-SMC generations) yields again from what it received;
* its tables (:meth:`Kind.tables`), figures, manifest entries, report section and
  terminal summary.

A kind module is imported to build the ``trustsim`` command line and the experiment-file
schema, before any input is read, so its module level imports only what the declaration
needs: pandas, the figures, the report and the statistics are imported in the methods
that use them. Every input error (an alias bomb included) is then answered before the
numerical stack loads (tests/cli/test_main.py checks which modules the CLI imports).

Everything else — resolving the files, run identity, the run store (resume), the
executor, the manifest, the result folder and the report page — is the one path of
:func:`trustsim.experiments.template.run_experiment`, the same for every kind.
docs/architecture.md draws it.
"""

from __future__ import annotations

import argparse
from abc import ABC, abstractmethod
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from trustsim.errors import ScenarioError
from trustsim.scenario.loading import with_overrides
from trustsim.scenario.schema import Scenario

if TYPE_CHECKING:  # pandas is imported where tables are built, not to declare a kind
    import pandas as pd


@dataclass(frozen=True)
class Point:
    """One scenario an experiment runs, with all its replicates.

    Attributes:
        label: its name in tables and error messages (a variant's name, "sweep point 3"...).
        values: the dotted-key overrides that made it from the base (empty: the base).
        scenario: the validated scenario (an experiment file, or a model scenario).
        description: what it is, in words, for the manifest and the report.
        recorded_steps: the steps whose rows its runs keep (None: every step); a kind
            that reads only a few steps (a calibration's proposals) runs faster this way.
    """

    label: str
    values: Mapping[str, Any]
    scenario: Scenario
    description: str = ""
    recorded_steps: tuple[int, ...] | None = None


@dataclass(frozen=True)
class PointResult:
    """A point and the timeseries of its replicates (concatenated in replicate order)."""

    point: Point
    timeseries: pd.DataFrame


@dataclass
class Study:
    """What a kind works on: the resolved experiment file(s) and the kind's options.

    Attributes:
        base: the (first) experiment file: the reference of the experiment, whose name,
            seed and replicate count the result folder and the manifest carry.
        origin: how to name ``base`` in error messages (its path).
        files: every file given, resolved, with its origin (several for ``compare``).
        options: the kind's own options (``--grid``, ``--method``...), by name.
        workspace: where an adaptive kind keeps what must outlive an interrupted command
            (an optimisation's study database, an ABC history): ``<out>/.studies``, next
            to the run store; None when nothing is written (``out=None``).
        state: what an adaptive kind's rounds learned and its tables need (the optuna
            study, the ABC history), by name; filled by the kind, empty for a fixed design.
    """

    base: Scenario
    origin: str
    files: list[tuple[Scenario, str]]
    options: dict[str, Any] = field(default_factory=dict)
    workspace: Path | None = None
    state: dict[str, Any] = field(default_factory=dict)

    def block(self, name: str) -> Any:
        """The base file's experiment block ``name`` (None when absent)."""
        return getattr(self.base, name, None)


#: What :meth:`Kind.rounds` is: yields batches of points, is sent their results.
Rounds = Generator[list[Point], list[PointResult], None]


class Kind(ABC):
    """One experiment kind; subclass it in a module of :mod:`trustsim.experiments.kinds`.

    The class attributes declare it; found by :mod:`trustsim.experiments.registry`.
    """

    #: Command name and folder prefix: ``trustsim <name>``, ``<name>-<run-id>/``.
    name: ClassVar[str]
    #: One line for ``trustsim --help``.
    help: ClassVar[str]
    #: Position among the commands of ``trustsim --help``.
    position: ClassVar[int] = 100
    #: The YAML block this kind reads (None: none) and its schema (a pydantic type).
    block: ClassVar[str | None] = None
    settings: ClassVar[Any] = None
    #: Description of the block in the experiment-file schema.
    block_description: ClassVar[str] = ""
    #: Whether it takes several scenario files (``compare A.yaml B.yaml``).
    many_files: ClassVar[bool] = False
    #: Tables also written as Parquet.
    parquet: ClassVar[tuple[str, ...]] = ()
    #: What each figure the kind draws shows, by file name (report captions).
    captions: ClassVar[Mapping[str, str]] = {}
    #: The sentence under the report's title saying what its intervals are.
    intervals: ClassVar[str] = (
        "Intervals are Student-t 95% confidence intervals of the mean across replicates."
    )

    @property
    def folder_prefix(self) -> str:
        """Prefix of the result folder's name."""
        return f"{self.name}-"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:  # noqa: B027
        """Add the kind's own command-line options (the common ones are added for it);
        none by default."""

    def options(self, args: argparse.Namespace) -> dict[str, Any]:
        """The kind's options from parsed command-line arguments."""
        return {}

    def overrides(self, args: argparse.Namespace) -> dict[str, Any]:
        """Dotted-key overrides the kind's own options stand for (``--engine``)."""
        return {}

    def design_size(self, study: Study) -> tuple[float, str, Any]:
        """How many points the kind will run, known before they are expanded, and the
        field (and its value) that sets that number, for the memory estimate of
        :mod:`trustsim.experiments.sizing`: a ``linspace`` of a billion points is refused
        before it is built. Default: one point, sized by ``replicates``."""
        return 1.0, "replicates", study.base.replicates

    @abstractmethod
    def rounds(self, study: Study) -> Rounds:
        """Yield batches of points to run; each ``yield`` receives their results.

        Validate every point of a batch before yielding it (:func:`points`): nothing runs
        and nothing is written when one is bad.
        """

    @abstractmethod
    def tables(self, study: Study, results: Sequence[PointResult]) -> dict[str, pd.DataFrame]:
        """The tables of the result folder, by name (``<name>.csv``), from every round's
        results in order."""

    def manifest(self, study: Study, results: Sequence[PointResult]) -> dict[str, Any]:
        """The kind's own manifest entries (its plan, its points...)."""
        return {}

    def figures(self, study: Study, tables: Mapping[str, pd.DataFrame], folder: Path) -> list[Path]:
        """Draw the figures into ``folder``; return their paths."""
        return []

    def files(self, study: Study, folder: Path) -> list[Path]:
        """Write the kind's other files into the (still hidden) result folder ``folder``
        (a copy of the study database); return their paths. None by default."""
        return []

    @abstractmethod
    def report_section(self, folder: Path, manifest: dict[str, Any]) -> str:
        """The kind's section of ``report.html``, from the folder's files and manifest
        alone (``trustsim report`` rebuilds it)."""

    @abstractmethod
    def summary(self, result: Any) -> str:
        """What ``trustsim <name>`` prints (an :class:`ExperimentResult`)."""


@dataclass
class ExperimentResult:
    """What every experiment returns; its tables are also attributes (``result.summary``).

    Attributes:
        kind: the kind's name.
        scenario: the base experiment file.
        points: every point run, in order.
        tables: the kind's tables by name.
        manifest: the manifest (also when nothing was written).
        computed, reused: runs computed now, runs taken from the store.
        path: the result folder (None when ``out`` was None).
    """

    kind: str
    scenario: Scenario
    points: list[Point]
    tables: dict[str, pd.DataFrame]
    manifest: dict[str, Any]
    computed: int
    reused: int
    path: Path | None

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            table: pd.DataFrame = tables[name]
            return table
        raise AttributeError(f"{self.kind} results have no table {name!r}; tables: {list(tables)}")


def points(
    base: Scenario,
    overrides: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    origin: str,
    descriptions: Sequence[str] | None = None,
) -> list[Point]:
    """Validate every point before anything runs; one clear error for the first bad one.

    Args:
        base: the base scenario.
        overrides: dotted-key overrides, one mapping per point.
        labels: how to name each point in errors and tables.
        origin: the scenario file, named in errors.
        descriptions: what each point is, in words (default: its overrides).
    """
    made = []
    for index, (values, label) in enumerate(zip(overrides, labels, strict=True)):
        try:
            scenario = with_overrides(base, values) if values else base
        except ScenarioError as error:
            detail = str(error).split(": field ", 1)[-1]
            raise ScenarioError(f"{origin}: {label}: field {detail}") from None
        text = descriptions[index] if descriptions is not None else describe_change(values)
        made.append(Point(label, dict(values), scenario, text))
    return made


def describe_change(values: Mapping[str, Any]) -> str:
    """Overrides in words: ``key = value, ...`` ("the scenario as it is" when none)."""
    if not values:
        return "the scenario as it is"
    return ", ".join(f"{key} = {value}" for key, value in values.items())


def runs_line(result: ExperimentResult) -> str:
    """How many runs were computed and how many taken from the store (terminal summary)."""
    total = result.computed + result.reused
    return f"runs: {total} ({result.computed} computed, {result.reused} reused from earlier)"
