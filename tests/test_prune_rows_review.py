"""Review of the cache pruning (`project.pruning`, its hooks in `cache.RunMemo`), the status rows
kept in the job cache (`inspect._Rows`) and the flusher's shortcuts (`flushing.folder_of`,
`Flusher._unwritten_now`, `Staging.adopt`).

Tests whose docstring starts with "Defect" fail on the commit reviewed; those starting with
"Probe" show the code holds.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from helpers import count_executions, invoke
from i18n_sync.project import flushing, pruning
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.cachefiles import write_sealed
from i18n_sync.project.flushing import Flusher, folder_of
from i18n_sync.project.pruning import MAX_AGE, STAMP, prune
from i18n_sync.project.temps import discard_temp, write_temp
from test_scale import TR, make_docs
from test_status import GUIDE, README, commit, git, needs_git, project, write
from test_status_rows import parsed_catalogues

__all__ = ["project"]  # the fixture, used by name

# The table of languages every project shares (`cachedir.recall_languages`), not a project's file.
LANGUAGES = "languages.cache"


PROJECT = "0123456789abcdef01234567"
NOW = 2_000_000_000.0
OLD = MAX_AGE + 60


def aged(path: Path, seconds: float, now: float = NOW) -> Path:
    os.utime(path, (now - seconds, now - seconds), follow_symlinks=False)
    return path


def made(folder: Path, name: str, age: float, now: float = NOW) -> Path:
    (folder / name).write_bytes(b"kept")
    return aged(folder / name, age, now)


def age_everything(folder: Path, seconds: float = OLD) -> None:
    """Every file of the cache folder, the stamp too, as if no run had used it for `seconds`."""
    now = time.time()
    for path in folder.iterdir():
        aged(path, seconds, now)


def kinds(folder: Path) -> set[str]:
    return {path.name.split("-")[0] for path in folder.iterdir() if path.name != STAMP}


# --- pruning ------------------------------------------------------------------------------------


def test_the_stamp_is_not_written_through_a_symlink(tmp_path: Path) -> None:
    """Defect: `prune` reads and writes its stamp through a symlink (`Path.stat`, `Path.touch`,
    `os.utime` all follow it). A `pruned.stamp` that is a symlink makes the run create the
    file it points at (empty) when missing, and set the time of one that exists: a write
    outside the cache folder, where the module promises symlinks are never followed."""
    cache = tmp_path / "cache"
    cache.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (cache / STAMP).symlink_to(outside / "created.txt")
    prune(cache, NOW)
    assert not (outside / "created.txt").exists(), "a file was created through the stamp's symlink"


def test_the_stamp_does_not_set_the_time_of_the_file_it_links_to(tmp_path: Path) -> None:
    """Defect: the same, for a symlink to a file that exists: its modification time is set."""
    cache = tmp_path / "cache"
    cache.mkdir()
    victim = made(tmp_path, "victim.txt", OLD)
    before = victim.stat().st_mtime
    (cache / STAMP).symlink_to(victim)
    prune(cache, NOW)
    assert victim.stat().st_mtime == before, "the time of the file the stamp links to was set"


@pytest.mark.parametrize(
    "command",
    [("status", "--fail-under", "50"), ("sync", "--force")],
    ids=["status with another gate", "sync --force"],
)
def test_a_run_that_used_the_job_cache_does_not_delete_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cache: Path, command: tuple[str, ...]
) -> None:
    """Defect: a run its memo does not answer (another gate, --force, another step) reads
    every result from the job cache, adds nothing and so does not save it; nothing marks the
    file as used (`touch` is only in `recall`), and its own `remember` prunes before the job
    cache would be saved: the file the run has just used is deleted as "unused for 30 days",
    and the next run after a change redoes every job of the project."""
    root = tmp_path / "docs-project"
    root.mkdir()
    make_docs(root, count=3)
    for _ in range(2):
        assert invoke(root, "sync").exit_code == 0
    assert invoke(root, "status").exit_code in (0, 1)  # the report's rows are in the job cache too
    jobs = next(path for path in run_cache.iterdir() if path.name.startswith("jobs-"))
    age_everything(run_cache)  # a month without a run, stamp included
    done = count_executions(monkeypatch)
    assert invoke(root, *command).exit_code in (0, 1)
    assert done, "the memo answered: the run used no job"
    assert jobs.exists(), "the job cache the run just read every result from was deleted"


def test_only_the_names_the_tool_writes_are_deleted(tmp_path: Path) -> None:
    """Defect (low): `_CACHE_FILE` takes any ``<lowercase>-<24 hex>.cache``, not the kinds the
    tool writes or wrote (run, plan, jobs, files, status, lang-<12 hex>, each with -plan).
    `I18N_SYNC_CACHE_DIR` may name a folder other tools use too (~/.cache, a CI cache
    folder): their files of that shape are deleted after a month."""
    made(tmp_path, f"thumbnails-{PROJECT}.cache", OLD)
    made(tmp_path, f"my-notes-{PROJECT}.cache", OLD)
    made(tmp_path, f"run-{PROJECT}.cache", OLD)
    assert prune(tmp_path, NOW) == [f"run-{PROJECT}.cache"]


def test_a_stamp_dated_in_the_future_does_not_stop_pruning_for_good(tmp_path: Path) -> None:
    """Defect (low): ``now - mtime < a day`` holds for any stamp dated after now (a cache
    restored from a machine whose clock ran ahead, a clock set back): the folder is then
    never looked through until that date, years perhaps."""
    made(tmp_path, STAMP, -10 * 365 * 24 * 3600)  # ten years ahead
    made(tmp_path, f"run-{PROJECT}.cache", OLD)
    assert prune(tmp_path, NOW) == [f"run-{PROJECT}.cache"]


def test_a_file_another_run_writes_between_the_look_and_the_delete_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect (low, a race between two runs): the file's age is looked at, then it is deleted
    by name. Another run that writes that file (`write_sealed`: a rename over it) between the
    two loses its fresh record, plan or job cache: the next run rebuilds it."""
    now = time.time()
    old = made(tmp_path, f"jobs-{PROJECT}.cache", OLD, now)
    real = pruning._unused
    looked: list[str] = []

    def unused(path: str, age: float, now: float) -> bool:
        answer = real(path, age, now)
        if path == str(old) and not looked:  # another run saves its job cache now
            looked.append(path)
            assert write_sealed(old, b"i18n-sync job cache 3\n", b"fresh", flush=False)
        return answer

    monkeypatch.setattr(pruning, "_unused", unused)
    assert prune(tmp_path, now) == []
    assert old.exists(), "the file another run has just written was deleted"
    assert [path.name for path in tmp_path.iterdir() if path.name != STAMP] == [old.name]


