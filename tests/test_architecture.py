"""The package is in layers: imports only go down, and no module imports itself back.

Every ``import`` of a trustsim module counts, wherever it stands (module level, inside a
function, under ``TYPE_CHECKING``): a lazy or type-only import that closes a circle is
still a circle for the reader. The layers, lowest first, are the subpackages whose names
show the architecture (docs/architecture.md draws them).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "trustsim"

#: Layers, lowest first; a module may import its own layer and the ones below.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "trustsim.errors",
        "trustsim.version",
        "trustsim.compiled",
        "trustsim.rules",
        "trustsim.system",
    ),
    ("trustsim.scenario",),
    ("trustsim.model",),
    ("trustsim.stats",),
    ("trustsim.output",),
    ("trustsim.experiments",),
    ("trustsim.viz",),
    ("trustsim.cli",),
    ("trustsim",),  # the package itself: the public API and ``python -m trustsim``
)
#: The longest chain of modules importing one another may not grow past this (it is 16:
#: __main__ -> cli -> template -> runs -> replicates -> model -> engines -> ... -> fields
#: -> strict_values).
MAX_MODULE_CHAIN = 16


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports_of(name: str) -> set[str]:
    """The trustsim modules ``name`` imports (``from package import module`` included)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return {module for module in found if module in MODULES and module != name}


GRAPH: dict[str, set[str]] = {name: imports_of(name) for name in MODULES}


def layer(name: str) -> int:
    """Index of the layer holding ``name`` (the most specific prefix wins)."""
    best, best_length = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    assert best >= 0, f"{name} is in no layer"
    return best


def cycle() -> list[str] | None:
    """One import circle, if there is any."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(GRAPH[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(GRAPH):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def floors() -> dict[str, int]:
    """For every module, the length of the longest import chain that starts from it."""
    depth: dict[str, int] = {}

    def measure(node: str) -> int:
        if node not in depth:
            depth[node] = 1 + max((measure(target) for target in GRAPH[node]), default=0)
        return depth[node]

    for node in GRAPH:
        measure(node)
    return depth


def test_the_graph_sees_the_known_imports() -> None:
    assert "trustsim.model.phases" in GRAPH["trustsim.model.engines.agents"]
    assert "trustsim.experiments.kinds" in GRAPH["trustsim.experiments.registry"]
    assert len(MODULES) > 60


def test_no_import_circle() -> None:
    assert cycle() is None, f"import circle: {' -> '.join(cycle() or [])}"


def test_the_cycle_finder_finds_a_planted_circle() -> None:
    """Companion mutation: an engine importing the model (the old circle) is caught."""
    GRAPH["trustsim.model.engines.agents"].add("trustsim.model.model")
    try:
        found = cycle()
    finally:
        GRAPH["trustsim.model.engines.agents"].discard("trustsim.model.model")
    assert found is not None and "trustsim.model.model" in found


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_only_go_down(name: str) -> None:
    upward = sorted(target for target in GRAPH[name] if layer(target) > layer(name))
    assert not upward, f"{name} (layer {layer(name)}) imports higher layers: {upward}"


def test_rules_import_only_rules() -> None:
    """Rules import other rules and the compiler settings (trustsim.compiled), nothing else."""
    for name, targets in GRAPH.items():
        if name.startswith("trustsim.rules"):
            assert all(
                target.startswith("trustsim.rules") or target == "trustsim.compiled"
                for target in targets
            ), name


def test_few_floors() -> None:
    """Eight layers below the public API (nine floors with it); the layers a module can
    reach are exactly those below it, so every layer is used by the one above."""
    assert len(LAYERS) == 9
    reached = {layer(target) for name in MODULES for target in GRAPH[name] if layer(name) == 8}
    assert reached, "the public API imports the layers below it"
    depth = floors()
    deepest = max(depth, key=depth.__getitem__)
    assert depth[deepest] <= MAX_MODULE_CHAIN, f"{deepest}: a chain of {depth[deepest]} modules"
