"""The file system edge: reading text strictly, writing files atomically, one run at a time.

Every file the tool writes goes through `apply_changes` (or `write_atomic`):
the new bytes are complete in memory, go to a temporary file beside the
target, are flushed to disk, and are renamed over the target, so a reader or
a crash sees the old file or the new one, never a mix. `hold_lock` makes a
second run in the same repository wait until the first has finished.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from i18n_sync.errors import I18nSyncError, WriteError
from i18n_sync.model import FileChange

# A temporary file's name starts with a dot and ends in .tmp, so no source
# pattern (``**/*.md``) or output pattern (``{path}.{lang}.md``) matches it.
TEMP_PREFIX = ".i18n-sync-"
TEMP_SUFFIX = ".tmp"
LOCK_FILE = ".i18n-sync.lock"

# Names Windows gives to devices, with or without an extension (``CON.md``).
_DEVICE_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{name}{digit}" for name in ("COM", "LPT") for digit in "123456789"]
)
# Characters a file name cannot hold on Windows or macOS (a repository with
# them cannot be checked out there), and "/" for names that fold into one.
_BAD_CHARACTERS = frozenset('<>:"|?*\\/')
# Bidirectional controls make a name read differently from what it is.
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MAX_NAME_BYTES = 255  # the longest file name ext4, APFS and NTFS all accept
_WAIT_STEP = 0.05  # seconds between two tries to take a busy lock
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # not on Windows, where symlinks need privileges


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


def read_bytes(
    root: Path,
    relative: str,
    limit: int | None = None,
    error: type[I18nSyncError] = WriteError,
    confine: bool = True,
) -> bytes | None:
    """The file's bytes, or None when there is no such file.

    A file larger than `limit` bytes raises `error`, before it is read: the
    limit is what keeps a huge or endless input (a symlink to ``/dev/zero``)
    from filling the memory or keeping the parser busy for minutes. With
    `confine` (for every file the configuration names), a symlink that leads
    out of `root` raises `error` too; a file the user names on the command line
    may be anywhere.
    """
    # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
    # O_NOFOLLOW: the path is resolved first (`_real_path`), so a symlink put in its
    # place after that is refused instead of followed.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | _NOFOLLOW
    try:
        where = _real_path(root, relative, error) if confine else os.path.realpath(root / relative)
        handle = os.open(where, flags)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise WriteError("is a folder, not a file; move it away", relative) from None
    except OSError as problem:
        if problem.errno == errno.ELOOP:
            raise error("became a symlink while being read; refusing to follow it", relative) from None
        raise WriteError(f"cannot read: {problem.strerror}", relative) from None
    try:
        return _read_regular(handle, relative, limit, error)
    except OSError as problem:
        raise WriteError(f"cannot read: {problem.strerror}", relative) from None
    finally:
        os.close(handle)


def read_many(
    root: Path, relatives: Iterable[str], limit: int | None = None
) -> dict[str, bytes | None] | None:
    """Many files' bytes at once (None for a missing one), or None when any is not a plain file.

    As `read_bytes` with `confine`, but each folder is resolved once: a run's snapshot
    reads thousands of files in a few folders. The last part of each path is opened
    with O_NOFOLLOW, so a symlink there is a reason to give up, as is a folder that
    leads out of `root`; the caller then reads file by file and says what is wrong.
    """
    base = os.path.realpath(root)
    folders: dict[str, str | None] = {}
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | _NOFOLLOW
    found: dict[str, bytes | None] = {}
    for relative in relatives:
        folder, _, name = relative.rpartition("/")
        if folder not in folders:
            real = os.path.realpath(root / folder)
            folders[folder] = real if Path(real).is_relative_to(base) else None
        where = folders[folder]
        if where is None or not _NOFOLLOW:
            return None
        try:
            handle = os.open(os.path.join(where, name), flags)
        except FileNotFoundError:
            found[relative] = None
            continue
        except OSError:
            return None
        try:
            found[relative] = _read_regular(handle, relative, limit, WriteError)
        except (OSError, I18nSyncError):
            return None
        finally:
            os.close(handle)
    return found


def _real_path(root: Path, relative: str, error: type[I18nSyncError]) -> str:
    """Where `relative` really is; `error` when a symlink takes it out of the repository.

    A pull request can add a symlink: a source or catalogue that is one (or lies in a
    folder that is one) may point at another file of the repository, never outside it.
    """
    path = os.path.realpath(root / relative)
    if not Path(path).is_relative_to(os.path.realpath(root)):
        raise error(
            "is a symlink (or in a folder that is one) to a file outside the repository; "
            "refusing to read it: put the file itself in the repository",
            relative,
        )
    return path


def _read_regular(handle: int, relative: str, limit: int | None, error: type[I18nSyncError]) -> bytes:
    status = os.fstat(handle)
    if stat.S_ISDIR(status.st_mode):
        raise WriteError("is a folder, not a file; move it away", relative)
    if not stat.S_ISREG(status.st_mode):
        raise WriteError("is not a regular file (a device or a pipe); replace it with a file", relative)
    # Plain os.read calls, not a file object: a run reads thousands of small files.
    wanted = None if limit is None else limit + 1
    chunks = []
    size = 0
    while wanted is None or size < wanted:
        # The size fstat gave, and one byte more to see the end; then on, for a file that grows.
        ask = status.st_size + 1 - size if size <= status.st_size else 65536
        chunk = os.read(handle, ask if wanted is None else min(ask, wanted - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if limit is not None and len(data) > limit:
        size = max(len(data), os.fstat(handle).st_size)
        raise error(
            f"is {size:,} bytes, more than max_file_size ({limit:,}); split the file, "
            "or raise max_file_size in the configuration",
            relative,
        )
    return data


def is_current(root: Path, change: FileChange) -> bool:
    """Whether the file already holds exactly these bytes, as the run found or as it is now
    (for a deletion: whether it is gone)."""
    if change.current:
        return True
    return _holds(read_bytes(root, change.path), change)


def _holds(found: bytes | None, change: FileChange) -> bool:
    """Whether a file holding `found` (None: no file) is as `change` wants it."""
    return found is None if change.delete else found == change.content


def is_own_file(name: str) -> bool:
    """Whether a file name is one of the tool's own: a temporary file or the lock."""
    return name == LOCK_FILE or (name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX))


