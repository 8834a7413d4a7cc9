"""The Python API: what each ``i18n-sync`` command does, as functions that return records.

```python
from i18n_sync import api

project = api.load_project(".")
result = api.sync(project, check=True)
for path in result.files.pending:
    print("out of date:", path)
```

Every function takes a loaded project (`load_project`), reads and writes only
what its command does, writes nothing with ``check=True``, holds the
repository's lock while it writes, and never prints: it returns the records
the command line prints. A problem in the user's files raises
`I18nSyncError`, whose `str()` is the finished ``path:line: what; what to do``
message; warnings are `Diagnostic` records on the result. The command line is
built on these functions, so the two never disagree.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from i18n_sync.errors import Diagnostic, I18nSyncError, UsageError, WriteError
from i18n_sync.model import FileChange
from i18n_sync.project.ahead import forget as forget_listing
from i18n_sync.project.cachedir import keep_languages, recall_languages
from i18n_sync.project.combined import LanguageReport, RunReport
from i18n_sync.project.config import Config, load_config
from i18n_sync.project.files import hold_lock, is_current
from i18n_sync.project.ownership import adoption
from i18n_sync.project.plan import find_sources, output_paths, plan_documents
from i18n_sync.project.pool import workers_exiting
from i18n_sync.project.staging import Staging
from i18n_sync.project.sync import STEPS, Progress, run
from i18n_sync.project.writing import apply_changes
from i18n_sync.record import record

if TYPE_CHECKING:
    from i18n_sync.importing.importer import ImportRun
    from i18n_sync.project.inspect import CheckReport
    from i18n_sync.project.relayout import Conflict, Relayout
    from i18n_sync.reports.status import StatusReport

# What only some commands need is imported by the function that needs it: the
# aligner of `import`, the reports of `status` and `check`, `relayout`'s planner.
# Every command starts faster for it; `sync` and `render` use none of them.
# Their records are still names of this module, imported when first used.
_LAZY = {
    "CheckReport": "i18n_sync.project.inspect",
    "Conflict": "i18n_sync.project.relayout",
    "ImportRun": "i18n_sync.importing.importer",
    "Relayout": "i18n_sync.project.relayout",
    "StatusReport": "i18n_sync.reports.status",
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'i18n_sync.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "STEPS",
    "BadgeResult",
    "CheckReport",
    "Config",
    "Conflict",
    "Diagnostic",
    "Files",
    "I18nSyncError",
    "ImportResult",
    "ImportRun",
    "LanguageReport",
    "Progress",
    "Relayout",
    "RelayoutResult",
    "RunReport",
    "StatusReport",
    "SyncResult",
    "badges",
    "check",
    "import_translation",
    "load_project",
    "relayout",
    "status",
    "sync",
]

Waiting = Callable[[str], None]
"""Told once, with a message, when another run holds the repository's lock."""


@record
class Files:
    """The files a command wants to change, repository-relative.

    `pending`: those whose bytes differ from the disk (what ``--check`` lists),
    or that are to be deleted and still exist; `written`: those written (none
    with ``check=True``); `removed`: temporary files an interrupted run had
    left, now deleted (a folder it was writing whole ends in ``/``); `errors`:
    files left alone because someone changed them while the command ran;
    `current`: those already up to date; `deleted`: the files deleted as the
    command asked (`relayout`'s old layout).
    """

    pending: tuple[str, ...] = ()
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    errors: tuple[WriteError, ...] = ()
    current: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()


@record
class SyncResult:
    """What `sync` found and did: the run's figures and problems, and its files."""

    report: RunReport
    files: Files
    check: bool = False

    @property
    def errors(self) -> tuple[I18nSyncError, ...]:
        """Every problem: of the run, and of writing its files."""
        return self.report.errors

    @property
    def ok(self) -> bool:
        """No error and, with ``check=True``, nothing out of date: exit code 0."""
        return not self.errors and not (self.check and self.files.pending)


@record
class ImportResult:
    """What `import_translation` found (its `run`: the report per English unit) and wrote.

    `kept`: the translated file is one of the project's outputs, but the catalogue
    lacks some of its blocks, so it stays the translator's file (not adopted).
    """

    run: ImportRun
    files: Files
    check: bool = False
    kept: bool = False

    @property
    def ok(self) -> bool:
        """Nothing failed to be written and, with ``check=True``, the catalogue is current."""
        return not self.files.errors and not (self.check and self.files.pending)


