"""Edge-list files (``network: {kind: edge_list, path: ...}``): reading and checking.

Format: one contact per line, two zero-based customer indices separated by spaces or tabs;
``#`` starts a comment; blank lines are ignored. The network is undirected and simple:
``3 7`` and ``7 3`` are the same contact, and a contact listed twice counts once.

Refused, with the file, the line and the text in the message (the scenario is not run):

* a path that is a folder, is missing or cannot be read, or text that is not UTF-8;
* a file with no contact at all (empty, or only comments and blank lines);
* a line without exactly two values, or a value that is not a whole number;
* an index outside ``0 .. population.customers - 1``;
* a self-loop (``4 4``): a customer is not their own contact, and dropping such lines
  silently would change the degrees the file describes.

Files are parsed once per content (a small cache keyed by the file's identity, size and
modification time), so validating every point of a sweep costs one read.
"""

from __future__ import annotations

import re
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from trustsim.errors import ScenarioError

if TYPE_CHECKING:  # numpy is imported where used: only an edge-list network needs it
    import numpy as np
    from numpy.typing import NDArray

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_INT64_MAX = 2**63 - 1  # numpy.iinfo(numpy.int64).max
_CACHE_SIZE = 2
_cache: OrderedDict[tuple[object, ...], EdgeList] = OrderedDict()


@dataclass(frozen=True)
class EdgeList:
    """The contacts of a file, in file order (one entry per data line)."""

    sources: NDArray[np.int64]
    targets: NDArray[np.int64]

    @property
    def count(self) -> int:
        """Number of data lines."""
        return int(self.sources.size)


class EdgeListError(ScenarioError):
    """An edge-list file that cannot be used; the message names the file and the line."""


def _fail(path: Path, where: str, problem: str) -> EdgeListError:
    return EdgeListError(f"field 'network.path': {path}{where}: {problem}")


def located(path: str, source_dir: str | Path | None) -> Path:
    """Where ``network.path`` points: relative paths are relative to the scenario's folder."""
    found = Path(path)
    if not found.is_absolute() and source_dir is not None:
        found = Path(source_dir) / found
    return found


def read_edge_list(path: Path) -> EdgeList:
    """Parse an edge-list file (checks that need the population size are in :func:`check`).

    Raises:
        EdgeListError: a folder, a missing or unreadable file, no contact, a malformed line.
    """
    if path.is_dir():
        raise _fail(path, "", "is a folder; expected an edge-list file")
    try:
        status = path.stat()
    except OSError as exc:
        raise _fail(path, "", f"edge-list file not found ({exc.strerror})") from None
    identity = (str(path.resolve()), status.st_dev, status.st_ino, status.st_size,
                status.st_mtime_ns, status.st_ctime_ns)  # fmt: skip
    if identity in _cache:
        _cache.move_to_end(identity)
        return _cache[identity]
    edges = _parse(path)
    _cache[identity] = edges
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return edges


def _parse(path: Path) -> EdgeList:
    import numpy as np

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "input contained no data" is a UserWarning
            data = np.loadtxt(path, dtype=np.int64, comments="#", ndmin=2, encoding="utf-8")
    except OSError as exc:
        raise _fail(path, "", f"cannot read the file ({exc.strerror})") from None
    except (ValueError, UserWarning):
        raise _first_problem(path) from None
    if data.shape[1] != 2:
        raise _first_problem(path)
    return EdgeList(np.ascontiguousarray(data[:, 0]), np.ascontiguousarray(data[:, 1]))


def _data_lines(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line number, text, values) of every line that is not blank or a comment."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise _fail(path, f": line {line}", "is not UTF-8 text") from None
    except OSError as exc:
        raise _fail(path, "", f"cannot read the file ({exc.strerror})") from None
    found = []
    for number, line_text in enumerate(text.splitlines(), start=1):
        values = line_text.split("#", 1)[0].split()
        if values:
            found.append((number, line_text.strip(), values))
    return found


def _first_problem(path: Path) -> EdgeListError:
    """The first malformed line of a file numpy could not read, or 'no contact'."""
    lines = _data_lines(path)
    for number, text, values in lines:
        if len(values) != 2:
            return _fail(
                path,
                f": line {number}",
                f"{text[:80]!r} has {len(values)} value(s); expected two customer indices",
            )
        for value in values:
            if not _WHOLE_NUMBER.fullmatch(value) or abs(int(value)) > _INT64_MAX:
                return _fail(
                    path,
                    f": line {number}",
                    f"{value[:40]!r} is not a whole-number customer index (in {text[:80]!r})",
                )
    if not lines:
        return _fail(path, "", "holds no contact (empty, or only comments and blank lines)")
    return _fail(path, "", "cannot be read as two customer indices per line")


def check(edges: EdgeList, customers: int, path: Path) -> None:
    """Refuse indices outside ``0 .. customers - 1`` and self-loops, naming the line.

    Raises:
        EdgeListError: naming the file, the line, the value and the allowed range.
    """
    import numpy as np

    sources, targets = edges.sources, edges.targets
    outside = (sources < 0) | (sources >= customers) | (targets < 0) | (targets >= customers)
    if outside.any():
        row = int(np.argmax(outside))
        value = int(sources[row]) if not 0 <= sources[row] < customers else int(targets[row])
        number, text, _ = _data_lines(path)[row]
        raise _fail(
            path,
            f": line {number} ({text[:80]!r})",
            f"index {value} is out of range; allowed 0..{customers - 1} "
            f"(population.customers = {customers})",
        )
    loops = sources == targets
    if loops.any():
        row = int(np.argmax(loops))
        number, text, _ = _data_lines(path)[row]
        raise _fail(
            path,
            f": line {number} ({text[:80]!r})",
            "a self-loop is not allowed: a customer is not their own contact (remove the line)",
        )
