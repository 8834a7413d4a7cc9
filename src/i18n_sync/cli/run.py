"""The run commands: extract, update, render, and sync that does all three."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from i18n_sync import api
from i18n_sync.cli.display import progress_bars, show_sync, waiting
from i18n_sync.cli.options import (
    check_option,
    compendium_option,
    force_option,
    format_option,
    group_options,
    lang_filter_option,
    no_obsolete_option,
    reports_errors,
    root_option,
)


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
    with progress_bars(output_format) as progress:
        result = api.sync(
            project,
            steps,
            check=check,
            keep_obsolete=keep_obsolete,
            waiting=waiting,
            languages=languages,
            progress=progress,
            compendia=compendia,
            force=force,
        )
    show_sync(result, output_format, summary)


@click.command()
@root_option
@check_option
@format_option
@group_options
@reports_errors
def extract(root: Path, check: bool, output_format: str) -> None:
    """Extract the English sources into templates (POT)."""
    _run_steps(root, ("extract",), check, output_format, summary=False)


@click.command()
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


@click.command()
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


@click.command()
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
