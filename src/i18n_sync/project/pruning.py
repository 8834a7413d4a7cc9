"""Deleting the cache files no run has used for a month: the cache folder does not grow without end.

Each project (a checkout's path) keeps files of its own in the cache folder
(`cache`), and so does each set of languages a run is narrowed to and each
report; a CI runner whose workspace gets a new path every time leaves a new
project behind on each run. So a run that did work looks through the folder,
at most once a day (a stamp file there says when it last did), and deletes
the tool's own files that no run has used for `MAX_AGE`. A run answered from
its memo writes nothing, and one that adds nothing to its job cache does not write
that, so each touches the files it used instead (`cache.RunMemo.recall`,
`RunMemo.jobs`). Only names the tool writes are deleted, each a plain
file or a symlink (deleted itself, never followed): whatever else the folder
holds is left alone. Deleting is always safe: the next run of that project
rebuilds what it needs.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import time
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

MAX_AGE = 30 * 24 * 3600
"""Seconds since its last use after which a cache file is deleted."""

# A temporary file older than this was left by a run that was killed while writing it.
_TEMP_AGE = 24 * 3600
# The folder is looked through at most this often.
_EVERY = 24 * 3600
STAMP = "pruned.stamp"
"""The file in the cache folder whose modification time says when it was last looked through."""
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

# What the tool names its files: ``<kind>-<project>.cache``, the project being 24 hexadecimal
# digits of its path's digest, and every kind it ever wrote (``files``: an earlier version's
# memo), each with its plan's; and the temporary files they are written through (`temps`).
# Nothing wider: the folder may be one other tools keep files in too.
_CACHE_FILE = re.compile(
    r"(run|plan|jobs|files|(status-)?(status|lang-[0-9a-f]{12}))(-plan)?-[0-9a-f]{24}\.cache"
)
_TEMP_FILE = re.compile(r"\.i18n-sync-[0-9a-f]+\.tmp")


def prune(folder: Path, now: float | None = None) -> list[str] | None:
    """Delete the tool's files in `folder` that no run used for `MAX_AGE`, unless the folder
    was looked through less than a day ago; the names deleted, sorted, or None when it was
    not looked through (recently done, or a folder that cannot be written)."""
    now = time.time() if now is None else now
    if not _stamped(folder / STAMP, now):
        return None
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError:
        return []
    return sorted(entry.name for entry in entries if _deleted(entry, now))


def _stamped(stamp: Path, now: float) -> bool:
    """Date the stamp `now`, unless it says the folder was looked through in the last day;
    whether it did. A stamp dated later than `now` (a cache copied from a machine whose clock
    ran ahead) is not believed. Never through a symlink: anything but a plain file under its
    name is replaced."""
    try:
        found = os.lstat(stamp)
    except FileNotFoundError:
        found = None
    except OSError:
        return False
    if found is not None and stat.S_ISREG(found.st_mode) and 0 <= now - found.st_mtime < _EVERY:
        return False
    try:
        if found is not None and not stat.S_ISREG(found.st_mode):
            os.unlink(stamp)  # a symlink, say: not written through (a folder: not ours to remove)
        handle = os.open(stamp, os.O_WRONLY | os.O_CREAT | _NOFOLLOW, 0o600)
        try:
            os.utime(handle if os.utime in os.supports_fd else stamp, (now, now))
        finally:
            os.close(handle)
    except OSError:
        return False  # a folder no run can write to holds nothing a run wrote
    return True


def _kept_for(name: str) -> float | None:
    """How long a file of this name is kept unused; None: not one of the tool's files."""
    if _CACHE_FILE.fullmatch(name):
        return MAX_AGE
    if _TEMP_FILE.fullmatch(name):
        return _TEMP_AGE
    return None


def _unused(path: str, age: float, now: float) -> bool:
    """Whether `path` is a plain file or a symlink, unchanged for `age` (never followed)."""
    try:
        found = os.lstat(path)
    except OSError:
        return False
    plain = stat.S_ISREG(found.st_mode) or stat.S_ISLNK(found.st_mode)
    return plain and now - found.st_mtime >= age


def _deleted(entry: os.DirEntry[str], now: float) -> bool:
    """Delete `entry` if it is one of the tool's files unused for longer than it is kept;
    whether it was.

    Another run may write the file again (a rename over it) between the look and the
    delete. So it is first renamed aside, which no run does to a file it writes, and
    looked at again there: a file that turns out fresh is put back, unless a newer one
    stands under its name by then, which wins.
    """
    age = _kept_for(entry.name)
    if age is None or not _unused(entry.path, age, now):
        return False
    aside = os.path.join(os.path.dirname(entry.path), f".i18n-sync-{secrets.token_hex(6)}.tmp")
    try:
        os.rename(entry.path, aside)
    except OSError:  # gone meanwhile (another run prunes too), or not ours to move
        return False
    unused = _unused(aside, age, now)
    if not unused:
        with suppress(OSError):  # a newer file there (or no link possible): it stands
            os.link(aside, entry.path, follow_symlinks=False)
    with suppress(OSError):  # left behind, it is a temporary file: deleted a day later
        os.unlink(aside)
    return unused


def touch(paths: Iterable[Path]) -> None:
    """Mark cache files as used now, where they exist (a file used is kept: `prune`)."""
    for path in paths:
        try:
            os.utime(path, follow_symlinks=False)
        except (OSError, NotImplementedError):  # gone, or a system that cannot set a link's time
            continue
