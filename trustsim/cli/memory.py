"""Allocator tuning for large array workloads (the vectorized engine at 10^5-10^6 people).

A step allocates and frees dozens of arrays of N values. glibc returns such blocks to the
operating system at once (mmap for large blocks, heap trimming), so every step pays page
faults to get them back: about 15% of a 10^6-customer step (docs/performance.md). The
``trustsim`` command therefore asks glibc to keep freed memory for reuse. It is a
process-wide setting, so the library never does this on import; call
:func:`keep_freed_memory` yourself in a script if you want it. Elsewhere than glibc it does
nothing.
"""

from __future__ import annotations

import ctypes

from trustsim.system.libc import linux_libc

_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> bool:
    """Tell glibc to reuse freed blocks instead of returning them to the OS.

    Sets the mmap threshold to 32 MiB (glibc's maximum), the trim threshold to 4 GiB and
    the top pad to 512 MiB. Returns True when the settings were applied.
    """
    libc = linux_libc()
    try:
        mallopt = libc.mallopt if libc is not None else None
    except AttributeError:  # not glibc (e.g. musl has no mallopt)
        return False
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    results = (
        mallopt(_M_MMAP_THRESHOLD, 32 * 2**20),
        mallopt(_M_TRIM_THRESHOLD, 2**31 - 1),
        mallopt(_M_TOP_PAD, 512 * 2**20),
    )
    return all(result == 1 for result in results)
