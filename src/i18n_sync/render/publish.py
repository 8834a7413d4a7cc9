"""Outputs of one language as a set: heading anchors, links between them, decorations.

Rendering one output needs to know the others: a link to
``CONTRIBUTING.md#setup`` in the Turkish README must reach the Turkish
CONTRIBUTING's anchor for that heading. So every document's translations are
accepted first (`render.accept_translations`), then each language's outputs
are laid out as a `links.Site`, then each is rendered.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace
from functools import partial

from i18n_sync.markdown.anchors import unique_anchors
from i18n_sync.markdown.document import Document
from i18n_sync.markdown.extract import Extraction
from i18n_sync.markdown.html import text_content
from i18n_sync.markdown.links import Page, Site, resolve_url
from i18n_sync.markdown.parser import heading_text
from i18n_sync.model import Unit
from i18n_sync.record import record
from i18n_sync.render.decorate import Decorations, insertions
from i18n_sync.render.splice import Accepted, Rendered, render_accepted


@record
class Prepared:
    """One document ready to render in one language (English included).

    `source` is the source's path, `home` the English file its links were
    written for, `output` where this rendering goes.
    """

    source: str
    home: str
    output: str
    doc: Document
    extraction: Extraction
    accepted: Accepted


def _heading_text(unit: Unit, text: str, extraction: Extraction) -> str:
    """What a browser shows of a translated heading: an HTML heading's text is HTML."""
    return text_content(text) if unit.kind == "html-text" else heading_text(text, extraction.context)


def anchor_map(extraction: Extraction, accepted: Accepted) -> dict[str, str]:
    """English heading anchor → the anchor the same heading has with these translations."""
    headings = extraction.headings
    english = unique_anchors(h.text for h in headings)
    texts = (
        _heading_text(h.unit, accepted.texts[h.unit], extraction)
        if h.unit is not None and h.unit in accepted.texts
        else h.text
        for h in headings
    )
    return {old: new for old, new in zip(english, unique_anchors(texts), strict=True) if old != new}


def build_site(prepared: Sequence[Prepared], unpublished_homes: Sequence[str] = ()) -> Site:
    """The pages of one language; documents not published in it are reached in English."""
    # A document with nothing translated reads the same in English: links reach the English
    # file, so that an empty catalogue renders its source byte for byte, links included.
    pages = {
        p.home: Page(p.output, anchor_map(p.extraction, p.accepted)) if p.accepted.texts else Page(p.home)
        for p in prepared
    }
    for home in unpublished_homes:
        pages.setdefault(home, Page(home))
    return Site(pages)


def _with_english_anchors(prepared: Prepared, anchors: dict[str, str]) -> Accepted:
    """Keep deep links to English anchors working: an empty ``<a id>`` before translated headings."""
    english = unique_anchors(h.text for h in prepared.extraction.headings)
    texts = prepared.accepted.texts
    prefixes = {}
    for heading, anchor in zip(prepared.extraction.headings, english, strict=True):
        if heading.unit is not None and heading.unit in texts and anchor in anchors:
            prefixes[heading.unit] = f'<a id="{html.escape(anchor)}"></a>'
    return replace(prepared.accepted, prefixes=prefixes)


def publish(
    prepared: Prepared, site: Site, decorations: Decorations, english_anchors: bool = False
) -> Rendered:
    """Render one output: links resolved within `site`, decorations inserted."""
    listed = site.pages.get(prepared.home)
    page = Page(prepared.output, listed.anchors if listed else {})
    accepted = prepared.accepted
    if english_anchors and page.anchors:
        accepted = _with_english_anchors(prepared, dict(page.anchors))
    resolve = partial(resolve_url, home=prepared.home, page=page, site=site)
    extraction = prepared.extraction
    return render_accepted(
        prepared.doc,
        extraction.units,
        accepted,
        extraction.context,
        resolve,
        insertions(prepared.doc, decorations),
        extraction.outline,
    )
