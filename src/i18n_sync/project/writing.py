"""Writing files atomically: every file the tool writes goes through `apply_changes` or `write_atomic`.

The new bytes are complete in memory, go to a temporary file beside the
target, are flushed to disk, and are renamed over the target, so a reader or
a crash sees the old file or the new one, never a mix. `Staging` writes some
of a run's files ahead, while the run still works on the rest.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import sys
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import suppress
from pathlib import Path, PurePosixPath

from i18n_sync.errors import I18nSyncError, WriteError
from i18n_sync.model import FileChange
from i18n_sync.project.files import (
    LOCK_FILE,
    TEMP_PREFIX,
    TEMP_SUFFIX,
    Folders,
    check_target,
    folded,
    holds,
    is_current,
    is_own_file,
    path_problem,
    read_bytes,
    read_many,
    reporting,
    write_failure,
)
from i18n_sync.record import record


@record
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


def _mode_of(target: str | Path) -> int:
    """The permissions of `target`, which a new version keeps (0o644 for a new file)."""
    try:
        return os.lstat(target).st_mode & 0o7777
    except (FileNotFoundError, NotADirectoryError):  # the second: writing says what is wrong
        return 0o644


def _writable(target: str) -> tuple[int, int | None] | None:
    """(permissions, size) of `target` when it is a plain file its owner may write, with
    the permissions of a new file and no size when it is missing; else None (one `lstat`)."""
    try:
        found = os.lstat(target)
    except FileNotFoundError:
        return 0o644, None
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode) or not found.st_mode & stat.S_IWUSR:
        return None
    return found.st_mode & 0o7777, found.st_size


def _still_writable(staged: Mapping[str, str], folders: Folders) -> set[str]:
    """Those of the `staged` paths (repository-relative, each with its temporary file) whose
    temporary file is still there and whose file is missing or a writable plain file, as
    `_writable` tells, with one listing of each folder: a first run stages thousands of files
    whose targets do not exist, and a failing `lstat` costs more than a listed name."""
    by_folder: dict[str, list[str]] = {}
    for path in staged:
        by_folder.setdefault(path.rpartition("/")[0], []).append(path)
    found = set()
    for folder, members in by_folder.items():
        where = folders.place(folder)
        if where is None:
            continue  # out of the repository: `check_target` says so
        try:
            with os.scandir(where) as listing:
                entries = {entry.name: entry for entry in listing}
        except OSError:  # the folder is gone, or a file now: those paths are judged as any other
            continue
        # Where the file system ignores case or folds Unicode forms (macOS, Windows), a file
        # listed under another spelling is the same file: its own `lstat` judges it.
        spellings = {folded(name) for name in entries if not is_own_file(name)}
        for path in members:
            if os.path.basename(staged[path]) not in entries:
                continue  # gone with its folder (deleted and made again?): written afresh
            name = path.rpartition("/")[2]
            entry = entries.get(name)
            if entry is None and folded(name) not in spellings:
                found.add(path)  # missing
            elif _writable(os.path.join(where, name) if entry is None else entry.path) is not None:
                found.add(path)
    return found


def _folder_then_name(path: str) -> tuple[str, str]:
    """How `remove_stale_temps` orders what it removed: by folder, then by name."""
    folder, _, name = path.rpartition("/")
    return folder or ".", name


def _discard(temp: str) -> None:
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


def _create_temp(folder: str) -> tuple[int, str]:
    """A new, empty temporary file in `folder`, opened for writing: its handle and its path.

    What `tempfile.mkstemp` does, for the tool's own names and at half its cost (a first
    run creates thousands): a random name, created with ``O_EXCL``, another on a clash.
    """
    for _ in range(100):
        temp = os.path.join(folder, f"{TEMP_PREFIX}{secrets.token_hex(6)}{TEMP_SUFFIX}")
        try:
            return os.open(temp, _TEMP_FLAGS, 0o600), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", folder)


def _write_temp(target: str | Path, content: bytes, mode: int | None = None, flush: bool = False) -> str:
    """Write `content` to a new temporary file beside `target`, flushed to the disk if `flush`.

    Its permissions are `mode`, or those `target` has now. The folder must exist.
    """
    # Strings, not `Path`s, here and for every temporary file: a run writes thousands.
    mode = _mode_of(target) if mode is None else mode
    handle, temp = _create_temp(os.path.dirname(target))
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


def remove_stale_temps(
    root: Path,
    folders: Iterable[str],
    keep: Collection[str] = (),
    places: Folders | None = None,
    swept: Collection[str] = (),
) -> tuple[str, ...]:
    """Delete the temporary files a killed run left in these folders; return their paths.

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
            if entry.is_file(follow_symlinks=False):
                path = (PurePosixPath(folder) / entry.name).as_posix()
                with reporting(path):
                    os.unlink(entry.path)
                removed.append(path)
    return tuple(removed)


