"""Keep translated Markdown in sync with its English source through gettext."""

from .errors import Diagnostic, I18nSyncError
from .extract import extract_units
from .msgid import compute_msgid
from .render import render_document

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "I18nSyncError",
    "__version__",
    "compute_msgid",
    "extract_units",
    "render_document",
]
