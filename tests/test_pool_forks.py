"""The pool's workers are bare forks (`pool._Workers`): what a worker that dies, a job that
raises, a fork the system refuses and an interrupt leave behind."""

from __future__ import annotations

import itertools
import os
import pickle
import signal
import threading
from pathlib import Path

import pytest

from helpers import child_processes, docs_project, file_tree, invoke, square
from i18n_sync.project import merging, pool
from i18n_sync.project.pool import WorkerError, forks, map_jobs

pytestmark = pytest.mark.skipif(not forks(2, 8), reason="pools fork their workers (Linux)")


def _killed_at(bad: int, item: int) -> int:
    if item == bad:
        os.kill(os.getpid(), signal.SIGKILL)  # as the system's killer of processes short of memory
    return item


class _Unpicklable(Exception):
    def __reduce__(self) -> object:
        raise TypeError("not this one")


def _raises_unpicklable(item: int) -> int:
    if item == 7:
        raise _Unpicklable("job 7")
    return item


def _fails_at_five(item: int) -> int:
    if item == 5:
        raise ValueError("job 5 fails")
    return item


def test_a_worker_killed_stops_the_pool_with_an_error_saying_so() -> None:
    before = child_processes()
    with pytest.raises(WorkerError, match=r"ended before sending its results \(signal 9\)"):
        map_jobs(lambda item: _killed_at(40, item), list(range(100)), 2)
    assert child_processes() == before  # the other worker, and the killed one, waited for
    assert map_jobs(square, list(range(20)), 2) == [n * n for n in range(20)]  # usable after


def test_a_jobs_error_comes_with_the_workers_traceback() -> None:
    with pytest.raises(ValueError, match="job 5 fails") as raised:
        map_jobs(_fails_at_five, list(range(20)), 2)
    notes = getattr(raised.value, "__notes__", [])
    assert len(notes) == 1 and "raised in a worker process" in notes[0] and "_fails_at_five" in notes[0]


def test_an_error_that_does_not_pickle_comes_as_what_it_was() -> None:
    with pytest.raises(RuntimeError, match=r"_Unpicklable.*job 7"):
        map_jobs(_raises_unpicklable, list(range(20)), 2)
    with pytest.raises(TypeError):
        pickle.dumps(_Unpicklable("job 7"))


def test_where_no_fork_is_allowed_the_jobs_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    told: list[str] = []
    results = map_jobs(square, list(range(30)), 2, meanwhile=lambda: told.append("meanwhile"))
    assert results == [n * n for n in range(30)] and told == ["meanwhile"]


def test_a_second_fork_refused_leaves_one_worker_to_take_every_span(monkeypatch: pytest.MonkeyPatch) -> None:
    real_fork = os.fork
    forked: list[int] = []

    def once() -> int:
        if forked:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", once)
    results = map_jobs(lambda item: (item, os.getpid()), list(range(60)), 4)
    assert [item for item, _ in results] == list(range(60))
    assert {process for _, process in results} == set(forked) and len(forked) == 1


def test_an_interrupt_kills_the_workers_and_waits_for_them() -> None:
    before = child_processes()

    def each(result: int) -> None:
        if result == 9:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        map_jobs(square, list(range(400)), 2, each=each)
    assert child_processes() == before


def test_a_sync_whose_worker_is_killed_says_so_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(pool.JOBS_VARIABLE, "2")
    monkeypatch.setenv("I18N_SYNC_CACHE_DIR", "off")
    root = docs_project(tmp_path, ("tr",), pages=20)
    before = file_tree(root)
    real = merging.document_job
    parent = os.getpid()

    def dies(*args: object, **options: object) -> object:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(merging, "document_job", dies)
    result = invoke(root, "sync")
    assert result.exit_code == 1, result.output
    assert "a worker process ended before sending its results (signal 9)" in result.output
    assert "Traceback" not in result.output
    assert file_tree(root) == before


def test_more_spans_than_a_pipe_holds_are_joined_until_they_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The spans' numbers go into a pipe before any worker reads it: a pool cut into more spans
    than it holds would wait on its own write. Joined two by two, they keep their order."""
    monkeypatch.setattr(pool, "_MOST_SPANS", 5)
    cut = pool.spans(200, 4)
    assert len(cut) > 5
    fewer = pool._fewer(cut, 5)
    assert len(fewer) <= 5 and fewer[0][0] == 0 and fewer[-1][1] == 200
    assert all(a[1] == b[0] for a, b in itertools.pairwise(fewer))
    assert map_jobs(square, list(range(200)), 4) == [n * n for n in range(200)]


def test_a_pool_ends_though_another_process_holds_its_pipe_of_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker forked by another thread's pool meanwhile inherits this pool's pipes: the
    workers take an empty pipe of spans for the end, not only its closing."""
    real_pipe = os.pipe
    held: list[int] = []

    def pipe() -> tuple[int, int]:
        reader, writer = real_pipe()
        held.append(os.dup(writer))  # as a process forked meanwhile would hold it
        return reader, writer

    monkeypatch.setattr(os, "pipe", pipe)
    before = child_processes()
    done: list[list[int]] = []
    # In a thread of its own, with a deadline: waiting for an end of file it would hang.
    running = threading.Thread(target=lambda: done.append(map_jobs(square, list(range(50)), 2)), daemon=True)
    try:
        running.start()
        running.join(20)
        assert done == [[n * n for n in range(50)]], "the pool waited for the end of its pipe of spans"
        assert child_processes() == before
    finally:
        for descriptor in held:
            os.close(descriptor)


def test_the_collector_is_frozen_while_any_pool_forks_and_its_count_asked_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`gc.get_freeze_count` walks every frozen object: a pool asks it once, before it froze
    anything. Two threads' freezes that overlap leave the objects frozen until the last ends."""
    import gc

    asked: list[int] = []
    real = gc.get_freeze_count

    def counted() -> int:
        asked.append(1)
        return real()

    monkeypatch.setattr(gc, "get_freeze_count", counted)
    assert map_jobs(square, list(range(40)), 2) == [n * n for n in range(40)]
    assert len(asked) == 1 and real() == 0
    first, second = pool.frozen_for_fork(), pool.frozen_for_fork()
    first.__enter__()
    second.__enter__()  # as another thread's, entered before the first ends
    first.__exit__(None, None, None)
    assert real() > 0
    second.__exit__(None, None, None)
    assert real() == 0 and len(asked) == 2
