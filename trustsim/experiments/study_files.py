"""Copies of an adaptive kind's database (an optuna study, a pyABC history) into its
result folder, so that the folder holds everything the search or fit learned."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def copy_sqlite(source: Path, target: Path) -> Path:
    """A consistent copy of the SQLite database ``source`` at ``target`` (SQLite's online
    backup: safe while another connection has the database open)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    reader = sqlite3.connect(source)
    try:
        writer = sqlite3.connect(target)
        try:
            reader.backup(writer)
        finally:
            writer.close()
    finally:
        reader.close()
    return target
