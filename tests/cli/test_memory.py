"""Allocator tuning (trustsim/memory.py)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from trustsim.cli.memory import keep_freed_memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_settings_are_applied_on_glibc() -> None:
    # in a child process: the setting is process-wide and must not leak into the test run
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from trustsim.cli.memory import keep_freed_memory as k; print(k())",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.strip() == "True"


def test_is_a_no_op_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert keep_freed_memory() is False
