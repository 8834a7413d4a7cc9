"""The `i18n-sync` group: the options given before a subcommand, and the table of subcommands."""

from __future__ import annotations

import atexit
import gc
import importlib
from pathlib import Path

import click

from i18n_sync.cli.options import GroupOptions, quiet_option, verbose_option

# Each subcommand, by name: the module and the function that define it. A
# subcommand is imported only when it is run (or listed by --help): `import`
# needs the aligner, `review` a web server, `render` neither, and every run
# pays for what it imports.
COMMANDS = {
    "init": ("adopt", "init"),
    "import": ("adopt", "import_"),
    "extract": ("run", "extract"),
    "update": ("run", "update"),
    "render": ("run", "render"),
    "sync": ("run", "sync"),
    "relayout": ("layout", "relayout"),
    "check": ("reports", "check_translations"),
    "status": ("reports", "status"),
    "badge": ("reports", "badge"),
    "review": ("reports", "review"),
}


# At exit the collector would walk every object the run made (a docs tree's
# parsed documents), only to free what the exit frees anyway: 50 ms of a
# 300 ms run. Frozen objects are left out of that last walk.
atexit.register(gc.freeze)


class LazyGroup(click.Group):
    """A group whose subcommands (`COMMANDS`) are imported when first asked for."""

    def list_commands(self, context: click.Context) -> list[str]:
        return sorted({*super().list_commands(context), *COMMANDS})

    def get_command(self, context: click.Context, name: str) -> click.Command | None:
        if name in self.commands or name not in COMMANDS:
            return super().get_command(context, name)
        module, attribute = COMMANDS[name]
        command: click.Command = getattr(importlib.import_module(f"i18n_sync.cli.{module}"), attribute)
        self.add_command(command, name)
        return command


@click.group(cls=LazyGroup)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="The project folder, for every subcommand (its own --root wins).",
)
@click.option(
    "--format",
    "output_format",
    metavar="FORMAT",
    help="The output format, for every subcommand that has it (its own --format wins): text, json...",
)
@quiet_option
@verbose_option
@click.version_option(package_name="i18n-sync", prog_name="i18n-sync")
@click.pass_context
def main(
    context: click.Context, root: Path | None, output_format: str | None, quiet: bool, verbose: bool
) -> None:
    """Keep translated Markdown in sync with its English source through gettext.

    Options before the subcommand apply to it: i18n-sync --root docs --format json sync.
    """
    context.obj = GroupOptions(root, output_format, quiet, verbose)