# ---------------------------------------------------------------------------
# Where the tool may write


def path_problem(relative: str) -> str | None:
    """Why a repository-relative path may not be written, or None when it may.

    Only the spelling is judged here (`check_target` looks at the disk too):
    the path must stay inside the repository however it is read, and be a
    name every common file system can hold, so that the repository stays
    usable on Windows and macOS checkouts too.
    """
    if not relative:
        return "is empty"
    if relative.startswith("/"):
        return "is an absolute path; the tool writes only inside the repository"
    for name in relative.split("/"):
        problem = _name_problem(name)
        if problem is not None:
            return problem
    return None


@lru_cache(maxsize=4096)  # a pure function of the name; a docs tree repeats its folder names
def _name_problem(name: str) -> str | None:
    # Look at the compatibility form too: full-width "．．" or "ＣＯＮ" turn into
    # ".." or "CON" in tools (and Windows code pages) that fold them.
    for form in dict.fromkeys((name, unicodedata.normalize("NFKC", name))):
        if form in ("", ".", ".."):
            return "leaves the repository or names a folder ('.', '..' or an empty part)"
        if any(_is_control(char) for char in form):
            return "contains a control character (NUL, a line break, a bidi control, ...)"
        bad = sorted(_BAD_CHARACTERS.intersection(form))
        if bad:
            return f"contains {bad[0]!r}, which Windows and macOS do not allow in a file name"
        if form.split(".")[0].upper().rstrip(" ") in _DEVICE_NAMES:
            return f"uses the device name {form.split('.')[0]!r}, which Windows reserves"
        if form.endswith((".", " ")):
            return "ends with a dot or a space, which Windows drops"
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        return f"has a name longer than {_MAX_NAME_BYTES} bytes"
    return None


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS


def _shown(relative: str) -> str:
    """The path as a message may print it: control characters spelled out (``\\n``, ``\\x00``)."""
    return "".join(repr(char)[1:-1] if _is_control(char) else char for char in relative)


def check_target(root: Path, relative: str, inside: dict[str, bool] | None = None) -> None:
    """Raise `WriteError` unless the tool may write `relative` inside `root`.

    Beyond `path_problem`: the path must still be inside the repository once
    symbolic links in its folders are followed, and the file itself must not
    be a symbolic link (writing through one changes a file somewhere else).
    `inside` may remember, for one batch of paths, which folders were found
    inside the repository: thousands of outputs share a few folders.
    """
    problem = path_problem(relative)
    if problem is not None:
        raise WriteError(f"{problem}; fix the configuration or rename the source", _shown(relative))
    folder = relative.rpartition("/")[0]
    folders = {} if inside is None else inside
    if folder not in folders:
        folders[folder] = Path(os.path.realpath(root / folder)).is_relative_to(os.path.realpath(root))
    if not folders[folder]:
        raise WriteError("is in a folder outside the repository (a symlink); refusing to write", relative)
    if os.path.islink(os.path.join(root, relative)):
        raise WriteError("is a symlink; refusing to write", relative)