def _changed_since_read(root: Path, change: FileChange, folders: Folders) -> WriteError | None:
    if not change.guarded:
        return None
    # A first run's thousands of catalogues: one lstat each, no read. Whatever stands there
    # now was put there meanwhile, a symlink too, even one that leads nowhere: a read would
    # follow it, find nothing, and let the rename replace it.
    changed = _appeared(change.path, folders) if change.original is None else None
    if changed is None:  # a file the run read, or a look that could not tell: a read says
        changed = read_bytes(root, change.path, folders=folders) != change.original
    if not changed:
        return None
    return WriteError(
        "changed on disk while i18n-sync was running (an editor saved it?); "
        "left as it is, run the command again to include that change",
        change.path,
    )


def _appeared(path: str, folders: Folders) -> bool | None:
    """Whether anything stands at `path` now, a folder or a symlink too; None when that cannot
    be told (a folder out of the repository, a folder that cannot be searched): a read says why."""
    folder, _, name = path.rpartition("/")
    where = folders.place(folder)
    if where is None:
        return None
    try:
        os.lstat(os.path.join(where, name))
    except FileNotFoundError:
        return False
    except OSError:
        return None
    return True


# fsync one file after the other costs a disk commit each (2.7 s for 500 small files on
# ext4); issued together, the file system commits them in a few batches (0.2 s).
_FLUSH_THREADS = 32
# Files staged one by one are flushed this many at a time (`Staging.stage`).
_FLUSH_BATCH = 256


def _flush_one(item: tuple[str, str]) -> None:
    path, temp = item
    with reporting(path):
        handle = os.open(temp, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _flush(temps: dict[str, str]) -> None:
    """Flush every temporary file to the disk, all at once, before any is renamed."""
    items = list(temps.items())
    if len(items) <= 1:
        _flush_all(items)
        return
    # One task per thread, each with its share of the files: a task per file cost more
    # in the pool's own locking than the flushing itself on a fast disk.
    count = min(_FLUSH_THREADS, len(items))
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(_flush_all, [items[start::count] for start in range(count)]))


