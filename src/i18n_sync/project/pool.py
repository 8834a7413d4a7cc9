"""Run independent jobs on every core: a pool of forked processes, or a plain loop where one would not pay.

Jobs are pure functions of their input, so the results are the same, in the
same order, whatever the number of workers. A worker is a bare ``fork`` of
this process: it shares the function and the inputs with it (copied only
where a worker writes to them), takes spans of jobs (`spans`) from a pipe
every worker reads, and sends each span's results back, pickled, through a
pipe of its own; it ends with ``os._exit`` once no span is left.
"""

from __future__ import annotations

import gc
import itertools
import math
import os
import pickle
import select
import signal
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import NoReturn, TypeVar, cast

from i18n_sync.errors import I18nSyncError, UsageError

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
    return workers > 1 and jobs >= _MIN_JOBS and can_fork()


def can_fork() -> bool:
    """Whether this process may fork its workers: where there is a ``fork`` (not Windows), and
    not in a daemonic process (a worker of a program's own `multiprocessing.Pool`), which
    `multiprocessing` lets have no children: the jobs run in it."""
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        return False
    # A process `multiprocessing` started has it imported; one that has not is none of its.
    started = sys.modules.get("multiprocessing")
    return started is None or not started.current_process().daemon


# Every pipe end this process holds for a pool or a background process, and the lock held from
# a pipe's making to the fork that hands it out, so that a process another thread forks meanwhile
# gets none of them (`forked`): a worker holding another pool's pipe kept that pool's workers,
# or the pool itself, waiting for an end of file it held back.
_PIPES: set[int] = set()
_FORKING = threading.Lock()


def new_pipe() -> tuple[int, int]:
    """A pipe (read end, write end) for a pool or a background process, known to `forked`."""
    reader, writer = os.pipe()
    _PIPES.update((reader, writer))
    return reader, writer


def close_pipe_end(descriptor: int) -> None:
    """Close an end `new_pipe` made."""
    _PIPES.discard(descriptor)
    os.close(descriptor)


