"""The command line: parse options, make one library call, print the report, pick the exit code."""

from __future__ import annotations

import json
import os
import signal
import sys
import webbrowser
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from i18n_sync import api
from i18n_sync.errors import Diagnostic, I18nSyncError, UsageError
from i18n_sync.importing.importer import STATE_MEANINGS, STATES, ImportRun, plan_import
from i18n_sync.locales import parse_language
from i18n_sync.project.adopt import Found, Proposal, import_command, plan_init
from i18n_sync.project.config import Config, Settings, load_config
from i18n_sync.project.files import hold_lock, path_problem, write_atomic
from i18n_sync.project.ownership import recording
from i18n_sync.project.sync import CheckReport, EntryFinding, LanguageReport, RunReport, run
from i18n_sync.reports.output import (
    badge_data,
    check_data,
    failure_data,
    import_data,
    run_data,
    status_output,
)
from i18n_sync.reports.page import format_page
from i18n_sync.reports.review import review_report
from i18n_sync.reports.server import start_review
from i18n_sync.reports.status import Style, format_markdown, format_table, gate_messages, plain

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
compendium_option = click.option(
    "--compendium",
    "compendia",
    multiple=True,
    metavar="PO_FILE",
    help="Another PO file whose translations are offered as suggestions (repeatable; adds to 'compendia').",
)
force_option = click.option(
    "--force",
    is_flag=True,
    help="Overwrite outputs that exist and were not written by i18n-sync (hand-made translations).",
)
format_option = click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)


quiet_option = click.option(
    "--quiet", "-q", is_flag=True, help="Print only problems and results: no progress, summary or warning."
)
verbose_option = click.option("--verbose", "-v", is_flag=True, help="Also list the files already up to date.")


@dataclass(frozen=True, slots=True)
class GroupOptions:
    """Options given before the subcommand (``i18n-sync --root docs sync``); the subcommand's own win."""

    root: Path | None = None
    output_format: str | None = None
    quiet: bool = False
    verbose: bool = False


def _options() -> GroupOptions:
    context = click.get_current_context(silent=True)
    found = context.find_object(GroupOptions) if context else None
    return found or GroupOptions()


def _note(message: str, err: bool = False) -> None:
    """Print a line that ``--quiet`` leaves out: progress, summaries, warnings."""
    if not _options().quiet:
        click.echo(message, err=err)


def _is_default(context: click.Context, name: str) -> bool:
    source = context.get_parameter_source(name)
    return source in (None, click.core.ParameterSource.DEFAULT, click.core.ParameterSource.DEFAULT_MAP)


def _format_for(context: click.Context, value: str) -> str | None:
    """The group's ``--format`` for this subcommand: one of its formats ("text" and "table" are one)."""
    param = next((p for p in context.command.params if p.name == "output_format"), None)
    choices = list(param.type.choices) if param and isinstance(param.type, click.Choice) else []
    for candidate in (value, {"text": "table", "table": "text"}.get(value)):
        if candidate in choices:
            return candidate
    if not choices and value == "text":
        return None
    formats = f"use one of {', '.join(map(str, choices))}" if choices else "it has no --format"
    raise click.BadParameter(
        f"{value!r} is not a format of '{context.info_name}'; {formats}", param_hint="--format"
    )


def group_options(command: F) -> F:
    """Add ``--quiet`` and ``--verbose``; the group's options stand in for the subcommand's defaults."""

    @wraps(command)
    def wrapper(*args: Any, quiet: bool, verbose: bool, **kwargs: Any) -> Any:
        context = click.get_current_context()
        given = context.find_object(GroupOptions) or GroupOptions()
        if given.root is not None and _is_default(context, "root"):
            kwargs["root"] = given.root
        if given.output_format is not None:
            chosen = _format_for(context, given.output_format)
            if chosen is not None and _is_default(context, "output_format"):
                kwargs["output_format"] = chosen
        quiet, verbose = quiet or given.quiet, verbose or given.verbose
        if quiet and verbose:
            raise click.UsageError("--quiet and --verbose exclude each other; pick one")
        context.obj = GroupOptions(kwargs.get("root"), kwargs.get("output_format"), quiet, verbose)
        return command(*args, **kwargs)

    return quiet_option(verbose_option(wrapper))  # type: ignore[return-value]


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


