"""The `i18n-sync` group: the options given before a subcommand, and the table of subcommands."""

from __future__ import annotations

from pathlib import Path

import click

from i18n_sync.cli.adopt import import_, init
from i18n_sync.cli.layout import relayout
from i18n_sync.cli.options import GroupOptions, quiet_option, verbose_option
from i18n_sync.cli.reports import badge, check_translations, review, status
from i18n_sync.cli.run import extract, render, sync, update


@click.group()
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


# `--help` lists them by name, whatever the order here.
for _command in (
    init,
    import_,
    extract,
    update,
    render,
    sync,
    relayout,
    check_translations,
    status,
    badge,
    review,
):
    main.add_command(_command)
