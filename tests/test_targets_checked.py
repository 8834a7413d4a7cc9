"""The paths a run may write are checked by another process while the run reads its files
(`plan.targets_checked`), and the check's verdict still comes before anything is used or written.

The projects here are small: `plan._WORTH_A_PROCESS` is lowered so that their check is worth a
process, as a docs tree's is.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from click.testing import Result

import helpers
from i18n_sync.errors import I18nSyncError, WriteError
from i18n_sync.project import background, plan, sync
from i18n_sync.project.cache import CACHE_VARIABLE, memo_reads, quick_memo
from i18n_sync.project.config import load_config
from i18n_sync.project.inputs import find_compendia, listing_digest
from i18n_sync.project.plan import source_candidates
from i18n_sync.project.pool import JOBS_VARIABLE
from i18n_sync.project.sync import run

needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork: no process of its own"
)


def worth_a_process(monkeypatch: pytest.MonkeyPatch) -> list[background.Background[bool]]:
    """Every project's check is worth a process; the processes started for it."""
    monkeypatch.setattr(plan, "_WORTH_A_PROCESS", 0)
    return helpers.spy_backgrounds(monkeypatch, plan)  # type: ignore[return-value]


def checks_here(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The process of each check made from now on (a background process's is not seen here)."""
    made: list[int] = []
    real = plan._check_targets

    def check(*args: object) -> None:
        made.append(os.getpid())
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(plan, "_check_targets", check)
    return made


def docs_project(root: Path, languages: tuple[str, ...] = ("tr",), pages: int = 12) -> Path:
    root.mkdir()
    return helpers.docs_project(root, languages, pages)


def leading_out(root: Path) -> Path:
    """Make the project's folder of catalogues a symlink to a folder outside it; return that folder."""
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir()
    (root / "locales").symlink_to(outside, target_is_directory=True)
    return outside


def synced(root: Path, workers: int, monkeypatch: pytest.MonkeyPatch) -> Result:
    """``i18n-sync sync`` on `workers` processes, in this one."""
    monkeypatch.setenv(JOBS_VARIABLE, str(workers))
    return helpers.invoke(root, "sync")


@needs_fork
def test_the_paths_are_checked_by_another_process_and_the_run_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline = docs_project(tmp_path / "inline", ("tr", "de"), pages=12)
    assert synced(inline, 1, monkeypatch).exit_code == 0
    started = worth_a_process(monkeypatch)
    here = checks_here(monkeypatch)
    aside = docs_project(tmp_path / "aside", ("tr", "de"), pages=12)
    assert synced(aside, 2, monkeypatch).exit_code == 0
    assert len(started) == 1 and here == []  # it passed there: not checked again here
    assert all(found._process.exitcode is not None for found in started)  # and it is gone
    # Each page: itself, its template, its English output, a catalogue and an output a language.
    assert len(helpers.file_tree(aside)) == 12 * 7 + 1 and helpers.file_tree(aside) == helpers.file_tree(
        inline
    )


@needs_fork
def test_a_path_that_fails_the_check_there_gets_the_error_the_check_here_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline = docs_project(tmp_path / "inline", pages=12)
    leading_out(inline)
    here = synced(inline, 1, monkeypatch)
    started = worth_a_process(monkeypatch)
    aside = docs_project(tmp_path / "aside", pages=12)
    outside = leading_out(aside)
    there = synced(aside, 2, monkeypatch)
    assert len(started) == 1
    assert there.exit_code == here.exit_code != 0
    assert there.output == here.output.replace("inline", "aside")
    assert "outside the repository (a symlink); refusing to write" in there.output
    assert list(outside.iterdir()) == [] and len(helpers.file_tree(aside)) == 13  # nothing written


@needs_fork
def test_the_checks_error_comes_before_an_error_of_the_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = worth_a_process(monkeypatch)

    def unreadable(*args: object, **kwargs: object) -> object:
        raise I18nSyncError("the files could not be read")

    monkeypatch.setattr(sync, "memo_over", unreadable)
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))  # the memo is read
    bad = docs_project(tmp_path / "bad", pages=12)
    leading_out(bad)
    with pytest.raises(WriteError, match="outside the repository"):
        run(load_config(bad), workers=2)
    good = docs_project(tmp_path / "good", pages=12)
    with pytest.raises(I18nSyncError, match="could not be read"):
        run(load_config(good), workers=2)
    assert len(started) == 2


