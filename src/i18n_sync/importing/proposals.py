"""What a hand-made translation proposes for each English unit, read off the alignment.

Both documents are split into units and aligned (`align_documents`), and the
translated text of each pair becomes a msgstr for its English unit
(`prepare_msgstr`): the translated link destinations turned back into the
English unit's ``{n}`` placeholders, and the translator's line breaks kept
where the unit allows them. A translated paragraph that holds two English
ones is cut in two (`split_merged`). A `Proposal` says whether the pairing is
sure, and if not why; whether render would use it, and what the catalogue
keeps, the importer decides (`importer.import_translation`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from i18n_sync.importing.align import Alignment, Pair, align_units
from i18n_sync.importing.cues import is_localized_copy
from i18n_sync.markdown.document import Document
from i18n_sync.markdown.extract import DEFAULT_FRONT_MATTER_KEYS, Extraction, extract_units
from i18n_sync.markdown.html import url_marks
from i18n_sync.markdown.msgid import PLACEHOLDER, apply_edits, layout_edits
from i18n_sync.markdown.parser import scan_inline
from i18n_sync.markdown.records import InlineMarks, ParseContext
from i18n_sync.model import Unit
from i18n_sync.record import record

_SENTENCE_END = re.compile(r"[.!?;:](?=[ \t\n])|[。！？；]")
_ANCHOR_WITH_SPACES = re.compile(r"\]\((#[^()\n]*?\s[^()\n]*?)\)")
_SUFFIX = re.compile(r"['’][^\W\d_]+")
"""A word ending after an apostrophe: the Turkish ``'da``, ``'nin``."""


@record
class Proposal:
    """A translation found for an English unit.

    `flat` is the msgstr without the translator's soft line breaks, `why` says
    what makes it uncertain, `refused` that render would not use it.
    """

    msgstr: str
    sure: bool
    same: bool = False
    flat: str = ""
    why: str = ""
    refused: bool = False


@record
class Aligned:
    """Two documents, their units, and how the units pair up."""

    english: Document
    translated: Document
    english_extraction: Extraction
    translated_extraction: Extraction
    alignment: Alignment


def _prefixes(doc: Document, units: Sequence[Unit]) -> list[str]:
    return [doc.lines[unit.region.start_line][: unit.region.start_col] for unit in units]


def align_documents(
    english: Document, translated: Document, front_matter_keys: Sequence[str] = DEFAULT_FRONT_MATTER_KEYS
) -> Aligned:
    """Extract both documents' units and align them."""
    source = extract_units(english, front_matter_keys)
    target = extract_units(translated, front_matter_keys)
    alignment = align_units(
        source.units, _prefixes(english, source.units), target.units, _prefixes(translated, target.units)
    )
    return Aligned(english, translated, source, target, alignment)


# ---------------------------------------------------------------------------
# Translated text → msgstr


def source_text(doc: Document, unit: Unit) -> str:
    """The unit's inline text as written, line breaks kept, container prefixes dropped.

    A continuation line of a paragraph never starts with a quote marker of its
    own (that would open a block quote), so leading ``>`` and blanks are the
    containers' and go.
    """
    region = unit.region
    if unit.kind == "front-matter":
        return unit.msgid
    if region.start_line == region.end_line:
        return doc.lines[region.start_line][region.start_col : region.end_col]
    pieces = [doc.lines[region.start_line][region.start_col :]]
    for index in range(region.start_line + 1, region.end_line + 1):
        line = doc.lines[index]
        if index == region.end_line:
            line = line[: region.end_col]
        pieces.append(line.lstrip(" \t>"))
    return "\n".join(pieces)


def _url_numbers(content: str, marks: InlineMarks, english: Sequence[str]) -> tuple[list[int], int]:
    """The English placeholder number of each translated link destination (0: none).

    Identical URLs pair first, then localized copies of an English URL (a
    sibling translation, ``CONTRIBUTING_TU.md`` for ``CONTRIBUTING.md``, or an
    image moved to another folder); the remaining ones pair in order when both
    sides have as many left (a link the translator pointed elsewhere: the
    English destination wins). Returns the numbers and how many replacements.
    """
    urls = [content[m.start : m.end] for m in marks.urls]
    numbers = [0] * len(urls)
    free = list(range(1, len(english) + 1))
    replaced = 0
    for alike in (str.__eq__, is_localized_copy):
        for position, url in enumerate(urls):
            number = 0 if numbers[position] else next((n for n in free if alike(english[n - 1], url)), 0)
            if number:
                numbers[position] = number
                free.remove(number)
                replaced += alike is not str.__eq__
    rest = [position for position, number in enumerate(numbers) if not number]
    if rest and len(rest) == len(free):
        for position, number in zip(rest, free, strict=True):
            numbers[position] = number
        return numbers, replaced + len(rest)
    return numbers, replaced


@record
class PreparedText:
    """A translated text ready for a catalogue.

    `text` keeps the translator's line breaks, `flat` is shaped like a msgid
    (to compare with the English); `links_ok` is false when a link found no
    English placeholder or an English link went missing; `replaced` counts
    links whose translated destination the English one replaced.
    """

    text: str
    flat: str
    links_ok: bool
    replaced: int


def _unglue_suffixes(content: str, english: Unit, context: ParseContext) -> str:
    """Keep a word ending written right after a bare URL out of the URL.

    Turkish and Finnish attach case endings to a URL (``https://x.org'da``),
    and GitHub's autolinker then takes the ending for part of the URL. Where a
    translated bare URL is an English one plus such an ending, the URL goes
    between angle brackets and the ending stays text: ``<https://x.org>'da``.
    """
    marks = [m for m in scan_inline(content, context).urls if m.kind == "autolink"]
    edits = []
    for mark in marks:
        url = content[mark.start : mark.end]
        if content[mark.start - 1 : mark.start] == "<":
            continue
        for known in english.urls:
            ending = url[len(known) :]
            if url.startswith(known) and _SUFFIX.fullmatch(ending):
                edits.append((mark.start, mark.start + len(known), f"<{known}>"))
                break
    return apply_edits(content, edits) if edits else content


