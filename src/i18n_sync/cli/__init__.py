"""The command line: parse options, make one library call, print the report, pick the exit code.

`group` holds `main`, the ``i18n-sync`` group, and lists its subcommands, and
`script` runs it as the ``i18n-sync`` program (`program`). The subcommands live by concern
in `run` (extract, update, render, sync), `adopt` (init, import), `layout`
(relayout) and `reports` (check, status, badge, review). `options` has what the
commands share (options, validators, decorators) and `display` what they print.
"""

from i18n_sync.cli.display import terminal_style
from i18n_sync.cli.group import main
from i18n_sync.cli.script import program

__all__ = ["main", "program", "terminal_style"]
