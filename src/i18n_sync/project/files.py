"""The file system edge: reading files strictly, where the tool may write, one run at a time.

Reading confines every file the configuration names to the repository and
caps its size (`read_bytes`, `read_many`); `check_target` and `path_problem`
say whether a path may be written; `hold_lock` makes a second run in the same
repository wait until the first has finished. Writing is `project.writing`
(its temporary files `project.temps`, and those written ahead `project.staging`).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path

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
# How a file is opened to be read: a FIFO put in its place must not wait for a writer.
OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_READ_FLAGS = OPEN_FLAGS | _NOFOLLOW  # the last part of the path: no symlink (`read_many`)


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
    folders: Folders | None = None,
) -> bytes | None:
    """The file's bytes, or None when there is no such file.

    A file larger than `limit` bytes raises `error`, before it is read: the
    limit is what keeps a huge or endless input (a symlink to ``/dev/zero``)
    from filling the memory or keeping the parser busy for minutes. With
    `confine` (for every file the configuration names), a symlink that leads
    out of `root` raises `error` too; a file the user names on the command line
    may be anywhere. `folders` remembers, for a batch of reads, where each
    folder really is: a run reads and writes thousands of files in a few folders.
    """
    # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
    # O_NOFOLLOW: the path is resolved first (`_real_path`), so a symlink put in its
    # place after that is refused instead of followed.
    try:
        if confine and folders is not None and _NOFOLLOW:
            handle = _open_in_folder(root, relative, error, folders)
        else:
            where = _real_path(root, relative, error) if confine else os.path.realpath(root / relative)
            handle = os.open(where, _READ_FLAGS)
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


class Folders:
    """Where the folders of one repository really are, each found once for a batch of paths.

    A run reads and writes thousands of files in a few folders; following the
    symlinks of every path again (`os.path.realpath`) would cost more than
    reading the files. Use one for a batch, not for ever: a folder replaced by
    a symlink later is seen by the next batch.
    """

    __slots__ = ("_absent", "_base", "_links", "_loops", "_places", "_quiet", "_reals", "root")

    def __init__(self, root: Path) -> None:
        self.root = root
        self._base: str | None = None
        self._places: dict[str, str | None] = {}
        self._reals: dict[str, str] = {}
        self._absent: dict[str, bool] = {}
        self._links: dict[str, frozenset[str] | None] = {}
        self._quiet: dict[str, bool] = {}
        self._loops: set[str] = set()  # folders reached through symlinks that lead round in a loop

    def place(self, folder: str) -> str | None:
        """Where repository-relative `folder` ("" for the root) really is, symlinks followed;
        None when that is out of the repository, or reached through symlinks that loop."""
        if folder not in self._places:
            if self._base is None:
                self._base = os.path.realpath(self.root)
            real = self._real(folder)
            inside = real == self._base or real.startswith(self._base.rstrip(os.sep) + os.sep)
            own = inside and _in_own_folder(real[len(self._base) :])
            self._places[folder] = real if inside and not own and folder not in self._loops else None
        return self._places[folder]

    def owned(self, folder: str) -> bool:
        """Whether repository-relative `folder` really is in a folder of the tool's own name (it
        has no place then, `place`: nothing is read or written through it)."""
        self.place(folder)
        real = self._reals.get(folder, "")
        base = self._base or ""
        return real.startswith(base.rstrip(os.sep) + os.sep) and _in_own_folder(real[len(base) :])

    def loops(self, folder: str) -> bool:
        """Whether repository-relative `folder` is reached through symlinks that lead round in
        a loop (``site/tr -> tr``): it has no place (`place`), and nothing can be written there."""
        self.place(folder)
        return folder in self._loops

    def _real(self, folder: str) -> str:
        """``os.path.realpath(root / folder)``, from its parent's: one `lstat`, where
        `realpath` takes one per part (a docs tree has hundreds of folders, each a few
        levels deep). A part that is a symlink is followed by `realpath` itself. Only on a
        path that loops (symlinks that lead back to themselves) can the two differ, and
        such a folder is in `_loops`, and so has no place, as is every folder below it.
        The parents are found first, from the nearest one known: a folder thousands of
        levels deep is no deeper a call."""
        found = self._reals.get(folder)
        if found is not None:
            return found
        unknown = [folder]
        while unknown[-1] and unknown[-1].rpartition("/")[0] not in self._reals:
            unknown.append(unknown[-1].rpartition("/")[0])
        for each in reversed(unknown):
            self._reals[each] = self._resolved(each)
        return self._reals[folder]

    def _resolved(self, folder: str) -> str:
        """`_real` of `folder`, whose parent's is known (the root's is its own)."""
        parent, _, name = folder.rpartition("/")
        if not folder:
            return self._base or os.path.realpath(self.root)
        if name in ("", ".", "..") or os.name != "posix":  # Windows: `realpath`'s own rules
            return os.path.realpath(os.path.join(self.root, folder))
        candidate = os.path.join(self._reals[parent], name)
        if parent in self._loops:  # below a loop: no lstat gets through it either
            self._loops.add(folder)
            return candidate
        try:
            link = stat.S_ISLNK(os.lstat(candidate).st_mode)
        except OSError as problem:  # missing (a first run's folders), or under a file: as `realpath`
            if problem.errno == errno.ELOOP:
                self._loops.add(folder)
            return candidate
        if not link:
            return candidate
        found = os.path.realpath(candidate)
        try:
            os.stat(found)
        except OSError as problem:  # a link that leads nowhere is no loop: made a folder later
            if problem.errno == errno.ELOOP:
                self._loops.add(folder)
        return found

    def holds_link(self, folder: str, name: str) -> bool:
        """Whether the file `name` in repository-relative `folder` is a symlink.

        Each folder is listed once (`os.scandir`, whose entries tell a symlink without
        a call each): a run checks thousands of outputs in a few hundred folders, and
        an `lstat` each cost more. A name the listing holds as a symlink, up to case
        and Unicode form, is looked at itself: where the file system ignores those
        (macOS, Windows), the listing spells the file as it was made, not as asked.
        """
        links = self._symlinks(folder)
        if links is not None and (not links or folded(name) not in links):  # mostly none at all
            return False
        return os.path.islink(os.path.join(self.root, folder, name))

    def _symlinks(self, folder: str) -> frozenset[str] | None:
        if folder not in self._links:
            self._links[folder] = _symlinks_in(self.place(folder))
        return self._links[folder]

    def quiet(self, folder: str) -> bool:
        """Whether `check_target` refuses no file of repository-relative `folder` for where it
        is: the folder is in the repository, and it does not exist yet or holds no symlink.
        Then only each path's spelling (`path_problem`) is left to judge: a first sync checks
        28,000 paths in a thousand folders, twice, and looks at each folder once."""
        found = self._quiet.get(folder)
        if found is None:
            inside = self.place(folder) is not None
            linkless = inside and (self.absent(folder) or self._symlinks(folder) == frozenset())
            found = self._quiet[folder] = linkless
        return found

    def absent(self, folder: str) -> bool:
        """Whether repository-relative `folder` does not exist, nor so any file in it: a first
        run's thousands of catalogues and outputs are in folders it has not made yet."""
        if folder not in self._absent:
            where = self.place(folder)
            self._absent[folder] = where is not None and not os.path.lexists(where)
        return self._absent[folder]


