"""Keep translated Markdown in sync with its English source through gettext."""

from i18n_sync.errors import Diagnostic, I18nSyncError
from i18n_sync.markdown.extract import extract_units
from i18n_sync.markdown.msgid import compute_msgid
from i18n_sync.render.splice import render_document

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "I18nSyncError",
    "__version__",
    "compute_msgid",
    "extract_units",
    "render_document",
]
