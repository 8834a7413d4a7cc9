"""A stage whose jobs may be too short for a pool runs its first ones here to tell (`pool._trial`):
a render of a few hundred short outputs costs less in the run's own process than in a pool."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from helpers import invoke, watch_pools
from i18n_sync.project import pool
from i18n_sync.project.pool import forks, map_jobs
from test_scale import make_docs

pytestmark = pytest.mark.skipif(not forks(2, 8), reason="pools fork their workers (Linux)")

REAL_TRIAL = pool._trial  # the tests' own fixture (`conftest.pools_as_asked`) replaces it


@pytest.fixture
def trial(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "_trial", REAL_TRIAL)


def where(number: int) -> tuple[int, int]:
    """A short job: its result, and the process that made it."""
    return number * number, os.getpid()


def slow_where(number: int) -> tuple[int, int]:
    """A job of 2 ms: a stage of 60 of them is worth a pool."""
    time.sleep(0.002)
    return number * number, os.getpid()


def heavy_first(number: int) -> tuple[int, int]:
    """The first job pays for the others (a module imported): 40 ms, and next to nothing after."""
    if number == 0:
        time.sleep(0.04)
    return number * number, os.getpid()


def heard(
    function: object, count: int, tried: bool = True
) -> tuple[list[tuple[int, int]], list[str], list[tuple[int, int]]]:
    """The results of `count` jobs on two workers, what `meanwhile` and `each` heard, in order,
    and the progress told."""
    told: list[str] = []
    progress: list[tuple[int, int]] = []
    results = map_jobs(
        function,  # type: ignore[arg-type]
        list(range(count)),
        2,
        progress=lambda done, total: progress.append((done, total)),
        meanwhile=lambda: told.append("meanwhile"),
        each=lambda result: told.append(f"each {result[0]}"),
        tried=tried,
    )
    return results, told, progress


def test_short_jobs_run_here_in_order(trial: None, monkeypatch: pytest.MonkeyPatch) -> None:
    pools = watch_pools(monkeypatch)
    results, told, progress = heard(where, 600)
    assert [square for square, _ in results] == [n * n for n in range(600)]
    assert {process for _, process in results} == {os.getpid()} and pools.shutdowns == []
    assert told == ["meanwhile", *(f"each {n * n}" for n in range(600))]
    assert progress == [(n, 600) for n in range(1, 601)]


def test_jobs_worth_a_pool_go_to_it_after_the_first_ones(
    trial: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools = watch_pools(monkeypatch)
    results, told, progress = heard(slow_where, 60)
    assert [square for square, _ in results] == [n * n for n in range(60)]
    here = [n for n, (_, process) in enumerate(results) if process == os.getpid()]
    assert here == list(range(1 + pool._TRIAL_JOBS))  # the trial's: the first, and four to pace
    assert len({process for _, process in results[len(here) :]} - {os.getpid()}) >= 1
    assert len(pools.shutdowns) == 1
    assert told == ["meanwhile", *(f"each {n * n}" for n in range(60))]  # the trial's results too
    assert progress == [(n, 60) for n in range(1, 61)]


def test_the_pace_leaves_out_the_first_job(trial: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """40 ms for the first job would make the other 199 look worth a pool, at 0.2 ms each (the
    trial's 3 ms spread over the first job and a few others)."""
    pools = watch_pools(monkeypatch)
    results, _, _ = heard(heavy_first, 200)
    assert {process for _, process in results} == {os.getpid()} and pools.shutdowns == []


def test_a_stage_of_very_many_jobs_goes_to_the_pool_untried(
    trial: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However short its jobs: 2,500 of the shortest renderings take longer than a pool costs."""
    tried: list[int] = []
    monkeypatch.setattr(pool, "_trial", lambda function, items: tried.append(len(items)) or [])
    pools = watch_pools(monkeypatch)
    results, _, _ = heard(where, pool._SURE_OF_A_POOL)
    assert tried == [] and len(pools.shutdowns) == 1
    assert [result for result, _ in results] == [n * n for n in range(pool._SURE_OF_A_POOL)]
    heard(where, pool._SURE_OF_A_POOL - 1)
    assert tried == [pool._SURE_OF_A_POOL - 1]


def test_without_a_trial_every_job_goes_to_the_pool(trial: None, monkeypatch: pytest.MonkeyPatch) -> None:
    pools = watch_pools(monkeypatch)
    results, told, _ = heard(where, 600, tried=False)
    assert os.getpid() not in {process for _, process in results} and len(pools.shutdowns) == 1
    assert told[0] == "meanwhile" and len(told) == 601


def test_a_render_tried_here_writes_what_a_pool_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trial: None
) -> None:
    """The render stage is tried (`Combined.publish_all`): a small project renders here. (Its
    36 renderings take 20-60 ms, about what a pool costs: the trial is told that a pool never
    pays, for the test not to hang on the machine's speed; the tests above test the choice.)"""
    monkeypatch.setenv(pool.JOBS_VARIABLE, "2")
    monkeypatch.setattr(pool, "_WORTH_A_POOL", 3600.0)
    (tmp_path / "tried").mkdir()
    (tmp_path / "pooled").mkdir()
    tried = make_docs(tmp_path / "tried")
    pools = watch_pools(monkeypatch)
    assert invoke(tried, "sync").exit_code == 0
    assert len(pools.shutdowns) == 1  # the document jobs' pool only: 36 renderings here
    monkeypatch.setattr(pool, "_trial", lambda function, items: [])
    pooled = make_docs(tmp_path / "pooled")
    assert invoke(pooled, "sync").exit_code == 0
    assert len(pools.shutdowns) == 3
    files = sorted(p.relative_to(tried).as_posix() for p in tried.rglob("*") if p.is_file())
    assert len(files) > 48
    assert all((tried / f).read_bytes() == (pooled / f).read_bytes() for f in files)
    assert files == sorted(p.relative_to(pooled).as_posix() for p in pooled.rglob("*") if p.is_file())
