"""Schema of the experiment blocks: ``sweep:``, ``variants:``, ``sensitivity:``, ``executor:``.

These blocks say how many runs to make and where; they never change what one run
computes. A run's scenario has them removed (see :func:`trustsim.batch.run_scenario`), so
the same point of a sweep, a compare and a plain run share one identity and one seed.

Swept and varied keys are dotted field paths of the scenario (``firm.transparency``); they
are checked against the schema when the experiment expands its points, with a "did you
mean" for a misspelled key.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from trustsim.scenario.fields import Block

#: Values of one swept parameter: an explicit list, or a spacing spec.
SweepValues = list[Any] | dict[str, list[float]]

SPACINGS = ("linspace", "logspace")
METHODS = ("morris", "sobol")


def _check_spacing(key: str, spec: dict[str, list[float]]) -> None:
    """Raise ValueError unless ``spec`` is ``{linspace|logspace: [start, stop, n]}``."""
    if len(spec) != 1 or next(iter(spec)) not in SPACINGS:
        raise ValueError(
            f"parameter {key!r}: {spec!r} is not a list of values nor one of "
            f"{{linspace: [start, stop, n]}}, {{logspace: [start, stop, n]}}"
        )
    kind, triple = next(iter(spec.items()))
    if len(triple) != 3:
        raise ValueError(f"parameter {key!r}: {kind} needs [start, stop, n], got {triple!r}")
    start, stop, count = triple
    if count != int(count) or count < 2:
        raise ValueError(
            f"parameter {key!r}: {kind} needs a whole number n >= 2 of values, got n={count:g}"
        )
    if not (math.isfinite(start) and math.isfinite(stop)):
        raise ValueError(f"parameter {key!r}: {kind} bounds must be finite, got {triple!r}")
    if kind == "logspace" and (start <= 0 or stop <= 0):
        raise ValueError(
            f"parameter {key!r}: logspace needs start > 0 and stop > 0 (they are the end "
            f"values, not exponents), got {triple!r}"
        )


class SweepSettings(Block):
    """Parameter values to run, as a full grid or zipped; every point runs all replicates.

    Shorthand: the dotted keys may sit directly under ``sweep:`` next to ``mode``.
    """

    mode: Literal["grid", "zip"] = Field(
        "grid",
        description="'grid': every combination of the values; 'zip': the i-th values of all "
        "parameters together (lists of equal length).",
    )
    parameters: dict[str, SweepValues] = Field(
        default_factory=dict,
        description="Dotted field path -> list of values, {linspace: [start, stop, n]} (n evenly "
        "spaced values, ends included) or {logspace: [start, stop, n]} (n geometrically spaced "
        "values from start to stop, both > 0). Units are those of the field.",
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and "parameters" not in data:
            keys = [key for key in data if key != "mode"]
            if keys:
                moved = {key: data[key] for key in keys}
                return {**{k: v for k, v in data.items() if k == "mode"}, "parameters": moved}
        return data

    @field_validator("parameters")
    @classmethod
    def _values(cls, parameters: dict[str, SweepValues]) -> dict[str, SweepValues]:
        for key, values in parameters.items():
            if isinstance(values, dict):
                _check_spacing(key, values)
            elif not values:
                raise ValueError(f"parameter {key!r}: the list of values is empty")
        return parameters


class SensitivitySettings(Block):
    """Global sensitivity analysis (SALib) of churn, trust and profit over parameter ranges."""

    method: Literal["morris", "sobol"] = Field(
        "morris",
        description="'morris' (elementary effects; cheap screening) or 'sobol' (variance shares; "
        "costlier).",
    )
    parameters: dict[str, Annotated[list[float], Field(min_length=2, max_length=2)]] = Field(
        description="Dotted field path -> [low, high], the uniform range explored, in the "
        "field's units."
    )
    trajectories: Annotated[int, Field(ge=2, le=1000)] = Field(
        10, description="Morris: number of trajectories (each costs parameters + 1 points)."
    )
    levels: Annotated[int, Field(ge=2, le=100)] = Field(
        4, description="Morris: number of grid levels per parameter (even is best)."
    )
    samples: Annotated[int, Field(ge=2, le=1_000_000)] = Field(
        64,
        description="Sobol: base sample count N, a power of two (costs N * (parameters + 2) "
        "points).",
    )
    seed: Annotated[int, Field(ge=0)] = Field(
        0, description="Seed of the SALib sample design and bootstrap (not of the model runs)."
    )

    @field_validator("parameters")
    @classmethod
    def _ranges(cls, parameters: dict[str, list[float]]) -> dict[str, list[float]]:
        if not parameters:
            raise ValueError("name at least one parameter: dotted.key: [low, high]")
        for key, (low, high) in parameters.items():
            if not low < high:
                raise ValueError(f"parameter {key!r}: needs low < high, got [{low}, {high}]")
        return parameters

    @model_validator(mode="after")
    def _power_of_two(self) -> SensitivitySettings:
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"sobol needs samples to be a power of two, got {self.samples}")
        return self


class ExecutorSettings(Block):
    """Where the runs of an experiment execute; results are identical whichever is used."""

    workers: Annotated[int, Field(ge=1, le=1024)] | Literal["auto"] = Field(
        1,
        description="Local worker processes; 1 runs everything in this process; 'auto' "
        "measures the first run and starts as many processes as help (maybe none).",
    )
    dask: str | None = Field(
        None,
        description="Address of a running Dask distributed scheduler, e.g. "
        "'tcp://127.0.0.1:8786'; when set, runs go there and `workers` is ignored.",
    )
    connect_timeout_seconds: Annotated[float, Field(gt=0.0, le=600.0)] = Field(
        5.0, description="How long to wait for the Dask scheduler to answer, seconds."
    )
    threads: Annotated[int, Field(ge=1, le=1024)] | Literal["auto"] = Field(
        "auto",
        description="Threads of each run's compiled loops (results never depend on it); "
        "'auto' uses every core for runs in this process and one thread per worker process "
        "(local or Dask); more than the machine's cores are capped to them.",
    )

    @field_validator("workers", "threads", mode="before")
    @classmethod
    def _whole_number_or_auto(cls, value: Any) -> Any:
        """One message for a value of neither form (pydantic would report each member of
        the union, and for ``true`` only "should be 'auto'")."""
        if value == "auto" or (
            isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1024
        ):
            return value
        shown = "true/false is not a number" if isinstance(value, bool) else f"got {value!r}"
        raise ValueError(f"expected a whole number from 1 to 1024 or 'auto' ({shown})")


#: Variant name -> dotted-key overrides applied to the scenario (the first is the reference).
Variants = dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")], dict[str, Any]]