def _mend_anchor_links(content: str, english: Unit, context: ParseContext) -> str:
    """Make a link to a heading whose target has spaces a link again (``(#kod tabanları)``).

    Such a target is no link for Markdown, and the English has one there; the
    tool rewrites links to headings anyway, so only the link itself matters.
    """
    if not english.urls or len(scan_inline(content, context).urls) >= len(english.urls):
        return content
    return _ANCHOR_WITH_SPACES.sub(lambda m: "](" + re.sub(r"\s+", "-", m.group(1).strip()) + ")", content)


def _marks_of(content: str, kind: str, context: ParseContext) -> InlineMarks:
    """What translated text holds: HTML has its links in attributes, and no line break marks."""
    if kind == "html-text":
        return InlineMarks(urls=url_marks(content))
    if kind == "html-attribute":
        return InlineMarks()
    return scan_inline(content, context)


def prepare_msgstr(content: str, english: Unit, context: ParseContext, keep_breaks: bool) -> PreparedText:
    """Turn translated inline text into a msgstr for the English unit.

    Link destinations become the English unit's placeholders; soft line breaks
    stay line breaks when `keep_breaks` (a paragraph) and become spaces
    otherwise, as in `compute_msgid`. `links_ok` is false when a link could
    not be given an English placeholder or an English link went missing.
    """
    if english.kind not in ("html-text", "html-attribute"):  # HTML has no bare URLs or heading links
        content = _mend_anchor_links(_unglue_suffixes(content, english, context), english, context)
    marks = _marks_of(content, english.kind, context)
    edits: list[tuple[int, int, str]] = []
    links_ok, replaced = not marks.urls, 0
    if PLACEHOLDER.search(content):
        # Text shaped like a placeholder would be read as one: only safe without links.
        links_ok = not english.urls and not marks.urls
    elif english.urls:
        numbers, replaced = _url_numbers(content, marks, english.urls)
        links_ok = all(numbers) and len(set(numbers)) == len(english.urls)
        edits += [(m.start, m.end, f"{{{n}}}") for m, n in zip(marks.urls, numbers, strict=True) if n]
    kept = edits + layout_edits(content, marks.hard_breaks, "\n" if keep_breaks else " ")
    flat = edits + layout_edits(content, marks.hard_breaks)
    return PreparedText(apply_edits(content, kept), apply_edits(content, flat), links_ok, replaced)


def _split_points(content: str) -> list[int]:
    """Where a merged paragraph may be cut: after line breaks and sentence ends."""
    points = {m.end() for m in re.finditer(r"\n", content)}
    points |= {m.end() for m in _SENTENCE_END.finditer(content)}
    return sorted(p for p in points if 0 < p < len(content) and content[:p].strip() and content[p:].strip())


def _cut_cost(content: str, point: int, first: Unit, second: Unit) -> float:
    """How badly cutting at `point` fits the two English units: lengths and links."""
    head, tail = content[:point].strip(), content[point:].strip()
    wanted = (len(first.msgid) + 1) / (len(second.msgid) + 1)
    cost = abs(math.log(((len(head) + 1) / (len(tail) + 1)) / wanted))
    for unit, part in ((first, head), (second, tail)):
        cost += 5 * sum(1 for url in unit.urls if url not in part)
    return cost


def split_merged(content: str, first: Unit, second: Unit) -> tuple[str, str] | None:
    """Cut a translated paragraph that holds two English paragraphs, or None when it cannot be cut."""
    points = _split_points(content)
    if not points:
        return None
    best = min(points, key=lambda point: _cut_cost(content, point, first, second))
    return content[:best].strip(), content[best:].strip()


# ---------------------------------------------------------------------------
# Alignment → proposals


WHY_LINKS = "its links could not be matched with the English ones"


def _propose(english: Unit, content: str, pair: Pair, context: ParseContext) -> tuple[Proposal, int]:
    text = prepare_msgstr(content, english, context, keep_breaks=english.allows_line_breaks)
    if text.flat == english.msgid:
        return Proposal(english.msgid, True, same=True, flat=english.msgid), 0
    why = pair.why or ("" if text.links_ok else WHY_LINKS)
    return Proposal(text.text, not why, flat=text.flat, why=why), text.replaced


def proposals_of(aligned: Aligned) -> tuple[dict[int, Proposal], int]:
    """A proposed msgstr for each paired English unit (by index), and how many links were replaced."""
    context = aligned.translated_extraction.context
    english, translated = aligned.english_extraction.units, aligned.translated_extraction.units
    proposals: dict[int, Proposal] = {}
    replaced = 0
    for pair in aligned.alignment.pairs:
        pieces = [source_text(aligned.translated, translated[j]) for j in pair.translated]
        for index, content in _contents(pair, pieces, english):
            proposal, links = _propose(english[index], content, pair, context)
            proposals[index] = proposal
            replaced += links
    return proposals, replaced


def _contents(pair: Pair, pieces: list[str], units: Sequence[Unit]) -> list[tuple[int, str]]:
    """The translated text for each English unit of a pair."""
    if pair.how != "merge":
        return [(pair.english[0], "\n".join(pieces))]
    first, second = pair.english
    parts = split_merged(pieces[0], units[first], units[second])
    if parts is None:
        return [(first, pieces[0])]
    return [(first, parts[0]), (second, parts[1])]
