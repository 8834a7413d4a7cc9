"""Compendia: other tools' PO files read as a translation memory of suggestions.

A compendium is read with polib, leniently: its translations are only ever
suggestions (fuzzy, never rendered unreviewed), so a file Poedit, msgcat, mdpo,
po4a or Translate Toolkit wrote is welcome as it is. Our own catalogues never
come through here (``po.py`` reads them strictly).

Other Markdown tools write msgids in their own conventions; each one is mapped
to the msgid i18n-sync computes for the same text, so that their translations
match exactly where the English is the same:

- mdpo (``md2po``) and po4a keep link and image destinations inline,
  ``[text](https://...)``, and po4a keeps the source's line breaks: the text is
  parsed as Markdown by our own extraction, which puts placeholders in and
  joins the lines, exactly as for a source document.
- Translate Toolkit (``md2po``) replaces a whole destination, parentheses and
  title included, with ``{n}``: ``[text]{1}``, ``![alt]{2}``, and an autolink
  with a bare ``{n}``; those become ``[text]({1})`` and ``<{n}>``.
- po4a's Markdown mode gives a whole table one msgid, its rows run together:
  ``| a | b | | --- | --- | | c | d |``. Its cells are split apart, and paired
  with the translation's cells when both have as many.
- The translation goes through the same mapping; a URL it shares with the
  English becomes that URL's placeholder.
- A msgctxt is dropped: Translate Toolkit sets one (the source line) to tell
  repeated English apart, and i18n-sync keeps repeated English as one entry
  without a context.

Where conventions still differ (mdpo writes ``**`` for ``__``, a link title
Translate Toolkit extracts apart), the matcher, which ignores markup, offers the
translation as a fuzzy match of similarity 1.
"""

from __future__ import annotations

import re

import polib

from i18n_sync.errors import CatalogError, I18nSyncError
from i18n_sync.gettext.memory import Suggestion
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.markdown.msgid import PLACEHOLDER

_TABLE_DELIMITER = re.compile(r"\|\s*:?-{3,}:?\s*\|")
_DELIMITER_CELL = re.compile(r":?-{3,}:?")
_TOOLKIT_LINK = re.compile(r"\]\{(\d+)\}")
_TOOLKIT_BARE = re.compile(r"(?<![\](<])\{(\d+)\}")
# Only text with one of these can have a msgid other than itself: links, autolinks, line breaks.
_NEEDS_PARSING = re.compile(r"\]\(|<[a-zA-Z][a-zA-Z0-9+.-]*:|\n|://|www\.")


def _from_toolkit(text: str) -> str:
    """Translate Toolkit's ``[text]{1}`` and bare ``{2}`` as our ``[text]({1})`` and ``<{2}>``."""
    return _TOOLKIT_BARE.sub(r"<{\1}>", _TOOLKIT_LINK.sub(r"]({\1})", text))


def our_msgid(text: str, origin: str) -> tuple[str, tuple[str, ...]]:
    """The msgid i18n-sync computes for one unit's Markdown text, and the URLs behind its placeholders.

    Text that does not parse as exactly one unit is kept as it is.
    """
    if not _NEEDS_PARSING.search(text):
        return text, ()
    try:
        units = extract_units(load_document(text + "\n", origin)).units
    except I18nSyncError:  # nested past the parser's limit: kept as written
        return text, ()
    if len(units) != 1:
        return text, ()
    return units[0].msgid, units[0].urls


def our_msgstr(text: str, urls: tuple[str, ...], origin: str) -> str:
    """A translation in our form: each URL the English has becomes its placeholder."""
    if not urls:
        return text
    translated, found = our_msgid(text, origin)
    if not found:
        return text

    def placeholder(match: re.Match[str]) -> str:
        url = found[int(match.group(1)) - 1]
        return f"{{{urls.index(url) + 1}}}" if url in urls else url

    return PLACEHOLDER.sub(placeholder, translated)


def table_cells(text: str) -> list[str] | None:
    """The cells of a table written as one line (po4a), or None when the text is no such table."""
    if not text.startswith("|") or not _TABLE_DELIMITER.search(text):
        return None
    cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", text.strip().strip("|"))]
    return [cell for cell in cells if cell and not _DELIMITER_CELL.fullmatch(cell)]


def _pairs(english: str, translation: str) -> list[tuple[str, str]]:
    """(English, translation) pairs of an entry: one, or a one-line table's cells side by side."""
    cells, translated = table_cells(english), table_cells(translation)
    if cells is not None and translated is not None and len(cells) == len(translated):
        return list(zip(cells, translated, strict=True))
    return [(english, translation)]


def is_toolkit(catalog: polib.POFile) -> bool:
    """Whether Translate Toolkit wrote the file (its ``X-Generator`` header says so)."""
    return "translate toolkit" in catalog.metadata.get("X-Generator", "").casefold()


def read_compendium(text: str, path: str) -> tuple[str | None, list[Suggestion]]:
    """The `Language` header of a PO file and its translated entries as suggestions in our msgid form.

    Fuzzy, obsolete and plural entries are left out. `CatalogError` when polib
    cannot read the file at all.
    """
    try:
        # polib takes a string without a line break for a file name: a one-line file must not name another.
        catalog = polib.pofile(text + "\n")
    except (OSError, ValueError, UnicodeError) as error:
        message = f"polib cannot read it ({error}); fix it or remove it from 'compendia'"
        raise CatalogError(message, path) from None
    toolkit = is_toolkit(catalog)
    found = []
    for entry in catalog.translated_entries():
        if entry.obsolete or entry.msgid_plural or "fuzzy" in entry.flags:
            continue
        english, translation = entry.msgid, entry.msgstr
        if toolkit:
            english, translation = _from_toolkit(english), _from_toolkit(translation)
        pairs = _pairs(english, translation)
        for cell, translated in pairs:
            msgid, urls = our_msgid(cell, path)
            msgstr = our_msgstr(translated, urls, path)
            written = entry.msgid if len(pairs) == 1 else cell
            previous = written if msgid != written else None
            found.append(Suggestion(msgid, msgstr, path, None, False, previous))
    return catalog.metadata.get("Language") or None, found
