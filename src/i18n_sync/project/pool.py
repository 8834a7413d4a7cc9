"""Run independent jobs on every core: a process pool, or a plain loop where one would not pay.

Jobs are pure functions of their input, so the results are the same, in the
same order, whatever the number of workers. The state every job shares is
handed to each worker once, when it starts (`initializer`), and a job's
argument is only its index (a span of them: `spans`); with the ``fork`` start
method (Linux) the shared state is not even copied until a worker writes to it.
"""

from __future__ import annotations

import concurrent.futures.process
import gc
import itertools
import math
import multiprocessing
import os
import pickle
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from typing import Generic, NoReturn, TypeVar

from i18n_sync.errors import UsageError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows, which has no fork and so no pool either
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")
R = TypeVar("R")

JOBS_VARIABLE = "I18N_SYNC_JOBS"
"""The environment variable that sets the number of worker processes (1: no pool)."""

# A million processes is more than any machine runs.
_MAX_JOBS_DIGITS = 6

# Below this many jobs a pool costs more to start than it saves.
_MIN_JOBS = 8

# The shortest span of jobs handed to a worker at once (`spans`): each span costs a
# message each way, worth a few of the smallest jobs.
_MIN_SPAN = 4
# How much a worker may write to the pipe of results before this process reads it (Linux).
# The pipe holds 64 KiB by default: a worker sending a span's results waited while this
# process read them a chunk at a time, each read waiting its turn at the interpreter lock
# (up to 5 ms) behind the run's own work. Both workers waited so at times, on two cores.
_RESULT_PIPE = 1 << 20


class _Shared(Generic[T, R]):
    """The function and the inputs of one batch, installed in each worker as it starts."""

    function: Callable[[T], R] | None = None
    items: Sequence[T] = ()


_shared: _Shared[object, object] = _Shared()


def _install(function: Callable[[T], R], items: Sequence[T]) -> None:
    _shared.function = function  # type: ignore[assignment]
    _shared.items = items


def _run_span(span: tuple[int, int]) -> list[object]:
    """The results of the jobs ``items[start:stop]``, run in this worker."""
    function = _shared.function
    assert function is not None
    return [function(item) for item in _shared.items[span[0] : span[1]]]


