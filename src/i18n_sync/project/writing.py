"""Writing files atomically: every file the tool writes goes through `apply_changes` or `write_atomic`.

The new bytes are complete in memory, go to a temporary file beside the
target (`temps`), are flushed to disk, and are renamed over the target, so a
reader or a crash sees the old file or the new one, never a mix. `Staging`
(`staging`) writes some of a run's files ahead, while the run still works on
the rest; `apply_changes` renames those too.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

from i18n_sync.errors import WriteError
from i18n_sync.model import FileChange
from i18n_sync.project.files import (
    Folders,
    check_target,
    folded,
    holds,
    is_current,
    is_own_file,
    read_bytes,
    read_many,
    reporting,
    write_failure,
)
from i18n_sync.project.flushing import Flusher
from i18n_sync.project.staging import Staging
from i18n_sync.project.temps import (
    discard_temp,
    flush_one,
    mode_of,
    remove_stale_temps,
    rename_new,
    writable,
    write_temp,
)
from i18n_sync.record import record


@record
class Applied:
    """What `apply_changes` did.

    `written`: the files replaced; `removed`: temporary files an interrupted
    run had left, now deleted (a folder it was writing whole ends in ``/``);
    `errors`: files left alone because they changed on disk after the run read
    them; `current`: the files that already held their bytes; `deleted`: the
    files deleted as asked (`FileChange.deletion`).
    """

    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    errors: tuple[WriteError, ...] = ()
    current: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()


def _still_writable(staged: Mapping[str, str], folders: Folders, unlooked: Collection[str] = ()) -> set[str]:
    """Those of the `staged` paths (repository-relative, each with its temporary file) whose
    temporary file is still there and whose file is missing or a writable plain file, as
    `writable` tells, with one listing of each folder: a first run stages thousands of files
    whose targets do not exist, and a failing `lstat` costs more than a listed name.

    Of the paths `unlooked` (staged without a look: `Staging.unlooked`), only those still
    missing: a file made there since was never compared nor had its permissions read,
    and is judged as any other (`_due`, `mode_of`)."""
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
        # (A first run's folders hold only the tool's own files: no spelling to compare.)
        spellings = {folded(name) for name in entries if not is_own_file(name)}
        for path in members:
            if staged[path].rpartition(os.sep)[2] not in entries:
                continue  # gone with its folder (deleted and made again?): written afresh
            name = path.rpartition("/")[2]
            entry = entries.get(name)
            if entry is None and (not spellings or folded(name) not in spellings):
                found.add(path)  # missing
            elif path in unlooked:
                continue  # made since: its bytes and permissions are read below
            elif writable(os.path.join(where, name) if entry is None else entry.path) is not None:
                found.add(path)
    return found


def _check_targets(
    root: Path,
    changes: Iterable[FileChange],
    folders: Folders,
    ahead: Collection[str],
    whole: Collection[str],
) -> None:
    """`check_target` each change's path (those `ahead`: just seen missing or plain files).

    A file of a folder written whole (`whole`) goes where nothing stands (its top is
    missing, and is renamed into only so), through no symlink (its twin is listed
    before): the plan checked its path (`plan._check_targets`), and nothing of it is
    on the disk to look at.
    """
    for change in changes:
        if change.path not in whole:
            check_target(root, change.path, folders, plain=change.path in ahead)


def _folder_then_name(path: str) -> tuple[str, str]:
    """How `remove_stale_temps` orders what it removed: by folder, then by name."""
    folder, _, name = path.rstrip("/").rpartition("/")
    return folder or ".", name


def write_atomic(target: Path, content: bytes, flush: bool = True) -> None:
    """Replace `target` with `content` so that readers see the old or the new file, never a mix.

    The bytes go to a temporary file in the same folder (a name no source or
    output pattern matches), are flushed to disk (unless not `flush`: a cache
    that can tell a torn file), then renamed over the target.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = write_temp(target, content, flush=flush)
    try:
        os.replace(temp, target)
    except BaseException:
        discard_temp(temp)
        raise


