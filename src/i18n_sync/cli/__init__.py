"""The command line: parse options, make one library call, print the report, pick the exit code.

`group` holds `main`, the ``i18n-sync`` group, and lists its subcommands, and
`script` runs it as the ``i18n-sync`` program (`program`). The subcommands live by concern
in `run` (extract, update, render, sync), `adopt` (init, import), `layout`
(relayout) and `reports` (check, status, badge, review). `options` has what the
commands share (options, validators, decorators) and `display` what they print.

Those modules are imported when first used, not with this package: the ``i18n-sync``
script imports it to start `program`, which catches a ^C while they load.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from i18n_sync.cli.display import terminal_style
    from i18n_sync.cli.group import main

__all__ = ["main", "program", "terminal_style"]


def program(args: Sequence[str] | None = None) -> NoReturn:
    """Run the ``i18n-sync`` program (`script.program`) on `args` (default ``sys.argv[1:]``).

    Its modules load first, a tenth of a second and more: a ^C meanwhile ends the
    program as a ^C during a command does (click's "Aborted!", status 1), not with
    a traceback of the import it stopped. Meanwhile another process lists a run's
    sources (`project.ahead`).
    """
    caller = sys._getframe(1)
    try:
        try:
            # A run's sources are listed in a process of its own while the modules load.
            from i18n_sync.project.ahead import start

            start(sys.argv[1:] if args is None else args)
            from i18n_sync.cli.script import program as run
        except KeyboardInterrupt:
            print("\nAborted!", file=sys.stderr)
            raise SystemExit(1) from None
        run(args, caller)
    finally:
        # Where the process goes on (a test, a caller of its own), a listing no run took is not
        # left for a later run of it to take, older than the files it would read then.
        ahead = sys.modules.get("i18n_sync.project.ahead")
        if ahead is not None:
            ahead.forget()


def __getattr__(name: str) -> object:
    if name == "main":
        from i18n_sync.cli.group import main

        return main
    if name == "terminal_style":
        from i18n_sync.cli.display import terminal_style

        return terminal_style
    raise AttributeError(f"module 'i18n_sync.cli' has no attribute {name!r}")
