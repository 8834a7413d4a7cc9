"""Helpers for checking the links of rendered Markdown: anchors and relative files."""

from __future__ import annotations

import re

from i18n_sync.markdown.anchors import unique_anchors
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units

_EXPLICIT_ANCHOR = re.compile(r"""<a\s+(?:id|name)=["']([^"']+)["']""")


def anchors_of(text: str) -> list[str]:
    """The heading anchors of a document, in order."""
    extraction = extract_units(load_document(text, "doc.md"))
    return unique_anchors(h.text for h in extraction.headings)


def explicit_anchors(text: str) -> set[str]:
    return set(_EXPLICIT_ANCHOR.findall(text))


def link_targets(text: str) -> list[str]:
    """Every link and image destination of the units of a document, in order."""
    extraction = extract_units(load_document(text, "doc.md"))
    return [url.strip("<>") for unit in extraction.units for url in unit.urls]
