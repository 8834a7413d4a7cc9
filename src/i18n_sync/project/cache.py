"""Remember a run that found nothing to do, so the next identical run costs a look at the files.

A run's result is a function of its inputs: the configuration, the tool's
own code and its libraries' versions, and the bytes of every file it reads
or writes (sources, templates, catalogues, outputs). When a run finds every
file already as it would write it, its report is stored under a key that
hashes all of those; a later run whose key is the same returns that report
without parsing, merging or rendering anything. Nothing is trusted blindly:
the key covers the content of every file, a changed byte anywhere gives
another key, and a damaged cache file fails its checksum and is ignored. The
remembered run's plan and key are taken again while the files the plan was made
from are the same and every file has the stat signature it had then
(`quick_memo`, `signatures`): a run with nothing to do neither plans nor reads.
The plan keeps each file's digest too: a run after a change reads the files whose
signatures changed, and the others only if a job asks for them (`snapshot`).

The cache lives outside the repository (``$XDG_CACHE_HOME/i18n-sync``, or
``I18N_SYNC_CACHE_DIR``), one file per project: it is never committed by
accident, a pull request cannot plant one, and deleting it is always safe.
``I18N_SYNC_CACHE_DIR=off`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import struct
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import field, replace
from functools import partial
from pathlib import Path

from i18n_sync.errors import Diagnostic
from i18n_sync.model import FileChange
from i18n_sync.project.cachedir import (
    CACHE_VARIABLE,
    cache_folder,
    project_name,
    refusal_at,
    tool_fingerprint,
    usable_folder,
)
from i18n_sync.project.cachefiles import load_kept, read_sealed, write_sealed
from i18n_sync.project.config import Config
from i18n_sync.project.jobcache import JobCache, open_job_cache
from i18n_sync.project.pruning import prune, touch
from i18n_sync.project.signatures import (
    first_change,
    kept_digests,
    observe,
    pack_digests,
    refresh,
    total_size,
)
from i18n_sync.project.snapshot import Later, Snapshot
from i18n_sync.record import record

_FORMAT = b"i18n-sync run cache 3\n"
# A remembered run's plan (`quick_memo`): what it was made from, and the files it names.
_PLAN = b"i18n-sync run plan 4\n"
# A remembered report is a few kilobytes a language; a larger file was not written by the
# tool, and reading it whole could take the memory (a sparse file of gigabytes takes no disk).
_LIMIT = 64 << 20


@record
class RunMemo:
    """The key of one run and where its record goes; `snapshot` is the files' bytes before it
    (a `snapshot.Snapshot`: those read, and the others when asked for) and `digests` their
    SHA-256 (for a memo whose key came from the remembered plan, `quick_memo`, they are
    the plan's, unpacked when first used; none where the plan kept none).

    `listing` is what the plan was made from (`quick_memo`), and `root` the project's
    folder. `packed` is the files' signatures when all are settled
    (`signatures.Seen.packed`); `others` the paths the plan checked beside the files,
    for a memo made from a remembered plan (`from_plan`).
    """

    file: Path
    key: str
    snapshot: Snapshot
    base: bytes = b""
    digests: Mapping[str, bytes] = field(default_factory=dict)
    listing: bytes = b""
    root: Path | None = None
    packed: bytes = b""
    others: tuple[str, ...] = ()
    from_plan: bool = False
    # Whose memo, each kind with files of its own: a whole run's ("run"), a narrowed run's
    # (`memo_kind`), a report's ("status", `inspect.project_status`).
    kind: str = "run"

    def jobs(self, config: Config) -> JobCache:
        """The cache of single jobs' results, for a run this memo could not answer (one for
        the project, whatever the kind: a report takes the merges a sync made, and back)."""
        base = f"{tool_fingerprint()}\0{config.file}\0{config.settings!r}".encode()
        # Used, and so kept (`pruning`), though a run that adds nothing to it does not write it.
        touch((self._jobs_file,))
        return open_job_cache(self._jobs_file, base, self.digests, self.snapshot.size)

    @property
    def _project(self) -> str:
        return self.file.name.removeprefix(f"{self.kind}-").removesuffix(".cache")

    @property
    def _jobs_file(self) -> Path:
        return self.file.with_name(_jobs_name(self._project))

    @property
    def _plan_file(self) -> Path:
        return self.file.with_name(_plan_name(self.kind, self._project))

    def recall(self) -> object | None:
        """The report of an earlier run with the same key, or None. Unpickled only when the file
        is filed under this key (`cachefiles.read_sealed`), and only as the package's own records."""
        payload = read_sealed(self.file, _FORMAT, _LIMIT, self.key)
        if payload is None:
            return None  # none, another run's, too large or damaged: the run rebuilds it
        # Used, and so kept (`pruning`): a run answered here writes nothing to tell it.
        touch((self.file, self._plan_file, self._jobs_file))
        try:
            return load_kept(payload)
        except Exception:
            return None

    def remember(
        self, changes: Sequence[FileChange], failed: bool, report: object, checked: Iterable[str] = ()
    ) -> bool:
        """Store `report` if the run failed nowhere and every change is on disk already.

        Only such a run is remembered: its key is then the state of the files
        after it too, so the next run with that key has nothing to do. Its plan is
        kept too (`_keep_plan`); `checked` are the paths the plan checked. The cache
        folder is rid of files no run used for a month first (`pruning`; once a day).
        """
        prune(self.file.parent)
        if failed or not all(self.snapshot.holds(change.path, change.content) for change in changes):
            return False
        payload = pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
        if not write_sealed(self.file, _FORMAT, payload, self.key):
            return False
        self.keep_plan(checked)
        return True

    def keep_plan(self, checked: Iterable[str] | None = None) -> None:
        """Keep the plan of a run whose record was recalled: made again (`checked`, the paths
        it checked), when the plan file is gone or was another run's; or, for a memo made from
        it, with the files' new signatures: files written again with the same bytes (a checkout
        of another branch and back) are then taken by their signatures alone again."""
        if checked is not None:
            self._keep_plan(sorted(set(checked).difference(self.digests)))
        elif self.from_plan and self.packed:
            self._keep_plan(list(self.others))

    def _keep_plan(self, others: list[str]) -> None:
        """Keep the plan (`quick_memo`): what it was made from, the memo's files and `others`, the
        other paths it checked (a render's templates, which it may not write through a symlink)."""
        wanted = sorted(self.digests)
        if not self.listing or self.root is None or not _plain_paths(self.root, [*wanted, *others], others):
            return
        names = "\0".join([*wanted, *others]).encode("utf-8", "surrogateescape")
        counts = struct.pack("<QQ", len(wanted), len(self.packed))
        digests = pack_digests(wanted, self.digests) if self.packed else b""
        plan = self.listing + counts + self.packed + digests + self.key.encode("ascii") + names
        write_sealed(self._plan_file, _PLAN, plan, self.base.hex())


