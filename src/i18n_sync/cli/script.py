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
from types import FrameType, ModuleType
from typing import NoReturn

from i18n_sync.cli.group import main


def program(args: Sequence[str] | None = None, caller: FrameType | None = None) -> NoReturn:
    """Run the command line (`args`, default ``sys.argv[1:]``), then end the process.

    Once a command is done, a normal exit tears the interpreter down: it frees,
    one by one, every object the command made and every module it imported,
    only for the process to end. That is 8 ms, on one core, of a first sync of
    a docs tree in 21 languages. So when the program is the process's own main
    code, it ends the way a normal exit would, but for that: the exit handlers
    run (`atexit`), the streams are flushed, and the process ends at once
    (`os._exit`), with the same status. Anywhere else the exit is the normal
    one (`_quick_exit_status`). `caller` is the frame that runs the program
    (default: the caller's; `i18n_sync.cli.program` gives its own caller's).
    """
    caller = sys._getframe(1) if caller is None else caller
    try:
        main(args, prog_name="i18n-sync")  # click's standalone mode: always ends in SystemExit
    except SystemExit as done:
        status = _quick_exit_status(done, caller)
        if status is not None:
            _end_now(status)  # it returns where ending now would lose something
        raise
    raise AssertionError("click's main returned instead of exiting")  # pragma: no cover


def _quick_exit_status(done: SystemExit, caller: FrameType | None) -> int | None:
    """The status to end the process with at once, or None where that could lose something
    a normal exit would do after `done`.

    Not when the status is a message or out of range, when another thread runs (the
    normal exit waits for it), nor when anything runs the program but the ``i18n-sync``
    script or ``python -m``: a profiler, a debugger, ``python -i``, a forked child
    (whose normal exit runs none of the exit handlers it inherited), a caller in the
    same process. Each of those takes over once the `SystemExit` reaches it.
    """
    status = 0 if done.code is None else done.code
    if not isinstance(status, int) or not 0 <= status <= 255 or threading.active_count() > 1:
        return None
    if sys.flags.inspect or os.environ.get("PYTHONINSPECT") or sys.gettrace() or sys.getprofile():
        return None
    return status if _only_main_code(caller) else None


def _only_main_code(frame: FrameType | None) -> bool:
    """Whether the frames from `frame` out are the process's main code and nothing else, with
    nothing left to do once the command is done: a launcher such as the ``i18n-sync`` script
    or ``python -m``'s module, and runpy's own two frames under ``-m``.

    A launcher is module code of ``__main__`` with no ``try``, ``with`` or ``finally`` (no
    exception handler at all: one could catch the exit, or clean up after it), holding
    nothing but modules and functions or classes (an open file among them would be closed,
    and flushed, by the teardown). The script pip or uv writes for the command, and
    ``i18n_sync/__main__.py``, are such code; a script of one's own may not be.
    """
    while frame is not None:
        module = frame.f_globals.get("__name__")
        name = frame.f_code.co_name
        if module == "runpy" and name in ("_run_code", "_run_module_as_main"):
            frame = frame.f_back
            continue
        if name != "<module>" or module != "__main__" or not _launcher(frame):
            return False
        frame = frame.f_back
    return True


def _launcher(frame: FrameType) -> bool:
    """Whether `frame` runs module code without exception handlers, whose names hold only
    modules, functions and classes (see `_only_main_code`)."""
    handlers = getattr(frame.f_code, "co_exceptiontable", None)
    if handlers is None or handlers:  # a Python that cannot tell; a try, with or finally
        return False
    return all(
        isinstance(value, ModuleType) or callable(value)
        for key, value in frame.f_globals.items()
        if not (key.startswith("__") and key.endswith("__"))
    )


def _end_now(status: int) -> None:
    """Run the exit handlers, flush the streams and end the process with `status`; return
    without ending it where that cannot be done as a normal exit would (the caller exits)."""
    # The exit handlers, as the normal exit runs them (a private name, in every CPython since
    # 2.x; a Python without it gets the normal exit). It runs none of them again after.
    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_handlers is None:
        return
    run_handlers()
    if _flushed():
        os._exit(status)


def _flushed() -> bool:
    """Flush the standard streams; False where one fails (a closed pipe), which a normal exit
    reports as it always does."""
    streams: list[object] = []
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        if stream is None or any(stream is seen for seen in streams):  # by identity: any object
            continue
        streams.append(stream)
        try:
            stream.flush()
        except Exception:  # a reader that went away, a stream closed already: the normal exit says
            return False
    return True