def test_pruning_deletes_no_file_through_a_symlinked_cache_file(tmp_path: Path) -> None:
    """Probe: a cache file's name that is a symlink to a folder, or to a file elsewhere, old:
    the link goes, what it points to stays; a folder under a temp's name is left alone."""
    outside = tmp_path / "outside"
    outside.mkdir()
    target = made(outside, "important.txt", OLD)
    (outside / "folder").mkdir()
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"run-{PROJECT}.cache").symlink_to(target)
    (cache / f"plan-{PROJECT}.cache").symlink_to(outside / "folder")
    (cache / ".i18n-sync-ab.tmp").mkdir()
    for name in (f"run-{PROJECT}.cache", f"plan-{PROJECT}.cache", ".i18n-sync-ab.tmp"):
        aged(cache / name, OLD)
    assert prune(cache, NOW) == [f"plan-{PROJECT}.cache", f"run-{PROJECT}.cache"]
    assert target.read_bytes() == b"kept" and (outside / "folder").is_dir()
    assert (cache / ".i18n-sync-ab.tmp").is_dir()


def test_two_runs_pruning_at_once_delete_each_file_once(tmp_path: Path) -> None:
    """Probe: a second prune that finds a file gone (the other run deleted it) skips it."""
    made(tmp_path, f"run-{PROJECT}.cache", OLD)
    entries = list(os.scandir(tmp_path))
    assert prune(tmp_path, NOW) == [f"run-{PROJECT}.cache"]
    assert [entry.name for entry in entries if pruning._deleted(entry, NOW)] == []  # gone: skipped


