"""The file system edge: reading text strictly and writing files atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import I18nSyncError, WriteError
from .model import FileChange

TEMP_PREFIX = ".i18n-sync-"
TEMP_SUFFIX = ".tmp"


def decode_utf8(data: bytes, path: str, error: type[I18nSyncError]) -> str:
    """Decode strict UTF-8, naming the line and column of a bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as problem:
        before = data[: problem.start]
        line = before.count(b"\n") + 1
        column = problem.start - (before.rfind(b"\n") + 1) + 1
        raise error(
            f"invalid UTF-8 (byte 0x{data[problem.start]:02x}); save the file as UTF-8",
            path,
            line,
            column,
        ) from None


def read_bytes(root: Path, relative: str) -> bytes | None:
    """The file's bytes, or None when there is no such file."""
    try:
        return (root / relative).read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise WriteError("is a folder, not a file; move it away", relative) from None
    except OSError as problem:
        raise WriteError(f"cannot read: {problem.strerror}", relative) from None


def is_current(root: Path, change: FileChange) -> bool:
    """Whether the file already holds exactly these bytes."""
    return read_bytes(root, change.path) == change.content


def write_atomic(target: Path, content: bytes) -> None:
    """Replace `target` with `content` so that readers see the old or the new file, never a mix.

    The bytes go to a temporary file in the same folder (a name no source or
    output pattern matches), are flushed to disk, then renamed over the target.
    """
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(content)
            temp.flush()
            os.fsync(temp.fileno())
        if target.exists():
            os.chmod(temp_name, target.stat().st_mode & 0o7777)
        else:
            os.chmod(temp_name, 0o644)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def apply_changes(root: Path, changes: Iterable[FileChange]) -> list[str]:
    """Write each change whose bytes differ from the file's; return the paths written."""
    written = []
    for change in changes:
        if is_current(root, change):
            continue
        try:
            write_atomic(root / change.path, change.content)
        except OSError as problem:
            raise WriteError(f"cannot write: {problem.strerror}", change.path) from None
        written.append(change.path)
    return written
