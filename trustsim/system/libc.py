"""The C library on Linux, for the few calls Python does not wrap (mallopt, prctl)."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys


def linux_libc() -> ctypes.CDLL | None:
    """The C library (errno kept for ``ctypes.get_errno``) on Linux; None elsewhere or when
    it cannot be loaded."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None