def test_a_missing_cache_folder_is_not_made_by_pruning(tmp_path: Path) -> None:
    """Probe: pruning a cache folder that does not exist yet makes neither it nor a stamp."""
    assert prune(tmp_path / "cache", NOW) is None
    assert not (tmp_path / "cache").exists()


def test_a_run_answered_from_its_memo_after_a_narrowed_one_marks_its_own_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cache: Path, later: None
) -> None:
    """Probe: a narrowed run's memo (lang-...) and a report's (status-...) mark their record,
    their plan and the shared job cache when they answer; the next pruning keeps them."""
    root = tmp_path / "docs-project"
    root.mkdir()
    make_docs(root, count=3)
    for _ in range(2):
        assert invoke(root, "sync", "--lang", "tr").exit_code == 0
        assert invoke(root, "status", "--lang", "tr").exit_code in (0, 1)
    age_everything(run_cache)
    done = count_executions(monkeypatch)
    assert invoke(root, "sync", "--lang", "tr").exit_code == 0
    assert invoke(root, "status", "--lang", "tr").exit_code in (0, 1)
    assert done == []
    now = time.time()
    projects = [p for p in run_cache.iterdir() if p.name != LANGUAGES]
    fresh = sorted(p.name for p in projects if now - p.lstat().st_mtime < 60)
    assert len(fresh) == 5  # lang-, lang-plan-, status-lang-, status-lang-plan-, jobs-
    aged(run_cache / STAMP, 2 * 24 * 3600, now)
    assert prune(run_cache) == []


# --- status rows --------------------------------------------------------------------------------

VARIANTS = [
    (),
    ("--documents",),
    ("--stale", "--documents"),
    ("--format", "json"),
    ("--format", "json", "--stale"),
    ("--format", "markdown", "--documents"),
    ("--format", "markdown", "--stale"),
    ("--format", "html"),
    ("--lang", "tr", "--stale"),
    ("--lang", "zh-CN", "--format", "json", "--stale"),
]


def outputs(root: Path) -> list[tuple[int, str]]:
    return [(result.exit_code, result.output) for result in (invoke(root, "status", *a) for a in VARIANTS)]


