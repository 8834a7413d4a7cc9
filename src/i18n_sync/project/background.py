"""Work in a process of its own, started by a bare ``fork``: its result taken later, or dropped.

For work that would wait for a core this process keeps busy: the run's planning
leaves the second core idle, and a lookup done there instead of beside the
workers costs the run nothing (the languages' names, `project.names`; the
paths' check, `plan.targets_checked`; the files' signatures, `signatures`).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Generic, NoReturn, TypeVar

from i18n_sync.project.pool import can_fork, close_pipe_end, forked, forking, new_pipe, write_all

R = TypeVar("R")


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
        close_pipe_end(self._reader)
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
    if not can_fork():
        return None
    with forking():
        try:
            reader, writer = new_pipe()
        except OSError:  # out of file descriptors
            return None
        try:
            pid = os.fork()
        except OSError:  # the system refused the fork (its limit of processes, of memory)
            close_pipe_end(reader)
            close_pipe_end(writer)
            return None
        if pid == 0:  # pragma: no cover - the new process, which ends here (coverage sees none of it)
            try:
                forked((writer,))
                _send_result(function, writer)
            finally:
                os._exit(0)
        close_pipe_end(writer)
        return Background(_Child(pid), reader)


def _send_result(function: Callable[[], object], writer: int) -> NoReturn:
    """In the background process: send `function`'s result, then end; nothing when it fails (the
    parent reads the end of the pipe, and does the work itself). ^C is the parent's to
    meet (`pool.forked`): it stops this process (`Background.stop`), which has nothing to say."""
    try:
        write_all(writer, pickle.dumps(function()))
    except BaseException:  # any failure, its result's pickling too: nothing is sent
        pass
    finally:
        os._exit(0)