def spans(total: int, workers: int) -> list[tuple[int, int]]:
    """The jobs ``0 .. total - 1`` cut into (start, stop) spans, each handed to a worker at once.

    Long spans cost less to hand out and to send back, but the last ones decide
    when the pool ends: a worker ending a long span alone keeps the others
    idle, and its results, arriving all at once, leave this process their whole
    handling to do after the workers are done. So each span is a share of what
    is left, the first long, the last short (guided scheduling): about a
    third of an even share per worker, never under `_MIN_SPAN` jobs, nor so long
    that a worker is left without one.
    """
    shortest = max(1, min(_MIN_SPAN, total // workers))
    cut = []
    start = 0
    while start < total:
        size = max(shortest, (total - start) // (workers * 3))
        cut.append((start, min(total, start + size)))
        start += size
    return cut


def worker_count(environ: dict[str, str] | None = None) -> int:
    """The workers a run uses: ``I18N_SYNC_JOBS`` when set, else the cores this process may use,
    as many as a container's CPU limit allows (`cgroup_cpus`), rounded up.

    `UsageError` when it is set to anything but a whole number of 1 or more: a typo
    would otherwise run on every core without a word.
    """
    value = (os.environ if environ is None else environ).get(JOBS_VARIABLE, "").strip()
    if value:
        digits = value.lstrip("0")
        # ASCII digits only (str.isdigit() also takes "²", which int() refuses), and not
        # thousands of them, which int() refuses too.
        if not (value.isascii() and value.isdigit() and 0 < len(digits) <= _MAX_JOBS_DIGITS):
            raise UsageError(
                f"{JOBS_VARIABLE}={value!r} is not a number of processes; "
                "set it to a whole number of 1 or more, or unset it to use every core"
            )
        return int(digits)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows have no affinity call
        cores = os.cpu_count() or 1
    allowed = cgroup_cpus()
    return cores if allowed is None else max(1, min(cores, math.ceil(allowed)))


def cgroup_cpus(root: str = "/") -> float | None:
    """The CPUs a cgroup's quota lets this process use (a container with a CPU limit), or None.

    A container limited to 2 CPUs on a 64-core machine still sees 64 cores, and a pool
    of 64 workers would only queue for the 2, each worker holding its memory (a CI job
    on Kubernetes can be killed for that). The quota is read for cgroup v2 (``cpu.max``)
    and v1 (``cpu.cfs_quota_us`` over ``cpu.cfs_period_us``), in the process's own
    cgroup and each one above it (the tightest wins), and at the root of the mount,
    where a container sees its own (as joblib's loky reads it). `root` is for the tests.
    """
    limits = [
        limit
        for folder in _cgroup_folders(root)
        for limit in (_quota(folder, "cpu.max"), _quota(folder, "cpu.cfs_quota_us", "cpu.cfs_period_us"))
        if limit is not None
    ]
    return min(limits, default=None)


# Deeper cgroup paths than this are not looked into: each level is a folder to try.
_MAX_CGROUP_DEPTH = 32


def _cgroup_folders(root: str) -> list[str]:
    """The cgroup folders whose CPU quota bounds this process (`cgroup_cpus`)."""
    base = os.path.join(root, "sys/fs/cgroup")
    own_file = os.path.join(root, "proc/self/cgroup")
    try:
        # A cgroup's name may hold any byte: kept as the file system gives it (surrogates).
        with open(own_file, encoding="utf-8", errors="surrogateescape") as lines:
            # "0::/path" (v2), "4:cpu,cpuacct:/path" (v1): hierarchy, controllers, path.
            own = [parts for line in lines if len(parts := line.rstrip("\n").split(":", 2)) == 3]
    except OSError:
        own = []
    v2 = [path for _, controllers, path in own if not controllers]
    v1 = [path for _, controllers, path in own if "cpu" in controllers.split(",")]
    mounts = {base: v2, os.path.join(base, "cpu,cpuacct"): v1, os.path.join(base, "cpu"): v1}
    folders = []
    for mount, paths in mounts.items():
        for path in paths:
            parts = [part for part in path.split("/") if part not in ("", ".", "..")]
            if len(parts) > _MAX_CGROUP_DEPTH:  # no real one is that deep: the mount's root only
                continue
            folders += [os.path.join(mount, *parts[:depth]) for depth in range(len(parts), 0, -1)]
        folders.append(mount)
    return list(dict.fromkeys(folders))


def _quota(folder: str, quota_file: str, period_file: str | None = None) -> float | None:
    """quota / period from a cgroup folder: both in ``cpu.max`` (v2) or a file each (v1);
    None for no limit ("max", -1), no such file, or a file that does not read as one."""
    try:
        with open(os.path.join(folder, quota_file), encoding="ascii") as file:
            words = file.read().split()
        if period_file is not None:
            with open(os.path.join(folder, period_file), encoding="ascii") as file:
                words += file.read().split()
        quota, period = int(words[0]), int(words[1])
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError, IndexError, UnicodeDecodeError, OverflowError):  # "max", missing
        return None


def forks(workers: int, jobs: int) -> bool:
    """Whether `map_jobs` runs this many jobs on worker processes (else in this one)."""
    return workers > 1 and jobs >= _MIN_JOBS and _context() is not None


def _context() -> multiprocessing.context.BaseContext | None:
    # fork shares the parent's memory; elsewhere (Windows, macOS) each worker
    # would import the package and unpickle the inputs, and the loop is as fast.
    # A daemonic process (a worker of a program's own `multiprocessing.Pool`) may not
    # have children: the jobs run in it.
    if multiprocessing.current_process().daemon:
        return None
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def map_jobs(
    function: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    progress: Callable[[int, int], None] | None = None,
    meanwhile: Callable[[], object] | None = None,
    each: Callable[[R], object] | None = None,
    tried: bool = False,
) -> list[R]:
    """``[function(item) for item in items]``, on up to `workers` processes.

    `progress` is told ``(done, total)`` after each result, in order.
    `meanwhile` is called once, in this process, while the workers run: work
    of the parent's own (writing files) that would otherwise wait for them.
    `each` is given each result as it arrives, in order, while the workers go on.
    The workers have exited when it returns, or, within `workers_exiting`, exit
    while this process goes on. With `tried`, for jobs that may be too short to
    be worth a pool, the first ones run here to tell (`_trial`).
    """
    if not forks(workers, len(items)):
        if meanwhile is not None:
            meanwhile()
        return _collect((function(item) for item in items), len(items), progress, each)
    first = _trial(function, items) if tried else []
    rest = items[len(first) :]
    if len(first) == len(items) or not forks(workers, len(rest)):
        if meanwhile is not None:
            meanwhile()
        results = itertools.chain(first, (function(item) for item in rest))
        return _collect(results, len(items), progress, each)
    return _pooled(function, rest, workers, len(items), progress, meanwhile, each, first)


# A stage whose jobs take less than this, run here, is not worth a pool (`_trial`). A render of
# 652 short outputs took 18 ms of jobs here and 30-37 ms in a pool of two: the forks, the
# results sent back and the workers' cold start cost some 22-28 ms beyond half the jobs, so a
# pool pays from some 45 ms of jobs. (At 30 ms, a trial slowed by the last pool's workers
# exiting beside it sent that render to a pool at times.)
_WORTH_A_POOL = 0.045
# How long `_trial` runs a stage's first jobs here, and on how many jobs after the first, at least.
_TRIAL = 0.003
_TRIAL_JOBS = 4


def _trial(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """Run the first jobs here, `_TRIAL` seconds' worth, and go on with every job when the
    rest would take less than `_WORTH_A_POOL` at their pace; return the results made.

    The pace leaves out the first job, which pays for what the others share (a module
    imported, a pattern compiled, a cache filled): with it, a render's trial of a
    hundred outputs found them twice as slow, at times, as they were. It is taken
    over a few jobs at least (`_TRIAL_JOBS`): one job's time says little.
    """
    made: list[R] = []
    start = time.perf_counter()
    settled = 0.0  # when the first job ended
    for item in items:
        made.append(function(item))
        now = time.perf_counter()
        if len(made) == 1:
            settled = now
        elif now - start >= _TRIAL and len(made) > _TRIAL_JOBS:
            pace = (now - settled) / (len(made) - 1)
            if pace * (len(items) - len(made)) >= _WORTH_A_POOL:
                break  # the rest go to the workers
    return made


def _pooled(
    function: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    total: int,
    progress: Callable[[int, int], None] | None,
    meanwhile: Callable[[], object] | None,
    each: Callable[[R], object] | None,
    first: Sequence[R],
) -> list[R]:
    """The results of `first` (of the jobs before `items`, run here) and of the jobs `items` on
    a pool of `workers`, each given to `each` and `progress` (of `total`) once `meanwhile` is
    called."""
    workers = min(workers, len(items))
    cut = spans(len(items), workers)
    context = _context()
    # A fork copies no thread, but every lock one holds: no earlier pool's may run (the
    # staging pauses its own threads before a run forks, `Staging.pause`).
    _EXITING.join()
    with _queueing(len(cut)):
        executor = ProcessPoolExecutor(workers, context, initializer=_install, initargs=(function, items))
    _widen_results(executor)
    with _frozen():
        try:
            pending = executor.map(_run_span, cut)  # every span is handed out, and queued (`_queueing`)
            if meanwhile is not None:
                meanwhile()
            results = itertools.chain(first, (result for span in pending for result in span))
            collected: list[R] = _collect(results, total, progress, each)  # type: ignore[arg-type]
        except BaseException:
            executor.shutdown(wait=True)  # a failing run waits for every worker, as it always did
            raise
    _EXITING.leave(executor)
    return collected


# How long `Background.result` waits: the work it is for takes a fraction of a second, and a
# process that hangs (forked while another thread held a lock it needs) must not hang the run.
_PATIENCE = 30.0


class Background(Generic[R]):
    """A function running in a process of its own (`in_background`), and its result once done."""

    def __init__(self, process: _Child, reader: int) -> None:
        self._process = process
        self._reader = reader  # the pipe's end the result comes through; -1 once closed

    def result(self, patience: float = _PATIENCE) -> R | None:
        """Wait for the function's result, `patience` seconds at most: None when it failed,
        its process died, or it is still at work then (it is stopped)."""
        try:
            sent = _read_all(self._reader, time.monotonic() + patience)
            found: R | None = pickle.loads(sent) if sent else None
        except Exception:  # it ended without a word, or a damaged one: the caller does the work
            found = None
        self.stop()
        return found

    def stop(self) -> None:
        """End the process, done or not (its result is not wanted). Safe to call twice."""
        if self._reader < 0:
            return
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        os.close(self._reader)
        self._reader = -1

    def __enter__(self) -> Background[R]:
        return self

    def __exit__(self, *exception: object) -> None:
        self.stop()


class _Child:
    """A process `in_background` forked: what `Background` asks of it, as `multiprocessing.Process`
    answers (`exitcode` once it is gone, and reaped)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.exitcode: int | None = None

    def is_alive(self) -> bool:
        if self.exitcode is None:
            self._reap(os.WNOHANG)
        return self.exitcode is None

    def kill(self) -> None:
        if self.exitcode is None:  # not reaped: its number is not another process's yet
            with suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def join(self) -> None:
        if self.exitcode is None:
            self._reap(0)

    def _reap(self, options: int) -> None:
        try:
            pid, status = os.waitpid(self.pid, options)
        except ChildProcessError:  # reaped by someone else (a handler of SIGCHLD)
            self.exitcode = -1
            return
        if pid:
            self.exitcode = os.waitstatus_to_exitcode(status)


def _read_all(reader: int, deadline: float) -> bytes:
    """What comes through the pipe `reader` until its other end is closed; b"" when nothing
    comes before `deadline` (what came is of no use then). Waited for with `select.poll`,
    which takes any descriptor (`select.select` none past 1023, in a program with many open)."""
    chunks: list[bytes] = []
    waiting = select.poll()
    waiting.register(reader, select.POLLIN)
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not waiting.poll(left * 1000):
            return b""
        chunk = os.read(reader, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def in_background(function: Callable[[], R]) -> Background[R] | None:
    """Start `function` in a forked process, for this one to take its result later (a small
    one: it comes pickled); None where there is no ``fork`` (run it here then).

    For work that would wait for a core this process keeps busy: the run's
    planning leaves the second core idle, and a lookup done there instead of
    beside the workers costs the run nothing.

    A bare ``fork``, not a `multiprocessing.Process`: whose start closes ``sys.stdin``,
    and so waits, in the new process, for a thread of this one blocked reading it (a
    program serving requests on its standard input: a language server), until
    `Background.result` gives up. The new process ends with ``os._exit``: no exit
    handler of this one runs there, no buffered output is written twice.
    """
    if _context() is None:
        return None
    _EXITING.join()  # as before a pool: no thread of an earlier one may hold a lock at the fork
    reader, writer = os.pipe()
    try:
        with _frozen():
            pid = os.fork()
    except OSError:  # the system refused the fork (its limit of processes, of memory)
        os.close(reader)
        os.close(writer)
        return None
    if pid == 0:  # pragma: no cover - the new process, which ends here (coverage sees none of it)
        _send_result(function, reader, writer)
    os.close(writer)
    return Background(_Child(pid), reader)


def _send_result(function: Callable[[], object], reader: int, writer: int) -> NoReturn:
    """In the background process: send `function`'s result, then end; nothing when it fails (the
    parent reads the end of the pipe, and does the work itself). ^C is the parent's to
    meet: it stops this process (`Background.stop`), which has nothing to say."""
    try:
        os.close(reader)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sent = memoryview(pickle.dumps(function()))
        while sent:
            sent = sent[os.write(writer, sent) :]
    except BaseException:  # any failure, its result's pickling too: nothing is sent
        pass
    finally:
        os._exit(0)


class _Exiting(threading.local):
    """The pools whose workers may still be exiting, within `workers_exiting`: the thread each
    executor keeps until its workers are gone (it joins them), to be joined in turn.

    Each thread has its own: a run in one thread leaves the pools of another as they were.
    """

    def __init__(self) -> None:
        self.threads: list[threading.Thread] | None = None  # None: outside `workers_exiting`

    def leave(self, executor: ProcessPoolExecutor) -> None:
        """Let `executor`'s workers exit while this process goes on, where that is allowed."""
        # The executor's own name for that thread; `shutdown(wait=False)` forgets it, and a
        # Python without it gets the wait.
        thread = getattr(executor, "_executor_manager_thread", None)
        if self.threads is None or not isinstance(thread, threading.Thread):
            executor.shutdown(wait=True)
            return
        executor.shutdown(wait=False)
        self.threads.append(thread)

    def join(self) -> None:
        """Wait until every worker left to exit has, and its pool's thread with it."""
        while self.threads:
            self.threads[-1].join()  # taken off once joined: an interrupt leaves it to join again
            self.threads.pop()


_EXITING = _Exiting()


@contextmanager
def workers_exiting() -> Iterator[None]:
    """Within it, a pool returns its results without waiting for its workers to exit.

    A worker's exit frees what it copied of this process's memory: a few milliseconds,
    which the workers spend on their own cores while this process plans the next stage
    or writes the run's files. (A first sync of a docs tree in 21 languages, in turns:
    6-15 ms less in its pools, part of it back in planning and writing beside the
    exiting workers; CPU/wall 0.004-0.015 higher.) Their pool keeps a thread here until
    they are gone, so the next pool waits for them before it forks (`map_jobs`), and
    so does the end of the context: after it, no thread of its pools runs, as without
    it. It holds for the thread that enters it. `api.sync` uses it; nested, the outer
    one joins them.
    """
    if _EXITING.threads is not None:  # an outer one joins them
        yield
        return
    _EXITING.threads = []
    try:
        yield
    finally:
        try:
            _EXITING.join()
        finally:
            _EXITING.threads = None


@contextmanager
def _queueing(calls: int) -> Iterator[None]:
    """Let the `ProcessPoolExecutor` made inside queue `calls` calls for its workers at once.

    It queues one call beyond one per worker (`EXTRA_QUEUED_CALLS`, its tuning
    knob, read when it is made), and a thread tops the queue up as calls start.
    That thread shares this process with the run's own work (collecting results,
    writing files), and a worker done with a short span waited for it: up to a
    fifth of a stage's time on two cores. Every span is handed out at once anyway,
    and none is cancelled (a failing run waits for them all, as before).
    """
    process = concurrent.futures.process
    extra = getattr(process, "EXTRA_QUEUED_CALLS", None)
    if extra is None:  # a Python without the knob: its own queueing
        yield
        return
    # Set for the moment the executor is made, then put back: typeshed marks it Final, as
    # a constant no one should assign for good, which this does not.
    setattr(process, "EXTRA_QUEUED_CALLS", max(extra, calls))  # noqa: B010
    try:
        yield
    finally:
        setattr(process, "EXTRA_QUEUED_CALLS", extra)  # noqa: B010


def _widen_results(executor: ProcessPoolExecutor) -> None:
    """Let the pipe the workers send their results through hold `_RESULT_PIPE` bytes, where
    the system allows (Linux, and up to ``/proc/sys/fs/pipe-max-size``); else leave it be.

    The pipe is the executor's own (its queue of results, made when it is): CPython keeps
    it under private names, looked up here without assuming them.
    """
    reader = getattr(getattr(executor, "_result_queue", None), "_reader", None)
    resize = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if reader is None or resize is None:
        return
    with suppress(OSError, ValueError):  # over the system's limit, or no such pipe: as it was
        fcntl.fcntl(reader.fileno(), resize, _RESULT_PIPE)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a run makes its records (`sync.execute`), or reads
    those the job cache kept (`cachefiles.unpack_entries`).

    A run makes hundreds of thousands of records and next to no reference cycles
    (a first sync of 94 documents in 21 languages: 378 objects collected in all,
    the same peak memory with the collector paused). The collector's passes over
    those records cost that run 45-100 ms of its own core, more than a fifth of
    the time it spends between the pools of workers. The workers, forked meanwhile,
    run paused too; each ends with its pool.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _frozen() -> Iterator[None]:
    """Keep the garbage collector away from what the workers inherit, while they run.

    A forked worker shares the parent's memory until it writes to it, and a
    collection writes to every object it looks at: in each worker it would
    walk (and copy) everything the parent made, the parsed documents first.
    Frozen, those objects are left out of every collection (Python's advice
    for fork, see `gc.freeze`); they go back to the oldest generation after.
    """
    ours = gc.get_freeze_count() == 0  # else the program froze objects of its own: leave them be
    gc.freeze()
    try:
        yield
    finally:
        if ours:
            gc.unfreeze()


def _collect(
    results: Iterable[R],
    total: int,
    progress: Callable[[int, int], None] | None,
    each: Callable[[R], object] | None = None,
) -> list[R]:
    collected = []
    for result in results:
        collected.append(result)
        if each is not None:
            each(result)
        if progress is not None:
            progress(len(collected), total)
    return collected