def _symlinks_in(where: str | None) -> frozenset[str] | None:
    """The names of the symlinks in the folder at `where`, folded (`folded`); None when it
    cannot be listed (each name is then looked at itself)."""
    if where is None:
        return None
    try:
        with os.scandir(where) as entries:
            return frozenset(folded(entry.name) for entry in entries if entry.is_symlink())
    except OSError:
        return None


def folded(name: str) -> str:
    """`name` as a file system that ignores case and Unicode forms compares it.

    Unicode's canonical caseless match: casefolding can undo a composition (``ẖ``
    folds to ``h`` and a combining mark), so the form is settled after it too.
    """
    if name.isascii():  # every form of ASCII is itself, and its case folds as `lower` does
        return name.lower()
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).casefold())


def _open_in_folder(root: Path, relative: str, error: type[I18nSyncError], folders: Folders) -> int:
    """Open `relative` through its folder's remembered place, the last part with O_NOFOLLOW.

    A file that is itself a symlink (allowed when it stays in the repository) is
    opened the slow way, through `_real_path`.
    """
    folder, _, name = relative.rpartition("/")
    where = folders.place(folder)
    if where is None:
        _real_path(root, relative, error)  # raises, saying why
        raise error("is in a folder outside the repository (a symlink); refusing to read it", relative)
    try:
        return os.open(os.path.join(where, name), _READ_FLAGS)
    except OSError as problem:
        if problem.errno != errno.ELOOP:
            raise
    return os.open(_real_path(root, relative, error), _READ_FLAGS)


