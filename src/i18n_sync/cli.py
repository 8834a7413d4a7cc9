"""The command line: parse options, make one library call, print the report, pick the exit code."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import wraps
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from i18n_sync.errors import I18nSyncError, UsageError
from i18n_sync.importing.importer import STATES, ImportRun, plan_import
from i18n_sync.locales import parse_language
from i18n_sync.model import FileChange
from i18n_sync.project.config import CONFIG_FILE, Config, Settings, format_config, load_config
from i18n_sync.project.files import Applied, apply_changes, hold_lock, is_current, path_problem, write_atomic
from i18n_sync.project.sync import (
    CheckReport,
    EntryFinding,
    LanguageReport,
    RunReport,
    check_project,
    project_status,
    run,
)
from i18n_sync.reports.badge import badge_files
from i18n_sync.reports.status import Style, format_markdown, format_table, gate_messages, plain, status_data

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
no_obsolete_option = click.option(
    "--no-obsolete",
    is_flag=True,
    help="Drop obsolete (#~) entries, and the translations they keep, from the catalogues.",
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


def _lock_timeout(root: Path) -> float:
    try:
        return load_config(root).settings.lock_timeout
    except I18nSyncError:
        return Settings().lock_timeout  # the command itself reports what is wrong


def writes_files(command: F) -> F:
    """Run the command holding the repository's lock, unless it only checks (``--check``)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        root: Path = kwargs["root"]
        if kwargs.get("check") or not root.is_dir():
            return command(*args, **kwargs)
        with hold_lock(root, _lock_timeout(root), lambda message: click.echo(message, err=True)):
            return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _apply(root: Path, changes: Sequence[FileChange], check: bool) -> Applied:
    """Write the changes (nothing for ``--check``); tell about leftovers of a killed run."""
    applied = Applied() if check else apply_changes(root, changes)
    for path in applied.removed:
        click.echo(f"removed {path}, a temporary file left by an interrupted run", err=True)
    return applied


@click.group()
@click.version_option(package_name="i18n-sync", prog_name="i18n-sync")
def main() -> None:
    """Keep translated Markdown in sync with its English source through gettext."""


def _summary(report: LanguageReport) -> str:
    if report.failed:
        return f"{report.language.tag}: nothing written: a catalogue of this language has errors"
    counts, merge = report.counts, report.merge
    line = (
        f"{report.language.tag}: {counts.translated} translated, {counts.fuzzy} fuzzy, "
        f"{counts.untranslated} untranslated ({counts.percent:.0f}%)"
    )
    if merge.fuzzy or merge.added or merge.obsolete or merge.revived or merge.pruned:
        line += (
            f"; update: {merge.kept} kept, {merge.fuzzy} fuzzy, {merge.added} new, "
            f"{merge.obsolete} obsolete, {merge.revived} back"
        )
        if merge.pruned:
            line += f", {merge.pruned} obsolete pruned"
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
                "fuzzy": r.merge.fuzzy,
                "new": r.merge.added,
                "obsolete": r.merge.obsolete,
                "back": r.merge.revived,
                "pruned": r.merge.pruned,
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
    applied = _apply(root, report.changes, check)
    written = list(applied.written)
    report = replace(report, errors=(*report.errors, *applied.errors))
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


def _run_steps(
    root: Path,
    steps: Sequence[str],
    check: bool,
    output_format: str,
    summary: bool,
    no_obsolete: bool = False,
) -> None:
    config = load_config(root)
    if no_obsolete:
        config = replace(config, settings=replace(config.settings, keep_obsolete=False))
    _finish(root, run(config, steps), check, output_format, summary)


@main.command()
@root_option
@check_option
@format_option
@reports_errors
@writes_files
def extract(root: Path, check: bool, output_format: str) -> None:
    """Extract the English sources into templates (POT)."""
    _run_steps(root, ("extract",), check, output_format, summary=False)


@main.command()
@root_option
@check_option
@format_option
@no_obsolete_option
@reports_errors
@writes_files
def update(root: Path, check: bool, output_format: str, no_obsolete: bool) -> None:
    """Merge the templates into each language's catalogue (PO)."""
    _run_steps(root, ("update",), check, output_format, summary=True, no_obsolete=no_obsolete)


