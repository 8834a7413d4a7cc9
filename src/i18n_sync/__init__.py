"""Keep translated Markdown in sync with its English source through gettext.

The public API is `i18n_sync.api` (each command as a function that returns
records); its main functions are re-exported here.
"""

from i18n_sync import api
from i18n_sync.api import check, import_translation, load_project, status, sync
from i18n_sync.errors import Diagnostic, I18nSyncError
from i18n_sync.markdown.extract import extract_units
from i18n_sync.markdown.msgid import compute_msgid
from i18n_sync.render.splice import render_document

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "I18nSyncError",
    "__version__",
    "api",
    "check",
    "compute_msgid",
    "extract_units",
    "import_translation",
    "load_project",
    "render_document",
    "status",
    "sync",
]
