"""`relayout`: move the catalogues to another layout, every translation kept (`project.relayout`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from i18n_sync import api
from i18n_sync.cli.display import language_summary, note, show_diagnostics, show_files, waiting
from i18n_sync.cli.options import check_option, group_options, reports_errors, root_option


@click.command()
@click.option("--template", required=True, metavar="PATTERN", help="The new template pattern.")
@click.option("--catalog", required=True, metavar="PATTERN", help="The new catalogue pattern.")
@root_option
@check_option
@group_options
@reports_errors
def relayout(template: str, catalog: str, root: Path, check: bool) -> None:
    """Move the catalogues to another layout, such as one per language, keeping every translation.

    Example: --template locales/messages.pot --catalog 'locales/{locale}.po'.
    """
    result = api.relayout(
        api.load_project(root), template=template, catalog=catalog, check=check, waiting=waiting
    )
    files, plan = result.files, result.plan
    if check:
        deleting = {change.path for change in plan.deletions}
        for path in files.pending:
            click.echo(f"{'would delete' if path in deleting else 'would write'} {path}")
    else:
        show_files(files, check, {change.path: change.kind for change in plan.changes})
        for path in files.deleted:
            note(f"deleted {path}")
        for language in plan.run.languages:
            note(language_summary(language))
    show_diagnostics(result.diagnostics)
    for error in files.errors:
        click.echo(f"Error: {error}", err=True)
    if not result.ok:
        sys.exit(1)