@record
class RelayoutResult:
    """What `relayout` planned (`plan`: the project in the new layout, its run, the conflicts) and did."""

    plan: Relayout
    files: Files
    check: bool = False

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """The warnings: the run's, the conflicts between documents, old files left in place."""
        return self.plan.diagnostics

    @property
    def ok(self) -> bool:
        """Every file written and, with ``check=True``, nothing to do: exit code 0."""
        return not self.files.errors and not (self.check and self.files.pending)


@record
class BadgeResult:
    """The status the badges show, and the badge files."""

    status: StatusReport
    files: Files
    check: bool = False

    @property
    def ok(self) -> bool:
        """No error and, with ``check=True``, every badge current."""
        return not self.status.errors and not self.files.errors and not (self.check and self.files.pending)


def load_project(root: str | os.PathLike[str] = ".") -> Config:
    """Read the project's configuration (``i18n-sync.toml``, or ``[tool.i18n-sync]`` in pyproject.toml).

    Raises `I18nSyncError` (a `ConfigError`) naming the file and line of a problem. The
    languages an earlier run parsed are taken from the run cache's folder, and those parsed
    now are kept there (`cachedir.recall_languages`).
    """
    path = Path(root)
    recall_languages(path, os.environ)
    config = load_config(path)
    keep_languages(path, os.environ)
    return config


@contextmanager
def _writing(project: Config, check: bool, waiting: Waiting | None) -> Iterator[None]:
    """The repository's lock for a command that writes; nothing to hold for one that only checks."""
    lock = nullcontext() if check else hold_lock(project.root, project.settings.lock_timeout, _busy(waiting))
    with lock:
        yield


def _busy(waiting: Waiting | None) -> Waiting:
    """What `hold_lock` tells when the lock is busy: `waiting`, once the sources listed ahead
    (`project.ahead`) are dropped, which are older than the writes of the run waited for."""

    def told(message: str) -> None:
        forget_listing()
        if waiting is not None:
            waiting(message)

    return told


def write_changes(
    root: Path, changes: Sequence[FileChange], check: bool, staging: Staging | None = None
) -> Files:
    """Write the changes whose bytes differ from the disk (nothing with `check`); say what happened.

    `staging` holds those a run wrote to temporary files already (`staging.Staging`).
    """
    if check:
        pending = tuple(change.path for change in changes if not is_current(root, change))
        due = set(pending)  # a set: a docs tree in many languages has thousands of files
        return Files(pending, current=tuple(change.path for change in changes if change.path not in due))
    applied = apply_changes(root, changes, staging)  # it reads each file once, to tell which are due
    done = set(applied.current)
    pending = tuple(change.path for change in changes if change.path not in done)
    return Files(pending, applied.written, applied.removed, applied.errors, applied.current, applied.deleted)


def finish_run(root: Path, report: RunReport, check: bool, staging: Staging | None = None) -> SyncResult:
    """Write what a run wants (nothing with `check`); write errors join the run's errors."""
    files = write_changes(root, report.changes, check, staging)
    return SyncResult(replace(report, errors=(*report.errors, *files.errors)), files, check)


def sync(
    project: Config,
    steps: Collection[str] = STEPS,
    *,
    check: bool = False,
    keep_obsolete: bool | None = None,
    waiting: Waiting | None = None,
    languages: Collection[str] = (),
    progress: Progress | None = None,
    compendia: Sequence[str] = (),
    force: bool = False,
) -> SyncResult:
    """Extract, update and render (or only the `steps` given), and write the files that change.

    `keep_obsolete` overrides the configuration's (``--no-obsolete`` is False).
    `languages` (BCP 47 tags) narrows the run to those languages, so that CI
    jobs can share the languages out; each writes what a whole run would.
    `progress` is told ``(stage, done, total)`` as the run's jobs finish.
    `compendia` (PO files, globs) add to the configuration's translation memory.
    An output that exists and was not written by i18n-sync (a hand-made
    translation) is refused, an error of the result, unless `force`.
    A document or catalogue that cannot be read is an error of the result, and
    every language it does not concern is still written.
    """
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise UsageError(f"unknown step(s) {', '.join(sorted(unknown))}; use some of {', '.join(STEPS)}")
    require_languages(project, languages)
    if keep_obsolete is not None:
        project = replace(project, settings=replace(project.settings, keep_obsolete=keep_obsolete))
    if compendia:
        settings = project.settings
        project = replace(project, settings=replace(settings, compendia=(*settings.compendia, *compendia)))
    # The workers of each pool exit while the run goes on: joined before the next pool forks,
    # and once the files are written (`pool.workers_exiting`).
    with _writing(project, check, waiting), workers_exiting():
        staging = None if check else Staging(project.root)
        try:
            report = run(project, steps, languages=languages, progress=progress, force=force, staging=staging)
            return finish_run(project.root, report, check, staging)
        finally:
            if staging is not None:
                staging.discard()  # what a failed run staged