def _flush_all(items: Sequence[tuple[str, str]]) -> None:
    for item in items:
        _flush_one(item)


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
    folders = Folders(root)
    # A staged change is due: staging found its file missing, or writable and different.
    # But staging ran while the workers rendered: the file may since have been made
    # read-only, or a folder or FIFO taken its place. A look now tells; a staged path
    # that is no longer missing or a writable plain file is judged as any other below.
    # (One listing of each folder tells, not an lstat per file: `_still_writable`.)
    ahead = _still_writable(staging.holding(changes), folders) if staging is not None else set()
    for change in changes:
        check_target(root, change.path, folders, plain=change.path in ahead)
    parents = {c.path.rpartition("/")[0] or "." for c in changes}
    if staging is None:
        removed = remove_stale_temps(root, parents, (), folders)
    else:  # staging swept the folders it wrote in as it first did; listed in the same order
        own = remove_stale_temps(root, parents, staging.staged_names(), folders, staging.swept)
        removed = tuple(sorted((*staging.removed, *own), key=_folder_then_name))
    late = ahead | {c.path for c in _due(root, [c for c in changes if c.path not in ahead], folders)}
    due = [change for change in changes if change.path in late]
    current = tuple(change.path for change in changes if change.path not in late)
    modes = {c.path: _mode_of(os.path.join(root, c.path)) for c in due if c.path not in ahead}
    # Someone made the file read-only: a wish the tool respects, even as root.
    errors = [WriteError(READ_ONLY, path) for path, mode in modes.items() if not mode & stat.S_IWUSR]
    refused = {error.path for error in errors}
    due = [change for change in due if change.path not in refused]
    deletions = [change for change in due if change.delete]
    due = [change for change in due if not change.delete]
    temps: dict[str, str] = {}
    written: list[str] = []
    try:
        if staging is not None:
            if staging.failure is None:
                staging.flush(ahead)  # the last staged files, on the threads flushing the others
            staging.settle()
            if staging.failure is not None:
                raise staging.failure
        flushed = _write_temps(root, due, modes, staging, temps, ahead)
        _flush({path: temp for path, temp in temps.items() if path not in flushed})
        _rename_all(root, due, temps, folders, errors, written)
    finally:
        for temp in temps.values():
            _discard(temp)
        if staging is not None:
            staging.discard()
    deleted = _delete(root, deletions, errors, folders) if not errors else []
    return Applied(tuple(written), removed, tuple(errors), current, tuple(deleted))


def _rename_all(
    root: Path,
    due: Sequence[FileChange],
    temps: dict[str, str],
    folders: Folders,
    errors: list[WriteError],
    written: list[str],
) -> None:
    """Rename each change's temporary file over its file, in order, taking each renamed one
    from `temps` into `written`; a file changed since the run read it goes to `errors`."""
    base = os.fspath(root)
    for change in due:
        # Checked as late as possible: the window for an editor's save is the rename.
        problem = _changed_since_read(root, change, folders)
        if problem is not None:
            errors.append(problem)
            continue  # its temporary file is the caller's to discard
        try:
            os.replace(temps[change.path], os.path.join(base, change.path))
        except OSError as failure:
            raise write_failure(change.path, failure) from None
        del temps[change.path]
        written.append(change.path)


def _write_temps(
    root: Path,
    due: Sequence[FileChange],
    modes: dict[str, int],
    staging: Staging | None,
    temps: dict[str, str],
    ahead: Collection[str] = (),
) -> set[str]:
    """Put each change's bytes in a temporary file (`staging`'s, or a new one), adding it to `temps`.

    A staged file is used for the paths `ahead` (still as staged, `_still_writable`).
    Returns the paths whose temporary files are flushed already (staged ones).
    """
    flushed: set[str] = set()
    made: set[Path] = set()  # thousands of files share a few folders
    for change in due:
        staged = staging.take(change) if staging is not None and change.path in ahead else None
        if staged is not None:
            temps[change.path] = staged[0]
            if staged[1]:
                flushed.add(change.path)
            continue
        target = root / change.path
        with reporting(change.path):
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            temps[change.path] = _write_temp(target, change.content, modes[change.path])
    return flushed


def _delete(
    root: Path, deletions: Iterable[FileChange], errors: list[WriteError], folders: Folders
) -> list[str]:
    """Delete each file that still holds what was read, and the folders that leaves empty;
    the files that changed meanwhile go to `errors`."""
    deleted: list[str] = []
    for change in deletions:
        problem = _changed_since_read(root, change, folders)
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


# A first run creates thousands of files, and creating one is kernel time: 0.5 ms on the
# ext4 of a 2-core virtual machine (4,000 files: 2.2 s in one thread, 1.2 s in two).
_STAGING_THREADS = 2
# Fewer files than this are staged by the caller's thread (an output at a time).
_STAGING_SHARE = 64
# Changes that come one at a time (`Staging.add`) are staged this many at a time: enough to
# share between the threads, few enough that the first are written while the workers work.
_ADDED_BATCH = 128


