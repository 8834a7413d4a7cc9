"""The options the subcommands share, and the decorators that every command wears.

The group's options stand in for a subcommand's defaults (`group_options`), the
tool's errors become exit code 1 (`reports_errors`), and a command that writes
holds the repository's lock (`writes_files`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from i18n_sync import api
from i18n_sync.errors import I18nSyncError, UsageError
from i18n_sync.locales import language_tag, parse_language
from i18n_sync.project.config import Settings
from i18n_sync.project.files import hold_lock, path_problem
from i18n_sync.record import record
from i18n_sync.reports.output import failure_data

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


@record
class GroupOptions:
    """Options given before the subcommand (``i18n-sync --root docs sync``); the subcommand's own win."""

    root: Path | None = None
    output_format: str | None = None
    quiet: bool = False
    verbose: bool = False


def current_options() -> GroupOptions:
    """The options of the running subcommand, the group's folded in; the defaults outside a command."""
    context = click.get_current_context(silent=True)
    found = context.find_object(GroupOptions) if context else None
    return found or GroupOptions()


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


def validate_languages(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> tuple[str, ...]:
    """The languages given, as tags, each one CLDR knows (`parse_language`)."""
    return _each_tag(values, lambda value: parse_language(value).tag)


def language_tags(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> tuple[str, ...]:
    """The languages a run is narrowed to, spelled as tags: each must be one of the project's
    (`api.require_languages`), which CLDR knows, so CLDR is not asked again here."""
    return _each_tag(values, language_tag)


def _each_tag(values: Sequence[str], spell: Callable[[str], str]) -> tuple[str, ...]:
    """Each of `values` as `spell` spells it, once, in order; click's error where it cannot."""
    tags = []
    for value in values:
        try:
            tags.append(spell(value))
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
    return tuple(dict.fromkeys(tags))


lang_filter_option = click.option(
    "--lang",
    "languages",
    multiple=True,
    callback=language_tags,
    help="Only this language (BCP 47, e.g. tr, zh-CN); repeat for more. Default: all.",
)


def validate_folder(ctx: click.Context, param: click.Parameter, value: str) -> str:
    folder = value.replace("\\", "/").strip("/") or "."
    problem = path_problem(folder) if folder != "." else None
    if problem is not None:
        raise click.BadParameter(f"{value!r} {problem}")
    return folder


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
        return api.load_project(root).settings.lock_timeout
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