def reports_errors(command: F) -> F:
    """Turn the tool's own errors into `Error: ...` on stderr (and JSON on stdout) and exit code 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UsageError as error:
            raise click.UsageError(str(error)) from None
        except I18nSyncError as error:
            if kwargs.get("output_format") == "json":
                name = click.get_current_context().info_name or ""
                click.echo(json.dumps(failure_data(name, error), ensure_ascii=False, indent=2))
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


def _waiting(message: str) -> None:
    _note(message, err=True)


# More files than this are summed up by kind unless --verbose: a docs tree in twenty
# languages writes thousands, and nobody reads thousands of lines.
_LISTED_FILES = 20


def _show_files(files: api.Files, check: bool, kinds: Mapping[str, str] | None = None) -> None:
    """``would write`` per file; ``wrote`` per file, or a count by kind; leftovers of a killed run."""
    for path in files.removed:
        _note(f"removed {path}, a temporary file left by an interrupted run", err=True)
    verbose = _options().verbose
    if check:  # what is out of date is what CI must show, however long
        for path in files.pending:
            click.echo(f"would write {path}")
    elif len(files.written) <= _LISTED_FILES or verbose:
        for path in files.written:
            _note(f"wrote {path}")
    else:
        counted = Counter((kinds or {}).get(path, "file") for path in files.written)
        parts = ", ".join(f"{count} {_KIND_NAMES.get(kind, kind)}" for kind, count in sorted(counted.items()))
        _note(f"wrote {len(files.written)} files ({parts}); --verbose lists them")
    if verbose:
        for path in files.current:
            click.echo(f"up to date {path}")


_KIND_NAMES = {"template": "templates", "catalog": "catalogues", "output": "outputs", "file": "files"}


class _ProgressBars:
    """click's progress bar on stderr for each long stage of a run: on a terminal only."""

    def __init__(self) -> None:
        self.stage = ""
        self.bar: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total < _PROGRESS_FROM:
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            label = {"extract": "extracting", "update": "merging", "render": "rendering"}.get(stage, stage)
            self.bar = click.progressbar(length=total, label=f"{label:<10}", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


_PROGRESS_FROM = 100  # jobs in a stage; shorter stages finish before a bar would help


@contextmanager
def _progress(output_format: str) -> Iterator[api.Progress | None]:
    """Progress bars when a person watches (a terminal, text output, no --quiet); else nothing."""
    if output_format != "text" or _options().quiet or not sys.stderr.isatty():
        yield None
        return
    bars = _ProgressBars()
    try:
        yield bars
    finally:
        bars.close()


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


def _summary(report: LanguageReport) -> str:
    if report.failed:
        return f"{report.language.tag}: nothing written: a catalogue of this language has errors"
    counts, merge = report.counts, report.merge
    line = (
        f"{report.language.tag}: {counts.translated} translated, {counts.fuzzy} fuzzy, "
        f"{counts.untranslated} untranslated ({counts.shown_percent}%)"
    )
    if merge.fuzzy or merge.added or merge.obsolete or merge.revived or merge.pruned or merge.memory:
        line += (
            f"; update: {merge.kept} kept, {merge.fuzzy} fuzzy, {merge.added} new, "
            f"{merge.obsolete} obsolete, {merge.revived} back"
        )
        if merge.pruned:
            line += f", {merge.pruned} obsolete pruned"
        if merge.memory:
            line += f", {merge.memory} from translation memory"
    return line


def _echo_json(data: Mapping[str, Any]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _show_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    """Warnings on stderr (not with ``--quiet``); a diagnostic of level error always."""
    for diagnostic in diagnostics:
        if diagnostic.level == "error":
            click.echo(str(diagnostic), err=True)
        else:
            _note(str(diagnostic), err=True)


def _finish(root: Path, report: RunReport, check: bool, output_format: str, summary: bool) -> None:
    _show_sync(api.finish_run(root, report, check), output_format, summary)


def _show_sync(result: api.SyncResult, output_format: str, summary: bool) -> None:
    """Print what a run did, then exit 1 on an error or, for ``--check``, on pending files."""
    report, check, pending = result.report, result.check, result.files.pending
    if output_format == "json":
        command = click.get_current_context().info_name or "sync"
        _echo_json(run_data(command, report, pending if check else [], result.files.written))
    else:
        _show_files(result.files, check, {change.path: change.kind for change in report.changes})
        if summary:
            for language in report.languages:
                _note(_summary(language))
        _show_diagnostics(report.diagnostics)
        for error in report.errors:
            click.echo(f"Error: {error}", err=True)
    if not result.ok:
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
    languages: Sequence[str] = (),
    compendia: Sequence[str] = (),
    force: bool = False,
) -> None:
    keep_obsolete = False if no_obsolete else None
    project = api.load_project(root)
    with _progress(output_format) as progress:
        result = api.sync(
            project,
            steps,
            check=check,
            keep_obsolete=keep_obsolete,
            waiting=_waiting,
            languages=languages,
            progress=progress,
            compendia=compendia,
            force=force,
        )
    _show_sync(result, output_format, summary)


@main.command()
@root_option
@check_option
@format_option
@group_options
@reports_errors
def extract(root: Path, check: bool, output_format: str) -> None:
    """Extract the English sources into templates (POT)."""
    _run_steps(root, ("extract",), check, output_format, summary=False)


@main.command()
@root_option
@check_option
@format_option
@no_obsolete_option
@lang_filter_option
@compendium_option
@group_options
@reports_errors
def update(
    root: Path,
    check: bool,
    output_format: str,
    no_obsolete: bool,
    languages: tuple[str, ...],
    compendia: tuple[str, ...],
) -> None:
    """Merge the templates into each language's catalogue (PO)."""
    _run_steps(root, ("update",), check, output_format, True, no_obsolete, languages, compendia)


@main.command()
@root_option
@check_option
@format_option
@lang_filter_option
@force_option
@group_options
@reports_errors
def render(root: Path, check: bool, output_format: str, languages: tuple[str, ...], force: bool) -> None:
    """Render the localized Markdown from the sources and catalogues."""
    _run_steps(root, ("render",), check, output_format, False, languages=languages, force=force)


@main.command()
@root_option
@check_option
@format_option
@no_obsolete_option
@lang_filter_option
@compendium_option
@force_option
@group_options
@reports_errors
def sync(
    root: Path,
    check: bool,
    output_format: str,
    no_obsolete: bool,
    languages: tuple[str, ...],
    compendia: tuple[str, ...],
    force: bool,
) -> None:
    """Extract, update and render: the main job. With --lang, only those languages (CI shards)."""
    steps = ("extract", "update", "render")
    _run_steps(root, steps, check, output_format, True, no_obsolete, languages, compendia, force)


@main.command()
@root_option
@click.option(
    "--lang",
    "languages",
    multiple=True,
    callback=_validate_languages,
    help="A language to translate into (BCP 47, e.g. tr, zh-CN); repeat for more. "
    "Added to an existing configuration.",
)
@click.option(
    "--force", is_flag=True, help="Replace an existing configuration instead of adding languages to it."
)
@click.option(
    "--dry-run", is_flag=True, help="Print the configuration and the imports init would do; write nothing."
)
@group_options
@reports_errors
@writes_files
def init(root: Path, languages: tuple[str, ...], force: bool, dry_run: bool) -> None:
    """Write the configuration, adopting hand-made translations, and the catalogues.

    Run again with --lang to add a language: the other settings are kept.
    """
    try:
        plan = plan_init(root, languages, force)
    except UsageError as error:
        raise click.UsageError(str(error)) from None
    proposal = plan.proposal
    if proposal is not None:
        _print_proposal(proposal)
    if dry_run:
        click.echo(f"--- {plan.file} ---")
        click.echo(plan.text, nl=False)
        for found in proposal.adopted if proposal else ():
            click.echo(import_command(found))
        return
    if plan.existed and not plan.added:
        click.echo(f"{plan.file} exists and has these languages; to add one, pass --lang LANG")
        return
    write_atomic(root / plan.file, plan.text.encode("utf-8"))
    click.echo(f"{'added ' + ', '.join(plan.added) + ' to' if plan.existed else 'wrote'} {plan.file}")
    config = load_config(root)
    if not any(any(root.glob(pattern)) for pattern in config.settings.sources):
        click.echo(
            f"no source matches {', '.join(config.settings.sources)} yet; add one, then run 'i18n-sync sync'"
        )
        return
    _finish(root, run(config, ("extract", "update")), check=False, output_format="text", summary=not proposal)
    if proposal is not None:
        imported = [found for found in proposal.adopted if _import_found(root, config, found)]
        _adopt_identical(root, config, imported)


def _print_proposal(proposal: Proposal) -> None:
    by_language: dict[str, int] = {}
    for found in proposal.adopted:
        by_language[found.language.tag] = by_language.get(found.language.tag, 0) + 1
    listed = ", ".join(f"{tag} ({count} file(s))" for tag, count in sorted(by_language.items()))
    click.echo(f"found hand-made translations: {listed}")
    settings = proposal.settings
    click.echo(f"languages: {', '.join(settings.languages)}")
    patterns = "; ".join(f"{tag} {settings.output_for(tag)}" for tag in settings.languages)
    click.echo(f"outputs, keeping the existing names: {patterns}")
    for found in proposal.left:
        click.echo(
            f"{found.path}: left alone and excluded: other {found.language.tag} files follow another layout",
            err=True,
        )


def _import_found(root: Path, config: Config, found: Found) -> bool:
    """Import one hand-made translation into its catalogue; whether that worked."""
    try:
        result = plan_import(config, found.language.tag, root / found.path, root / found.source)
    except I18nSyncError as error:
        click.echo(f"Error: {found.path}: not imported: {error}", err=True)
        return False
    api.write_changes(root, result.changes, check=False)
    report = result.report
    done = len(report.units) - report.count("none")
    line = f"imported {found.path} → {result.catalog}: {done} of {len(report.units)} units"
    if report.leftovers:
        line += f", {len(report.leftovers)} of its blocks found no English partner"
    click.echo(line)
    return True


def _adopt_identical(root: Path, config: Config, imported: Sequence[Found]) -> None:
    """Record as the tool's the translations that render back from their catalogues byte for byte.

    The others stay the translators' files: `sync` refuses to replace them, so
    that no text of theirs (a translated code comment, a paragraph the English
    lost) is lost without someone looking.
    """
    changes = run(config, ("render",), force=True).changes
    rendered = {change.path: change.content for change in changes if change.kind == "output"}
    same = [found.path for found in imported if rendered.get(found.path) == (root / found.path).read_bytes()]
    api.write_changes(root, recording(root, same), check=False)
    click.echo(
        f"{len(same)} of {len(imported)} imported translations render back byte for byte: sync keeps them"
    )
    others = [found.path for found in imported if found.path not in same]
    for path in others:
        click.echo(f"{path}: kept as it is: rendered from its catalogue it would change", err=True)
    if others:
        click.echo(
            f"{len(others)} would change when rendered from their catalogues, so sync leaves them alone "
            "(exit 1) until you decide: run 'i18n-sync sync --force' and review the diff, "
            "or complete their catalogues first",
            err=True,
        )


def _import_table(run: ImportRun) -> list[str]:
    """The import report for people: counts per state and what each means, then what found no partner."""
    report = run.report
    lines = [
        f"{report.translated} → {run.catalog} (English: {report.source})",
        "  ".join(f"{state:>9}" for state in ("units", *STATES)),
        "  ".join(f"{n:>9}" for n in (len(report.units), *(report.count(s) for s in STATES))),
        *(f"  {state:<9}  {meaning}" for state, meaning in STATE_MEANINGS.items()),
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
@group_options
@reports_errors
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
    project = api.load_project(root)
    imported = api.import_translation(
        project, language, translated, source, overwrite=overwrite, check=check, waiting=_waiting
    )
    result, files = imported.run, imported.files
    if output_format == "json":
        _echo_json(import_data(result, files.pending if check else (), files.written, files.errors))
    else:
        for line in _import_table(result):
            click.echo(line)
        _show_files(files, check)
    _show_diagnostics(result.diagnostics)
    if imported.kept:
        click.echo(
            f"{result.report.translated}: kept as it is, since the catalogue lacks the blocks left over; "
            "translate them in the catalogue, then 'sync --force' replaces the file",
            err=True,
        )
    for error in files.errors:
        click.echo(f"Error: {error}", err=True)
    if not imported.ok:
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


@main.command("check")
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
        _echo_json(check_data(report))
    else:
        for item in report.findings:
            click.echo(_finding_line(item))
        if _options().verbose:
            for catalog in report.catalogs:
                click.echo(f"checked {catalog}")
        skipped = len(report.findings) - errors - warnings
        skipped_note = f", {skipped} skipped by the configuration" if skipped else ""
        _note(
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


@main.command()
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
        report = api.status(project, languages, fail_under=fail_under)
    if output_format == "json":
        _echo_json(status_output(report, stale))
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
@format_option
@group_options
@reports_errors
def badge(root: Path, output_dir: str, check: bool, output_format: str) -> None:
    """Write one SVG badge per language (<lang>.svg): its name and percent translated."""
    result = api.badges(api.load_project(root), output_dir, check=check, waiting=_waiting)
    files = result.files
    if output_format == "json":
        _echo_json(badge_data(result.status, files.pending if check else (), files.written, files.errors))
    else:
        _show_files(files, check)
    for error in (*result.status.errors, *files.errors):
        click.echo(f"Error: {error}", err=True)
    if not result.ok:
        sys.exit(1)


@main.command()
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
        api.load_project(root), template=template, catalog=catalog, check=check, waiting=_waiting
    )
    files, plan = result.files, result.plan
    if check:
        deleting = {change.path for change in plan.deletions}
        for path in files.pending:
            click.echo(f"{'would delete' if path in deleting else 'would write'} {path}")
    else:
        _show_files(files, check, {change.path: change.kind for change in plan.changes})
        for path in files.deleted:
            _note(f"deleted {path}")
        for language in plan.run.languages:
            _note(_summary(language))
    _show_diagnostics(result.diagnostics)
    for error in files.errors:
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


@main.command()
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
