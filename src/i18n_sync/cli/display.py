"""What the commands print: written files, run summaries, diagnostics, JSON, progress bars, colour.

Results go to stdout and problems to stderr; ``--quiet`` leaves out what `note`
prints, ``--verbose`` adds the files already up to date.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO, Any

import click

from i18n_sync import api
from i18n_sync.cli.options import current_options
from i18n_sync.errors import Diagnostic
from i18n_sync.project.combined import LanguageReport
from i18n_sync.reports.output import run_data
from i18n_sync.reports.status import Style, plain


def note(message: str, err: bool = False) -> None:
    """Print a line that ``--quiet`` leaves out: progress, summaries, warnings."""
    if not current_options().quiet:
        click.echo(message, err=err)


def waiting(message: str) -> None:
    note(message, err=True)


# More files than this are summed up by kind unless --verbose: a docs tree in twenty
# languages writes thousands, and nobody reads thousands of lines.
_LISTED_FILES = 20


def show_files(files: api.Files, check: bool, kinds: Mapping[str, str] | None = None) -> None:
    """``would write`` per file; ``wrote`` per file, or a count by kind; leftovers of a killed run."""
    for path in files.removed:
        if path.endswith("/"):  # a folder it was writing whole
            note(f"removed {path}, a folder an interrupted run was writing", err=True)
        else:
            note(f"removed {path}, a temporary file left by an interrupted run", err=True)
    verbose = current_options().verbose
    if check:  # what is out of date is what CI must show, however long
        for path in files.pending:
            click.echo(f"would write {path}")
    elif len(files.written) <= _LISTED_FILES or verbose:
        for path in files.written:
            note(f"wrote {path}")
    else:
        counted = Counter((kinds or {}).get(path, "file") for path in files.written)
        parts = ", ".join(f"{count} {_KIND_NAMES.get(kind, kind)}" for kind, count in sorted(counted.items()))
        note(f"wrote {len(files.written)} files ({parts}); --verbose lists them")
    if verbose:
        for path in files.current:
            click.echo(f"up to date {path}")


_KIND_NAMES = {"template": "templates", "catalog": "catalogues", "output": "outputs", "file": "files"}


class _ProgressBars:
    """click's progress bar on stderr for each long stage of a run: on a terminal only.

    A stage is long when it has many jobs (`_PROGRESS_FROM`), or when it has taken a
    while (`_PROGRESS_AFTER` seconds): a few documents in many languages are few jobs,
    each of them long. A stage is timed from the end of the one before (from the start
    of the run for the first): the bars hear of a job only once it is done.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.stage = ""
        self.started = clock()
        self.bar: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
        long = total >= _PROGRESS_FROM or self.clock() - self.started >= _PROGRESS_AFTER
        if self.bar is None and done < total and long:  # none for a stage already over
            label = {"extract": "extracting", "update": "merging", "render": "rendering"}.get(stage, stage)
            self.bar = click.progressbar(length=total, label=f"{label:<10}", file=sys.stderr)
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.bar.pos)
        if done >= total:  # the next stage is timed from here
            self.started = self.clock()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


_PROGRESS_FROM = 100  # jobs in a stage: a bar from the start
_PROGRESS_AFTER = 1.0  # seconds a stage of fewer jobs has taken before it gets a bar


@contextmanager
def progress_bars(output_format: str) -> Iterator[api.Progress | None]:
    """Progress bars when a person watches (a terminal, text output, no --quiet); else nothing."""
    if output_format != "text" or current_options().quiet or not sys.stderr.isatty():
        yield None
        return
    bars = _ProgressBars()
    try:
        yield bars
    finally:
        bars.close()


def language_summary(report: LanguageReport) -> str:
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


def echo_json(data: Mapping[str, Any]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def show_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    """Warnings on stderr (not with ``--quiet``); a diagnostic of level error always."""
    for diagnostic in diagnostics:
        if diagnostic.level == "error":
            click.echo(str(diagnostic), err=True)
        else:
            note(str(diagnostic), err=True)


def show_sync(result: api.SyncResult, output_format: str, summary: bool) -> None:
    """Print what a run did, then exit 1 on an error or, for ``--check``, on pending files."""
    report, check, pending = result.report, result.check, result.files.pending
    if output_format == "json":
        command = click.get_current_context().info_name or "sync"
        echo_json(run_data(command, report, pending if check else [], result.files.written))
    else:
        show_files(result.files, check, {change.path: change.kind for change in report.changes})
        if summary:
            for language in report.languages:
                note(language_summary(language))
        show_diagnostics(report.diagnostics)
        for error in report.errors:
            click.echo(f"Error: {error}", err=True)
    if not result.ok:
        if check and pending and output_format == "text":
            click.echo(f"{len(pending)} file(s) out of date; run 'i18n-sync sync'", err=True)
        sys.exit(1)


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