@needs_fork
def test_a_check_process_that_dies_is_made_up_for_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = worth_a_process(monkeypatch)
    monkeypatch.setattr(plan, "_targets_pass", lambda *args: os._exit(3))
    here = checks_here(monkeypatch)
    good = docs_project(tmp_path / "good", pages=12)
    assert synced(good, 2, monkeypatch).exit_code == 0
    assert here == [os.getpid()] and (good / "page0.tr.md").exists()
    bad = docs_project(tmp_path / "bad", pages=12)
    leading_out(bad)
    with pytest.raises(WriteError, match="outside the repository"):
        run(load_config(bad), workers=2)
    assert len(started) == 2 and all(found._process.exitcode == 3 for found in started)


def test_a_small_project_or_one_core_checks_here_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    monkeypatch.setattr(plan, "in_background", lambda function: started.append(function))
    here = checks_here(monkeypatch)
    small = docs_project(tmp_path / "small", pages=12)  # 36 paths
    assert not run(load_config(small), workers=2).errors
    monkeypatch.setattr(plan, "_WORTH_A_PROCESS", 0)
    one = docs_project(tmp_path / "one", pages=12)
    assert not run(load_config(one), workers=1).errors
    assert started == [] and here == [os.getpid()] * 2


@needs_fork
def test_a_run_that_reads_no_file_meanwhile_checks_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process is worth it only while this one reads the run's files, or its job cache:
    not with the cache off (`memo_over` reads none), nor after an edit, when the remembered
    plan read them already (`quick_memo`), and there is no job cache to read."""
    started = worth_a_process(monkeypatch)
    here = checks_here(monkeypatch)
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    off = docs_project(tmp_path / "off")
    assert synced(off, 2, monkeypatch).exit_code == 0
    assert started == [] and here == [os.getpid()]
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    edited = docs_project(tmp_path / "edited")
    for _ in range(2):  # each reads every file: checked aside; the second is remembered, with its plan
        assert synced(edited, 2, monkeypatch).exit_code == 0
    assert len(started) == 2 and here == [os.getpid()]
    with (edited / "docs" / "page3.md").open("a", encoding="utf-8") as source:
        source.write("\nOne more paragraph.\n")
    assert synced(edited, 2, monkeypatch).exit_code == 0
    # Checked aside while the job cache loads (it kept the first run's results).
    assert len(started) == 3 and here == [os.getpid()]
    for jobs in (tmp_path / "cache").glob("jobs-*.cache"):
        jobs.unlink()
    with (edited / "docs" / "page3.md").open("a", encoding="utf-8") as source:
        source.write("\nAnother paragraph.\n")
    assert synced(edited, 2, monkeypatch).exit_code == 0
    assert len(started) == 3 and here == [os.getpid()] * 2


def test_the_paths_are_listed_only_when_the_choice_of_a_process_needs_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`memo_reads` asks for the run's paths (28,000 to sort on a docs tree) only when it needs
    them: not for a first run, which reads every file, nor with a job cache to read; the
    check goes aside before they are listed."""
    root = docs_project(tmp_path / "project")
    config = load_config(root)
    environ = {CACHE_VARIABLE: str(tmp_path / "cache")}
    monkeypatch.setenv(CACHE_VARIABLE, environ[CACHE_VARIABLE])
    asked: list[int] = []

    def paths() -> list[str]:
        asked.append(1)
        return ["docs/page1.md"]

    assert memo_reads(None, config, paths, environ) is True  # a first run reads every file
    assert memo_reads(None, config, paths, {CACHE_VARIABLE: "off"}) is False  # none
    assert asked == []
    for _ in range(2):  # the second has nothing to write: remembered, with its plan
        assert synced(root, 1, monkeypatch).exit_code == 0
    assert memo_reads(None, config, paths, environ) is True
    assert asked == []  # the job cache is there: read meanwhile, whatever the paths
    # A quick memo that read files: whether they are the run's paths tells, once the job
    # cache is gone.
    for jobs in (tmp_path / "cache").glob("jobs-*.cache"):
        jobs.unlink()
    listing = listing_digest(source_candidates(config), find_compendia(config))
    quick = quick_memo(config, sync.STEPS, listing, environ)
    assert quick is not None
    assert memo_reads(quick, config, lambda: sorted(quick.digests), environ) is False
    assert memo_reads(quick, config, paths, environ) is True
    assert asked == [1]