@contextmanager
def forking() -> Iterator[None]:
    """Make pipes and fork within it: no other thread forks meanwhile (`new_pipe`), and ^C waits
    for its end, so that a new process is never interrupted before it can meet it (`forked`).
    The garbage collector keeps away from what the new processes inherit (`frozen_for_fork`)."""
    with _FORKING, frozen_for_fork():
        blocked = hasattr(signal, "pthread_sigmask")
        if blocked:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            yield
        finally:
            if blocked:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def forked(keep: Iterable[int]) -> None:
    """First thing in a process just forked within `forking`: ^C ignored (the parent meets it),
    and every other pool's or background process's pipe end closed but those it `keep`s."""
    global _FORKING, _FREEZING
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _FORKING = threading.Lock()  # the parent's was held by the thread that forked
    _FREEZING = threading.Lock()  # and this one, perhaps, by another thread
    kept = set(keep)
    for descriptor in _PIPES - kept:
        with suppress(OSError):
            os.close(descriptor)
    _PIPES.intersection_update(kept)


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
    be worth a pool, the first ones run here to tell (`_trial`), unless there are
    so many that a pool pays however short they are (`_SURE_OF_A_POOL`).
    """
    if not forks(workers, len(items)):
        if meanwhile is not None:
            meanwhile()
        return _collect((function(item) for item in items), len(items), progress, each)
    first = _trial(function, items) if tried and len(items) < _SURE_OF_A_POOL else []
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
# A stage of this many jobs goes to a pool untried: at the pace of the shortest jobs tried (a
# render of one of the CommonMark examples, 20-30 us), they take longer than `_WORTH_A_POOL`.
# A first sync of 94 documents in 21 languages tried its 4,042 renderings here for 3 ms, with
# the other core idle.
_SURE_OF_A_POOL = 2500
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
    with frozen_for_fork():
        pool: _Workers | None = None
        try:
            try:
                with forking():  # ^C waits for its end: `pool` is set by then
                    pool = _Workers.start(function, items, workers)
            except OSError:  # no process could be forked: the jobs run here, as on one core
                if meanwhile is not None:
                    meanwhile()
                return _collect(itertools.chain(first, map(function, items)), total, progress, each)
            if meanwhile is not None:
                meanwhile()
            results = itertools.chain(first, cast(Iterator[R], pool.results()))
            collected = _collect(results, total, progress, each)
        except BaseException as failure:
            # A job's error waits for every worker to end the span it is at (a worker writes
            # files ahead: `staging.Staging.stage_here`); an interrupt does not.
            if pool is not None:
                pool.stop(kill=not isinstance(failure, Exception))
            raise
    _EXITING.leave(pool)
    return collected


# A span's number, as the workers take them from the pipe they share.
_TASK = struct.Struct("<I")
# The most spans a pool hands out: their numbers are written to the pipe before any worker
# reads it, and must fit in it: 4 KiB, a page, the least a pipe holds (Linux gives a user over
# its pipe-user-pages-soft that; macOS starts at 16 KiB).
_MOST_SPANS = 1024
# What a worker sends back for a span: its number, whether its jobs went well (1) or one
# raised (0), and the length of the pickle that follows (the results, or the error).
_FRAME = struct.Struct("<IBQ")
# A span's results are read from a worker's pipe this much at a time, at most.
_CHUNK = 1 << 20


class WorkerError(I18nSyncError):
    """A worker process ended without sending the results of the jobs it took (killed by the
    system for memory, say): the run stops, and writes nothing."""


class _Workers:
    """The processes of one pool: each worker's pid, the pipe its results come through, and the
    pipe of spans they share."""

    def __init__(self, cut: list[tuple[int, int]]) -> None:
        self.cut = cut
        self.pids: list[int] = []
        self.readers: list[int] = []  # the results' pipes, in the workers' order
        self.tasks = -1  # the spans' pipe, which this process reads empty to stop the workers

    @classmethod
    def start(cls, function: Callable[[T], R], items: Sequence[T], workers: int) -> _Workers:
        """Fork `workers` processes (no more than there are spans) for the jobs `items`."""
        cut = _fewer(spans(len(items), workers), _MOST_SPANS)
        pool = cls(cut)
        tasks, handout = new_pipe()
        pool.tasks = tasks
        try:
            # Every span is handed out at once: a worker done with one takes the next at once.
            # Read without waiting: an empty pipe is the end, whoever else holds its other end
            # (a worker another thread's pool forked meanwhile inherits it, and so delays its EOF).
            os.set_blocking(tasks, False)
            write_all(handout, b"".join(_TASK.pack(number) for number in range(len(cut))))
        finally:
            close_pipe_end(handout)
        try:
            for _ in range(min(workers, len(cut))):
                if not pool._fork(function, items):
                    break
        except BaseException:
            pool.stop(kill=True)
            raise
        if not pool.pids:  # the system refused every fork: the caller runs the jobs itself
            pool.stop(kill=True)
            raise OSError("no worker process could be started")
        return pool

    def _fork(self, function: Callable[[T], R], items: Sequence[T]) -> bool:
        """Start one more worker; False when the system refuses (its limit of processes, of
        memory, of open files) and one is running already, which will take every span."""
        try:
            reader, writer = new_pipe()
        except OSError:
            if self.pids:
                return False
            raise
        _widen(writer)
        try:
            pid = os.fork()
        except BaseException as refused:
            close_pipe_end(reader)
            close_pipe_end(writer)
            if isinstance(refused, OSError) and self.pids:
                return False
            raise
        if pid == 0:  # pragma: no cover - the worker, which ends here (coverage sees none of it)
            try:
                forked((self.tasks, writer))
                _serve(function, items, self.cut, self.tasks, writer)
            finally:
                os._exit(1)
        close_pipe_end(writer)
        self.pids.append(pid)
        self.readers.append(reader)
        return True

    def results(self) -> Iterator[object]:
        """Every job's result, in the jobs' order, as the spans arrive; a job's error is raised
        when its span comes, as the results before it were given."""
        arrived: dict[int, tuple[int, bytes]] = {}
        buffers = {reader: bytearray() for reader in self.readers}
        waiting = select.poll()  # any descriptor (`select.select` none past 1023)
        for reader in self.readers:
            waiting.register(reader, select.POLLIN)
        open_readers = set(self.readers)
        for number in range(len(self.cut)):
            while number not in arrived:
                if not open_readers:
                    raise self._lost()
                for reader, _ in waiting.poll():
                    chunk = os.read(reader, _CHUNK)
                    if not chunk:
                        waiting.unregister(reader)
                        open_readers.discard(reader)
                        continue
                    _frames(buffers[reader], chunk, arrived)
            outcome, data = arrived.pop(number)
            if not outcome:
                raise _unpickled_error(data)
            yield from pickle.loads(data)

    def _lost(self) -> WorkerError:
        """The error for spans no worker answered: each worker is waited for, to say how it ended."""
        endings = [_ending(pid) for pid in self.pids]
        self.pids = []
        said = "; ".join(sorted({ending for ending in endings if ending}))
        return WorkerError(
            f"a worker process ended before sending its results ({said or 'no reason given'}); "
            f"run again, with {JOBS_VARIABLE}=1 if it keeps happening (the system may be short of memory)"
        )

    def stop(self, kill: bool) -> None:
        """End the pool early: no worker takes another span (the spans' pipe is read empty);
        with `kill`, none finishes the one it is at either. Every worker is waited for."""
        if self.tasks >= 0:
            with suppress(OSError):  # read without waiting (`start`): empty, it raises
                while os.read(self.tasks, 1 << 16):
                    pass
        if kill:
            for pid in self.pids:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.wait()

    def wait(self) -> None:
        """Close the pipes, then wait for every worker to exit (one still sending results gets
        an error, and ends, rather than waiting for this process to read them)."""
        self.close()
        try:
            while self.pids:
                _ending(self.pids[0])
                self.pids.pop(0)
        except BaseException:  # ^C again: the others are not waited for to end their spans
            for pid in self.pids:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            for pid in self.pids:
                _ending(pid)
            self.pids = []
            raise

    def close(self) -> None:
        """Close this process's ends of the pipes."""
        for reader in self.readers:
            close_pipe_end(reader)
        self.readers = []
        if self.tasks >= 0:
            close_pipe_end(self.tasks)
            self.tasks = -1


def _fewer(cut: list[tuple[int, int]], most: int) -> list[tuple[int, int]]:
    """`cut` with neighbouring spans joined, two by two, until there are no more than `most`."""
    while len(cut) > most:
        cut = [(cut[i][0], cut[min(i + 1, len(cut) - 1)][1]) for i in range(0, len(cut), 2)]
    return cut


def _frames(buffer: bytearray, chunk: bytes, arrived: dict[int, tuple[int, bytes]]) -> None:
    """Add `chunk` to a worker's `buffer`, and each whole frame in it to `arrived`, by span."""
    buffer += chunk
    at = 0
    while len(buffer) - at >= _FRAME.size:
        number, outcome, length = _FRAME.unpack_from(buffer, at)
        end = at + _FRAME.size + length
        if len(buffer) < end:
            break
        arrived[number] = (outcome, bytes(buffer[at + _FRAME.size : end]))
        at = end
    del buffer[:at]


def _unpickled_error(data: bytes) -> BaseException:
    """The error a job raised in a worker, as the worker sent it."""
    try:
        error = pickle.loads(data)
    except Exception as unread:
        return RuntimeError(f"a job's error in a worker process could not be read back: {unread!r}")
    return error if isinstance(error, BaseException) else RuntimeError(repr(error))


def _ending(pid: int) -> str:
    """Wait for the worker `pid` to end: how it ended, where not with exit status 0."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:  # reaped by someone else (a handler of SIGCHLD)
        return ""
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        return f"signal {-code}"
    return f"exit status {code}" if code else ""


def _serve(
    function: Callable[[T], R],
    items: Sequence[T],
    cut: list[tuple[int, int]],
    tasks: int,
    writer: int,
) -> NoReturn:
    """In a worker: take spans until none is left, send each one's results, then end.

    A job that raises ends the worker once its error is sent. ^C is the parent's to meet
    (`forked`): it stops the pool (`_Workers.stop`). The worker ends with ``os._exit``: no
    exit handler of the parent's runs here, no buffered output is written twice.
    """
    code = 0
    try:
        while True:
            try:
                taken = os.read(tasks, _TASK.size)
            except BlockingIOError:  # none left: every span was handed out before the fork
                break
            if len(taken) < _TASK.size:  # none left (the spans are whole: a read takes one)
                break
            (number,) = _TASK.unpack(taken)
            start, stop = cut[number]
            try:
                data, outcome = pickle.dumps([function(item) for item in items[start:stop]], -1), 1
            except Exception as error:
                data, outcome = _pickled_error(error), 0
            write_all(writer, _FRAME.pack(number, outcome, len(data)) + data)
            if not outcome:
                break
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _pickled_error(error: Exception) -> bytes:
    """A job's error, pickled with the worker's traceback as a note; one that does not pickle
    is sent as a `RuntimeError` saying what it was."""
    where = "".join(traceback.format_exception(error))
    try:
        error.add_note(f"raised in a worker process:\n{where}")
        data = pickle.dumps(error, -1)
        pickle.loads(data)  # one that pickles may not unpickle (its __init__ takes other arguments)
        return data
    except Exception:
        return pickle.dumps(RuntimeError(f"a job raised {error!r} in a worker process:\n{where}"), -1)


def write_all(descriptor: int, data: bytes) -> None:
    """Write all of `data` to the pipe `descriptor`, however little each write takes."""
    sent = memoryview(data)
    while sent:
        sent = sent[os.write(descriptor, sent) :]


def _widen(writer: int) -> None:
    """Let a worker's pipe of results hold `_RESULT_PIPE` bytes, where the system allows (Linux,
    and up to ``/proc/sys/fs/pipe-max-size``); else leave it be."""
    resize = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if resize is None:
        return
    with suppress(OSError, ValueError):  # over the system's limit: as it was
        fcntl.fcntl(writer, resize, _RESULT_PIPE)


class _Exiting(threading.local):
    """The workers of the pools that returned without waiting for them, within `workers_exiting`,
    to be waited for at its end.

    Each thread has its own: a run in one thread leaves the pools of another as they were.
    """

    def __init__(self) -> None:
        self.pools: list[_Workers] | None = None  # None: outside `workers_exiting`

    def leave(self, pool: _Workers) -> None:
        """Let the workers of `pool`, which sent every result, exit while this process goes on,
        where that is allowed; else wait for them."""
        if self.pools is None:
            pool.wait()
            return
        pool.close()
        self.pools.append(pool)

    def join(self) -> None:
        """Wait until every worker left to exit has."""
        while self.pools:
            self.pools[-1].wait()  # taken off once waited for: an interrupt leaves it to wait again
            self.pools.pop()


_EXITING = _Exiting()


@contextmanager
def workers_exiting() -> Iterator[None]:
    """Within it, a pool returns its results without waiting for its workers to exit.

    A worker's exit frees what it copied of this process's memory: a few milliseconds,
    which the workers spend on their own cores while this process plans the next stage
    or writes the run's files. (A first sync of a docs tree in 21 languages, in turns:
    6-15 ms less in its pools, part of it back in planning and writing beside the
    exiting workers; CPU/wall 0.004-0.015 higher.) They are waited for at the end of the
    context: after it, no worker of its pools is left, running or unwaited for, as
    without it. It holds for the thread that enters it. `api.sync` uses it; nested, the
    outer one waits for them.
    """
    if _EXITING.pools is not None:  # an outer one waits for them
        yield
        return
    _EXITING.pools = []
    try:
        yield
    finally:
        try:
            _EXITING.join()
        finally:
            _EXITING.pools = None


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


# How many `frozen_for_fork` are open, in any thread, and whether the first of them froze (the
# program had frozen nothing of its own). Counted here: `gc.get_freeze_count` walks every
# frozen object, 0.7 ms a call once a render of 652 documents had made its records.
_FROZEN = 0
_FROZE = False
_FREEZING = threading.Lock()


@contextmanager
def frozen_for_fork() -> Iterator[None]:
    """Keep the garbage collector away from what the workers inherit, while they run.

    A forked worker shares the parent's memory until it writes to it, and a
    collection writes to every object it looks at: in each worker it would
    walk (and copy) everything the parent made, the parsed documents first.
    Frozen, those objects are left out of every collection (Python's advice
    for fork, see `gc.freeze`); they go back to the oldest generation when
    the last `frozen_for_fork` open ends, unless the program had frozen
    objects of its own before the first: those are left be.
    """
    global _FROZEN, _FROZE
    with _FREEZING:
        if _FROZEN == 0:
            _FROZE = gc.get_freeze_count() == 0  # nothing frozen: no object to walk
        _FROZEN += 1
        gc.freeze()  # what was made since an open one froze too
    try:
        yield
    finally:
        with _FREEZING:
            _FROZEN -= 1
            if _FROZEN == 0 and _FROZE:
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