# ---------------------------------------------------------------------------
# Writing


@dataclass(frozen=True, slots=True)
class Applied:
    """What `apply_changes` did.

    `written`: the files replaced; `removed`: temporary files an interrupted
    run had left, now deleted; `errors`: files left alone because they changed
    on disk after the run read them; `current`: the files that already held
    their bytes; `deleted`: the files deleted as asked (`FileChange.deletion`).
    """

    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    errors: tuple[WriteError, ...] = ()
    current: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()


@contextmanager
def _reporting(path: str) -> Iterator[None]:
    """Turn an `OSError` into ``path: cannot write: reason``."""
    try:
        yield
    except OSError as problem:
        reason = problem.strerror or str(problem)
        raise WriteError(f"cannot write: {reason}; the file is unchanged", path) from None


def _mode_of(target: Path) -> int:
    """The permissions of `target`, which a new version keeps (0o644 for a new file)."""
    try:
        return os.lstat(target).st_mode & 0o7777
    except (FileNotFoundError, NotADirectoryError):  # the second: writing says what is wrong
        return 0o644


def _discard(temp: Path) -> None:
    """Delete a temporary file; if even that fails, the next run removes it (with a notice)."""
    with suppress(OSError):
        temp.unlink(missing_ok=True)


def _write_temp(target: Path, content: bytes, mode: int | None = None, flush: bool = False) -> Path:
    """Write `content` to a new temporary file beside `target`, flushed to the disk if `flush`.

    Its permissions are `mode`, or those `target` has now. The folder must exist.
    """
    handle, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=target.parent)
    temp = Path(name)
    try:
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(handle, view) :]
            # Without fsync a crash soon after the rename can leave an empty
            # file under the target's name (the rename reaches the disk first).
            if flush:
                os.fsync(handle)
        finally:
            os.close(handle)
        os.chmod(temp, _mode_of(target) if mode is None else mode)
    except BaseException:
        _discard(temp)
        raise
    return temp


