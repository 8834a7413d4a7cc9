"""Every command's ``--format json`` output as plain data, described by ``output.schema.json``.

One shape for problems everywhere: each warning and error is a `diagnostic_data`
object (level, path, line, column, message, and the finished text), listed
under ``diagnostics``; ``errors`` keeps the finished error texts, as status has
always given them. Every object carries the schema ``version`` and the
``command`` that printed it. Fields are only ever added within a version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from i18n_sync.errors import Diagnostic, I18nSyncError
from i18n_sync.project.combined import LanguageReport, RunReport
from i18n_sync.reports.status import SCHEMA_VERSION, StatusReport, status_data

if TYPE_CHECKING:  # only named: a run of `sync` need not import the aligner or the checks' report
    from i18n_sync.importing.importer import ImportRun
    from i18n_sync.project.inspect import CheckReport

SCHEMA = "output.schema.json"
"""The JSON Schema of every command's JSON output, shipped beside this module."""


def diagnostic_data(problem: Diagnostic | I18nSyncError) -> dict[str, Any]:
    """A warning or an error as the schema's ``diagnostic`` object; `line` and `column` are 1-based."""
    if isinstance(problem, Diagnostic):
        return {
            "level": problem.level,
            "path": problem.path,
            "line": problem.line,
            "column": None,
            "message": problem.message,
            "text": str(problem),
        }
    return {
        "level": "error",
        "path": problem.path,
        "line": problem.line,
        "column": problem.column,
        "message": problem.message,
        "text": str(problem),
    }


def _envelope(
    command: str, diagnostics: Iterable[Diagnostic], errors: Sequence[I18nSyncError]
) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "command": command,
        "errors": [str(error) for error in errors],
        "diagnostics": [diagnostic_data(d) for d in diagnostics] + [diagnostic_data(e) for e in errors],
    }


def failure_data(command: str, error: I18nSyncError) -> dict[str, Any]:
    """What a command prints when a problem stopped it before it had a report."""
    return _envelope(command, (), (error,))


def _language_data(report: LanguageReport) -> dict[str, Any]:
    counts, merge = report.counts, report.merge
    return {
        "language": report.language.tag,
        "translated": counts.translated,
        "fuzzy": counts.fuzzy,
        "untranslated": counts.untranslated,
        "obsolete": counts.obsolete,
        "percent": float(counts.shown_percent),
        "update": {
            "kept": merge.kept,
            "fuzzy": merge.fuzzy,
            "new": merge.added,
            "obsolete": merge.obsolete,
            "back": merge.revived,
            "pruned": merge.pruned,
            "memory": merge.memory,
        },
        "failed": report.failed,
    }


def run_data(
    command: str, report: RunReport, pending: Sequence[str], written: Sequence[str]
) -> dict[str, Any]:
    """``extract``, ``update``, ``render`` and ``sync``: files, figures per language, problems."""
    data = _envelope(command, report.diagnostics, report.errors)
    data |= {
        "pending": list(pending),
        "written": list(written),
        "languages": [_language_data(language) for language in report.languages],
    }
    return data


def check_data(report: CheckReport) -> dict[str, Any]:
    """``check``: each finding with its catalogue line, and the counts."""
    errors = sum(1 for item in report.findings if item.finding.level == "error")
    warnings = sum(1 for item in report.findings if item.finding.level == "warning")
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
    summary = {
        "errors": errors,
        "warnings": warnings,
        # Findings the configuration switched off ('checks', 'checks_off'): listed, level "off".
        "skipped": len(report.findings) - errors - warnings,
        "entries": report.checked,
        "catalogs": list(report.catalogs),
    }
    return _envelope("check", (), report.errors) | {"findings": findings, "summary": summary}


def import_data(
    run: ImportRun, pending: Sequence[str], written: Sequence[str], errors: Sequence[I18nSyncError] = ()
) -> dict[str, Any]:
    """``import``: what became of each English unit, and the catalogue written."""
    data = _envelope("import", run.diagnostics, errors)
    data |= {"language": run.language.tag, "catalog": run.catalog, **run.report.as_data()}
    return data | {"pending": list(pending), "written": list(written)}


def status_output(report: StatusReport, stale: bool) -> dict[str, Any]:
    """``status``: `status_data` (``status.schema.json``) with the command and its diagnostics."""
    return status_data(report, stale) | _envelope("status", (), report.problems)


def badge_data(
    report: StatusReport, pending: Sequence[str], written: Sequence[str], errors: Sequence[I18nSyncError]
) -> dict[str, Any]:
    """``badge``: the files, and the percent each language's badge shows."""
    data = _envelope("badge", (), (*report.problems, *errors))
    languages = [
        {"language": language.tag, "name": language.name, "percent": float(language.totals.shown_percent)}
        for language in report.languages
    ]
    return data | {"pending": list(pending), "written": list(written), "languages": languages}
