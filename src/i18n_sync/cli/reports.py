"""The commands that report on the translations: check, status, badge, and the review page."""

from __future__ import annotations

import os
import signal
import sys
import webbrowser
from functools import partial
from pathlib import Path

import click

from i18n_sync import api
from i18n_sync.cli.display import echo_json, note, show_files, terminal_style, waiting
from i18n_sync.cli.options import (
    check_option,
    current_options,
    format_option,
    group_options,
    lang_filter_option,
    reports_errors,
    root_option,
    validate_folder,
)
from i18n_sync.project.config import load_config
from i18n_sync.project.inspect import CheckReport, EntryFinding
from i18n_sync.reports.output import badge_data, check_data, status_output
from i18n_sync.reports.page import format_page
from i18n_sync.reports.review import review_report
from i18n_sync.reports.server import start_review
from i18n_sync.reports.status import format_markdown, format_table, gate_messages, lists_documents

_LEVEL_PREFIXES = {
    "error": "",
    "warning": "warning: ",
    "off": "skipped (switched off in the configuration): ",
}


def _finding_line(item: EntryFinding) -> str:
    """``path:line: [check-id] message``, gettext style; a warning or a skipped finding says so."""
    finding = item.finding
    return f"{item.path}:{item.line}: [{finding.check}] {_LEVEL_PREFIXES[finding.level]}{finding.message}"


def _check_counts(report: CheckReport) -> tuple[int, int]:
    errors = sum(1 for item in report.findings if item.finding.level == "error")
    warnings = sum(1 for item in report.findings if item.finding.level == "warning")
    return errors, warnings


@click.command("check")
@root_option
@lang_filter_option
@format_option
@group_options
@reports_errors
def check_translations(root: Path, languages: tuple[str, ...], output_format: str) -> None:
    """Check the translations: links, unsafe URLs, HTML, code, structure. Exit 1 on an error."""
    report = api.check(api.load_project(root), languages)
    errors, warnings = _check_counts(report)
    if output_format == "json":
        echo_json(check_data(report))
    else:
        for item in report.findings:
            click.echo(_finding_line(item))
        if current_options().verbose:
            for catalog in report.catalogs:
                click.echo(f"checked {catalog}")
        skipped = len(report.findings) - errors - warnings
        skipped_note = f", {skipped} skipped by the configuration" if skipped else ""
        note(
            f"{errors} error(s), {warnings} warning(s){skipped_note} in {report.checked} translated "
            f"entries of {len(report.catalogs)} catalogue(s)"
        )
        for problem in report.errors:
            click.echo(f"Error: {problem}", err=True)
    if errors or report.errors:
        sys.exit(1)


@click.command()
@root_option
@lang_filter_option
@click.option("--stale", is_flag=True, help="List the fuzzy and untranslated units, with a word diff.")
@click.option(
    "--documents",
    is_flag=True,
    help="Show each document; by default a language of several documents shows its total.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "markdown", "html"]),
    default="table",
    show_default=True,
    help="json: see status.schema.json in the package; markdown: for a pull request or a README; "
    "html: a self-contained page with the units to work on and the check findings.",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    metavar="PERCENT",
    help="Exit 1 when a language has less translated (by units); replaces the configured gates.",
)
@group_options
@reports_errors
def status(
    root: Path,
    languages: tuple[str, ...],
    stale: bool,
    documents: bool,
    output_format: str,
    fail_under: float | None,
) -> None:
    """Show how much of each language is translated, fuzzy (stale) and untranslated, and since when."""
    project = api.load_project(root)
    if output_format == "html":
        api.require_languages(project, languages)
        review = review_report(project, languages, fail_under)
        click.echo(format_page(review), nl=False)
        report = review.status
    else:
        # The "since when" section, from git, only where the report shows it.
        history = True if output_format == "json" else partial(lists_documents, documents=documents)
        report = api.status(project, languages, fail_under=fail_under, history=history)
    if output_format == "json":
        echo_json(status_output(report, stale))
    elif output_format == "markdown":
        click.echo(format_markdown(report, stale, documents), nl=False)
    elif output_format == "table":
        style = terminal_style(sys.stdout, os.environ)
        click.echo(format_table(report, stale, style, documents))
    for error in report.errors:
        click.echo(f"Error: {error}", err=True)
    for line in gate_messages(report):
        click.echo(line, err=True)
    if report.errors or report.failing:
        sys.exit(1)


@click.command()
@root_option
@click.option(
    "--output-dir",
    default="badges",
    show_default=True,
    callback=validate_folder,
    help="The folder for the SVG files, relative to the project folder.",
)
@check_option
@format_option
@group_options
@reports_errors
def badge(root: Path, output_dir: str, check: bool, output_format: str) -> None:
    """Write one SVG badge per language (<lang>.svg): its name and percent translated."""
    result = api.badges(api.load_project(root), output_dir, check=check, waiting=waiting)
    files = result.files
    if output_format == "json":
        echo_json(badge_data(result.status, files.pending if check else (), files.written, files.errors))
    else:
        show_files(files, check)
    for error in (*result.status.errors, *files.errors):
        click.echo(f"Error: {error}", err=True)
    if not result.ok:
        sys.exit(1)


def _listen_for_ctrl_c() -> None:
    """Make Ctrl-C (SIGINT) stop the server even where it was started with SIGINT ignored or blocked.

    A process started in the background by a non-interactive shell inherits SIGINT
    ignored, and a blocked signal mask survives fork and exec; the promise is Ctrl-C.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@click.command()
@root_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="The port on 127.0.0.1 to listen on. Default: a free one.",
)
@click.option("--no-browser", is_flag=True, help="Print the address; do not open a browser.")
@reports_errors
def review(root: Path, port: int, no_browser: bool) -> None:
    """Serve a local page to review and edit the translations, with checks and a preview. Ctrl-C stops it."""
    server = start_review(load_config(root), port)
    _listen_for_ctrl_c()
    click.echo(f"Review page: {server.url}")
    click.echo("Only this address (with its token) opens the page; Ctrl-C stops the server.")
    if not no_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