def cache_warning(config: Config, environ: Mapping[str, str]) -> Diagnostic | None:
    """Why the run cache is off when nobody turned it off: its folder is inside the
    repository (`cachedir.refusal_at`), or there is no home folder to keep it in; else None."""
    folder = cache_folder(environ)
    if folder is not None:
        reason = refusal_at(folder, config.root)
    elif CACHE_VARIABLE not in environ:  # not turned off: no home
        reason = "there is no home folder to keep it in (HOME is not set)"
    else:
        reason = None
    if reason is None:
        return None
    return Diagnostic(
        CACHE_VARIABLE,
        None,
        f"the run cache is off: {reason}; set {CACHE_VARIABLE} to a folder outside the repository, "
        "or to 'off'",
    )


def open_memo(
    config: Config,
    steps: Iterable[str],
    paths: Iterable[str],
    environ: Mapping[str, str],
    listing: bytes = b"",
    kind: str = "run",
) -> RunMemo | None:
    """The memo of a run over these files, or None when the cache is off (or refused:
    `cache_warning`) or a file is unreadable. `listing` is what the run's plan was made from
    (`quick_memo`): a run it remembers is found again from it, without planning. `kind`
    names the memo's files: a report (``status``) keeps its own, beside a run's."""
    where = _folder(config, environ)
    if where is None:
        return None
    return _observed(config, where, _base(config, steps), sorted(set(paths)), listing, kind=kind)


