"""The command line: parse options, make one library call, print the report, pick the exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from .config import CONFIG_FILE, Settings, format_config, load_config
from .errors import I18nSyncError
from .files import apply_changes, is_current, write_atomic
from .locales import parse_language
from .sync import LanguageReport, RunReport, run

F = TypeVar("F", bound=Callable[..., Any])

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The project folder (where i18n-sync.toml is).",
)
check_option = click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 and list the files that would change."
)
format_option = click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)


def reports_errors(command: F) -> F:
    """Turn the tool's own errors into `Error: ...` on stderr and exit code 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except I18nSyncError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(package_name="i18n-sync", prog_name="i18n-sync")
def main() -> None:
    """Keep translated Markdown in sync with its English source through gettext."""


def _summary(report: LanguageReport) -> str:
    counts, merge = report.counts, report.merge
    line = (
        f"{report.language.tag}: {counts.translated} translated, {counts.fuzzy} fuzzy, "
        f"{counts.untranslated} untranslated ({counts.percent:.0f}%)"
    )
    if merge.added or merge.obsolete or merge.revived:
        line += (
            f"; update: {merge.kept} kept, {merge.added} new, {merge.obsolete} obsolete, {merge.revived} back"
        )
    if report.failed:
        line += "; NOT WRITTEN (bad catalogue)"
    return line


def _as_json(report: RunReport, pending: Sequence[str], written: Sequence[str]) -> str:
    languages = [
        {
            "language": r.language.tag,
            "translated": r.counts.translated,
            "fuzzy": r.counts.fuzzy,
            "untranslated": r.counts.untranslated,
            "obsolete": r.counts.obsolete,
            "percent": round(r.counts.percent, 1),
            "update": {
                "kept": r.merge.kept,
                "new": r.merge.added,
                "obsolete": r.merge.obsolete,
                "back": r.merge.revived,
            },
            "failed": r.failed,
        }
        for r in report.languages
    ]
    data = {
        "pending": list(pending),
        "written": list(written),
        "languages": languages,
        "warnings": [str(d) for d in report.diagnostics],
        "errors": [str(e) for e in report.errors],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def _finish(root: Path, report: RunReport, check: bool, output_format: str, summary: bool) -> None:
    pending = [c.path for c in report.changes if not is_current(root, c)]
    written = [] if check else apply_changes(root, report.changes)
    if output_format == "json":
        click.echo(_as_json(report, pending if check else [], written))
    else:
        for path in pending if check else written:
            click.echo(f"{'would write' if check else 'wrote'} {path}")
        if summary:
            for language in report.languages:
                click.echo(_summary(language))
        for diagnostic in report.diagnostics:
            click.echo(str(diagnostic), err=True)
        for error in report.errors:
            click.echo(f"Error: {error}", err=True)
    if report.errors or (check and pending):
        if check and pending and output_format == "text":
            click.echo(f"{len(pending)} file(s) out of date; run 'i18n-sync sync'", err=True)
        sys.exit(1)


def _run_steps(root: Path, steps: Sequence[str], check: bool, output_format: str, summary: bool) -> None:
    config = load_config(root)
    _finish(root, run(config, steps), check, output_format, summary)


@main.command()
@root_option
@check_option
@format_option
@reports_errors
def extract(root: Path, check: bool, output_format: str) -> None:
    """Extract the English sources into templates (POT)."""
    _run_steps(root, ("extract",), check, output_format, summary=False)


@main.command()
@root_option
@check_option
@format_option
@reports_errors
def update(root: Path, check: bool, output_format: str) -> None:
    """Merge the templates into each language's catalogue (PO)."""
    _run_steps(root, ("update",), check, output_format, summary=True)


@main.command()
@root_option
@check_option
@format_option
@reports_errors
def render(root: Path, check: bool, output_format: str) -> None:
    """Render the localized Markdown from the sources and catalogues."""
    _run_steps(root, ("render",), check, output_format, summary=False)


@main.command()
@root_option
@check_option
@format_option
@reports_errors
def sync(root: Path, check: bool, output_format: str) -> None:
    """Extract, update and render: the main job."""
    _run_steps(root, ("extract", "update", "render"), check, output_format, summary=True)


def _validate_languages(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> tuple[str, ...]:
    tags = []
    for value in values:
        try:
            tags.append(parse_language(value).tag)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
    return tuple(dict.fromkeys(tags))


@main.command()
@root_option
@click.option(
    "--lang",
    "languages",
    multiple=True,
    required=True,
    callback=_validate_languages,
    help="A language to translate into (BCP 47, e.g. tr, zh-CN); repeat for more.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing i18n-sync.toml.")
@reports_errors
def init(root: Path, languages: tuple[str, ...], force: bool) -> None:
    """Write i18n-sync.toml and empty catalogues for the given languages."""
    target = root / CONFIG_FILE
    if target.exists() and not force:
        raise I18nSyncError(
            f"{CONFIG_FILE} exists already; edit it, or pass --force to overwrite it", str(target)
        )
    write_atomic(target, format_config(Settings(languages=languages)).encode("utf-8"))
    click.echo(f"wrote {CONFIG_FILE}")
    config = load_config(root)
    if not any(any(root.glob(pattern)) for pattern in config.settings.sources):
        click.echo(
            f"no source matches {', '.join(config.settings.sources)} yet; add one, then run 'i18n-sync sync'"
        )
        return
    _finish(root, run(config, ("extract", "update")), check=False, output_format="text", summary=True)