def require_languages(project: Config, languages: Collection[str]) -> None:
    """Raise `UsageError` unless each BCP 47 tag in `languages` is one of the project's."""
    configured = {language.tag for language in project.languages}
    for tag in languages:
        if tag not in configured:
            raise UsageError(f"{tag!r} is not a language of {project.file}")


def status(
    project: Config,
    languages: Collection[str] = (),
    *,
    fail_under: float | None = None,
    history: bool | Callable[[StatusReport], bool] = True,
) -> StatusReport:
    """How far behind each language is: counts, words, percentages, stale units, since when.

    `languages` (BCP 47 tags, each configured) narrows the report; `fail_under`
    replaces the configured gates (`StatusReport.failing`); `history` asks git
    for the last source revision each catalogue fully translated: always, or,
    given a function, when it says so of the report without it. Writes nothing in
    the project; the job cache (outside it) keeps the merges for the next report.
    """
    require_languages(project, languages)
    from i18n_sync.project.inspect import project_status

    return project_status(project, languages, fail_under, history)


def check(project: Config, languages: Collection[str] = ()) -> CheckReport:
    """Run the translation checks on every catalogue (or those of `languages`); writes nothing."""
    require_languages(project, languages)
    from i18n_sync.project.inspect import check_project

    return check_project(project, languages)


def import_translation(
    project: Config,
    language: str,
    translated: str | os.PathLike[str],
    source: str | os.PathLike[str] | None = None,
    *,
    overwrite: bool = False,
    check: bool = False,
    waiting: Waiting | None = None,
) -> ImportResult:
    """Fill `language`'s catalogue from a hand-made translation by aligning it with the English.

    `source` is the English the translation was made from (needed when the
    project has several sources; may be an older revision of one). Existing
    translations are kept unless `overwrite`. Raises `UsageError` for a language
    or source the project does not have.
    """
    from i18n_sync.importing.importer import plan_import

    english = Path(source) if source is not None else None
    with _writing(project, check, waiting):
        found = plan_import(project, language, Path(translated), english, overwrite)
        # An output is adopted (sync may replace it) only when the catalogue holds all its text.
        outputs = output_paths(plan_documents(project, find_sources(project)))
        adopted = adoption(project.root, Path(translated), outputs)
        kept = bool(adopted and found.report.leftovers)
        changes = (*found.changes, *(() if kept else adopted))
        return ImportResult(found, write_changes(project.root, changes, check), check, kept)


def badges(
    project: Config, output_dir: str = "badges", *, check: bool = False, waiting: Waiting | None = None
) -> BadgeResult:
    """Write one SVG badge per language into `output_dir` (repository-relative)."""
    from i18n_sync.project.inspect import project_status
    from i18n_sync.reports.badge import badge_files

    with _writing(project, check, waiting):
        report = project_status(project, history=False)
        return BadgeResult(report, write_changes(project.root, badge_files(report, output_dir), check), check)


def relayout(
    project: Config, *, template: str, catalog: str, check: bool = False, waiting: Waiting | None = None
) -> RelayoutResult:
    """Move the project's catalogues to the `template` and `catalog` patterns, every translation kept.

    Writes the new layout's templates, catalogues and outputs (as `sync` would
    with the new patterns, each entry keeping its translation, flags and
    comments), then the two patterns into the configuration file, then deletes
    the old layout's templates and catalogues. When a file cannot be written,
    the configuration and the old files stay as they are. Raises `UsageError`
    when nothing would change or a file is in the way, `ConfigError` for
    patterns the configuration may not hold, and any problem of a catalogue or
    source, before writing anything. See `project.relayout` for where entries go.
    """
    from i18n_sync.project.relayout import plan_relayout

    with _writing(project, check, waiting):
        plan = plan_relayout(project, template, catalog)
        if check:
            return RelayoutResult(plan, write_changes(project.root, plan.changes, check=True), check=True)
        first = write_changes(project.root, plan.run.changes, check=False)
        if first.errors:  # the old layout stays whole; a second run picks up what was written
            return RelayoutResult(plan, first)
        then = write_changes(project.root, (plan.edit, *plan.deletions), check=False)
        return RelayoutResult(plan, _joined(first, then))


def _joined(first: Files, then: Files) -> Files:
    """The files of two writes in a row, as one record."""
    return Files(
        pending=first.pending + then.pending,
        written=first.written + then.written,
        removed=first.removed + then.removed,
        errors=first.errors + then.errors,
        current=first.current + then.current,
        deleted=first.deleted + then.deleted,
    )
