"""A run's pools let their workers exit while it goes on, and never fork beside them
(`pool.workers_exiting`)."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import _ExecutorManagerThread
from pathlib import Path
from typing import ClassVar

import pytest

from i18n_sync import api
from i18n_sync.project import pool
from i18n_sync.project.pool import forks, map_jobs, workers_exiting

pytestmark = pytest.mark.skipif(not forks(2, 8), reason="pools fork their workers (Linux)")


def _square(number: int) -> int:
    return number * number


def _fails(number: int) -> int:
    if number == 5:
        raise ValueError("job 5 fails")
    return number


def _pool_threads() -> list[threading.Thread]:
    """The threads the executors keep while their workers run or exit."""
    return [thread for thread in threading.enumerate() if isinstance(thread, _ExecutorManagerThread)]


def _children() -> list[int]:
    """This process's child processes, running or not yet waited for (zombies), from /proc:
    `multiprocessing.active_children` would wait for the finished ones, and so hide them."""
    own = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text(encoding="ascii").rpartition(")")[2].split()
            except OSError:  # ended meanwhile
                continue
            if fields[1] == own:  # state, then the parent's pid
                found.append(int(entry.name))
    return found


class _Watched(ProcessPoolExecutor):
    """An executor that records, as it is made, the pool threads still running; how it is
    shut down (`wait` or not); and, for a pool left to exit, who joins its thread."""

    threads_at_fork: ClassVar[list[int]] = []
    shutdowns: ClassVar[list[bool]] = []
    left: ClassVar[list[threading.Thread]] = []
    joined: ClassVar[list[threading.Thread]] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        _Watched.threads_at_fork.append(len(_pool_threads()))
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        _Watched.shutdowns.append(wait)
        thread = getattr(self, "_executor_manager_thread", None)
        if not wait and isinstance(thread, threading.Thread):
            _Watched.left.append(thread)
            join = thread.join

            def joined(timeout: float | None = None) -> None:
                _Watched.joined.append(thread)
                join(timeout)

            thread.join = joined  # type: ignore[method-assign]
        super().shutdown(wait, cancel_futures=cancel_futures)


@pytest.fixture
def children_before() -> list[int]:
    """The child processes this process had before the test (another test's, say)."""
    return _children()


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> type[_Watched]:
    monkeypatch.setattr(pool, "ProcessPoolExecutor", _Watched)
    monkeypatch.setattr(_Watched, "threads_at_fork", [])
    monkeypatch.setattr(_Watched, "shutdowns", [])
    monkeypatch.setattr(_Watched, "left", [])
    monkeypatch.setattr(_Watched, "joined", [])
    return _Watched


def test_within_a_run_a_pool_does_not_wait_for_its_workers_but_the_next_fork_does(
    watched: type[_Watched], children_before: list[int]
) -> None:
    with workers_exiting():
        assert map_jobs(_square, list(range(20)), 2) == [n * n for n in range(20)]
        assert watched.shutdowns == [False]  # returned without waiting for the workers to exit
        assert map_jobs(_square, list(range(30)), 2) == [n * n for n in range(30)]
        # The first pool's workers were joined before the second forked: no pool thread then.
        assert watched.threads_at_fork == [0, 0]
        assert watched.shutdowns == [False, False]
    # And once the run is over, none is left: no thread, no worker process.
    assert _pool_threads() == []
    assert _children() == children_before


def test_outside_a_run_a_pool_waits_for_its_workers_as_before(
    watched: type[_Watched], children_before: list[int]
) -> None:
    assert map_jobs(_square, list(range(20)), 2) == [n * n for n in range(20)]
    assert watched.shutdowns == [True]
    assert _pool_threads() == []
    assert _children() == children_before


def test_a_failing_pool_waits_for_every_worker_even_within_a_run(
    watched: type[_Watched], children_before: list[int]
) -> None:
    with workers_exiting():
        map_jobs(_square, list(range(20)), 2)
        with pytest.raises(ValueError, match="job 5 fails"):
            map_jobs(_fails, list(range(20)), 2)
        assert watched.threads_at_fork == [0, 0]  # the first pool's joined before the fork
        assert watched.shutdowns == [False, True]  # the failing one waited for its workers
    assert _pool_threads() == []
    assert _children() == children_before


def test_nested_the_outer_one_joins_the_workers(watched: type[_Watched], children_before: list[int]) -> None:
    with workers_exiting():
        map_jobs(_square, list(range(20)), 2)
        first = watched.left[-1]
        with workers_exiting():
            map_jobs(_square, list(range(20)), 2)
            assert watched.joined == [first]  # before the second pool forked
        assert watched.joined == [first]  # the inner one left the second pool to the outer
        assert watched.shutdowns == [False, False]
    assert watched.joined == watched.left  # both joined, the second by the outer one
    assert _pool_threads() == []
    assert _children() == children_before


def test_a_sync_leaves_no_pool_thread_nor_worker_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, watched: type[_Watched], children_before: list[int]
) -> None:
    """The library's `sync` returns as it always did: every worker gone, no thread of a pool
    left running (a caller that forks next would copy its locks)."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    monkeypatch.setenv("I18N_SYNC_CACHE_DIR", "off")
    settings = 'languages = ["tr", "zh-CN"]\nsources = ["docs/*.md"]\nsource_root = "docs"\n'
    (tmp_path / "i18n-sync.toml").write_text(settings, encoding="utf-8")
    (tmp_path / "docs").mkdir()
    for number in range(12):
        (tmp_path / "docs" / f"page{number}.md").write_text(f"# Page {number}\n\nText.\n", encoding="utf-8")
    result = api.sync(api.load_project(tmp_path))
    assert result.ok
    assert (tmp_path / "locales" / "zh_CN" / "page11.po").is_file()
    assert len(watched.threads_at_fork) >= 2  # documents, then outputs, at least
    assert set(watched.threads_at_fork) == {0}  # each forked with no other pool's thread running
    assert watched.shutdowns == [False] * len(watched.threads_at_fork)  # none waited at once
    assert _pool_threads() == []
    assert _children() == children_before
