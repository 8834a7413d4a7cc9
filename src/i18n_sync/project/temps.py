"""Temporary files: made beside their targets under the tool's own names, flushed, swept.

Every file the tool writes is first a temporary file in the target's folder
(`write_temp`), which `writing` renames over the target once it is complete
and flushed, or which `staging` writes ahead while a run still works. A folder
that does not exist yet is written whole in a temporary folder beside it
(`make_twin`), renamed into place in one step. A killed run leaves such files
and folders behind; `remove_stale_temps` deletes them.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Callable, Collection, Iterable
from contextlib import suppress
from functools import cache
from pathlib import Path, PurePosixPath

from i18n_sync.project.files import LOCK_FILE, TEMP_PREFIX, TEMP_SUFFIX, Folders, is_own_file, reporting

NEW_FILE_MODE = 0o644  # the permissions of a file the tool makes


def mode_of(target: str | Path) -> int:
    """The permissions of `target`, which a new version keeps (`NEW_FILE_MODE` for a new file)."""
    try:
        return os.lstat(target).st_mode & 0o7777
    except (FileNotFoundError, NotADirectoryError):  # the second: writing says what is wrong
        return NEW_FILE_MODE


def writable(target: str) -> tuple[int, int | None] | None:
    """(permissions, size) of `target` when it is a plain file its owner may write, with
    the permissions of a new file and no size when it is missing; else None (one `lstat`)."""
    try:
        found = os.lstat(target)
    except FileNotFoundError:
        return NEW_FILE_MODE, None
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode) or not found.st_mode & stat.S_IWUSR:
        return None
    return found.st_mode & 0o7777, found.st_size


def existing_folder(folder: str) -> str:
    """`folder`, or the nearest path above it that exists (a first run's folders are made later):
    a folder, or whatever stands in a folder's place (a file, a symlink, even one leading nowhere)."""
    return existing_folders([folder])[folder]


def existing_folders(folders: Iterable[str]) -> dict[str, str]:
    """`existing_folder` of each of `folders`, each path on their way looked at once: a first
    sync of a docs tree has some 1,300 missing folders of outputs under a few dozen."""
    folders = list(folders)  # looked at twice
    found: dict[str, str] = {}
    for folder in folders:
        missing = []
        current = folder
        while current not in found:
            parent = os.path.dirname(current)
            if os.path.lexists(current) or parent == current:
                found[current] = current
                break
            missing.append(current)
            current = parent
        for below in missing:
            found[below] = found[current]
    return {folder: found[folder] for folder in folders}


def discard_temp(temp: str) -> None:
    """Delete a temporary file; if even that fails, the next run removes it (with a notice)."""
    with suppress(OSError):
        os.unlink(temp)


# As `tempfile.mkstemp` opens its files: a new file only, never through a symlink, readable by
# its owner alone until its permissions are set.
_TEMP_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_FCHMOD = os.chmod in os.supports_fd  # not on Windows before Python 3.13


def _create_temp(folder: str, name: str | None = None) -> tuple[int, str]:
    """A new, empty temporary file in `folder`, opened for writing: its handle and its path.

    What `tempfile.mkstemp` does, for the tool's own names and at half its cost (a first
    run creates thousands): a random name, created with ``O_EXCL``, another on a clash.
    Given `name`, the file is that one, in a folder of the tool's own (`make_twin`).
    """
    if name is not None:
        path = os.path.join(folder, name)
        return os.open(path, _TEMP_FLAGS, 0o600), path
    for _ in range(100):
        temp = os.path.join(folder, f"{TEMP_PREFIX}{secrets.token_hex(6)}{TEMP_SUFFIX}")
        try:
            return os.open(temp, _TEMP_FLAGS, 0o600), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", folder)


def write_temp(
    target: str | Path, content: bytes, mode: int | None = None, flush: bool = False, named: bool = False
) -> str:
    """Write `content` to a new temporary file beside `target`, flushed to the disk if `flush`.

    Its permissions are `mode`, or those `target` has now. The folder must exist.
    With `named`, the file is `target` itself, which must not exist: a file of a
    folder written whole in a folder of the tool's own (`make_twin`).
    """
    # Strings, not `Path`s, here and for every temporary file: a run writes thousands.
    mode = mode_of(target) if mode is None else mode
    folder, name = os.path.split(target)
    handle, temp = _create_temp(folder, name) if named else _create_temp(folder)
    try:
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(handle, view) :]
            # Without fsync a crash soon after the rename can leave an empty
            # file under the target's name (the rename reaches the disk first).
            if flush:
                os.fsync(handle)
            if _FCHMOD:
                os.chmod(handle, mode)
        finally:
            os.close(handle)
        if not _FCHMOD:
            os.chmod(temp, mode)
    except BaseException:
        discard_temp(temp)
        raise
    return temp


# The random part of the name `make_twin` gives, in bytes (twice as many hex digits). A folder
# swept with what it holds is one named exactly so (`_TWIN_NAME`).
_TWIN_RANDOM = 6
_TWIN_NAME = re.compile(re.escape(TEMP_PREFIX) + f"[0-9a-f]{{{2 * _TWIN_RANDOM}}}" + re.escape(TEMP_SUFFIX))