def write_atomic(target: Path, content: bytes, flush: bool = True) -> None:
    """Replace `target` with `content` so that readers see the old or the new file, never a mix.

    The bytes go to a temporary file in the same folder (a name no source or
    output pattern matches), are flushed to disk (unless not `flush`: a cache
    that can tell a torn file), then renamed over the target.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = _write_temp(target, content, flush=flush)
    try:
        os.replace(temp, target)
    except BaseException:
        _discard(temp)
        raise


def remove_stale_temps(root: Path, folders: Iterable[str], keep: Collection[Path] = ()) -> tuple[str, ...]:
    """Delete the temporary files a killed run left in these folders; return their paths.

    Call it only while holding `hold_lock`: then no other run is writing, and
    every temporary file is a leftover, but those in `keep` (this run's own).
    """
    kept = {os.path.abspath(path) for path in keep}  # a temporary file's name is absolute
    removed = []
    for folder in sorted(set(folders)):
        try:
            entries = list(os.scandir(root / folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name == LOCK_FILE or os.path.abspath(entry.path) in kept:
                continue
            if is_own_file(entry.name) and entry.is_file(follow_symlinks=False):
                path = (PurePosixPath(folder) / entry.name).as_posix()
                with _reporting(path):
                    Path(entry.path).unlink(missing_ok=True)
                removed.append(path)
    return tuple(removed)


def _changed_since_read(root: Path, change: FileChange) -> WriteError | None:
    if not change.guarded or read_bytes(root, change.path) == change.original:
        return None
    return WriteError(
        "changed on disk while i18n-sync was running (an editor saved it?); "
        "left as it is, run the command again to include that change",
        change.path,
    )


# fsync one file after the other costs a disk commit each (2.7 s for 500 small files on
# ext4); issued together, the file system commits them in a few batches (0.2 s).
_FLUSH_THREADS = 32


def _flush_one(item: tuple[str, Path]) -> None:
    path, temp = item
    with _reporting(path):
        handle = os.open(temp, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _flush(temps: dict[str, Path]) -> None:
    """Flush every temporary file to the disk, all at once, before any is renamed."""
    if len(temps) <= 1:
        for item in temps.items():
            _flush_one(item)
        return
    with ThreadPoolExecutor(min(_FLUSH_THREADS, len(temps))) as pool:
        list(pool.map(_flush_one, temps.items()))


READ_ONLY = "is read-only, so it is left as it is; make it writable (chmod u+w) to let the tool update it"


def apply_changes(root: Path, changes: Iterable[FileChange], staging: Staging | None = None) -> Applied:
    """Write each change whose bytes differ from the file's; say what was done.

    Call it while holding `hold_lock`. All new contents are written to
    temporary files and flushed first, and only then renamed over their
    targets, so a full disk, a read-only folder or an I/O error (which all
    show up while writing) leave every original untouched; the error is
    raised as ``path: cannot write: reason``. A guarded change (a catalogue)
    is skipped and reported in `Applied.errors` when its file changed since
    the run read it, and so is a change to a read-only file.

    Deletions (`FileChange.deletion`) come last, and only when every file was
    written: a file is deleted only once what replaces it is on disk. A folder
    that a deletion leaves empty goes too (git keeps no empty folders either).
    A change already written to a temporary file by `staging` uses that file;
    the others that `staging` holds are discarded.
    """
    changes = list(changes)
    inside: dict[str, bool] = {}
    for change in changes:
        check_target(root, change.path, inside)
    folders = {PurePosixPath(c.path).parent.as_posix() for c in changes}
    removed = remove_stale_temps(root, folders, staging.staged() if staging is not None else ())
    due = _due(root, changes)
    late = {change.path for change in due}
    current = tuple(change.path for change in changes if change.path not in late)
    modes = {change.path: _mode_of(root / change.path) for change in due}
    # Someone made the file read-only: a wish the tool respects, even as root.
    errors = [WriteError(READ_ONLY, c.path) for c in due if not modes[c.path] & stat.S_IWUSR]
    refused = {error.path for error in errors}
    due = [change for change in due if change.path not in refused]
    deletions = [change for change in due if change.delete]
    due = [change for change in due if not change.delete]
    temps: dict[str, Path] = {}
    written: list[str] = []
    made: set[Path] = set()  # thousands of files share a few folders
    try:
        if staging is not None and staging.failure is not None:
            raise staging.failure
        flushed: set[str] = set()
        for change in due:
            target = root / change.path
            staged = staging.take(change) if staging is not None else None
            if staged is not None:
                temps[change.path] = staged
                flushed.add(change.path)
                continue
            with _reporting(change.path):
                if target.parent not in made:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    made.add(target.parent)
                temps[change.path] = _write_temp(target, change.content, modes[change.path])
        _flush({path: temp for path, temp in temps.items() if path not in flushed})
        for change in due:
            # Checked as late as possible: the window for an editor's save is the rename.
            problem = _changed_since_read(root, change)
            if problem is not None:
                errors.append(problem)
                continue  # its temporary file goes below
            with _reporting(change.path):
                os.replace(temps[change.path], root / change.path)
            del temps[change.path]
            written.append(change.path)
    finally:
        for temp in temps.values():
            _discard(temp)
        if staging is not None:
            staging.discard()
    deleted = _delete(root, deletions, errors) if not errors else []
    return Applied(tuple(written), removed, tuple(errors), current, tuple(deleted))


def _delete(root: Path, deletions: Iterable[FileChange], errors: list[WriteError]) -> list[str]:
    """Delete each file that still holds what was read, and the folders that leaves empty;
    the files that changed meanwhile go to `errors`."""
    deleted: list[str] = []
    for change in deletions:
        problem = _changed_since_read(root, change)
        if problem is not None:
            errors.append(problem)
            continue
        try:
            (root / change.path).unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            reason = error.strerror or str(error)
            errors.append(WriteError(f"cannot delete: {reason}; delete it by hand", change.path))
            continue
        deleted.append(change.path)
    for folder in sorted({PurePosixPath(path).parent for path in deleted}, key=lambda f: -len(f.parts)):
        while folder.parts:
            try:
                (root / folder).rmdir()  # only ever an empty folder
            except OSError:
                break
            folder = folder.parent
    return deleted


class Staging:
    """Temporary files written ahead of `apply_changes`, while a run still works on the rest.

    A run knows its catalogues and templates before it renders its outputs;
    writing them to temporary files while the workers render takes that writing
    off the end of the run. Nothing is renamed here: `apply_changes` does that,
    for the changes it is given, using a staged file whose bytes it still
    wants. `discard` deletes the rest (a language that failed after all). Use
    it while holding `hold_lock`; a file that cannot be staged is simply written
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._temps: dict[str, tuple[bytes, Path]] = {}
        self.failure: WriteError | None = None

    def stage(self, changes: Iterable[FileChange]) -> None:
        """Write each change that is due to a temporary file beside its target."""
        inside: dict[str, bool] = {}
        made: set[Path] = set()
        for change in changes:
            if self.failure is not None:
                return
            if change.delete or change.current or change.path in self._temps:
                continue
            target = self.root / change.path
            try:
                check_target(self.root, change.path, inside)
                mode = _mode_of(target)
                if not mode & stat.S_IWUSR or is_current(self.root, change):
                    continue
            except I18nSyncError:
                continue  # `apply_changes` refuses it, and says why
            try:
                with _reporting(change.path):
                    if target.parent not in made:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        made.add(target.parent)
                    self._temps[change.path] = (change.content, _write_temp(target, change.content, mode))
            except WriteError as problem:
                self.failure = problem
                return
        try:
            # Flushed here too, all at once (`_flush`), while the workers still run.
            _flush({path: temp for path, (_, temp) in self._temps.items()})
        except WriteError as problem:
            self.failure = problem

    def staged(self) -> set[Path]:
        """The temporary files staged and not yet taken."""
        return {temp for _, temp in self._temps.values()}

    def take(self, change: FileChange) -> Path | None:
        """The staged temporary file holding `change`'s bytes, now the caller's; None if there is none."""
        staged = self._temps.get(change.path)
        if staged is None or staged[0] != change.content:
            return None
        del self._temps[change.path]
        return staged[1]

    def discard(self) -> None:
        """Delete every staged file nobody took."""
        for _, temp in self._temps.values():
            _discard(temp)
        self._temps.clear()


def _due(root: Path, changes: Sequence[FileChange]) -> list[FileChange]:
    """The changes whose files do not hold their bytes yet, each file read once.

    The files are read folder by folder (`read_many`); where one is not a plain
    file, file by file, so that `read_bytes` says what is wrong.
    """
    unknown = [change for change in changes if not change.current]
    found = read_many(root, [change.path for change in unknown])
    if found is None:
        return [change for change in unknown if not is_current(root, change)]
    return [change for change in unknown if not _holds(found[change.path], change)]


# ---------------------------------------------------------------------------
# One run at a time

if sys.platform == "win32":  # pragma: no cover - the tests run on POSIX
    import msvcrt

    def _try_lock(handle: int) -> bool:
        try:
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(handle: int) -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def _holder(path: Path) -> str:
    """`` (pid 1234)``: who holds the lock, as its file says; empty when unknown."""
    try:
        pid = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


def _is_same_file(handle: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(handle), os.stat(path))
    except FileNotFoundError:
        return False


def _open_lock(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o644)
    except OSError as problem:
        if problem.errno == errno.ELOOP:
            raise WriteError(
                "is a symlink; the tool writes its lock only to a file of its own: remove the symlink",
                LOCK_FILE,
            ) from None
        with _reporting(LOCK_FILE):
            raise


def _acquire(path: Path, timeout: float, waiting: Callable[[str], None] | None) -> int:
    deadline = time.monotonic() + timeout
    told = False
    while True:
        handle = _open_lock(path)
        # The holder deletes the file just before it lets go, so the lock we
        # got may be on a deleted file: then try again on the new one.
        if _try_lock(handle) and _is_same_file(handle, path):
            return handle
        os.close(handle)
        holder = _holder(path)
        if time.monotonic() >= deadline:
            raise WriteError(
                f"another i18n-sync run{holder} is still writing in this repository after "
                f"{timeout:g} s; wait for it to finish, or raise lock_timeout in the configuration",
                LOCK_FILE,
            )
        if waiting is not None and not told:
            waiting(f"waiting for another i18n-sync run{holder} to finish")
            told = True
        time.sleep(_WAIT_STEP)


@contextmanager
def hold_lock(root: Path, timeout: float, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the repository's lock for the block; wait up to `timeout` seconds for it.

    The lock is an advisory ``flock`` on ``.i18n-sync.lock`` in `root`, whose
    text is the holder's pid, for messages. The kernel lets go of the lock
    when its holder dies, so the file a killed run leaves is simply taken
    over. `waiting` is told once, with a message, when the lock is busy.
    """
    path = root / LOCK_FILE
    handle = _acquire(path, timeout, waiting)
    try:
        with _reporting(LOCK_FILE):
            os.ftruncate(handle, 0)
            os.write(handle, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        # Deleted while still locked: a run that opens the path later creates
        # a new file, and one that opened the old file sees it is gone.
        with suppress(OSError):  # Windows cannot delete an open file; the lock still works
            path.unlink(missing_ok=True)
        os.close(handle)