def memo_over(
    quick: RunMemo | None,
    config: Config,
    steps: Iterable[str],
    paths: Collection[str],
    environ: Mapping[str, str],
    listing: bytes = b"",
    kind: str = "run",
) -> RunMemo | None:
    """The memo of a run over the files `paths`: `quick` (`quick_memo`) when it read these very
    files already, its record asked for, else one made from them (`open_memo`), whose record
    the caller asks for (`RunMemo.recall`)."""
    if _read_already(quick, paths):
        return quick
    return open_memo(config, steps, paths, environ, listing, kind)


def memo_reads(
    quick: RunMemo | None, config: Config, paths: Callable[[], Collection[str]], environ: Mapping[str, str]
) -> bool:
    """Whether `memo_over` reads the files `paths`, or the run then its job cache's file: the
    cache is on, and the file is there, or `quick` did not read these very files already.
    `paths` is asked only when that needs them (a docs tree in 21 languages: 28,000 to sort):
    a first run, without `quick`, reads them all."""
    where = _folder(config, environ)
    if where is None:
        return False
    folder, project = where
    return quick is None or (folder / _jobs_name(project)).exists() or not _read_already(quick, paths())


def _read_already(quick: RunMemo | None, paths: Collection[str]) -> bool:
    """Whether `quick` (`quick_memo`) read the very files `paths` already."""
    return quick is not None and quick.digests.keys() == set(paths)


def quick_memo(
    config: Config,
    steps: Iterable[str],
    listing: bytes,
    environ: Mapping[str, str],
    kind: str = "run",
    workers: int = 1,
) -> RunMemo | None:
    """The memo of a run whose plan was made from this `listing`, as the last run remembered
    was, without planning it again; None when there is no such run. With `workers`, the
    files' signatures are looked at by two processes on a docs tree (`signatures._changes`).

    A plan is a pure function of the configuration, the listing (the files the
    `sources` and `compendia` patterns find), the bytes of those files and of the
    manifest, and the folders the paths lie in. The memo's key covers the first and
    the bytes of every file the plan names, `sources` among them; the listing is
    compared here. The folders' part is what `plan.plan_documents` checks (no
    symlink on the way, no folder under two names): it is a pure function of the
    paths when no folder on them is a symlink, so a plan is kept (`RunMemo.remember`)
    and used only when none is (`_plain_paths`).
    """
    where = _folder(config, environ)
    if where is None:
        return None
    base = _base(config, steps)
    folder, project = where
    payload = read_sealed(folder / _plan_name(kind, project), _PLAN, _LIMIT, base.hex())
    start = len(listing) + 16
    if payload is None or len(payload) < start or bytes(payload[: len(listing)]) != listing:
        return None
    count, size = struct.unpack_from("<QQ", payload, len(listing))
    packed = bytes(payload[start : start + size])
    # The files' digests come with their signatures (none where the plan has no signatures).
    digests = payload[start + size : start + size + (32 * count if size else 0)]
    at = start + size + len(digests)
    key = bytes(payload[at : at + 64]).decode("ascii", "replace")
    names = bytes(payload[at + 64 :]).decode("utf-8", "surrogateescape").split("\0")
    if count > len(names):
        return None
    wanted, others = names[:count], names[count:]
    if not _plain_paths(config.root, names, others):
        return None
    file = folder / f"{kind}-{project}.cache"
    limit = config.settings.max_file_size
    first = first_change(config.root, wanted, packed, workers)
    if first == len(wanted):
        # Every file as the remembered run found it: its key, and nothing read. When the record
        # is gone (pruned), the run plans, and takes the files' digests from the plan (`Later`:
        # not unpacked before), reading only the files its jobs ask for.
        kept = bytes(digests)
        known = Later(partial(kept_digests, wanted, packed, kept)) if kept else {}
        snapshot = Snapshot(config.root, known, {}, limit, partial(total_size, packed))
        return RunMemo(
            file, key, snapshot, base, known, listing, config.root, packed if kept else b"", kind=kind
        )
    # The files whose signatures changed are read again, not through a symlink: the plan
    # checks that no file the run writes is one. The others are read if a job asks.
    seen = refresh(config.root, wanted, packed, bytes(digests), limit, first, workers) if packed else None
    if seen is None:  # no signatures kept (files written just before), or one file not plain
        memo = _observed(config, where, base, wanted, listing, follow=False, kind=kind)
        return None if memo is None else replace(memo, others=tuple(others), from_plan=True)
    key = _key(base + listing, seen.digests)
    # The files' bytes, as their signatures give them (the last ones', where some are new).
    snapshot = Snapshot(config.root, seen.digests, seen.read, limit, total_size(seen.packed or packed))
    return RunMemo(
        file, key, snapshot, base, seen.digests, listing, config.root, seen.packed, tuple(others), True, kind
    )


