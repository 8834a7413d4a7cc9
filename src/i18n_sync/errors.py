"""The one error type the tool raises, and the warnings it reports as data."""

from __future__ import annotations

from i18n_sync.record import record


class I18nSyncError(Exception):
    """A problem in the user's data or setup, with where it is and what to do.

    `str(error)` is the finished message: ``path:line[:col]: what; what to do``.
    """

    def __init__(
        self,
        message: str,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{format_location(self.path, self.line, self.column)}{self.message}"


class ConfigError(I18nSyncError):
    """The configuration file is malformed or names something unknown."""


class MarkdownError(I18nSyncError):
    """A Markdown source cannot be processed without losing text."""


class CatalogError(I18nSyncError):
    """A PO or POT file is malformed."""


class WriteError(I18nSyncError):
    """A file could not be written or may not be written."""


class UsageError(I18nSyncError):
    """The command line asks for something that cannot be done (exit code 2)."""


@record
class Diagnostic:
    """A finding that does not stop the run: a warning, or a unit left in English.

    `line` is 1-based, as in every message a person reads.
    """

    path: str
    line: int | None
    message: str
    level: str = "warning"

    def __str__(self) -> str:
        return f"{format_location(self.path, self.line, None)}{self.level}: {self.message}"


def format_location(path: str | None, line: int | None, column: int | None) -> str:
    """Return the ``path:line:col: `` prefix of a message (empty without a path)."""
    if path is None:
        return ""
    where = path
    if line is not None:
        where += f":{line}"
        if column is not None:
            where += f":{column}"
    return where + ": "
