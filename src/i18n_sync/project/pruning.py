"""Deleting the cache files no run has used for a month: the cache folder does not grow without end.

Each project (a checkout's path) keeps files of its own in the cache folder
(`cache`), and so does each set of languages a run is narrowed to and each
report; a CI runner whose workspace gets a new path every time leaves a new
project behind on each run. So a run that did work looks through the folder,
at most once a day (a stamp file there says when it last did), and deletes
the tool's own files that no run has used for `MAX_AGE`. A run answered from
its memo writes nothing, so it touches the files it used instead
(`cache.RunMemo.recall`). Only names the tool writes are deleted, each a plain
file or a symlink (deleted itself, never followed): whatever else the folder
holds is left alone. Deleting is always safe: the next run of that project
rebuilds what it needs.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Iterable
from pathlib import Path

MAX_AGE = 30 * 24 * 3600
"""Seconds since its last use after which a cache file is deleted."""

# A temporary file older than this was left by a run that was killed while writing it.
_TEMP_AGE = 24 * 3600
# The folder is looked through at most this often.
_EVERY = 24 * 3600
STAMP = "pruned.stamp"
"""The file in the cache folder whose modification time says when it was last looked through."""

# What the tool names its files: ``<kind>-<project>.cache`` (the project: 24 hexadecimal
# digits of its path's digest; the kinds of earlier versions too), and the temporary files
# they are written through (`temps`).
_CACHE_FILE = re.compile(r"[a-z0-9-]+-[0-9a-f]{24}\.cache")
_TEMP_FILE = re.compile(r"\.i18n-sync-[0-9a-f]+\.tmp")


def prune(folder: Path, now: float | None = None) -> list[str] | None:
    """Delete the tool's files in `folder` that no run used for `MAX_AGE`, unless the folder
    was looked through less than a day ago; the names deleted, sorted, or None when it was
    not looked through (recently done, or a folder that cannot be written)."""
    now = time.time() if now is None else now
    stamp = folder / STAMP
    try:
        if now - stamp.stat().st_mtime < _EVERY:
            return None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        stamp.touch()
        os.utime(stamp, (now, now))
    except OSError:
        return None  # a folder no run can write to holds nothing a run wrote
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError:
        return []
    return sorted(entry.name for entry in entries if _expired(entry, now) and _deleted(entry.path))


def _expired(entry: os.DirEntry[str], now: float) -> bool:
    """Whether `entry` is one of the tool's files, unused for longer than its kind is kept."""
    if _CACHE_FILE.fullmatch(entry.name):
        age = MAX_AGE
    elif _TEMP_FILE.fullmatch(entry.name):
        age = _TEMP_AGE
    else:
        return False
    try:
        found = entry.stat(follow_symlinks=False)
    except OSError:
        return False
    if not (stat.S_ISREG(found.st_mode) or stat.S_ISLNK(found.st_mode)):
        return False
    return now - found.st_mtime >= age


def _deleted(path: str) -> bool:
    try:
        os.unlink(path)
    except OSError:  # gone meanwhile (another run prunes too), or not ours to delete
        return False
    return True


def touch(paths: Iterable[Path]) -> None:
    """Mark cache files as used now, where they exist (a file used is kept: `prune`)."""
    for path in paths:
        try:
            os.utime(path, follow_symlinks=False)
        except (OSError, NotImplementedError):  # gone, or a system that cannot set a link's time
            continue
