"""A run's pools let their workers exit while it goes on, and none is left when it ends
(`pool.workers_exiting`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import WatchedPool, child_processes, docs_project, square, watch_pools
from i18n_sync import api
from i18n_sync.project.pool import forks, map_jobs, workers_exiting

pytestmark = pytest.mark.skipif(not forks(2, 8), reason="pools fork their workers (Linux)")


def _fails(number: int) -> int:
    if number == 5:
        raise ValueError("job 5 fails")
    return number


@pytest.fixture
def children_before() -> list[int]:
    """The child processes this process had before the test (another test's, say)."""
    return child_processes()


def _nothing_left(children_before: list[int]) -> None:
    """No worker process is left, running or unwaited for."""
    assert child_processes() == children_before


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> type[WatchedPool]:
    return watch_pools(monkeypatch)


def test_within_a_run_a_pool_does_not_wait_for_its_workers_but_the_runs_end_does(
    watched: type[WatchedPool], children_before: list[int]
) -> None:
    with workers_exiting():
        assert map_jobs(square, list(range(20)), 2) == [n * n for n in range(20)]
        assert watched.shutdowns == [False]  # returned without waiting for the workers to exit
        assert map_jobs(square, list(range(30)), 2) == [n * n for n in range(30)]
        assert watched.shutdowns == [False, False]
        assert watched.joined == []
    # Once the run is over, none is left: every worker process was waited for.
    assert {id(p) for p in watched.joined} == {id(p) for p in watched.left} and len(watched.left) == 2
    _nothing_left(children_before)


def test_outside_a_run_a_pool_waits_for_its_workers_as_before(
    watched: type[WatchedPool], children_before: list[int]
) -> None:
    assert map_jobs(square, list(range(20)), 2) == [n * n for n in range(20)]
    assert watched.shutdowns == [True]
    _nothing_left(children_before)


def test_a_failing_pool_waits_for_every_worker_even_within_a_run(
    watched: type[WatchedPool], children_before: list[int]
) -> None:
    with workers_exiting():
        map_jobs(square, list(range(20)), 2)
        with pytest.raises(ValueError, match="job 5 fails"):
            map_jobs(_fails, list(range(20)), 2)
        assert watched.shutdowns == [False, True]  # the failing one waited for its workers
    _nothing_left(children_before)


def test_nested_the_outer_one_joins_the_workers(
    watched: type[WatchedPool], children_before: list[int]
) -> None:
    with workers_exiting():
        map_jobs(square, list(range(20)), 2)
        with workers_exiting():
            map_jobs(square, list(range(20)), 2)
        assert watched.joined == []  # the inner one left both pools to the outer
        assert watched.shutdowns == [False, False]
    # Both waited for, by the outer one.
    assert {id(p) for p in watched.joined} == {id(p) for p in watched.left} and len(watched.left) == 2
    _nothing_left(children_before)


def test_a_sync_leaves_no_pool_thread_nor_worker_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, watched: type[WatchedPool], children_before: list[int]
) -> None:
    """The library's `sync` returns as it always did: every worker gone, and waited for."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    monkeypatch.setenv("I18N_SYNC_CACHE_DIR", "off")
    docs_project(tmp_path, ("tr", "zh-CN"), pages=12)
    result = api.sync(api.load_project(tmp_path))
    assert result.ok
    assert (tmp_path / "locales" / "zh_CN" / "page11.po").is_file()
    assert len(watched.shutdowns) >= 2  # documents, then outputs, at least
    assert watched.shutdowns == [False] * len(watched.shutdowns)  # none waited at once
    assert {id(p) for p in watched.joined} == {id(p) for p in watched.left}
    _nothing_left(children_before)
