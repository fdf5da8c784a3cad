"""The files a scenario reads, by the bytes they hold.

A stored run may be reused only if everything that can change its numbers is the same
(DESIGN.md, "Bad input"). :func:`input_digests` gives the SHA-256 of the bytes of every
file a scenario reads (today the edge list of ``network: {kind: edge_list}``); the
scenario records them when it is validated (``Scenario.input_files``), and they feed its
``config_hash`` and, through it, the run key (:func:`trustsim.experiments.runs.run_key`,
which adds the code's fingerprint from :mod:`trustsim.experiments.code_fingerprint`).
Editing the file changes the key even though its path stays the same.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from trustsim.scenario.edge_list import located

_file_digests: dict[tuple[object, ...], str] = {}


def file_digest(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes; "missing" when it cannot be read.

    Cached per file identity, size and modification times, so a sweep hashes a large edge
    list once, and an edited file is hashed again.
    """
    try:
        status = path.stat()
    except OSError:
        return "missing"
    identity = (str(path.resolve()), status.st_dev, status.st_ino, status.st_size,
                status.st_mtime_ns, status.st_ctime_ns)  # fmt: skip
    if identity not in _file_digests:
        digest = hashlib.sha256()
        try:
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(2**20), b""):
                    digest.update(block)
        except OSError:
            return "missing"
        _file_digests[identity] = digest.hexdigest()
    return _file_digests[identity]


def input_digests(
    network_kind: str, network_path: str | None, source_dir: str | Path | None
) -> dict[str, str]:
    """Field path -> SHA-256 of the bytes of each file a scenario with this network reads."""
    if network_kind != "edge_list" or network_path is None:
        return {}
    return {"network.path": file_digest(located(network_path, source_dir))}