def uncached_outputs(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    with monkeypatch.context() as off:
        off.setenv(CACHE_VARIABLE, "off")
        return outputs(root)


@needs_git
def test_reports_with_rows_from_the_job_cache_are_those_made_without_a_cache(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Probe: git history, pending updates, fuzzy, obsolete, a catalogue not made yet, every
    format and option: the reports after one source changed (its rows made again, the
    others' from the job cache) are those made with the cache off; and again once the
    pending catalogues are written by a sync (the same bytes, no longer pending)."""
    root = project
    git(root, "init", "-q")
    commit(root, "first")
    outputs(root)  # every row kept
    write(root, "content/docs/guide.md", GUIDE + "\nA paragraph added since.\n")
    commit(root, "guide grows")
    parsed = parsed_catalogues(monkeypatch)
    cached = outputs(root)
    assert "locales/tr/README.po" not in parsed and "locales/tr/docs/guide.po" in parsed  # rows hit
    assert cached == uncached_outputs(root, monkeypatch)
    assert any("pending" in text or 'pending_update": true' in text for _, text in cached)
    assert invoke(root, "sync").exit_code == 0
    assert outputs(root) == uncached_outputs(root, monkeypatch)


def test_rows_of_one_catalogue_per_language_with_obsolete_entries_and_a_broken_language(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Probe: one catalogue per language (relayout), an entry made obsolete by a change, and a
    language whose catalogue is malformed (an error of the report, its rows missing): the
    reports from kept rows are those made with the cache off, before and after the fix."""
    root = project
    moved = invoke(root, "relayout", "--template", "locales/messages.pot", "--catalog", "locales/{locale}.po")
    assert moved.exit_code == 0, moved.output
    outputs(root)
    write(root, "content/README.md", README.replace("installer twice.", "installer three times."))
    assert outputs(root) == uncached_outputs(root, monkeypatch)
    broken = root / "locales/zh_CN.po"
    good = broken.read_bytes()
    broken.write_bytes(good + b'\nmsgid "unterminated\n')
    first = outputs(root)
    assert any("zh_CN.po" in text for _, text in first)
    assert first == uncached_outputs(root, monkeypatch)
    broken.write_bytes(good)
    assert outputs(root) == uncached_outputs(root, monkeypatch)


def test_a_row_kept_for_a_pending_catalogue_is_not_used_once_it_is_written_by_hand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Probe: a translator writes the merged bytes by hand (the catalogue is then current), then
    changes one translation back: each state its own row, each report the uncached one."""
    (tmp_path / "docs-project").mkdir()
    root = make_docs(tmp_path / "docs-project", count=4)
    assert invoke(root, "sync").exit_code == 0
    catalogue = root / "locales/tr/part/guide1.po"
    catalogue.write_text(TR.format(number=1), "utf-8")
    pending = outputs(root)
    assert pending == uncached_outputs(root, monkeypatch)
    assert invoke(root, "update").exit_code == 0
    merged = catalogue.read_bytes()
    catalogue.write_text(TR.format(number=1), "utf-8")  # pending again (its memory wrote others)
    assert outputs(root) == uncached_outputs(root, monkeypatch)
    catalogue.write_bytes(merged)
    assert outputs(root) == uncached_outputs(root, monkeypatch)


# --- flushing -----------------------------------------------------------------------------------


def test_folder_of_is_dirname_for_every_temporary_file_the_tool_makes(tmp_path: Path) -> None:
    """Probe: `folder_of` gives `os.path.dirname` of each temporary file `write_temp` makes
    (the path joins the target's folder and a name), in plain, nested, dotted, spaced and
    non-ASCII folders. (They differ only for a file in the root folder "/": "" against "/",
    which makes such a file flushed by itself, as a folder not watched is.)"""
    for folder in ("a", "a/b c", "a/.hidden/é", "a/b.c/d"):
        where = tmp_path / folder
        where.mkdir(parents=True)
        for target in (where / "x.po", str(where / "x.po")):
            temp = write_temp(target, b"x")
            try:
                assert folder_of(temp) == os.path.dirname(temp) == str(where)
            finally:
                discard_temp(temp)
    assert folder_of("/.i18n-sync-ab.tmp") == "" and os.path.dirname("/.i18n-sync-ab.tmp") == "/"


def test_the_unwritten_data_is_read_for_each_flusher_and_when_the_clock_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Probe: a new flusher (a new run in the same process) reads the machine's unwritten data
    again, whatever the last run read; a reading taken now stands for half a second only."""
    readings: list[int] = []
    values = iter([1 << 30, 0, 0])
    monkeypatch.setattr(flushing, "_unwritten", lambda: readings.append(1) or next(values))
    clock = [50.0]
    monkeypatch.setattr(flushing.time, "monotonic", lambda: clock[0])
    first = Flusher()
    assert first._unwritten_now() == 1 << 30
    second = Flusher()
    assert second._unwritten_now() == 0 and len(readings) == 2
    clock[0] += 0.49
    assert first._unwritten_now() == 1 << 30 and len(readings) == 2
    clock[0] += 0.01
    assert first._unwritten_now() == 0 and len(readings) == 3