def _changed_since_read(root: Path, change: FileChange, folders: Folders) -> WriteError | None:
    if not change.guarded:
        return None
    # A first run's thousands of catalogues: one lstat each, no read. Whatever stands there
    # now was put there meanwhile, a symlink too, even one that leads nowhere: a read would
    # follow it, find nothing, and let the rename replace it.
    changed = _appeared(change.path, folders) if change.original is None else None
    if changed is None:  # a file the run read, or a look that could not tell: a read says
        changed = read_bytes(root, change.path, folders=folders) != change.original
    return _changed_error(change.path) if changed else None


def _changed_error(path: str) -> WriteError:
    return WriteError(
        "changed on disk while i18n-sync was running (an editor saved it?); "
        "left as it is, run the command again to include that change",
        path,
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


def _flush(temps: dict[str, str], flusher: Flusher) -> None:
    """Flush every temporary file to the disk, all at once, before any is renamed: a `syncfs`
    for many files on one file system where that is safe (`flushing`), else file by file."""
    tasks = flusher.tasks(list(temps.items()), _flush_all)
    if len(tasks) <= 1:
        for task in tasks:
            task()
        return
    with ThreadPoolExecutor(len(tasks)) as pool:
        running = [pool.submit(task) for task in tasks]
    failures = []
    for done in running:
        try:
            done.result()
        except WriteError as failure:
            failures.append(failure)
    if failures:  # the first file's, as one thread flushing them in order would meet them
        order = {path: place for place, path in enumerate(temps)}
        raise min(failures, key=lambda failure: order.get(failure.path or "", len(order)))


def _flush_all(items: Sequence[tuple[str, str]]) -> None:
    for item in items:
        flush_one(item)


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
    ahead: set[str] = set()
    whole: dict[str, str] = {}  # the paths staged in a folder written whole: its top
    if staging is not None:
        held = staging.holding(changes)
        whole = staging.whole(held, [c.path for c in changes if c.path not in held])  # all missing
        rest = {path: temp for path, temp in held.items() if path not in whole}
        ahead = _still_writable(rest, folders, staging.unlooked(rest)) | whole.keys()
    # A change the run found on the disk already writes nothing: its path was checked with the
    # plan's (`plan._check_targets`), and looking again at thousands is a run's whole write.
    _check_targets(root, [change for change in changes if not change.current], folders, ahead, whole)
    parents = {c.path.rpartition("/")[0] or "." for c in changes}
    if staging is None:
        removed = remove_stale_temps(root, parents, (), folders)
    else:  # staging swept the folders it wrote in as it first did; listed in the same order
        own = remove_stale_temps(root, parents, staging.staged_names(), folders, staging.swept)
        removed = tuple(sorted((*staging.removed, *own), key=_folder_then_name))
    late = ahead | {c.path for c in _due(root, [c for c in changes if c.path not in ahead], folders)}
    due = [change for change in changes if change.path in late]
    current = tuple(change.path for change in changes if change.path not in late)
    modes = {c.path: mode_of(os.path.join(root, c.path)) for c in due if c.path not in ahead}
    # Someone made the file read-only: a wish the tool respects, even as root.
    errors = [WriteError(READ_ONLY, path) for path, mode in modes.items() if not mode & stat.S_IWUSR]
    refused = {error.path for error in errors}
    due = [change for change in due if change.path not in refused]
    deletions = [change for change in due if change.delete]
    due = [change for change in due if not change.delete]
    temps: dict[str, str] = {}
    written: list[str] = []
    flusher = Flusher() if staging is None else staging.flusher
    try:
        if staging is not None:
            if staging.failure is None:
                staging.flush(ahead)  # the last staged files, on the threads flushing the others
            staging.settle()
            if staging.failure is not None:
                raise staging.failure
        flushed = _write_temps(root, due, modes, staging, temps, flusher, ahead)
        _flush({path: temp for path, temp in temps.items() if path not in flushed}, flusher)
        _rename_all(root, due, temps, folders, errors, written, whole, staging)
    finally:
        for path, temp in temps.items():
            if path not in whole:  # a folder written whole goes whole, with `staging.discard`
                discard_temp(temp)
        if staging is not None:
            staging.discard()  # closes its flusher
        else:
            flusher.close()
    deleted = _delete(root, deletions, errors, folders) if not errors else []
    return Applied(tuple(written), removed, tuple(errors), current, tuple(deleted))


def _rename_all(
    root: Path,
    due: Sequence[FileChange],
    temps: dict[str, str],
    folders: Folders,
    errors: list[WriteError],
    written: list[str],
    whole: Mapping[str, str] | None = None,
    staging: Staging | None = None,
) -> None:
    """Rename each change's temporary file over its file, in order, taking each renamed one
    from `temps` into `written`; a file changed since the run read it goes to `errors`.

    The paths `whole` were staged in a folder written whole (its twin), renamed into
    place first, and with it every one of them (`_place_whole`)."""
    base = os.fspath(root)
    whole = whole or {}
    placed = _place_whole(due, temps, whole, staging, errors) if whole else set()
    for change in due:
        if change.path in placed:
            del temps[change.path]
            written.append(change.path)
        elif change.path not in whole:  # else its folder was made meanwhile: nothing is written in it
            _rename(root, base, change, temps, folders, errors, written)


def _place_whole(
    due: Sequence[FileChange],
    temps: dict[str, str],
    whole: Mapping[str, str],
    staging: Staging | None,
    errors: list[WriteError],
) -> set[str]:
    """Rename each folder written whole into place (`Staging.rename_whole`) with the files it
    holds; return their paths. Where something stands now (made while the run worked),
    nothing is written in it, and `errors` says so: neither whatever is there nor a
    symlink put there is written through."""
    assert staging is not None  # only a staging writes folders whole
    groups: dict[str, dict[str, str]] = {}  # each top: its due files
    for change in due:
        if change.path in whole:
            groups.setdefault(whole[change.path], {})[change.path] = temps[change.path]
    placed: set[str] = set()
    for top, files in groups.items():
        try:
            renamed = staging.rename_whole(top, files)
        except OSError as failure:  # the folder's rename: the folder is named
            reason = failure.strerror or str(failure)
            raise WriteError(
                f"cannot write: {reason}; nothing was written in it", staging.name_of(top)
            ) from None
        if renamed:
            placed.update(files)
        else:
            errors.append(WriteError(MADE_MEANWHILE, staging.name_of(top)))
    return placed


MADE_MEANWHILE = (
    "was made, or the folder it was being written in changed, while i18n-sync was running "
    "(by another program?); nothing was written in it, run the command again"
)


def _rename(
    root: Path,
    base: str,
    change: FileChange,
    temps: dict[str, str],
    folders: Folders,
    errors: list[WriteError],
    written: list[str],
) -> None:
    """Rename `change`'s temporary file over its file (see `_rename_all`)."""
    target = os.path.join(base, change.path)
    # A catalogue the run found missing: renamed only where nothing stands now, in one
    # step (`rename_new`), where the system can; else looked at, then renamed. (Its folder
    # is in the repository: `check_target` refused any other, with these `folders`.)
    if change.guarded and change.original is None:
        try:
            renamed = rename_new(temps[change.path], target)
        except OSError as failure:
            raise write_failure(change.path, failure) from None
        if renamed is not None:
            if renamed:
                del temps[change.path]
                written.append(change.path)
            else:
                errors.append(_changed_error(change.path))  # its temporary file: the caller's
            return
    # Checked as late as possible: the window for an editor's save is the rename.
    problem = _changed_since_read(root, change, folders)
    if problem is not None:
        errors.append(problem)
        return  # its temporary file is the caller's to discard
    try:
        os.replace(temps[change.path], target)
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
    flusher: Flusher,
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
                flusher.watch(str(target.parent))  # before the first file: see `flushing`
                made.add(target.parent)
            temps[change.path] = write_temp(target, change.content, modes[change.path])
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