def memo_kind(languages: Collection[str]) -> str:
    """The kind of a run's memo files (`RunMemo.kind`): "run" for a whole run, and one of its
    own for each set of languages a run is narrowed to, so that ``sync --lang tr`` between
    whole runs (a translator's, a CI job's) does not replace the whole run's memo, nor it
    that one's. Each holds a plan of a few bytes per file of its languages."""
    if not languages:
        return "run"
    return "lang-" + hashlib.sha256("\0".join(sorted(set(languages))).encode()).hexdigest()[:12]


def _jobs_name(project: str) -> str:
    """The name of the file of a project's job cache (one for every kind of memo)."""
    return f"jobs-{project}.cache"


def _plan_name(kind: str, project: str) -> str:
    """The name of the file of a memo's plan (a run's, as it always was: ``plan-...``): every
    kind's ends as a run's does (`cachedir.remembers_a_plan`)."""
    return f"plan-{project}.cache" if kind == "run" else f"{kind}-plan-{project}.cache"


def _folder(config: Config, environ: Mapping[str, str]) -> tuple[Path, str] | None:
    """The cache's folder and the project's name in it; None when it is off or refused."""
    folder = usable_folder(config.root, environ)
    return None if folder is None else (folder, project_name(config.root))


def _base(config: Config, steps: Iterable[str]) -> bytes:
    """What a run's key holds beside its files: the tool, the configuration, the steps."""
    base = hashlib.sha256()
    base.update(tool_fingerprint().encode())
    base.update(repr((config.file, config.settings, sorted(steps))).encode())
    return base.digest()


def _observed(
    config: Config,
    where: tuple[Path, str],
    base: bytes,
    wanted: list[str],
    listing: bytes,
    follow: bool = True,
    kind: str = "run",
) -> RunMemo | None:
    """The memo of a run over the files `wanted` (sorted), each read (`signatures.observe`;
    `follow`: through a symlink that stays in the repository)."""
    folder, project = where
    seen = observe(config.root, wanted, config.settings.max_file_size, follow)
    if seen is None:
        return None  # a file the jobs could not read either (`signatures.observe`): the run says why
    key = _key(base + listing, seen.digests)
    file = folder / f"{kind}-{project}.cache"
    size = sum(len(data) for data in seen.read.values() if data is not None)
    snapshot = Snapshot(config.root, seen.digests, seen.read, config.settings.max_file_size, size)
    return RunMemo(file, key, snapshot, base, seen.digests, listing, config.root, seen.packed, kind=kind)


def _plain_paths(root: Path, paths: Sequence[str], files: Iterable[str]) -> bool:
    """Whether no folder on the way to `paths` is a symlink or a file (each is a folder, or
    missing), and each of `files` is a plain file or missing: the plan's checks of them then
    depend on their names alone. (The memo's files are looked at by `signatures.first_change`.)
    A path ending in "/" is a folder (`plan.checked_paths`): the way to it, and it, are looked at."""
    folders = set()
    for folder in {path.rpartition("/")[0] for path in paths}:  # a few hundred, for 28,000 files
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    plain = [(path, stat.S_ISREG) for path in files if not path.endswith("/")]
    wanted = [(folder, stat.S_ISDIR) for folder in folders] + plain
    for path, kind in wanted:
        try:
            mode = os.lstat(os.path.join(root, path)).st_mode
        except FileNotFoundError:
            continue
        except (OSError, ValueError):  # under a file, or a name no file system takes: the plan says
            return False
        if not kind(mode):
            return False
    return True


def _key(base: bytes, digests: Mapping[str, bytes]) -> str:
    """A run's key: `base` (the tool, the configuration, the steps, and the listing of the
    files its plan was made from), then each file's path and digest, in the order of the paths."""
    parts = [base]
    for path in sorted(digests):
        parts += (path.encode("utf-8", "surrogateescape"), b"\0", digests[path])
    return hashlib.sha256(b"".join(parts)).hexdigest()