def make_twin(parent: str) -> str:
    """A new, empty folder of the tool's own in the folder `parent`, under a temporary file's
    kind of name: where a folder that does not exist yet is written whole, to be renamed
    into place in one step (`staging`). A killed run's is removed as its files are
    (`remove_stale_temps`)."""
    for _ in range(100):
        twin = os.path.join(parent, f"{TEMP_PREFIX}{secrets.token_hex(_TWIN_RANDOM)}{TEMP_SUFFIX}")
        try:
            os.mkdir(twin)
        except FileExistsError:
            continue
        return twin
    raise FileExistsError(errno.EEXIST, "no free temporary folder name", parent)


def discard_twin(twin: str) -> None:
    """Delete a folder `make_twin` made, with what is in it; if even that fails, the next run
    removes it (with a notice)."""
    with suppress(OSError):
        shutil.rmtree(twin)


# Linux's renameat2 flag: fail with EEXIST where anything stands at the new name.
_RENAME_NOREPLACE = 1
_AT_FDCWD = -100  # paths relative to the working folder, as `os.replace` takes them
# The errors of a system or a file system that cannot rename so (an old kernel, NFS, a
# sandbox that refuses the call): the caller looks, then renames, as it did before.
_NOT_SUPPORTED = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM})


@cache
def _load_renameat2() -> tuple[Callable[..., int], Callable[[], int]] | None:
    """libc's ``renameat2`` and ctypes' `get_errno`, on Linux with glibc 2.28 or later (or a
    C library as recent); else None. (macOS has ``renamex_np``, which is not tried here.)"""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes  # only here: a run that writes no new catalogue does not pay for it

        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (ImportError, OSError, AttributeError):  # a Python without ctypes, a libc without it
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function, ctypes.get_errno


def rename_new(temp: str, target: str) -> bool | None:
    """Rename `temp` to `target` only where nothing stands at `target`, in one step: True when
    renamed; False when something does (a file, a folder, a symlink, even one leading
    nowhere), which is left as it is; None where the system cannot tell in the same step
    (not Linux, or a file system without ``RENAME_NOREPLACE``): then nothing was done, and
    the caller looks (`os.lstat`) and renames (`os.replace`), with a moment between the two.

    A first run renames thousands of new catalogues into place: one call each, where the
    look and the rename were two (13,692 of them: 112 ms against 86 ms on tmpfs). Other
    failures raise `OSError` (`ValueError` for a NUL in a name), as `os.replace` would.
    """
    loaded = _load_renameat2()
    if loaded is None:
        return None
    renameat2, get_errno = loaded
    source, destination = os.fsencode(temp), os.fsencode(target)
    if b"\0" in source or b"\0" in destination:  # C would read the name up to it
        raise ValueError("embedded null byte")  # as `os.replace` says
    if renameat2(_AT_FDCWD, source, _AT_FDCWD, destination, _RENAME_NOREPLACE) == 0:
        return True
    code = get_errno()
    if code == errno.EEXIST:
        return False
    if code in _NOT_SUPPORTED:  # asked again for the next file: one failing call, another folder
        return None
    raise OSError(code, os.strerror(code), target)


def remove_stale_temps(
    root: Path,
    folders: Iterable[str],
    keep: Collection[str] = (),
    places: Folders | None = None,
    swept: Collection[str] = (),
) -> tuple[str, ...]:
    """Delete the temporary files a killed run left in these folders, and the folders it was
    writing whole (`make_twin`) with what they hold; return their paths (a folder's ending
    in ``/``).

    Call it only while holding `hold_lock`: then no other run is writing, and
    every temporary file is a leftover, but those named in `keep` (this run's
    own, by file name: each name is unique, made with ``O_EXCL``, so one folder
    seen under two names, through a symlink or a bind mount, keeps them too).
    Folders are swept where they really are (`places`), each once. Folders in
    `swept` (where they really are) were swept already this run.
    """
    places = Folders(root) if places is None else places
    swept = set(swept)
    removed = []
    for folder in sorted(set(folders)):
        base = places.place("" if folder == "." else folder)
        if base is None or base in swept:  # out of the repository, or swept under another name
            continue
        swept.add(base)
        try:
            entries = list(os.scandir(base))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name == LOCK_FILE or not is_own_file(entry.name):
                continue
            if entry.name in keep:
                continue
            path = (PurePosixPath(folder) / entry.name).as_posix()
            if entry.is_file(follow_symlinks=False):
                with reporting(path):
                    os.unlink(entry.path)
                removed.append(path)
            elif entry.is_dir(follow_symlinks=False) and _TWIN_NAME.fullmatch(entry.name):  # `make_twin`'s
                with reporting(path):
                    shutil.rmtree(entry.path)  # a symlink in it is removed, not followed
                removed.append(path + "/")
    return tuple(removed)


def flush_one(item: tuple[str, str]) -> None:
    """Flush the temporary file of (path, temporary file) to the disk; ``path: cannot write``."""
    path, temp = item
    with reporting(path):
        handle = os.open(temp, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