_KIND_PLACES = {"template": 0, "catalog": 1}  # `Staging._place`; other kinds come after


class Staging:
    """Temporary files written ahead of `apply_changes`, while a run still works on the rest.

    A run knows each template once its document is extracted, each catalogue
    once it is merged, each output once it is rendered; writing them to
    temporary files while the workers go on takes that writing off the end of
    the run. Flushes run in the background (`settle` waits for them). Before it
    first writes in a folder, the staging removes the temporary files a killed
    run left there (`removed`). Nothing is renamed here: `apply_changes` does
    that, for the changes it is given, using a staged file whose bytes it
    still wants. `discard` deletes the rest (a language that failed after all)
    and stops the threads. Use it while holding `hold_lock`. A path the tool may
    not write is left for `apply_changes` to refuse; an error writing a file
    stops the staging and is raised by `apply_changes`, before it renames
    anything.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.failure: WriteError | None = None
        self._temps: dict[str, tuple[bytes, str]] = {}
        # The staged paths not flushed yet, each with its place in the run's staging order.
        self._unflushed: dict[str, int] = {}
        self._folders = Folders(root)  # one run is one batch; apply_changes looks again with its own
        self._made: set[str] = set()
        # Each change staged has its place in the run's staging order (`_place`): the failure
        # kept is the one at the earliest place (none: past every place; a sweep's: before
        # every place), the one that staging and flushing every file one after the other
        # would have met first.
        self._staged_so_far = 0
        self._failed_at = sys.maxsize
        self._failing = threading.Lock()
        # Threads kept for the run (`pause` stops them): starting threads for every batch cost
        # the thread collecting the workers' results more than the writing, on busy cores. Two
        # stage, more flush: a batch to stage never waits behind the disk.
        self._stagers: ThreadPoolExecutor | None = None
        self._flushers: ThreadPoolExecutor | None = None
        self._flushing: list[Future[None]] = []  # flushes under way, waited for by `settle`
        self._added: list[FileChange] = []  # for the next batch (`add`)
        self._names: set[str] = set()  # `staged_names`
        # The folders swept of a killed run's temporary files (where they really are), each
        # before this run wrote in it, and what was removed; `apply_changes` sweeps the rest.
        self.swept: set[str] = set()
        self.removed: tuple[str, ...] = ()

    def stage(self, changes: Iterable[FileChange], flush: bool = True) -> None:
        """Write each change that is due to a temporary file beside its target, and start
        flushing them (`flush`): all now, or with `flush` false a batch at a time as they add
        up (the rest are flushed by `apply_changes`). Outputs come a batch at a time while the
        workers render: flushed in batches, they are on the disk by the end of the run without
        a flush each. Many changes at once are shared between two threads."""
        if self._failed_at < 0:  # a sweep failed: nothing is staged after that
            return
        # A path given twice is staged once, with its first change, as one thread would.
        first: dict[str, FileChange] = {}
        for change in changes:
            first.setdefault(change.path, change)
        batch = [
            (self._place(change, n), change) for n, change in enumerate(first.values(), self._staged_so_far)
        ]
        self._staged_so_far += len(batch)
        self._sweep({change.path.rpartition("/")[0] for change in first.values()})
        if self._failed_at < 0:
            return
        if len(batch) < _STAGING_SHARE:
            self._stage(batch)
        else:
            # Creating a file is kernel time, which two threads share between two cores.
            # Each writes its own paths; a dict or set is changed one whole step at a time.
            count = min(_STAGING_THREADS, len(batch) // _STAGING_SHARE)
            if self._stagers is None:
                self._stagers = ThreadPoolExecutor(_STAGING_THREADS, thread_name_prefix="i18n-sync-stage")
            shares = [self._stagers.submit(self._stage, batch[start::count]) for start in range(count)]
            wait(shares)  # both, even when one raised: no thread writes on after this returns
            for share in shares:
                share.result()
        if self._added:  # changes `add` held that were staged now: not again with the next batch
            self._added = [change for change in self._added if change.path not in self._temps]
        if self.failure is None and (flush or len(self._unflushed) >= _FLUSH_BATCH):
            self.flush()

    def _sweep(self, folders: Iterable[str]) -> None:
        """Remove a killed run's temporary files from the folders not swept yet, before this
        run writes its own there (this run's are kept by name all the same: a folder can have
        two real paths, through a bind mount)."""
        places = {folder: self._folders.place(folder) for folder in folders}
        fresh = {folder: where for folder, where in places.items() if where and where not in self.swept}
        if not fresh:
            return
        try:
            named = [folder or "." for folder in fresh]
            self.removed += remove_stale_temps(self.root, named, self._names, self._folders)
        except WriteError as problem:
            self._fail(-1, problem)  # before every place: no file of the run's is staged after it
            return
        self.swept.update(fresh.values())

    def add(self, change: FileChange, batch: bool = True) -> None:
        """Stage `change` with the next batch, not flushed yet: for changes that come one at a
        time, as the workers' results do. `stage_added` stages the last batch. With `batch`
        false, a full batch waits too: for a caller that stages the changes it holds soon, in
        a better moment (`stage` skips a change staged already)."""
        self._added.append(change)
        if batch and len(self._added) >= _ADDED_BATCH:
            self.stage_added()

    def stage_added(self) -> None:
        """Stage the changes `add` holds (the rest are flushed by `apply_changes`)."""
        added, self._added = self._added, []
        self.stage(added, flush=False)

    def _stage(self, batch: Sequence[tuple[int, FileChange]]) -> None:
        """Stage each (position, change) of a batch, in order, until a change at an earlier
        position failed: the failure kept is the earliest, the one a single thread reports."""
        for position, change in batch:
            if self._failed_at <= position:
                return
            if change.delete or change.current or change.path in self._temps:
                continue
            mode = self._mode_for(change)
            if mode is None:
                continue
            folder, _, name = change.path.rpartition("/")
            where = self._folders.place(folder)  # known by now: `_mode_for` found it
            assert where is not None
            try:
                with reporting(change.path):
                    if where not in self._made:
                        os.makedirs(where, exist_ok=True)
                        self._made.add(where)
                    # Named where the folder really is, as `remove_stale_temps` compares them.
                    temp = _write_temp(os.path.join(where, name), change.content, mode)
                    self._temps[change.path] = (change.content, temp)
                    self._names.add(os.path.basename(temp))
                    self._unflushed[change.path] = position
            except WriteError as problem:
                self._fail(position, problem)
                return

    @staticmethod
    def _place(change: FileChange, serial: int) -> int:
        """A change's place in the staging order: the templates, then the catalogues, then the
        other files (outputs), each kind in the order staged. So the failure kept is the same
        whether a run stages all of its templates before its catalogues (two stages, one after
        the other) or each document's template and catalogues together (`merging`)."""
        return (_KIND_PLACES.get(change.kind, 2) << 40) + serial

    def _fail(self, position: int, problem: WriteError) -> None:
        """Keep `problem` if it is the failure at the earliest place in the staging order."""
        with self._failing:
            if position < self._failed_at:
                self.failure, self._failed_at = problem, position

    def _mode_for(self, change: FileChange) -> int | None:
        """The permissions to stage `change` with; None when it is not for staging.

        Not staged: a path `apply_changes` refuses (it says why), a read-only file,
        and a file that holds these bytes already. One `lstat` tells most cases
        (a first run's files do not exist; a file of another size differs); only
        a file of the same size is read.
        """
        if path_problem(change.path) is not None:
            return None
        folder, _, name = change.path.rpartition("/")
        where = self._folders.place(folder)
        if where is None:
            return None
        found = _writable(os.path.join(where, name))
        if found is None:
            return None
        mode, size = found
        try:
            if size == len(change.content) and is_current(self.root, change, self._folders):
                return None
        except I18nSyncError:
            return None
        return mode

    def flush(self, only: Collection[str] | None = None) -> None:
        """Start flushing every staged file not flushed yet (of the paths `only`, when given),
        all at once, and return: the run goes on while the disk works. `settle` waits for the
        flushes."""
        chosen = self._unflushed
        if only is not None:
            chosen = {path: at for path, at in chosen.items() if path in only}
        items = [(at, path, self._temps[path][1]) for path, at in chosen.items() if path in self._temps]
        if only is None:
            self._unflushed.clear()
        else:
            for path in chosen:
                del self._unflushed[path]
        if not items:
            return
        if self._flushers is None:
            self._flushers = ThreadPoolExecutor(_FLUSH_THREADS, thread_name_prefix="i18n-sync-flush")
        count = min(_FLUSH_THREADS, len(items))  # each thread its share, as `_flush` does
        shares = [items[start::count] for start in range(count)]
        self._flushing += [self._flushers.submit(self._flush_share, share) for share in shares]

    def _flush_share(self, items: Sequence[tuple[int, str, str]]) -> None:
        for position, path, temp in items:
            if self._failed_at <= position:
                return
            try:
                _flush_one((path, temp))
            except WriteError as problem:
                self._fail(position, problem)
                return

    def settle(self) -> None:
        """Wait for the flushes under way; a failure is kept as `failure` (see `_fail`)."""
        flushing, self._flushing = self._flushing, []
        wait(flushing)
        for share in flushing:
            share.result()  # a flush records its WriteError; anything else is raised here

    def pause(self) -> None:
        """Wait for the flushes under way and stop the threads, which the next batch starts
        again: call it before the run forks worker processes, as a fork copies no thread
        but every lock a thread may hold."""
        self.settle()
        for threads in (self._stagers, self._flushers):
            if threads is not None:
                threads.shutdown()
        self._stagers = self._flushers = None

    def staged_names(self) -> set[str]:
        """The file names of the temporary files this run staged (taken ones too: a name is
        made once, with ``O_EXCL``). Not a copy: thousands of files, asked of at every folder."""
        return self._names

    def holding(self, changes: Iterable[FileChange]) -> dict[str, str]:
        """The paths of `changes` staged with the bytes they want, each with its temporary file."""
        temps = self._temps
        return {
            c.path: temps[c.path][1] for c in changes if c.path in temps and temps[c.path][0] == c.content
        }

    def take(self, change: FileChange) -> tuple[str, bool] | None:
        """The staged temporary file holding `change`'s bytes, now the caller's, and whether it
        is flushed; None if there is none."""
        staged = self._temps.get(change.path)
        if staged is None or staged[0] != change.content:
            return None
        del self._temps[change.path]
        flushed = self._unflushed.pop(change.path, None) is None
        return staged[1], flushed

    def discard(self) -> None:
        """Delete every staged file nobody took, once no thread works on one; stop the threads."""
        try:
            self.pause()
        finally:
            for _, temp in self._temps.values():
                _discard(temp)
            self._temps.clear()
            self._unflushed.clear()


def _due(root: Path, changes: Sequence[FileChange], folders: Folders) -> list[FileChange]:
    """The changes whose files do not hold their bytes yet, each file read once.

    The files are read folder by folder (`read_many`); where one is not a plain
    file, file by file, so that `read_bytes` says what is wrong.
    """
    unknown = [change for change in changes if not change.current]
    found = read_many(root, [change.path for change in unknown], folders=folders)
    if found is None:
        return [change for change in unknown if not is_current(root, change, folders)]
    return [change for change in unknown if not holds(found[change.path], change)]
