"""The cache folder does not grow without end: files no run used for a month are deleted, once a
day at most, and a run answered from its memo marks the files it used."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from helpers import count_executions, invoke
from i18n_sync.project import pruning
from i18n_sync.project.pruning import MAX_AGE, STAMP, prune
from test_scale import make_docs

# The table of languages every project shares (`cachedir.recall_languages`), not a project's file.
LANGUAGES = "languages.cache"


PROJECT = "0123456789abcdef01234567"
NOW = 2_000_000_000.0


def aged(path: Path, seconds: float, now: float = NOW) -> Path:
    os.utime(path, (now - seconds, now - seconds), follow_symlinks=False)
    return path


def made(folder: Path, name: str, age: float) -> Path:
    (folder / name).write_bytes(b"kept")
    return aged(folder / name, age)


def test_the_tools_files_unused_for_a_month_are_deleted_and_nothing_else(tmp_path: Path) -> None:
    old, fresh = MAX_AGE + 60, MAX_AGE - 3600
    made(tmp_path, f"run-{PROJECT}.cache", old)
    made(tmp_path, f"lang-0a1b2c3d4e5f-plan-{PROJECT}.cache", old)
    made(tmp_path, f"files-{PROJECT}.cache", old)  # an earlier version's kind
    made(tmp_path, ".i18n-sync-5f3a.tmp", 25 * 3600)  # a killed run's: a day is enough
    made(tmp_path, f"jobs-{PROJECT}.cache", fresh)
    made(tmp_path, ".i18n-sync-77.tmp", 3600)  # perhaps being written now
    made(tmp_path, "notes.txt", old)  # not a name the tool writes
    made(tmp_path, "run-short.cache", old)
    (tmp_path / f"plan-{PROJECT}.cache").mkdir()  # a folder under a cache file's name
    aged(tmp_path / f"plan-{PROJECT}.cache", old)
    outside = made(tmp_path.parent, "target.txt", old)
    (tmp_path / f"status-{PROJECT}.cache").symlink_to(outside)
    aged(tmp_path / f"status-{PROJECT}.cache", old)
    removed = prune(tmp_path, NOW)
    assert removed == [
        ".i18n-sync-5f3a.tmp",
        f"files-{PROJECT}.cache",
        f"lang-0a1b2c3d4e5f-plan-{PROJECT}.cache",
        f"run-{PROJECT}.cache",
        f"status-{PROJECT}.cache",
    ]
    left = sorted(path.name for path in tmp_path.iterdir())
    assert left == sorted(
        [
            ".i18n-sync-77.tmp",
            STAMP,
            f"jobs-{PROJECT}.cache",
            "notes.txt",
            f"plan-{PROJECT}.cache",
            "run-short.cache",
        ]
    )
    assert outside.read_bytes() == b"kept"  # the link went, not what it points at


def test_the_folder_is_looked_through_once_a_day(tmp_path: Path) -> None:
    assert prune(tmp_path, NOW) == []
    made(tmp_path, f"run-{PROJECT}.cache", MAX_AGE + 60)
    assert prune(tmp_path, NOW + 3600) is None  # looked through an hour ago
    assert (tmp_path / f"run-{PROJECT}.cache").exists()
    assert prune(tmp_path, NOW + 24 * 3600) == [f"run-{PROJECT}.cache"]


def test_a_folder_that_cannot_be_written_is_left_alone(tmp_path: Path) -> None:
    assert prune(tmp_path / "missing", NOW) is None
    (tmp_path / "file").write_text("not a folder", "utf-8")
    assert prune(tmp_path / "file", NOW) is None


def test_a_run_answered_from_its_memo_keeps_its_files_and_the_next_run_that_works_prunes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cache: Path, later: None
) -> None:
    """A project synced daily from its memo writes nothing to the cache, so it marks the files it
    used; a CI workspace that never comes back is deleted by the next run that does work."""
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        make_docs(tmp_path / name, count=3)
    for _ in range(2):  # the second is remembered
        assert invoke(tmp_path / "one", "sync").exit_code == 0
    mine = sorted(path for path in run_cache.iterdir() if path.name not in (STAMP, LANGUAGES))
    assert {path.name.split("-")[0] for path in mine} == {"run", "plan", "jobs"}
    now = time.time()
    for path in mine:
        aged(path, MAX_AGE + 60, now)
    done = count_executions(monkeypatch)
    assert invoke(tmp_path / "one", "sync").exit_code == 0
    assert done == []  # remembered, and so marked as used
    assert all(now - path.stat().st_mtime < 60 for path in mine)
    for path in mine:  # the project is gone since: no run marks its files
        aged(path, MAX_AGE + 60, now)
    aged(run_cache / STAMP, 2 * 24 * 3600, now)
    assert invoke(tmp_path / "two", "sync").exit_code == 0
    assert not any(path.exists() for path in mine)
    left = [path for path in run_cache.iterdir() if path.name not in (STAMP, LANGUAGES)]
    assert {path.name.split("-")[0] for path in left} == {"jobs"}


def test_a_failing_delete_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made(tmp_path, f"run-{PROJECT}.cache", MAX_AGE + 60)
    made(tmp_path, f"jobs-{PROJECT}.cache", MAX_AGE + 60)

    real = os.rename

    def rename(source: str, target: str) -> None:
        if source.endswith(f"run-{PROJECT}.cache"):
            raise PermissionError(13, "denied", source)
        real(source, target)

    monkeypatch.setattr(pruning.os, "rename", rename)
    assert prune(tmp_path, NOW) == [f"jobs-{PROJECT}.cache"]
