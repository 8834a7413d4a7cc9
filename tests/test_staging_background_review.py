"""Background flushes, batched staging, the staging's sweep, `_still_writable` and a first run's
keys, attacked: nothing may be lost, half-written or left behind, nothing the tool did not write
overwritten, and every result the same whatever the workers, the cache or the scheduling.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import fake_syncfs, invoke, patch_write_temp, temps_in
from i18n_sync.errors import WriteError
from i18n_sync.model import FileChange
from i18n_sync.project import jobcache as jobcache_module
from i18n_sync.project import temps as temps_module
from i18n_sync.project import writing as writing_module
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.config import load_config
from i18n_sync.project.files import TEMP_PREFIX, TEMP_SUFFIX, Folders
from i18n_sync.project.staging import Staging
from i18n_sync.project.sync import run
from i18n_sync.project.temps import writable
from i18n_sync.project.writing import READ_ONLY, apply_changes
from test_scale import TR, make_docs, report_bytes

DATE = {"SOURCE_DATE_EPOCH": "1764000000"}
NO_CACHE = {CACHE_VARIABLE: "off", **DATE}
SRC = str(Path(writing_module.__file__).resolve().parents[2])  # the code under test, for subprocesses


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DATE["SOURCE_DATE_EPOCH"])


def stale(folder: Path, name: str = "killed") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{TEMP_PREFIX}{name}{TEMP_SUFFIX}"
    path.write_bytes(b"half a file")
    return path


def writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("i18n-sync-")]


def batch(count: int, folder: str = "site") -> list[FileChange]:
    return [FileChange(f"{folder}/doc{n}.md", f"output {n}\n".encode(), "output") for n in range(count)]


# --- 1. One set of threads for the run: what stage() leaves running ----------------------------


def test_an_interrupt_in_one_staging_thread_leaves_no_temporary_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure before renames leaves no temporary file behind. A batch of 128 is shared by
    two threads (even and odd positions); when one of them raises something other than a
    WriteError (Ctrl-C, a bug), `stage` waits for the other before it raises, so that
    `discard` (the caller's `finally`) finds every file staged."""
    real_mode_for, real_write = Staging._mode_for, temps_module.write_temp

    def mode_for(self: Staging, change: FileChange) -> int | None:
        if change.path == "site/doc0.md":  # position 0: the even thread, at once
            raise KeyboardInterrupt
        return real_mode_for(self, change)

    def write_temp(
        target: Any, content: bytes, mode: Any = None, flush: bool = False, named: bool = False
    ) -> str:
        if str(target).endswith("/doc1.md"):  # position 1: the odd thread, a moment later
            time.sleep(0.3)
        return real_write(target, content, mode, flush, named)

    monkeypatch.setattr(Staging, "_mode_for", mode_for)
    patch_write_temp(monkeypatch, write_temp)
    staging = Staging(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        staging.stage(batch(128), flush=False)
    staging.discard()  # what `api.sync`'s finally does
    assert writer_threads() == []
    assert temps_in(tmp_path) == [], "a staging thread went on writing after the run gave up"


def test_threads_are_gone_after_a_sync_and_after_a_failed_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No leaked threads: every sync (a success, or a write that fails on a full disk while
    staging) ends with the staging's threads shut down and no temporary file."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    root = make_docs(tmp_path, 40)
    assert invoke(root, "sync").exit_code == 0
    assert writer_threads() == []
    (root / "docs" / "guide3.md").write_text("# Guide 3\n\nNew words.\n", encoding="utf-8")
    real_fsync = os.fsync

    def fsync(handle: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", fsync)
    result = invoke(root, "sync")
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert result.exit_code != 0
    assert "Input/output error" in result.output
    assert writer_threads() == []
    assert temps_in(root) == []


# --- 2. Background flushes: a failure is neither lost nor named by chance ----------------------


def test_a_background_flush_failure_fails_the_write_before_any_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An fsync that fails (EIO) after `flush` returned is raised by `apply_changes` before
    any rename: every original stays, and no temporary file is left."""
    target = tmp_path / "locales" / "b.po"
    target.parent.mkdir()
    target.write_bytes(b"old b")
    changes = [FileChange(f"locales/{n}.po", f"new {n}".encode(), "catalog") for n in "abc"]
    real_fsync = os.fsync
    started = threading.Event()

    def fsync(handle: int) -> None:
        started.set()
        if os.readlink(f"/proc/self/fd/{handle}").startswith(str(tmp_path / "locales" / TEMP_PREFIX)):
            with open(f"/proc/self/fd/{handle}", "rb") as seen:
                if seen.read() == b"new b":
                    raise OSError(errno.EIO, "Input/output error")
        real_fsync(handle)

    monkeypatch.setattr(os, "fsync", fsync)
    staging = Staging(tmp_path)
    staging.stage(changes)
    assert started.wait(5)
    with pytest.raises(WriteError) as raised:
        apply_changes(tmp_path, changes, staging)
    assert raised.value.path == "locales/b.po"
    assert target.read_bytes() == b"old b"
    assert not (tmp_path / "locales" / "a.po").exists()
    assert temps_in(tmp_path) == []
    assert writer_threads() == []


FLUSH_SCRIPT = """
import errno, os, sys
from pathlib import Path
from i18n_sync.errors import WriteError
from i18n_sync.model import FileChange
from i18n_sync.project import flushing
from i18n_sync.project.writing import Staging, apply_changes

root = Path(sys.argv[1])
def fsync(handle):
    raise OSError(errno.ENOSPC, "No space left on device")
os.fsync = fsync
flushing._load_syncfs = lambda: lambda handle: -1  # syncfs fails too, where it is used
changes = [FileChange(f"locales/c{n:02}.po", b"x" * n, "catalog") for n in range(1, 41)]
staging = Staging(root)
staging.stage(changes)
try:
    apply_changes(root, changes, staging)
except WriteError as problem:
    print(problem.path)
"""


def test_a_disk_that_fails_every_flush_names_the_same_file_in_every_process(tmp_path: Path) -> None:
    """Results are the same every time: when the disk fails every fsync (ENOSPC, EIO), the
    file named is the first the staging wrote, as one thread flushing in order names,
    whatever each process's hash seed."""
    named = set()
    for seed in ("0", "1", "2", "3", "4", "5"):
        root = tmp_path / seed
        root.mkdir()
        env = {**os.environ, "PYTHONPATH": SRC, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", FLUSH_SCRIPT, str(root)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        named.add(done.stdout.strip())
        assert temps_in(root) == []
    assert named == {"locales/c01.po"}


def test_a_flush_failure_of_an_earlier_batch_is_reported_before_a_later_staging_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure reported is the first one, as one thread working in order meets it (and
    as the synchronous flush did): a batch whose flush failed stops the staging, not a
    later batch that could not be written."""
    real_fsync, real_write = os.fsync, temps_module.write_temp

    def fsync(handle: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    def write_temp(
        target: Any, content: bytes, mode: Any = None, flush: bool = False, named: bool = False
    ) -> str:
        if "/later/" in str(target):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(target, content, mode, flush, named)

    monkeypatch.setattr(os, "fsync", fsync)
    patch_write_temp(monkeypatch, write_temp)
    first = [FileChange("early/one.po", b"one", "catalog")]
    later = [FileChange("later/two.po", b"two", "catalog")]
    staging = Staging(tmp_path)
    staging.stage(first)  # flushed now (in the background)
    staging.stage(later)
    with pytest.raises(WriteError) as raised:
        apply_changes(tmp_path, first + later, staging)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert raised.value.path == "early/one.po", f"reported {raised.value}"
    assert temps_in(tmp_path) == []


# --- 3. The staging's sweep ---------------------------------------------------------------------


def test_the_sweep_reports_each_stale_file_once_in_the_order_of_its_folders(tmp_path: Path) -> None:
    """`removed` names every stale file once, in the same order whatever order the staging
    met the folders in (outputs come in the order the workers or the cache give them):
    as `remove_stale_temps` over the written folders, sorted."""
    for folder in ("a", "b", "c"):
        stale(tmp_path / folder)
    changes = [FileChange(f"{folder}/x.md", b"x", "output") for folder in ("a", "b", "c")]
    results = []
    for order in ([2, 0], [0, 2]):
        for path in temps_in(tmp_path):
            path.unlink()
        for folder in ("a", "b", "c"):
            stale(tmp_path / folder)
            (tmp_path / folder / "x.md").unlink(missing_ok=True)
        staging = Staging(tmp_path)
        for index in order:
            staging.add(changes[index])
            staging.stage_added()
        applied = apply_changes(tmp_path, changes, staging)
        results.append(applied.removed)
        assert len(applied.removed) == len(set(applied.removed)) == 3
        assert temps_in(tmp_path) == []
    assert (
        results[0]
        == results[1]
        == (
            f"a/{TEMP_PREFIX}killed{TEMP_SUFFIX}",
            f"b/{TEMP_PREFIX}killed{TEMP_SUFFIX}",
            f"c/{TEMP_PREFIX}killed{TEMP_SUFFIX}",
        )
    )


def test_the_sweep_keeps_a_run_own_files_under_a_second_name_for_the_folder(tmp_path: Path) -> None:
    """This run's own temporary files are never swept: a symlinked folder staged under two
    names (the API allows it) is swept once, before the first write, and every staged file
    is renamed; the killed run's file is reported once."""
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to("real")
    old = stale(tmp_path / "real")
    first = [FileChange(f"real/r{n}.md", b"r", "output") for n in range(70)]
    second = [FileChange(f"alias/a{n}.md", b"a", "output") for n in range(70)]
    staging = Staging(tmp_path)
    staging.stage(first)
    staging.stage(second)
    assert len(temps_in(tmp_path / "real")) == 140
    applied = apply_changes(tmp_path, first + second, staging)
    assert len(applied.written) == 140
    assert applied.removed == (f"real/{old.name}",)
    assert temps_in(tmp_path) == []


BIND_SCRIPT = """
import os, subprocess, sys
from pathlib import Path
from i18n_sync.model import FileChange
from i18n_sync.project.writing import Staging, apply_changes

root = Path(sys.argv[1])
(root / "site").mkdir()
(root / "mirror").mkdir()
subprocess.run(["mount", "--bind", str(root / "site"), str(root / "mirror")], check=True)
first = [FileChange("site/a.md", b"a", "output")]
second = [FileChange("mirror/b.md", b"b", "output")]
staging = Staging(root)
staging.stage(first, flush=False)
staged = set(os.listdir(root / "site"))
staging.stage(second, flush=False)
print("kept" if staged <= set(os.listdir(root / "site")) else "swept")
"""


def test_the_sweep_keeps_a_run_own_files_in_a_folder_realpath_cannot_unify(tmp_path: Path) -> None:
    """This run's own temporary files are never swept, even where one folder has two real
    paths: a bind mount (and, on macOS and Windows, two spellings of one folder in a
    case-insensitive file system). They are kept by name."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        pytest.skip("needs unshare and mount")
    env = {**os.environ, "PYTHONPATH": SRC}
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no mount namespace here")
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", sys.executable, "-c", BIND_SCRIPT, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 and "mount" in done.stderr:
        pytest.skip("bind mounts are not allowed here")
    assert done.stdout.strip() == "kept", done.stderr


def test_the_sweep_removes_only_stale_plain_files(tmp_path: Path) -> None:
    """The sweep removes a killed run's temporary files, and the folders it was writing whole
    with what they hold (named exactly as `temps.make_twin` names them), nothing else: not
    the lock, not another folder or a symlink with a temporary file's name (nor what it
    leads to), not a file named like one elsewhere."""
    site = tmp_path / "site"
    site.mkdir()
    (site / f"{TEMP_PREFIX}0123456789ab{TEMP_SUFFIX}" / "tr").mkdir(parents=True)
    (site / f"{TEMP_PREFIX}0123456789ab{TEMP_SUFFIX}" / "tr" / "a.md").write_text("half a run")
    (site / f"{TEMP_PREFIX}dir{TEMP_SUFFIX}").mkdir()  # not a name the tool gives a folder
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("keep me")
    (site / f"{TEMP_PREFIX}link{TEMP_SUFFIX}").symlink_to(outside)
    (site / f"{TEMP_PREFIX}notemp.txt").write_text("not ours")
    (site / "x.i18n-sync-y.tmp").write_text("not ours")
    old = stale(site)
    staging = Staging(tmp_path)
    changes = [FileChange("site/new.md", b"new", "output")]
    staging.stage(changes)
    applied = apply_changes(tmp_path, changes, staging)
    assert applied.removed == (f"site/{TEMP_PREFIX}0123456789ab{TEMP_SUFFIX}/", f"site/{old.name}")
    assert not (site / f"{TEMP_PREFIX}0123456789ab{TEMP_SUFFIX}").exists()
    assert (site / f"{TEMP_PREFIX}dir{TEMP_SUFFIX}").is_dir()
    assert (site / f"{TEMP_PREFIX}link{TEMP_SUFFIX}").is_symlink()
    assert outside.read_text() == "keep me"
    assert (site / f"{TEMP_PREFIX}notemp.txt").exists()
    assert (site / "x.i18n-sync-y.tmp").exists()


def test_a_folder_created_after_its_sweep_is_not_swept_twice(tmp_path: Path) -> None:
    """A folder swept while missing (a first run) and then made by the staging itself holds
    only this run's files: `apply_changes` must not sweep it again, nor remove them."""
    staging = Staging(tmp_path)
    changes = [FileChange(f"site/new/{n}.md", b"n", "output") for n in range(3)]
    staging.stage(changes[:1], flush=False)
    staging.stage(changes[1:], flush=False)
    applied = apply_changes(tmp_path, changes, staging)
    assert applied.written == tuple(c.path for c in changes)
    assert applied.removed == ()
    assert temps_in(tmp_path) == []


# --- 4. `_still_writable` against `writable` ---------------------------------------------------


def _cases(root: Path) -> list[str]:
    """Staged targets, then changed under the run: each kind `writable` tells apart."""
    site = root / "site"
    site.mkdir()
    (site / "plain.md").write_bytes(b"x")
    (site / "readonly.md").write_bytes(b"x")
    (site / "readonly.md").chmod(0o444)
    os.mkfifo(site / "fifo.md")
    (site / "dir.md").mkdir()
    (site / "link.md").symlink_to("plain.md")
    (site / "dangling.md").symlink_to("nowhere.md")
    (root / "file").write_bytes(b"a file, not a folder")
    (root / "outside").symlink_to(root.parent)
    (root / "inner").symlink_to("site")
    return [
        "site/plain.md",
        "site/missing.md",
        "site/readonly.md",
        "site/fifo.md",
        "site/dir.md",
        "site/link.md",
        "site/dangling.md",
        "file/x.md",
        "gone/x.md",
        "outside/x.md",
        "inner/plain.md",
        "inner/readonly.md",
        "top.md",
    ]


def test_still_writable_agrees_with_one_lstat_per_file(tmp_path: Path) -> None:
    """`_still_writable` is `writable` per path with one listing per folder: they must agree
    on every kind of target (read-only, FIFO, folder, symlinks, a file as the folder, a
    folder leading out of the repository)."""
    paths = [path for path in _cases(tmp_path) if path != "gone/x.md"]
    folders = Folders(tmp_path)
    old = {
        path
        for path in paths
        if folders.place(path.rpartition("/")[0]) is not None
        and writable(os.path.join(tmp_path, path)) is not None
    }
    assert writing_module._still_writable(_staged_beside(tmp_path, paths), Folders(tmp_path)) == old


def _staged_beside(root: Path, paths: list[str]) -> dict[str, str]:
    """Each path with a temporary file beside it, as staging leaves one (in the folders of the
    repository that exist)."""
    folders = Folders(root)
    staged = {}
    for number, path in enumerate(paths):
        where = folders.place(path.rpartition("/")[0])
        temp = os.path.join(where or str(root), f"{TEMP_PREFIX}{number}{TEMP_SUFFIX}")
        if where is not None and os.path.isdir(where):
            Path(temp).write_bytes(b"")
        staged[path] = temp
    return staged


def test_still_writable_judges_a_file_listed_under_another_spelling_by_its_own_lstat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a file system that ignores case (macOS, Windows), ``site/guide.md`` is the file
    listed as ``Guide.md``: a read-only one is not writable, as one `lstat` of the path says,
    though the listing has no ``guide.md``. (Simulated here: `lstat` of the lower-case path
    finds the file, as such a file system would.)"""
    site = tmp_path / "site"
    site.mkdir()
    (site / "Guide.md").write_bytes(b"hand-made")
    (site / "Guide.md").chmod(0o444)
    (site / "Other.md").write_bytes(b"writable")
    real_lstat = os.lstat

    def lstat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        folder, _, name = str(path).rpartition("/")
        if folder == str(site) and name in ("guide.md", "other.md"):
            path = f"{folder}/{name[0].upper()}{name[1:]}"
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", lstat)
    staged = _staged_beside(tmp_path, ["site/guide.md", "site/other.md", "site/new.md"])
    try:
        assert writing_module._still_writable(staged, Folders(tmp_path)) == {"site/other.md", "site/new.md"}
    finally:
        (site / "Guide.md").chmod(0o644)


def test_still_writable_judges_a_path_in_a_missing_folder_as_any_other(tmp_path: Path) -> None:
    """The one disagreement with `writable` (which calls a path in a missing folder writable):
    the path is not "ahead", so `apply_changes` looks at it as at any other. Only slower."""
    _cases(tmp_path)
    assert writing_module._still_writable(_staged_beside(tmp_path, ["gone/x.md"]), Folders(tmp_path)) == set()
    assert writable(str(tmp_path / "gone" / "x.md")) is not None


def test_a_staged_file_made_read_only_during_the_run_is_refused_through_every_name(tmp_path: Path) -> None:
    """A file made read-only during the run is left alone, whichever name of its folder the
    change uses (the listing is of the folder's real place)."""
    (tmp_path / "site").mkdir()
    (tmp_path / "inner").symlink_to("site")
    target = tmp_path / "site" / "doc.md"
    target.write_bytes(b"mine")
    change = FileChange("inner/doc.md", b"new", "output")
    staging = Staging(tmp_path)
    staging.stage([change], flush=False)
    target.chmod(0o444)
    applied = apply_changes(tmp_path, [change], staging)
    assert target.read_bytes() == b"mine"
    assert [(e.path, e.message) for e in applied.errors] == [("inner/doc.md", READ_ONLY)]
    assert temps_in(tmp_path) == []


# --- 5. A first run's keys (`map_cached` on an empty cache) -------------------------------------


def test_an_empty_cache_gives_the_keys_a_full_one_gives(tmp_path: Path) -> None:
    """A key spelled after its job (an empty cache) is the key spelled before it (a cache
    with other entries): the same jobs, the same results, the same keys, whichever the order."""

    def key(job: list[int]) -> str:
        return f"job {job}"

    def work(job: list[int]) -> int:
        return sum(job)

    how = jobcache_module.Cached(
        key,
        lambda job, result: result if result % 2 else None,
        lambda job, kept: kept,
        lambda kept: isinstance(kept, int),
    )
    jobs = [[n, n + 1] for n in range(10)] + [[n, n] for n in range(10)]
    empty = jobcache_module.open_job_cache(tmp_path / "empty", b"base", {})
    other = jobcache_module.JobCache(tmp_path / "other", b"base", {"unrelated": (1, b"\x80\x04N.")}, {})
    assert empty.empty and not other.empty
    first = jobcache_module.map_cached(empty, how, work, jobs, workers=1)
    second = jobcache_module.map_cached(other, how, work, jobs, workers=1)
    assert first == second
    assert first[1] == [None if sum(job) % 2 == 0 else key(job) for job in jobs]


def test_a_first_run_on_one_worker_keeps_keys_a_later_run_finds(
    tmp_path: Path, run_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key spelled after its job ran (an empty cache) is the key a later run asks for, even
    on one worker, where the job runs in this process on the very objects the key spells: a
    check with an empty cache on one worker keeps every result; after it, an edited document
    redoes its own jobs only."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "1")
    root = make_docs(tmp_path)
    assert invoke(root, "sync").exit_code == 0
    for record in run_cache.glob("jobs-*"):
        record.unlink()  # the next run's job cache is empty
    assert invoke(root, "sync", "--check").exit_code == 0
    source = root / "docs" / "guide4.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    totals: dict[str, int] = {}
    report = run(load_config(root), progress=lambda stage, done, total: totals.__setitem__(stage, total))
    assert totals == {"extract": 1, "update": 3, "render": 3}
    assert report_bytes(report) == report_bytes(run(load_config(root), environ=NO_CACHE))


# --- 6. What is staged is what is written -------------------------------------------------------


def test_one_worker_or_two_with_or_without_cache_write_the_same_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Results are identical whatever the workers and with or without the cache, with the
    catalogues now staged during the merge (a first run, then a run after an edit)."""
    trees = []
    for jobs, cache in (("1", "off"), ("2", "off"), ("1", "on"), ("2", "on")):
        root = tmp_path / f"{jobs}-{cache}"
        root.mkdir()
        make_docs(root, 20)
        monkeypatch.setenv("I18N_SYNC_JOBS", jobs)
        if cache == "off":
            monkeypatch.setenv(CACHE_VARIABLE, "off")
        else:
            monkeypatch.delenv(CACHE_VARIABLE, raising=False)
        assert invoke(root, "sync").exit_code == 0
        (root / "docs" / "guide2.md").write_text("# Guide 2\n\nOther words.\n", encoding="utf-8")
        assert invoke(root, "sync").exit_code == 0
        assert temps_in(root) == []
        trees.append(
            {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
        )
    assert trees[0] == trees[1] == trees[2] == trees[3]


# --- 7. More: a narrowed run, the shared pool, discard during a flush, a vanished staged file --


def test_a_run_narrowed_to_one_language_touches_no_other_language_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--lang tr`` writes what a whole run writes for Turkish, and nothing else: German, merged
    only for its publish threshold, is neither staged nor swept (its folder is not the run's;
    a file there named like a temporary file is not reported, or deleted, by this run)."""
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root = make_docs(tmp_path)
    config = (root / "i18n-sync.toml").read_text(encoding="utf-8")
    config += "publish_threshold_by_language = { de = 50 }\n"
    (root / "i18n-sync.toml").write_text(config, encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    for number in range(12):
        source = root / ("docs/part" if number % 2 else "docs") / f"guide{number}.md"
        source.write_text(source.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    german = stale(root / "locales" / "de")
    staged: list[str] = []
    real_write = temps_module.write_temp

    def write_temp(
        target: Any, content: bytes, mode: Any = None, flush: bool = False, named: bool = False
    ) -> str:
        staged.append(str(target))
        return real_write(target, content, mode, flush, named)

    patch_write_temp(monkeypatch, write_temp)
    result = invoke(root, "sync", "--lang", "tr")
    assert result.exit_code == 0, result.output
    assert german.exists(), "a narrowed run swept a folder it writes nothing in"
    assert "locales/de" not in result.output
    assert not [path for path in staged if "/locales/de/" in path]


def test_a_batch_staged_while_earlier_files_flush_does_not_wait_for_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`flush` returns at once, so the run goes on while the disk works: a batch staged while
    the flushes occupy every flushing thread does not wait behind them."""
    real_fsync = os.fsync
    disk_done = threading.Event()
    flushed: list[int] = []

    def fsync(handle: int) -> None:
        disk_done.wait(timeout=10)  # the disk holds every flush until the test lets it go
        flushed.append(handle)
        real_fsync(handle)

    monkeypatch.setattr(os, "fsync", fsync)
    staging = Staging(tmp_path)
    try:
        staging.stage(batch(64, "first"))  # its flushes take every flush thread
        staging.stage(batch(128, "second"), flush=False)
        # Staged while not one flush has ended: the batch did not queue behind the disk.
        assert flushed == []
        assert len(temps_in(tmp_path)) == 64 + 128
    finally:
        disk_done.set()
        staging.discard()


def test_discard_while_a_flush_runs_waits_for_it_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`discard` during a flush (a run that failed while the disk worked) waits for the
    flush, deletes every staged file, and stops the threads."""
    real_fsync = os.fsync
    flushing = threading.Event()

    def fsync(handle: int) -> None:
        flushing.set()
        time.sleep(0.2)
        real_fsync(handle)

    def syncfs(handle: int) -> int:
        fsync(handle)
        return 0

    monkeypatch.setattr(os, "fsync", fsync)
    fake_syncfs(monkeypatch, syncfs)
    staging = Staging(tmp_path)
    staging.stage(batch(100))
    assert flushing.wait(5)
    staging.discard()
    assert temps_in(tmp_path) == []
    assert writer_threads() == []
    assert staging.failure is None


@pytest.mark.parametrize("flushed", [True, False])
def test_a_staged_file_lost_with_its_folder_is_written_afresh(tmp_path: Path, flushed: bool) -> None:
    """A staged file deleted with its folder during the run must not be found missing only
    by its rename, after the files before it were renamed: `_still_writable` sees it gone,
    and `apply_changes` writes that file afresh like any other, flushed or not."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "keep.md").write_bytes(b"original")
    changes = [FileChange("a/keep.md", b"new", "output"), FileChange("b/x.md", b"x", "output")]
    staging = Staging(tmp_path)
    staging.stage(changes, flush=flushed)
    staging.settle()
    shutil.rmtree(tmp_path / "b")
    applied = apply_changes(tmp_path, changes, staging)
    assert applied.written == ("a/keep.md", "b/x.md")
    assert (tmp_path / "a" / "keep.md").read_bytes() == b"new"
    assert (tmp_path / "b" / "x.md").read_bytes() == b"x"
    assert temps_in(tmp_path) == []


def test_a_sync_lists_a_killed_runs_files_in_the_same_order_with_and_without_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same output with or without the cache. 65 documents in 3 languages: 195 outputs,
    staged 128 at a time. Without the cache the Turkish outputs come first; with it, the
    outputs the cache had (Chinese, German) come first, the re-rendered Turkish ones last:
    the staging meets the folders in another order, and still lists what it removed in the
    order of the folders."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "1")
    lines = []
    for cached in (False, True):
        root = tmp_path / str(cached)
        root.mkdir()
        make_docs(root, 65)
        if not cached:
            monkeypatch.setenv(CACHE_VARIABLE, "off")
        assert invoke(root, "sync").exit_code == 0
        assert invoke(root, "sync", "--check").exit_code == 0  # keeps every result in the cache
        # a Turkish translation: every Turkish catalogue is merged and rendered again
        (root / "locales" / "tr" / "part" / "guide1.po").write_text(TR.format(number=1), encoding="utf-8")
        for folder in ("site/tr", "site/de"):
            stale(root / folder)
        result = invoke(root, "sync")
        monkeypatch.delenv(CACHE_VARIABLE, raising=False)
        assert result.exit_code == 0, result.output
        lines.append([line for line in result.output.splitlines() if line.startswith("removed")])
        assert temps_in(root) == []
    assert lines[0] == lines[1]


def test_no_staging_thread_is_alive_when_the_workers_are_forked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No thread of the staging is alive when the render stage forks its workers: forking a
    process that has other threads may deadlock the child (a lock held by a thread that is
    not copied), and Python 3.12 warns at every such fork ("This process is multi-threaded,
    use of fork() may lead to deadlocks in the child")."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root = make_docs(tmp_path, 70)  # 70 templates: staged by the threads during the merge
    alive: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        alive.append(len(writer_threads()))
        return real_fork()

    monkeypatch.setattr(os, "fork", fork)
    assert invoke(root, "sync").exit_code == 0
    assert alive, "no worker was forked"
    assert max(alive) == 0, f"forked with {max(alive)} writing threads alive"
