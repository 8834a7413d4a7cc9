"""Writing a run's files to temporary files ahead, while the run still works on the rest.

A run knows each template once its document is extracted, each catalogue once
it is merged, each output once it is rendered. `Staging` writes them to
temporary files beside their targets meanwhile (`temps`), so that the end of
the run only renames them (`writing.apply_changes`). Its threads write what
this process makes; what a worker process makes, the worker writes itself
(`Staging.open_to_workers`) and this process takes over (`Staging.adopt`).
"""

from __future__ import annotations

import errno
import os
import sys
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import suppress
from pathlib import Path

from i18n_sync.errors import I18nSyncError, WriteError
from i18n_sync.model import FileChange
from i18n_sync.project.files import Folders, is_current, path_problem, write_failure
from i18n_sync.project.flushing import FLUSH_THREADS, Flusher
from i18n_sync.project.temps import (
    NEW_FILE_MODE,
    discard_temp,
    discard_twin,
    existing_folder,
    existing_folders,
    flush_one,
    make_twin,
    remove_stale_temps,
    rename_new,
    writable,
    write_temp,
)
from i18n_sync.record import record

# Files staged one by one are flushed this many at a time (`Staging.stage`).
_FLUSH_BATCH = 256
# A first run creates thousands of files, and creating one is kernel time: 0.5 ms on the
# ext4 of a 2-core virtual machine (4,000 files: 2.2 s in one thread, 1.2 s in two).
_STAGING_THREADS = 2
# Fewer files than this are staged by the caller's thread (an output at a time).
_STAGING_SHARE = 64
# Changes that come one at a time (`Staging.add`) are staged this many at a time: enough to
# share between the threads, few enough that the first are written while the workers work.
_ADDED_BATCH = 128


_KIND_PLACES = {"template": 0, "catalog": 1}  # `Staging._place`; other kinds come after


def _listing(twin: str) -> dict[str, set[str]] | None:
    """Each folder in the folder written whole `twin` (itself too), with the names it holds;
    None when one holds what the run does not put there (a symlink, a FIFO), or cannot be
    listed: someone else's doing, which no step of the run may follow."""
    if os.path.islink(twin):
        return None
    found: dict[str, set[str]] = {}
    pending = [twin]
    while pending:
        folder = pending.pop()
        names = found[folder] = set()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    elif entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                        return None
                    names.add(entry.name)
        except OSError:
            return None
    return found


