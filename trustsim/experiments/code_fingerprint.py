"""What a run's numbers depend on besides its inputs: the code that computes them.

:func:`code_fingerprint` is part of every run key (:func:`trustsim.experiments.runs.run_key`):
the SHA-256 of trustsim's own source files (every ``.py`` of the installed package, so any
edit, even a comment, counts) together with the versions of Python and of the packages
that compute or store a run: NumPy (random streams, arithmetic), Mesa, numba when
installed, pandas and pyarrow (the stored table). An upgrade of any of them makes earlier
stored runs unreachable, so they are recomputed rather than served. It is a digest of the
code, not only of the version number, because a development checkout changes without its
version changing.
"""

from __future__ import annotations

import functools
import hashlib
import platform
from importlib import metadata
from pathlib import Path

#: Packages whose version is part of :func:`code_fingerprint` (missing ones count as absent).
RESULT_PACKAGES: tuple[str, ...] = ("trustsim", "numpy", "mesa", "numba", "pandas", "pyarrow")

#: The installed ``trustsim`` package folder.
PACKAGE_DIR = Path(__file__).resolve().parents[1]


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 (hex) of trustsim's source files, Python's version and :data:`RESULT_PACKAGES`'."""
    digest = hashlib.sha256()
    digest.update(
        f"python {platform.python_implementation()} {platform.python_version()}\n".encode()
    )
    for package in RESULT_PACKAGES:
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{package} {version}\n".encode())
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
