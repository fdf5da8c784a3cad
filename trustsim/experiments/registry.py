"""The experiment kinds, found by discovery: every module of
:mod:`trustsim.experiments.kinds` that defines a :class:`~trustsim.experiments.kind.Kind`
subclass adds one (as SALib finds its methods by module). Adding a kind is adding a
module there; no other file changes: the command line, the experiment-file schema and
``trustsim report`` read this registry.
"""

from __future__ import annotations

import importlib
import pkgutil

from trustsim.experiments import kinds as kinds_package
from trustsim.experiments.kind import Kind


def discover() -> dict[str, Kind]:
    """One instance of every kind defined in :mod:`trustsim.experiments.kinds`, by name,
    in the order of :attr:`Kind.position` (then name)."""
    found: list[Kind] = []
    for module_info in pkgutil.iter_modules(kinds_package.__path__):
        module = importlib.import_module(f"{kinds_package.__name__}.{module_info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Kind)
                and value.__module__ == module.__name__
                and not getattr(value, "__abstractmethods__", None)
            ):
                found.append(value())
    found.sort(key=lambda kind: (kind.position, kind.name))
    names = [kind.name for kind in found]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise RuntimeError(f"experiment kinds defined twice: {sorted(duplicates)}")
    return {kind.name: kind for kind in found}


#: Every experiment kind, by name.
KINDS: dict[str, Kind] = discover()
