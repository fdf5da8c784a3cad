"""Reading untrusted YAML: ``yaml.safe_load`` semantics with bounds on what a file can cost.

A scenario is untrusted text. :class:`BoundedSafeLoader` is PyYAML's ``SafeLoader`` (plain
mappings, lists, strings, numbers, booleans, null, dates; never Python objects) with four
additions, each raising :class:`YAMLLimitError` (a ``yaml.YAMLError``) at the line where the
problem is:

* **Nesting depth** — at most :data:`MAX_DEPTH` levels, checked while the document is
  composed, so 5,000 nested brackets stop at level 101 instead of exhausting Python's
  recursion limit.
* **Aliases** — at most :data:`MAX_ALIASES` ``*alias`` references, and the document *as
  expanded* (every alias counted as a copy of what it points to) may hold at most
  :data:`MAX_NODES` nodes and nest at most :data:`MAX_DEPTH` deep. The expanded size is
  computed on the composed graph, where every anchor is one node, so a "billion laughs"
  alias bomb (9 levels of 9 aliases: 1.3 KB of text, 3.3 GB as Python lists) is refused
  in milliseconds. An alias that refers to the collection containing it (a cycle) is
  refused too.
* **Duplicate keys** — a key given twice in one mapping is an error (PyYAML lets the last
  one win silently). Keys brought in by a ``<<`` merge may be overridden, as YAML's merge
  key specifies.
* **Numbers in exponent notation** — ``1e-3`` and ``2E6`` are numbers, as in YAML 1.2 and
  JSON (PyYAML's YAML 1.1 rules read them as strings unless they contain a dot). Scenario
  values are checked strictly (a string is never taken as a number), so this keeps the
  usual way of writing small and large numbers working.

:data:`MAX_BYTES` bounds the text itself.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

#: Most nesting levels of a document, as written or as expanded through aliases.
MAX_DEPTH = 100
#: Most nodes (scalars, lists, mappings) of a document once its aliases are expanded.
MAX_NODES = 1_000_000
#: Most ``*alias`` references in one document.
MAX_ALIASES = 10_000
#: Largest text accepted, bytes (a scenario is a few kilobytes).
MAX_BYTES = 10 * 2**20

_MERGE_TAG = "tag:yaml.org,2002:merge"
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")


class YAMLLimitError(yaml.MarkedYAMLError):
    """A document exceeds a bound of :class:`BoundedSafeLoader` or repeats a key."""


class BoundedSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with bounded depth, aliases and expanded size, and no duplicate
    keys (see the module docstring)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        """Compose one node, counting nesting levels and alias references."""
        if self.check_event(AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YAMLLimitError(
                    problem=f"more than {MAX_ALIASES} alias references (*name)",
                    problem_mark=self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YAMLLimitError(
                    problem=f"nested more than {MAX_DEPTH} levels deep",
                    problem_mark=self.peek_event().start_mark,
                )
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        return node

    def compose_document(self) -> Node | None:
        """Compose a document and check its size and depth with every alias expanded."""
        root = super().compose_document()
        if root is not None:
            _check_expanded(root)
        return root

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping, refusing keys written twice (merged ``<<`` keys may be overridden)."""
        seen: dict[Any, Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=False)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:  # unhashable: SafeConstructor says so below
                continue
            if first is not key_node:
                raise YAMLLimitError(
                    problem=f"duplicate key {key!r} (first given at line "
                    f"{first.start_mark.line + 1}); a key may appear only once in a block",
                    problem_mark=key_node.start_mark,
                )
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


BoundedSafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789.")
)


def _check_expanded(root: Node) -> None:
    """Refuse a node graph whose alias expansion is too big, too deep, or cyclic.

    Walks the composed graph once (iteratively), memoising each node's expanded size and
    height, so the cost is linear in the text however large the expansion.
    """
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            children = _children(node)
            size[key] = 1 + sum(size[id(child)] for child in children)
            height[key] = 1 + max((height[id(child)] for child in children), default=0)
            open_nodes.discard(key)
            if size[key] > MAX_NODES:
                raise YAMLLimitError(
                    problem=f"more than {MAX_NODES:,} values once its aliases are expanded "
                    "(an alias bomb?)",
                    problem_mark=node.start_mark,
                )
            if height[key] > MAX_DEPTH:
                raise YAMLLimitError(
                    problem=f"nested more than {MAX_DEPTH} levels deep once its aliases are "
                    "expanded",
                    problem_mark=node.start_mark,
                )
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise YAMLLimitError(
                problem="an alias refers to a collection that contains it (a cycle)",
                problem_mark=node.start_mark,
            )
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load(text: str) -> Any:
    """Parse one YAML document with :class:`BoundedSafeLoader`.

    Raises:
        YAMLLimitError: the text is longer than :data:`MAX_BYTES`, a bound is exceeded, a
            key is repeated, or a scalar cannot be converted (an integer of more than 4,300
            digits, a date like 2001-13-45).
        yaml.YAMLError: malformed YAML.
    """
    if len(text.encode("utf-8", errors="surrogatepass")) > MAX_BYTES:
        raise YAMLLimitError(problem=f"the text is longer than {MAX_BYTES // 2**20} MiB")
    loader = BoundedSafeLoader(text)
    try:
        return loader.get_single_data()
    except ValueError as exc:  # e.g. int('9' * 5000), a date like 2001-13-45
        raise YAMLLimitError(problem=f"a value cannot be read ({exc})") from None
    finally:
        loader.dispose()


def describe(error: yaml.YAMLError) -> str:
    """``at line L, column C: problem`` (or just the problem) for an error message."""
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(error, "problem", None) or str(error)
    return f"{where}: {problem}"