@record
class Staged:
    """What a worker process did with a change it was given to stage (`Staging.stage_here`):
    wrote it to the temporary file `temp`, or met `error`; neither when there was nothing to
    write (the file holds the bytes already, or `apply_changes` is to say what is wrong)."""

    temp: str | None = None
    error: WriteError | None = None


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
    stops the staging's threads and is raised by `apply_changes`, before it
    renames anything. Workers (`open_to_workers`) each write on until their pool
    is done; the files they wrote after the error are deleted as they are taken
    over, and the error kept is the earliest in the staging order all the same.
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
        # How the staged files reach the disk: a `syncfs` for many, where safe (`flushing`).
        # `apply_changes` flushes the files it writes itself with it too.
        self.flusher = Flusher()
        self._added: list[FileChange] = []  # for the next batch (`add`)
        self._names: set[str] = set()  # `staged_names`
        # The folders swept of a killed run's temporary files (where they really are), each
        # before this run wrote in it, and what was removed; `apply_changes` sweeps the rest.
        self.swept: set[str] = set()
        self.removed: tuple[str, ...] = ()
        # The folders workers may stage in (`open_to_workers`), and whether a pool of them may
        # have written files not adopted yet (until `close_to_workers`).
        self._open: set[str] = set()
        self._workers_writing = False
        # The file systems whose handles were open when the workers forked (`Flusher.adopt`).
        self._opened: frozenset[int] = frozenset()
        # The folders a process found still in place (`_in_place`), and which process that was.
        self._checked: set[str] = set()
        self._checked_in = 0
        # The folders found missing as a pool was let in (`open_to_workers`): no file in one
        # is older than the run, so none is looked for before staging it there (`_mode_for`),
        # which for a first run's thousands of files cost more than writing them. A file
        # someone makes there meanwhile is found by `apply_changes` (`unlooked`), which
        # compares it and keeps its permissions, as if it had been looked at.
        self._new_folders: set[str] = set()
        # Those folders are written whole: each missing folder nearest the root (a top) in a
        # new folder of the tool's own beside it (its twin, `make_twin`), each file under its
        # own name, which `apply_changes` renames into place in one step (`rename_whole`). A
        # first sync of a docs tree in 21 languages renamed 28,000 files one by one: a tenth
        # of its time on tmpfs, each a step of the file system's journal on a disk.
        # Each top (where it really is): its twin, and the top as the repository names it.
        self._twins: dict[str, tuple[str, str]] = {}
        self._twinned: dict[str, tuple[str, str]] = {}  # each new folder: (its top, its place in the twin)

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
            try:
                temp = self._write(change, mode)
            except WriteError as problem:
                self._fail(position, problem)
                return
            self._temps[change.path] = (change.content, temp)
            self._names.add(os.path.basename(temp))
            self._unflushed[change.path] = position

    def _write(self, change: FileChange, mode: int, watch: bool = True) -> str:
        """Write `change` to a temporary file beside its target, making its folder; return the file."""
        folder, _, name = change.path.rpartition("/")
        twinned = self._twinned.get(folder)
        where = self._folders.place(folder) if twinned is None else twinned[1]  # `_mode_for` found it
        assert where is not None
        # Not `reporting`: its context, for each of a first run's 28,000 files, cost 3 µs.
        try:
            if where not in self._made:
                os.makedirs(where, exist_ok=True)
                if watch:
                    self.flusher.watch(where)  # before the first file: see `flushing`
                self._made.add(where)
            if twinned is not None:  # in a folder written whole: under its own name
                with suppress(FileExistsError):  # else staged twice: the one kept is renamed to it
                    return write_temp(os.path.join(where, name), change.content, mode, named=True)
            # Named where the folder really is, as `remove_stale_temps` compares them.
            return write_temp(os.path.join(where, name), change.content, mode)
        except OSError as problem:
            raise write_failure(change.path, problem) from None

    def open_to_workers(self, paths: Iterable[str]) -> bool:
        """Before a pool of workers forks: let its workers stage the changes to `paths` themselves
        (`stage_here`), and return whether they may (not after a failed sweep).

        A first sync of a docs tree makes tens of thousands of files: staged by this
        process's threads, their writing took its interpreter lock from gathering the
        workers' results, and a core sat idle. So the folders of `paths` are swept of a
        killed run's temporary files now, before a worker writes there, and each file
        system they are on is watched (`flushing`) through the nearest folder that
        exists: a folder a worker makes is on its parent's file system, whose handle
        is open before the worker writes (`adopt` uses no other). This process takes
        each worker's files over (`adopt`). The staging's threads are stopped first,
        whatever the answer (`pause`): the pool forks next, and a fork copies no thread.
        """
        self.pause()
        if self._failed_at < 0:  # a sweep failed: nothing is staged after that
            return False
        folders = {path.rpartition("/")[0] for path in paths}
        places = {folder: self._folders.place(folder) for folder in folders}
        nearest = existing_folders({where for where in places.values() if where is not None})
        # Each folder that is missing, where it really is.
        missing = {folder: where for folder, where in places.items() if where and nearest[where] != where}
        # A missing folder holds no file of a killed run: the twin's folder is swept (`_twin`).
        # Any file it holds later is this run's (a worker's, where no twin could be made).
        self._sweep(folders - missing.keys())
        self.swept.update(missing.values())
        if self._failed_at < 0:
            return False
        for folder, where in places.items():
            if where is not None:
                if folder in missing:
                    self._new_folders.add(folder)
                    self._twin(folder, where, nearest[where])
                self.flusher.watch(nearest[where])
        self._opened = self.flusher.opened()
        self._checked = set()  # each pool looks at its folders anew (`_in_place`), here too
        if self._failed_at < 0:  # the sweep of a folder a twin goes in failed (`_twin`)
            return False
        self._open |= folders
        self._workers_writing = True
        return True

    def _twin(self, folder: str, where: str, nearest: str) -> None:
        """Write repository-relative `folder`, missing at `where`, whole: in the twin of its top,
        the folder on its way in `nearest` (the nearest that exists), made now if it is the
        first, in `nearest` swept first. Nothing is twinned when `nearest` is not a plain
        folder (the staging then fails there as it would have), nor when the twin cannot be
        made (the files are staged beside their targets, as before)."""
        below = where[len(nearest) :].strip(os.sep).split(os.sep)
        top = os.path.join(nearest, below[0])
        if top not in self._twins:
            if not os.path.isdir(nearest) or os.path.islink(nearest):
                return
            # Named as the repository has it where it really is (`folder` may lead there through
            # a symlink to a missing folder elsewhere in the repository).
            base = self._folders.place("") or ""
            parent = os.path.relpath(nearest, base).replace(os.sep, "/").removeprefix(".")
            self._sweep([parent])  # a killed run's twins too
            if self._failed_at < 0:
                return
            try:
                twin = make_twin(nearest)
            except OSError:
                return
            self._twins[top] = (twin, f"{parent}/{below[0]}".lstrip("/"))
            self._names.add(os.path.basename(twin))
        self._twinned[folder] = (top, os.path.join(self._twins[top][0], *below[1:]))

    def whole(self, held: Iterable[str], others: Iterable[str]) -> dict[str, str]:
        """Those of the staged paths `held` whose folder is written whole, each with its top,
        where its top is still missing and its twin still a plain folder. The rest are judged
        as any other file, and written file by file: a top in which one of them lies, or one
        of the paths `others` (the run writes them unstaged), is written so too, as the first
        would make it before the rename."""
        wanted: dict[str, str] = {}  # each held path in a usable twin: its top
        beside: list[str] = list(others)  # the paths written file by file
        usable: dict[str, bool] = {}
        by_folder: dict[str, list[str]] = {}  # a first sync holds 28,000 paths in a few folders
        for path in held:
            by_folder.setdefault(path.rpartition("/")[0], []).append(path)
        temps = self._temps
        for folder, paths in by_folder.items():
            twinned = self._twinned.get(folder)
            if twinned is None or twinned[0] not in self._twins:
                beside += paths
                continue
            top = twinned[0]
            twin = self._twins[top][0]
            inside = twin + os.sep
            if top not in usable:
                usable[top] = not os.path.lexists(top) and os.path.isdir(twin) and not os.path.islink(twin)
            for path in paths:
                staged = temps.get(path)
                if usable[top] and staged is not None and staged[1].startswith(inside):
                    wanted[path] = top
                else:
                    beside.append(path)
        while beside:  # until no top more is found unusable (a file of one may lie in another)
            places = {self._folders.place(path.rpartition("/")[0]) for path in beside}
            spoilt = {
                top
                for top in self._twins
                if usable.get(top, True)
                and any(
                    where is not None and (where == top or where.startswith(top + os.sep)) for where in places
                )
            }
            usable.update(dict.fromkeys(spoilt, False))
            beside = [path for path, top in wanted.items() if top in spoilt]
        return {path: top for path, top in wanted.items() if usable[top]}

    def name_of(self, top: str) -> str:
        """`top`, a folder written whole, as the repository names it."""
        return self._twins[top][1]

    def rename_whole(self, top: str, files: Mapping[str, str]) -> bool:
        """Put the folder `top`, written whole in its twin, in place, in one rename, where nothing stands
        there now: True when done; False when something does, or when the twin holds what the
        run did not put there (a symlink): nothing is done then.

        It is to hold exactly `files` (repository-relative path: its file in the twin,
        taken from the staging, `take`): the staged files no one took are deleted first,
        and the folders that leaves empty; a file of `files` that is gone (deleted by hand)
        is a `WriteError`, as its rename would be. `OSError` when the rename fails."""
        twin = self._twins[top][0]
        listing = _listing(twin)
        if listing is None:
            return False
        for path, temp in files.items():
            name = path.rpartition("/")[2]
            folder, _, staged = temp.rpartition(os.sep)
            names = listing.get(folder, set())
            if staged != name:  # staged twice, and the one under its own name discarded
                try:
                    os.replace(temp, os.path.join(folder, name))
                except OSError as failure:
                    raise write_failure(path, failure) from None
                names.discard(staged)
                names.add(name)
            elif name not in names:  # deleted by hand: as its rename would say
                raise write_failure(path, FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT)))
        self._prune(twin, listing)
        renamed = rename_new(twin, top)
        if renamed is None:  # the system cannot rename only where nothing stands: look, then rename
            renamed = not os.path.lexists(top)
            if renamed:
                os.rename(twin, top)
        if renamed:
            del self._twins[top]
        return renamed

    def _prune(self, twin: str, listing: dict[str, set[str]]) -> None:
        """Delete the files staged in `twin` that no one took, and the folders that leaves empty
        (`listing`: each folder's names, as `_listing` found them, kept up to date)."""
        for path, (_, temp) in list(self._temps.items()):
            if temp.startswith(twin + os.sep):
                discard_temp(temp)
                listing.get(os.path.dirname(temp), set()).discard(os.path.basename(temp))
                del self._temps[path]
                self._unflushed.pop(path, None)
        for folder in sorted(listing, key=lambda folder: folder.count(os.sep), reverse=True):  # deepest first
            if folder != twin and not listing[folder]:
                with suppress(OSError):
                    os.rmdir(folder)
                    listing[os.path.dirname(folder)].discard(os.path.basename(folder))

    def close_to_workers(self) -> None:
        """The pool `open_to_workers` opened returned every result: each file its workers wrote
        was adopted. Until then, `discard` also removes the files a failed pool's workers wrote,
        which never reached this process."""
        self._workers_writing = False

    def stage_here(self, change: FileChange) -> Staged:
        """In a worker of a pool `open_to_workers` opened: write `change` to a temporary file, as
        the staging's threads would, for this process's parent to take over (`adopt`)."""
        folder = change.path.rpartition("/")[0]
        if change.delete or change.current or folder not in self._open or not self._in_place(folder):
            return Staged()  # `apply_changes` looks again, and says what is wrong
        mode = self._mode_for(change)
        if mode is None:
            return Staged()
        try:
            return Staged(temp=self._write(change, mode, watch=False))  # watched before the fork
        except WriteError as problem:
            return Staged(error=problem)

    def _in_place(self, folder: str) -> bool:
        """Whether repository-relative `folder` is still where this staging found it before the
        workers forked: the nearest folder of its place that exists is reached through no
        symlink. A folder replaced by a symlink since (a checkout while the run works) gets no
        file staged, and no folder is made through it. Looked at once per folder in each
        process and pool, before the first file there: a folder replaced after that is written
        through, as the staging's threads did, until `apply_changes` refuses the file (it
        looks again) and the temporary file is deleted."""
        if self._checked_in != os.getpid():  # a worker starts with its parent's answers: not its own
            self._checked, self._checked_in = set(), os.getpid()
        if folder not in self._checked:
            where = self._folders.place(folder)
            nearest = None if where is None else existing_folder(where)
            if nearest is None or os.path.realpath(nearest) != nearest:
                return False
            self._checked.add(folder)
        return True

    def adopt(self, change: FileChange, staged: Staged) -> None:
        """Take over what a worker staged for `change` (`stage_here`), in the staging order, as if
        `add` had staged it here: its temporary file, or its failure."""
        if self._added:  # added before it, so staged before it
            self.stage_added()
        position = self._place(change, self._staged_so_far)
        self._staged_so_far += 1
        if staged.error is not None:
            self._fail(position, staged.error)
        if staged.temp is None:
            return
        if self._failed_at <= position or change.path in self._temps:  # as `_stage` would not write it
            discard_temp(staged.temp)
            return
        folder, _, name = staged.temp.rpartition(os.sep)  # `flushing.folder_of`, and the name
        self.flusher.adopt(folder, self._opened)
        self._temps[change.path] = (change.content, staged.temp)
        self._names.add(name)
        self._unflushed[change.path] = position
        if self.failure is None and len(self._unflushed) >= _FLUSH_BATCH:
            self.flush()

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
        if folder in self._new_folders:  # missing, as `writable` would find with an lstat
            return NEW_FILE_MODE
        found = writable(os.path.join(where, name))
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
            self._flushers = ThreadPoolExecutor(FLUSH_THREADS, thread_name_prefix="i18n-sync-flush")
        tasks = self.flusher.tasks(items, self._flush_share)
        self._flushing += [self._flushers.submit(task) for task in tasks]

    def _flush_share(self, items: Sequence[tuple[int, str, str]]) -> None:
        for position, path, temp in items:
            if self._failed_at <= position:
                return
            try:
                flush_one((path, temp))
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

    def unlooked(self, paths: Iterable[str]) -> set[str]:
        """Those of `paths` staged without a look at their file (`_mode_for`): in a folder that
        was missing when a pool was let in. `apply_changes` takes them as staged only while
        nothing stands there: a file made since is compared, and its permissions kept."""
        new = self._new_folders
        return {path for path in paths if path.rpartition("/")[0] in new} if new else set()

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
            self.flusher.close()  # once no flush is under way: a closed handle's number is reused
            # A folder written whole and never renamed into place goes with what it holds, first:
            # a folder in it may have been replaced by a symlink, which no deletion may follow.
            twins = [twin for twin, _ in self._twins.values()]
            for twin in twins:
                discard_twin(twin)
            for _, temp in self._temps.values():
                if not any(temp.startswith(twin + os.sep) for twin in twins):
                    discard_temp(temp)
            self._twins.clear()
            self._temps.clear()
            self._unflushed.clear()
            if self._workers_writing:  # a pool failed: what its workers wrote is in these folders
                self._workers_writing = False
                with suppress(WriteError):  # left for the next run to remove, with a notice
                    remove_stale_temps(self.root, [folder or "." for folder in self._open], (), self._folders)
