"""`init` and `import`: bring a project's hand-made translations under the tool.

`init` writes the configuration and imports the translations it finds; `import`
fills a catalogue from one hand-made file. The name follows `project.adopt`,
which finds those translations and plans `init`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from i18n_sync import api
from i18n_sync.cli.display import echo_json, show_diagnostics, show_files, show_sync, waiting
from i18n_sync.cli.options import (
    check_option,
    format_option,
    group_options,
    reports_errors,
    root_option,
    validate_languages,
    writes_files,
)
from i18n_sync.errors import I18nSyncError, UsageError
from i18n_sync.importing.importer import STATE_MEANINGS, STATES, ImportRun, plan_import
from i18n_sync.project.adopt import Found, Proposal, import_command, plan_init
from i18n_sync.project.combined import RunReport
from i18n_sync.project.config import Config, load_config
from i18n_sync.project.ownership import recording
from i18n_sync.project.sync import check_environment, run
from i18n_sync.project.writing import write_atomic
from i18n_sync.reports.output import import_data


def _finish(root: Path, report: RunReport, check: bool, output_format: str, summary: bool) -> None:
    show_sync(api.finish_run(root, report, check), output_format, summary)


@click.command()
@root_option
@click.option(
    "--lang",
    "languages",
    multiple=True,
    callback=validate_languages,
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
        check_environment()  # before the configuration is written: its run would refuse them
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


@click.command("import")
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
        project, language, translated, source, overwrite=overwrite, check=check, waiting=waiting
    )
    result, files = imported.run, imported.files
    if output_format == "json":
        echo_json(import_data(result, files.pending if check else (), files.written, files.errors))
    else:
        for line in _import_table(result):
            click.echo(line)
        show_files(files, check)
    show_diagnostics(result.diagnostics)
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
