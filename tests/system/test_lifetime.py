"""SIGTERM and Ctrl-C while numba loads or compiles code (trustsim/system/lifetime.py).

A KeyboardInterrupt raised inside numba's or llvmlite's callbacks from C is swallowed
there, so the handler defers it to the next :func:`check_interrupt` (between steps). The
end-to-end check (a terminated ``trustsim run`` exits 130 without a traceback) is
tests/output/test_claimed_folders.py."""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

import numba
import pytest

from trustsim.system import lifetime


def _frame_in(path: str) -> FrameType:
    """A frame whose code comes from ``path`` (as if the signal arrived there)."""
    namespace: dict[str, object] = {}
    exec(compile("import sys\ndef here():\n    return sys._getframe()\n", path, "exec"), namespace)
    frame = namespace["here"]()  # type: ignore[operator]
    assert isinstance(frame, FrameType)
    return frame


def test_an_interrupt_inside_numba_waits_for_the_next_check() -> None:
    numba_file = os.path.join(os.path.dirname(numba.__file__), "core", "dispatcher.py")
    with lifetime.sigterm_as_interrupt():
        lifetime._raise_interrupt(signal.SIGTERM, _frame_in(numba_file))  # deferred
        with pytest.raises(KeyboardInterrupt):
            lifetime.check_interrupt()
    lifetime.check_interrupt()  # the context ended: nothing pending


def test_an_interrupt_elsewhere_is_raised_at_once() -> None:
    with lifetime.sigterm_as_interrupt():
        with pytest.raises(KeyboardInterrupt):
            lifetime._raise_interrupt(signal.SIGTERM, sys._getframe())
        lifetime.check_interrupt()  # raised already: nothing left pending


def test_an_interrupt_in_a_deferred_block_is_raised_at_its_end() -> None:
    """A real SIGTERM inside :func:`lifetime.interrupts_deferred` lets the block finish
    and is raised as it ends; nothing stays pending."""
    finished = False
    with lifetime.sigterm_as_interrupt():
        # (a SIGTERM without the handler would end the test process, not fail the test)
        assert signal.getsignal(signal.SIGTERM) is lifetime._raise_interrupt
        with pytest.raises(KeyboardInterrupt), lifetime.interrupts_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # the handler runs between these bytecodes
                pass
            finished = True
        assert finished
        lifetime.check_interrupt()  # raised already: nothing left pending
    assert lifetime._deferred_blocks == 0


def test_sigterm_and_ctrl_c_handlers_are_restored() -> None:
    before_term = signal.getsignal(signal.SIGTERM)
    before_int = signal.getsignal(signal.SIGINT)
    with lifetime.sigterm_as_interrupt():
        assert signal.getsignal(signal.SIGTERM) is lifetime._raise_interrupt
    assert signal.getsignal(signal.SIGTERM) is before_term
    assert signal.getsignal(signal.SIGINT) is before_int