def read_many(
    root: Path,
    relatives: Iterable[str],
    limit: int | None = None,
    folders: Folders | None = None,
    stats: dict[str, os.stat_result] | None = None,
) -> dict[str, bytes | None] | None:
    """Many files' bytes at once (None for a missing one), or None when any is not a plain file.

    As `read_bytes` with `confine`, but each folder is resolved once (`Folders`): a
    run's snapshot reads thousands of files in a few folders. The last part of each
    path is opened with O_NOFOLLOW, so a symlink there is a reason to give up, as is
    a folder that leads out of `root`; the caller then reads file by file and says
    what is wrong. `stats` gets each file's `os.fstat`, taken before it is read.
    """
    folders = Folders(root) if folders is None else folders
    found: dict[str, bytes | None] = {}
    for relative in relatives:
        folder, _, name = relative.rpartition("/")
        where = folders.place(folder)
        if where is None or not _NOFOLLOW:
            return None
        if folders.absent(folder):
            found[relative] = None
            continue
        try:
            handle = os.open(os.path.join(where, name), _READ_FLAGS)
        except FileNotFoundError:
            found[relative] = None
            continue
        except OSError:
            return None
        try:
            status = os.fstat(handle)
            found[relative] = _read_regular(handle, relative, limit, WriteError, status)
        except (OSError, I18nSyncError):
            return None
        finally:
            os.close(handle)
        if stats is not None:
            stats[relative] = status
    return found


def _real_path(root: Path, relative: str, error: type[I18nSyncError]) -> str:
    """Where `relative` really is; `error` when a symlink takes it out of the repository.

    A pull request can add a symlink: a source or catalogue that is one (or lies in a
    folder that is one) may point at another file of the repository, never outside it.
    """
    path = os.path.realpath(root / relative)
    base = os.path.realpath(root)
    if not Path(path).is_relative_to(base):
        raise error(
            "is a symlink (or in a folder that is one) to a file outside the repository; "
            "refusing to read it: put the file itself in the repository",
            relative,
        )
    if _in_own_folder(os.path.dirname(path)[len(base) :]):
        raise error(OWN_FOLDER + "; refusing to read it", relative)
    return path


# A folder named as the tool names its temporary folders is the tool's own: a run removes a
# killed run's (`temps.remove_stale_temps`), and reads and writes nothing through one.
OWN_FOLDER = (
    "is in a folder named as i18n-sync names its temporary folders (.i18n-sync-*.tmp, perhaps "
    "through a symlink); rename that folder"
)


def _in_own_folder(below: str) -> bool:
    """Whether a real path below the repository's (its part after the root) passes through a
    folder of the tool's own name."""
    return is_own_path(below.replace(os.sep, "/"))


def _read_regular(
    handle: int,
    relative: str,
    limit: int | None,
    error: type[I18nSyncError],
    status: os.stat_result | None = None,
) -> bytes:
    status = os.fstat(handle) if status is None else status  # the caller's, when it took one
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
        # Until a read gives nothing: a short one is not the end on every file system
        # (FUSE, NFS, CIFS, a signal), and a file cut short would be published cut short.
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


def is_current(root: Path, change: FileChange, folders: Folders | None = None) -> bool:
    """Whether the file already holds exactly these bytes, as the run found or as it is now
    (for a deletion: whether it is gone). `folders`: see `read_bytes`."""
    if change.current:
        return True
    return holds(read_bytes(root, change.path, folders=folders), change)


def holds(found: bytes | None, change: FileChange) -> bool:
    """Whether a file holding `found` (None: no file) is as `change` wants it."""
    return found is None if change.delete else found == change.content


