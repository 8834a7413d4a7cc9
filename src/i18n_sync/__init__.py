"""Keep translated Markdown in sync with its English source through gettext.

The public API is `i18n_sync.api` (each command as a function that returns
records); its main functions are re-exported here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from i18n_sync import api
    from i18n_sync.api import check, import_translation, load_project, status, sync
    from i18n_sync.errors import Diagnostic, I18nSyncError
    from i18n_sync.markdown.extract import extract_units
    from i18n_sync.markdown.msgid import compute_msgid
    from i18n_sync.render.splice import render_document

__version__ = "0.1.0"

# Each name is imported when first used, not with the package: every process
# (each command, each worker) imports the package, and most need few of these.
_LAZY = {
    "api": "i18n_sync.api",
    "check": "i18n_sync.api",
    "import_translation": "i18n_sync.api",
    "load_project": "i18n_sync.api",
    "status": "i18n_sync.api",
    "sync": "i18n_sync.api",
    "Diagnostic": "i18n_sync.errors",
    "I18nSyncError": "i18n_sync.errors",
    "extract_units": "i18n_sync.markdown.extract",
    "compute_msgid": "i18n_sync.markdown.msgid",
    "render_document": "i18n_sync.render.splice",
}

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


def __getattr__(name: str) -> object:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'i18n_sync' has no attribute {name!r}")
    module = importlib.import_module(where)
    value = module if name == "api" else getattr(module, name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
