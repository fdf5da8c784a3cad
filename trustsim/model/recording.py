"""The timeseries of a run, recorded into preallocated per-column arrays.

:class:`Recorder` keeps one array per column, allocated for the scenario's horizon (and
doubled if a model is stepped beyond it), and writes each step's metrics row into them:
about 10 µs a step for 53 columns, against about 450 µs for ``mesa.DataCollector.collect``,
which calls a reporter per column and deep-copies every value (at 200 customers that was
a third of a step; docs/performance.md, "Recording"). :meth:`Recorder.frame` builds the
pandas table (pandas is imported there, not before).

Column types follow the values of the first row, as pandas infers them from lists: whole
numbers are int64, other numbers float64, booleans bool, anything else (the ``events``
text) a Python list. A whole-number column that later receives a non-integral number is
widened to float64, as pandas would for a mixed list; a value of another kind raises
``TypeError``. The resulting table is therefore the one ``mesa.DataCollector`` built from
the same rows, column types and CSV bytes included (tests/model/test_recording.py).

:class:`DataCollectorView` keeps ``model.datacollector`` working for Mesa users: it reads
the recorder (``model_vars``, ``get_model_vars_dataframe()``); ``collect()`` does nothing,
because the model records every step itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def _kind(value: Any) -> str:
    """How a column holding ``value`` is stored: "bool", "int", "float" or "object"."""
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, int | np.integer):
        return "int"
    if isinstance(value, float | np.floating):
        return "float"
    return "object"


_DTYPES: dict[str, type] = {"bool": np.bool_, "int": np.int64, "float": np.float64}
#: The Python type each kind of column usually receives (checked by identity, fast).
_PYTHON_TYPES: dict[str, type] = {"bool": bool, "int": int, "float": float}


class Recorder:
    """Rows of named values, one per recorded step, stored column by column.

    Args:
        columns: the column names, in order; every row must hold each of them.
        capacity: rows to allocate at first (the scenario's steps + 1); grows by doubling.
    """

    def __init__(self, columns: Sequence[str], capacity: int) -> None:
        self.columns: tuple[str, ...] = tuple(columns)
        self.capacity = max(1, int(capacity))
        self.rows = 0
        self._kinds: dict[str, str] = {}
        self._arrays: dict[str, Any] = {}  # a NumPy array, or a list for "object" columns

    def _allocate(self, row: Mapping[str, Any]) -> None:
        for name in self.columns:
            kind = _kind(row[name])
            self._kinds[name] = kind
            self._arrays[name] = [] if kind == "object" else np.empty(self.capacity, _DTYPES[kind])

    def _grow(self) -> None:
        self.capacity *= 2
        for name, kind in self._kinds.items():
            if kind != "object":
                grown: np.ndarray = np.empty(self.capacity, _DTYPES[kind])
                grown[: self.rows] = self._arrays[name][: self.rows]
                self._arrays[name] = grown

    def append(self, row: Mapping[str, Any]) -> None:
        """Record one row (a mapping with every column)."""
        if not self._kinds:
            self._allocate(row)
        elif self.rows == self.capacity:
            self._grow()
        at = self.rows
        arrays, kinds = self._arrays, self._kinds
        for name in self.columns:
            value = row[name]
            kind = kinds[name]
            if kind == "object":
                arrays[name].append(value)
                continue
            if type(value) is not _PYTHON_TYPES[kind]:  # rare: NumPy scalars, mixed kinds
                self._admit(name, value)
            arrays[name][at] = value
        self.rows = at + 1

    def _admit(self, name: str, value: Any) -> None:
        """Accept ``value`` into a column of another Python type: a number of the same kind,
        an int into a float column, or a float into an int column (which becomes float64);
        anything else raises TypeError."""
        kind, found = self._kinds[name], _kind(value)
        if found == kind or (kind == "float" and found == "int"):
            return
        if kind == "int" and found == "float":
            self._arrays[name] = self._arrays[name].astype(np.float64)
            self._kinds[name] = "float"
            return
        raise TypeError(
            f"column {name!r} holds {kind} values; step row {self.rows} gives {value!r}"
        )

    def column(self, name: str) -> Any:
        """The recorded values of one column: a NumPy array (a view) or a list."""
        values = self._arrays[name]
        return values if self._kinds[name] == "object" else values[: self.rows]

    def as_lists(self) -> dict[str, list[Any]]:
        """Every column as a list of Python values (``DataCollector.model_vars``' form)."""
        if not self._kinds:
            return {name: [] for name in self.columns}
        lists: dict[str, list[Any]] = {}
        for name in self.columns:
            values = self.column(name)
            lists[name] = list(values) if isinstance(values, list) else values.tolist()
        return lists

    def frame(self) -> pd.DataFrame:
        """A table with one row per recorded step and the columns in order (a copy)."""
        import pandas as pd

        if not self._kinds:
            return pd.DataFrame({name: [] for name in self.columns})
        return pd.DataFrame({name: self.column(name) for name in self.columns}, copy=True)


class DataCollectorView:
    """``model.datacollector``: Mesa's ``DataCollector`` read API over the recorded table.

    Mesa code that reads ``model.datacollector.get_model_vars_dataframe()`` or
    ``model.datacollector.model_vars`` keeps working. ``collect()`` is accepted and does
    nothing: the model has already recorded the step (Mesa's own collector would add the
    row a second time).
    """

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    @property
    def model_vars(self) -> dict[str, list[Any]]:
        """Column name -> list of values, one per recorded step (a fresh copy)."""
        return self.recorder.as_lists()

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """The recorded table, one row per step (index = row number, step 0 first)."""
        return self.recorder.frame()

    def collect(self, model: Any = None) -> None:
        """Nothing to do: every step is recorded by the model itself."""