def is_own_file(name: str) -> bool:
    """Whether a file name is one of the tool's own: a temporary file or the lock."""
    return name == LOCK_FILE or (name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX))


def is_own_path(relative: str) -> bool:
    """Whether a repository-relative path is the tool's own, or in a folder of the tool's own:
    a killed run's folder written whole (`staging`) holds files with the names of sources."""
    return any(is_own_file(part) for part in relative.split("/"))


@contextmanager
def reporting(path: str) -> Iterator[None]:
    """Turn an `OSError` into ``path: cannot write: reason``."""
    try:
        yield
    except OSError as problem:
        raise write_failure(path, problem) from None


def write_failure(path: str, problem: OSError) -> WriteError:
    """``path: cannot write: reason``, for an `OSError` met writing `path` (see `reporting`)."""
    reason = problem.strerror or str(problem)
    return WriteError(f"cannot write: {reason}; the file is unchanged", path)


# ---------------------------------------------------------------------------
# Where the tool may write


@lru_cache(maxsize=32768)  # pure; a run asks of each of its thousands of paths two or three times
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
        # Every control character is unprintable: only a name with one is looked at closely.
        if not form.isprintable() and any(_is_control(char) for char in form):
            return "contains a control character (NUL, a line break, a bidi control, ...)"
        bad = sorted(_BAD_CHARACTERS.intersection(form))
        if bad:
            return f"contains {bad[0]!r}, which Windows and macOS do not allow in a file name"
        if form.split(".")[0].upper().rstrip(" ") in _DEVICE_NAMES:
            return f"uses the device name {form.split('.')[0]!r}, which Windows reserves"
        if form.endswith((".", " ")):
            return "ends with a dot or a space, which Windows drops"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:  # bytes the file system gave that are not UTF-8 (surrogates)
        return "is not valid UTF-8"
    if size > _MAX_NAME_BYTES:
        return f"has a name longer than {_MAX_NAME_BYTES} bytes"
    return None


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS


def _shown(relative: str) -> str:
    """The path as a message may print it: control characters spelled out (``\\n``, ``\\x00``),
    and bytes that are not UTF-8 (``\\udcff``)."""
    return "".join(
        repr(char)[1:-1] if _is_control(char) or unicodedata.category(char) == "Cs" else char
        for char in relative
    )


def check_target(root: Path, relative: str, folders: Folders | None = None, plain: bool = False) -> None:
    """Raise `WriteError` unless the tool may write `relative` inside `root`.

    Beyond `path_problem`: the path must still be inside the repository once
    symbolic links in its folders are followed, and the file itself must not
    be a symbolic link (writing through one changes a file somewhere else).
    `folders` may remember, for one batch of paths, where their folders are:
    thousands of outputs share a few folders. With `plain`, the caller has just
    seen (with `os.lstat`) that the file is missing or a plain file: it is not
    looked at again.
    """
    problem = path_problem(relative)
    if problem is not None:
        raise WriteError(f"{problem}; fix the configuration or rename the source", _shown(relative))
    folder = relative.rpartition("/")[0]
    folders = Folders(root) if folders is None else folders
    if folders.quiet(folder):  # most folders of a batch: nothing more to look at, once each
        return
    if folders.place(folder) is None:
        if folders.owned(folder):
            raise WriteError(OWN_FOLDER + "; refusing to write", relative)
        if folders.loops(folder):
            raise WriteError(
                "is in a folder reached through symlinks that loop; remove the symlink", relative
            )
        raise WriteError("is in a folder outside the repository (a symlink); refusing to write", relative)
    if not plain and not folders.absent(folder) and folders.holds_link(folder, relative.rpartition("/")[2]):
        raise WriteError("is a symlink; refusing to write", relative)


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
        with reporting(LOCK_FILE):
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
        with reporting(LOCK_FILE):
            os.ftruncate(handle, 0)
            os.write(handle, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        # Deleted while still locked: a run that opens the path later creates
        # a new file, and one that opened the old file sees it is gone.
        with suppress(OSError):  # Windows cannot delete an open file; the lock still works
            path.unlink(missing_ok=True)
        os.close(handle)
