"""Tests for trustsim.compiled: the numba cache is keyed by the package's sources, so an edit
in one module can never leave a caller in another module running stale machine code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numba
import pytest

from trustsim import compiled

COMPILED_SOURCE = Path(compiled.__file__)

CALLEE = "from pkg.compiled import njit\n\n\n@njit\ndef offset():\n    return {value}\n"
CALLER = (
    "from pkg.callee import offset\nfrom pkg.compiled import njit\n\n\n"
    "@njit\ndef shifted(x):\n    return x + offset()\n"
)
#: The same two modules with numba's own cache (keyed on each function's own file only).
PLAIN_CALLEE = "import numba\n\n\n@numba.njit(cache=True)\ndef offset():\n    return {value}\n"
PLAIN_CALLER = (
    "import numba\n\nfrom pkg.callee import offset\n\n\n"
    "@numba.njit(cache=True)\ndef shifted(x):\n    return x + offset()\n"
)


def make_package(root: Path, callee: str, caller: str, value: int) -> Path:
    """A package ``pkg`` with a copy of trustsim/compiled.py and a caller that calls a
    callee in another module; returns the callee's path."""
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copy(COMPILED_SOURCE, package / "compiled.py")
    (package / "callee.py").write_text(callee.format(value=value))
    (package / "caller.py").write_text(caller)
    return package / "callee.py"


def call_shifted(root: Path) -> int:
    """Run ``pkg.caller.shifted(100)`` in a fresh interpreter (cache in ``root/cache``)."""
    environment = {**os.environ, "PYTHONPATH": str(root), "TRUSTSIM_CACHE_DIR": str(root / "cache")}
    environment.pop("NUMBA_CACHE_DIR", None)
    completed = subprocess.run(
        [sys.executable, "-c", "from pkg.caller import shifted; print(shifted(100))"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=root,
        timeout=120,
        check=True,
    )
    return int(completed.stdout.strip())


def test_an_edited_callee_in_another_module_is_recompiled(tmp_path: Path):
    callee = make_package(tmp_path, CALLEE, CALLER, value=1)
    assert call_shifted(tmp_path) == 101  # compiles and caches
    assert call_shifted(tmp_path) == 101  # loads from the cache
    callee.write_text(CALLEE.format(value=2))  # same size, the caller's file untouched
    assert call_shifted(tmp_path) == 102
    caches = sorted(path.name for path in (tmp_path / "cache").iterdir())
    assert len(caches) == 2 and all(name.startswith("numba-") for name in caches)
    assert not list((tmp_path / "pkg").rglob("*.nbi")), "nothing cached next to the sources"


def test_numbas_own_cache_serves_the_stale_callee(tmp_path: Path):
    """Companion: the failure the keyed cache prevents. With ``numba.njit(cache=True)`` the
    caller's cache is keyed on its own file, so after the callee changes it still returns
    the old sum (numba 0.68; if numba ever tracks callees this test tells us)."""
    callee = make_package(tmp_path, PLAIN_CALLEE, PLAIN_CALLER, value=1)
    assert call_shifted(tmp_path) == 101
    callee.write_text(PLAIN_CALLEE.format(value=2))
    assert call_shifted(tmp_path) == 101  # stale


def test_the_cache_name_follows_every_source_file(tmp_path: Path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("A = 1\n")
    (package / "sub" / "b.py").write_text("B = 2\n")
    names = [compiled.cache_name(package)]
    (package / "sub" / "b.py").write_text("B = 3\n")  # an edit deep in the tree
    names.append(compiled.cache_name(package))
    (package / "sub" / "b.py").rename(package / "sub" / "c.py")  # a rename
    names.append(compiled.cache_name(package))
    (package / "notes.txt").write_text("not a source")  # not Python: ignored
    names.append(compiled.cache_name(package))
    assert len(set(names[:3])) == 3
    assert names[3] == names[2]
    assert names[0].startswith(f"numba-{numba.__version__}-py{sys.version_info[0]}")


def test_trustsim_functions_cache_in_the_keyed_directory_and_leave_numba_alone():
    from trustsim.model import random_numbers

    directory = compiled.cache_directory()
    assert directory is not None and directory.name == compiled.cache_name()
    random_numbers.uniform32(random_numbers.np.uint64(7))
    assert any(directory.rglob("*random_numbers*.nbi"))
    assert os.environ.get("NUMBA_CACHE_DIR", "") == numba.config.CACHE_DIR
    assert not numba.config.USING_SVML  # Intel SVML would change exp/log in the last bit


@pytest.fixture
def fresh_cache_directory(monkeypatch: pytest.MonkeyPatch):
    compiled.cache_directory.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    compiled.cache_directory.cache_clear()


def test_an_unwritable_root_falls_back_to_the_temporary_folder(
    tmp_path: Path, fresh_cache_directory: pytest.MonkeyPatch
):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    fresh_cache_directory.setenv("TRUSTSIM_CACHE_DIR", str(blocker / "cache"))
    fresh_cache_directory.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    directory = compiled.cache_directory()
    assert directory is not None
    assert directory.parent.parent == tmp_path / "tmp" and directory.is_dir()


def test_without_any_writable_place_functions_compile_uncached(
    tmp_path: Path, fresh_cache_directory: pytest.MonkeyPatch
):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    fresh_cache_directory.setenv("TRUSTSIM_CACHE_DIR", str(blocker / "cache"))
    fresh_cache_directory.setattr("tempfile.tempdir", str(blocker / "tmp"))
    assert compiled.cache_directory() is None

    @compiled.njit
    def twice(x):  # type: ignore[no-untyped-def]
        return 2 * x

    assert twice(21) == 42 and twice.py_func(21) == 42
    assert twice._cache.__class__.__name__ == "NullCache"


def test_pruning_keeps_the_newest_directories(tmp_path: Path):
    for age in range(12):
        directory = tmp_path / f"numba-old-{age}"
        directory.mkdir()
        os.utime(directory, (1_000_000 - age, 1_000_000 - age))
    (tmp_path / "unrelated").mkdir()
    keep = tmp_path / "numba-current"
    keep.mkdir()
    compiled.prune(tmp_path, keep, kept=4)
    left = sorted(path.name for path in tmp_path.iterdir())
    assert left == ["numba-current", "numba-old-0", "numba-old-1", "numba-old-2", "unrelated"]


def test_thread_limits_apply_inside_the_block_and_restore_the_count_after() -> None:
    before = compiled.set_threads(2)
    try:
        assert compiled.threads() == before == min(2, compiled.most_threads())
        with compiled.threads_for(compiled.PARALLEL_MIN_ITEMS - 1):
            assert compiled.threads() == 1  # a small job: one thread
        assert compiled.threads() == before
        with compiled.threads_for(compiled.PARALLEL_MIN_ITEMS):
            assert compiled.threads() == before  # a large one: the threads in use
        with compiled.threads_at_most(1) as used:
            assert used == compiled.threads() == 1
            with compiled.threads_at_most(5) as inner:  # at most: never raises the count
                assert inner == compiled.threads() == 1
            assert compiled.threads() == 1
        assert compiled.threads() == before
        with compiled.threads_at_most(5) as used:
            assert used == before
            compiled.set_threads(1)  # changed inside the block: restored after it
        assert compiled.threads() == before
        with pytest.raises(RuntimeError), compiled.threads_for(10):
            raise RuntimeError  # restored when the block fails too
        assert compiled.threads() == before
    finally:
        compiled.set_threads(None)