@main.command()
@root_option
@check_option
@format_option
@reports_errors
@writes_files
def render(root: Path, check: bool, output_format: str) -> None:
    """Render the localized Markdown from the sources and catalogues."""
    _run_steps(root, ("render",), check, output_format, summary=False)


@main.command()
@root_option
@check_option
@format_option
@no_obsolete_option
@reports_errors
@writes_files
def sync(root: Path, check: bool, output_format: str, no_obsolete: bool) -> None:
    """Extract, update and render: the main job."""
    _run_steps(
        root, ("extract", "update", "render"), check, output_format, summary=True, no_obsolete=no_obsolete
    )


def _validate_languages(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> tuple[str, ...]:
    tags = []
    for value in values:
        try:
            tags.append(parse_language(value).tag)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
    return tuple(dict.fromkeys(tags))


lang_filter_option = click.option(
    "--lang",
    "languages",
    multiple=True,
    callback=_validate_languages,
    help="Only this language (BCP 47, e.g. tr, zh-CN); repeat for more. Default: all.",
)


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
@writes_files
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


def _import_table(run: ImportRun) -> list[str]:
    """The import report for people: counts per state, then what found no partner."""
    report = run.report
    lines = [
        f"{report.translated} → {run.catalog} (English: {report.source})",
        "  ".join(f"{state:>9}" for state in ("units", *STATES)),
        "  ".join(f"{n:>9}" for n in (len(report.units), *(report.count(s) for s in STATES))),
    ]
    missing = [unit for unit in report.units if unit.state == "none"]
    if missing:
        lines.append("English units with no translation:")
        lines += [f"  {report.source}:{unit.line}: {unit.msgid[:60]}" for unit in missing]
    if report.leftovers:
        lines.append("translated blocks left over:")
        lines += [f"  {report.translated}:{item.line}: {item.text}" for item in report.leftovers]
    return lines


@main.command("import")
@click.argument("language")
@click.argument("translated", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The English the translation was made from: a configured source, or an older revision of it.",
)
@click.option("--overwrite", is_flag=True, help="Replace translations the catalogue already has.")
@root_option
@check_option
@format_option
@reports_errors
@writes_files
def import_(
    language: str,
    translated: Path,
    source: Path | None,
    overwrite: bool,
    root: Path,
    check: bool,
    output_format: str,
) -> None:
    """Fill LANGUAGE's catalogue from a hand-made TRANSLATED file, by aligning it with the English."""
    try:
        result = plan_import(load_config(root), language, translated, source, overwrite)
    except UsageError as error:
        raise click.UsageError(str(error)) from None
    pending = [c.path for c in result.changes if not is_current(root, c)]
    applied = _apply(root, result.changes, check)
    written = list(applied.written)
    if output_format == "json":
        data = {"language": result.language.tag, "catalog": result.catalog, **result.report.as_data()}
        data |= {"pending": pending if check else [], "written": written}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for line in _import_table(result):
            click.echo(line)
        for path in pending if check else written:
            click.echo(f"{'would write' if check else 'wrote'} {path}")
    for diagnostic in result.diagnostics:
        click.echo(str(diagnostic), err=True)
    if check and pending:
        sys.exit(1)


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


def _check_json(report: CheckReport) -> str:
    errors, warnings = _check_counts(report)
    findings = [
        {
            "path": item.path,
            "line": item.line,
            "check": item.finding.check,
            "level": item.finding.level,
            "message": item.finding.message,
            "msgid": item.msgid,
        }
        for item in report.findings
    ]
    skipped = len(report.findings) - errors - warnings
    summary = {
        "errors": errors,
        "warnings": warnings,
        "skipped": skipped,
        "entries": report.checked,
        "catalogs": report.catalogs,
    }
    data = {"findings": findings, "summary": summary, "errors": [str(e) for e in report.errors]}
    return json.dumps(data, ensure_ascii=False, indent=2)


@main.command("check")
@root_option
@lang_filter_option
@format_option
@reports_errors
def check_translations(root: Path, languages: tuple[str, ...], output_format: str) -> None:
    """Check the translations: links, unsafe URLs, HTML, code, structure. Exit 1 on an error."""
    config = load_config(root)
    configured = {language.tag for language in config.languages}
    for tag in languages:
        if tag not in configured:
            raise click.BadParameter(f"{tag!r} is not a language of {config.file}", param_hint="--lang")
    report = check_project(config, languages)
    errors, warnings = _check_counts(report)
    if output_format == "json":
        click.echo(_check_json(report))
    else:
        for item in report.findings:
            click.echo(_finding_line(item))
        skipped = len(report.findings) - errors - warnings
        skipped_note = f", {skipped} skipped by the configuration" if skipped else ""
        click.echo(
            f"{errors} error(s), {warnings} warning(s){skipped_note} in {report.checked} translated "
            f"entries of {len(report.catalogs)} catalogue(s)"
        )
        for problem in report.errors:
            click.echo(f"Error: {problem}", err=True)
    if errors or report.errors:
        sys.exit(1)


# --- status and badges -------------------------------------------------------------------------

_COLOURS: dict[str, dict[str, Any]] = {
    "header": {"bold": True},
    "good": {"fg": "green"},
    "warn": {"fg": "yellow"},
    "bad": {"fg": "red", "bold": True},
    "delete": {"fg": "red"},
    "insert": {"fg": "green"},
    "plain": {},
}


def terminal_style(stream: IO[str], environ: Mapping[str, str]) -> Style:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set to something (no-color.org)."""
    if environ.get("NO_COLOR") or not stream.isatty():
        return plain
    return lambda text, level: click.style(text, **_COLOURS[level])


def _configured_languages(root: Path, tags: Sequence[str]) -> Config:
    """The project's configuration, once every `tags` is one of its languages (else bad usage)."""
    config = load_config(root)
    configured = {language.tag for language in config.languages}
    for tag in tags:
        if tag not in configured:
            raise click.BadParameter(f"{tag!r} is not a language of {config.file}", param_hint="--lang")
    return config


@main.command()
@root_option
@lang_filter_option
@click.option("--stale", is_flag=True, help="List the fuzzy and untranslated units, with a word diff.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="json: see status.schema.json in the package; markdown: for a pull request or a README.",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    metavar="PERCENT",
    help="Exit 1 when a language has less translated (by units); replaces the configured gates.",
)
@reports_errors
def status(
    root: Path, languages: tuple[str, ...], stale: bool, output_format: str, fail_under: float | None
) -> None:
    """Show how much of each language is translated, fuzzy (stale) and untranslated, and since when."""
    report = project_status(_configured_languages(root, languages), languages, fail_under)
    if output_format == "json":
        click.echo(json.dumps(status_data(report, stale), ensure_ascii=False, indent=2))
    elif output_format == "markdown":
        click.echo(format_markdown(report, stale), nl=False)
    else:
        click.echo(format_table(report, stale, terminal_style(click.get_text_stream("stdout"), os.environ)))
    for error in report.errors:
        click.echo(f"Error: {error}", err=True)
    for line in gate_messages(report):
        click.echo(line, err=True)
    if report.errors or report.failing:
        sys.exit(1)


def _validate_folder(ctx: click.Context, param: click.Parameter, value: str) -> str:
    folder = value.replace("\\", "/").strip("/") or "."
    problem = path_problem(folder) if folder != "." else None
    if problem is not None:
        raise click.BadParameter(f"{value!r} {problem}")
    return folder


@main.command()
@root_option
@click.option(
    "--output-dir",
    default="badges",
    show_default=True,
    callback=_validate_folder,
    help="The folder for the SVG files, relative to the project folder.",
)
@check_option
@reports_errors
@writes_files
def badge(root: Path, output_dir: str, check: bool) -> None:
    """Write one SVG badge per language (<lang>.svg): its name and percent translated."""
    report = project_status(load_config(root), history=False)
    changes = badge_files(report, output_dir)
    pending = [change.path for change in changes if not is_current(root, change)]
    applied = _apply(root, changes, check)
    for path in pending if check else applied.written:
        click.echo(f"{'would write' if check else 'wrote'} {path}")
    for error in (*report.errors, *applied.errors):
        click.echo(f"Error: {error}", err=True)
    if report.errors or applied.errors or (check and pending):
        sys.exit(1)
