"""The ``i18n-sync`` program: the command line in a process of its own, which it ends quickly.

`main` is the click group, for tests and callers that run a command in their
own process (click's `CliRunner`); `program` is what the ``i18n-sync`` script
and ``python -m i18n_sync`` run.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from i18n_sync.cli.group import main


def program(args: Sequence[str] | None = None) -> NoReturn:
    """Run the command line (`args`, default ``sys.argv[1:]``), then end the process.

    Once a command is done, a normal exit tears the interpreter down: it frees,
    one by one, every object the command made and every module it imported,
    only for the process to end. That is 8 ms, on one core, of a first sync of
    a docs tree in 21 languages. So the program ends the way a normal exit
    would, but for that: the exit handlers run (`atexit`), the streams are
    flushed, and the process ends at once (`os._exit`), with the same status.
    Where that could lose something the normal exit would keep, the normal
    exit it is: another thread still running, a stream that fails to flush, an
    exit with a message rather than a status.
    """
    try:
        main(args, prog_name="i18n-sync")  # click's standalone mode: always ends in SystemExit
    except SystemExit as done:
        _end(done)
    raise AssertionError("click's main returned instead of exiting")  # pragma: no cover


def _end(done: SystemExit) -> NoReturn:
    """End the process as `done` asks, without tearing the interpreter down where that is safe."""
    status = 0 if done.code is None else done.code
    # The exit handlers, as the normal exit runs them (a private name, in every CPython since
    # 2.x; a Python without it gets the normal exit). It runs none of them again after.
    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    # Another thread: the normal exit waits for it (for every one that is not a daemon).
    if not isinstance(status, int) or threading.active_count() > 1 or run_handlers is None:
        raise done
    run_handlers()
    if not _flushed():
        raise done
    os._exit(status)


def _flushed() -> bool:
    """Flush the standard streams; False where one fails (a closed pipe), which a normal exit
    reports as it always does."""
    for stream in dict.fromkeys((sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)):
        if stream is None:
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away; a stream closed already
            return False
    return True
