"""Importing a hand-made translation into a catalogue, by aligning it with its English source.

The translated file is split into units by the same extractor as the English
one (`extract_units` works on any Markdown), the two unit lists are aligned
(`align.align_units`), and each English unit that found its translation gets
the translated text as its msgstr: with the translated link destinations
turned back into the English unit's ``{n}`` placeholders, so the English URLs
win, and with the translator's line breaks kept, so the rendered file looks
like the hand-made one. An uncertain pairing is marked fuzzy, with a
translator comment saying why. Render itself then judges every translation
(`_checked_by_render`): one it would refuse is tried without the translator's
line breaks, and if still refused is imported fuzzy with render's reason, so
nothing counted as translated falls back to English. A translated text equal
to the English was kept in English on purpose: its msgstr is the msgid, which
render leaves as it is and status counts as done. An existing translation is
never replaced unless asked.

`import_translation` is the pure core; `plan_import` reads the files a
command names and returns the catalogue to write as a `FileChange`.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from i18n_sync.checks.translation import DEFAULT_POLICY, Policy, format_findings
from i18n_sync.errors import CatalogError, Diagnostic, MarkdownError, UsageError
from i18n_sync.gettext.catalog import build_template, creation_date, new_catalog, with_language
from i18n_sync.gettext.merge import merge_catalog
from i18n_sync.gettext.po import Layout
from i18n_sync.importing.align import Alignment, Pair, align_units
from i18n_sync.importing.cues import is_localized_copy
from i18n_sync.locales import Language, parse_language
from i18n_sync.markdown.document import Document, load_document
from i18n_sync.markdown.extract import DEFAULT_FRONT_MATTER_KEYS, Extraction, extract_units
from i18n_sync.markdown.html import url_marks
from i18n_sync.markdown.msgid import PLACEHOLDER, apply_edits, layout_edits
from i18n_sync.markdown.parser import scan_inline
from i18n_sync.markdown.records import InlineMarks, ParseContext
from i18n_sync.model import Catalog, FileChange, Message, Unit
from i18n_sync.project.config import Config
from i18n_sync.project.files import decode_utf8, read_bytes
from i18n_sync.project.jobs import format_catalog, parse_catalog_layout
from i18n_sync.project.plan import SourceDocument, find_sources, plan_documents
from i18n_sync.project.sync import check_policy
from i18n_sync.render.splice import accept_translations, render_accepted

STATE_MEANINGS = {
    "sure": "translated: the pairing is certain",
    "uncertain": "imported fuzzy: the pairing may be wrong (the entry's comment says why)",
    "refused": "imported fuzzy: render would not use the translation (the comment says why)",
    "same": "left in English by the translator: recorded as translated, msgstr = msgid",
    "kept": "the catalogue's own translation kept (--overwrite replaces it)",
    "none": "no translation found: stays untranslated",
}
"""What became of an English unit, as the import summary explains it."""
STATES = tuple(STATE_MEANINGS)
IMPORT_COMMENT = "i18n-sync import: "
"""How the translator comments the import writes begin; a new import replaces them."""

_SENTENCE_END = re.compile(r"[.!?;:](?=[ \t\n])|[。！？；]")
_ANCHOR_WITH_SPACES = re.compile(r"\]\((#[^()\n]*?\s[^()\n]*?)\)")
_SUFFIX = re.compile(r"['’][^\W\d_]+")
"""A word ending after an apostrophe: the Turkish ``'da``, ``'nin``."""
_EXCERPT = 60


@dataclass(frozen=True, slots=True)
class UnitResult:
    """One English unit: where it is, and what the import found for it."""

    line: int
    msgid: str
    state: str
    translated_lines: tuple[int, ...] = ()
    how: str = ""
    why: str = ""


@dataclass(frozen=True, slots=True)
class Leftover:
    """A translated block that no English unit claimed: added by the translator, or misplaced."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, per English unit, and what it left over in the translation."""

    source: str
    translated: str
    units: tuple[UnitResult, ...]
    leftovers: tuple[Leftover, ...]
    links_replaced: int = 0

    def count(self, state: str) -> int:
        """How many English units ended in `state` (one of `STATES`)."""
        return sum(1 for unit in self.units if unit.state == state)

    def as_data(self) -> dict[str, object]:
        """The report as plain data, for ``--format json``."""
        return {
            "source": self.source,
            "translated": self.translated,
            "counts": {state: self.count(state) for state in STATES},
            "links_replaced": self.links_replaced,
            "units": [
                {
                    "line": unit.line,
                    "state": unit.state,
                    "translated_lines": list(unit.translated_lines),
                    "how": unit.how,
                    "why": unit.why,
                    "msgid": unit.msgid,
                }
                for unit in self.units
            ],
            "leftovers": [{"line": item.line, "text": item.text} for item in self.leftovers],
        }


@dataclass(frozen=True, slots=True)
class ImportRun:
    """The catalogue an import wants written, and its report."""

    language: Language
    catalog: str
    changes: tuple[FileChange, ...]
    report: ImportReport
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class _Proposal:
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


def _propose(english: Unit, content: str, pair: Pair, context: ParseContext) -> tuple[_Proposal, int]:
    text = prepare_msgstr(content, english, context, keep_breaks=english.allows_line_breaks)
    if text.flat == english.msgid:
        return _Proposal(english.msgid, True, same=True, flat=english.msgid), 0
    why = pair.why or ("" if text.links_ok else WHY_LINKS)
    return _Proposal(text.text, not why, flat=text.flat, why=why), text.replaced


def _proposals(aligned: Aligned) -> tuple[dict[int, _Proposal], int]:
    """A proposed msgstr for each paired English unit (by index), and how many links were replaced."""
    context = aligned.translated_extraction.context
    english, translated = aligned.english_extraction.units, aligned.translated_extraction.units
    proposals: dict[int, _Proposal] = {}
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


# ---------------------------------------------------------------------------
# What render would not use


@dataclass(frozen=True, slots=True)
class Acceptance:
    """How render judges translations: the checks' levels and the hosts a link may point to."""

    policy: Policy = DEFAULT_POLICY
    allowed_hosts: tuple[str, ...] = ()


def _refusals(
    doc: Document, extraction: Extraction, texts: Mapping[str, str], acceptance: Acceptance
) -> dict[str, str]:
    """The msgids whose translation render would not use, with render's reason.

    Asks render itself (`accept_translations`, then the whole-document guard of
    `render_accepted`), so that import and render never disagree.
    """
    units = extraction.units
    accepted = accept_translations(
        doc.path, units, texts, extraction.context, acceptance.allowed_hosts, acceptance.policy
    )
    rendered = render_accepted(doc, units, accepted, extraction.context, outline=extraction.outline)
    reasons = {r.unit.msgid: format_findings(r.findings) for r in rendered.rejected}
    said = {(d.line, d.message) for d in rendered.diagnostics}
    for unit in units:
        text = texts.get(unit.msgid)
        if text and text != unit.msgid and unit not in accepted.texts and unit.msgid not in reasons:
            start = f"translation of {unit.msgid[:40]!r} not used: "
            found = next((m for line, m in said if line == unit.line and m.startswith(start)), start)
            reasons[unit.msgid] = found.removeprefix(start) or "it cannot be put in the document"
    return reasons


def _checked_by_render(
    doc: Document, extraction: Extraction, chosen: Mapping[str, _Proposal], acceptance: Acceptance
) -> dict[str, _Proposal]:
    """The proposals, with what render would not use made fuzzy and explained.

    A translation refused with its translator's line breaks is tried again
    without them (a line that starts like a list item or a heading would start
    a new block where the English has none); one still refused is refused.
    """
    texts = {msgid: p.msgstr for msgid, p in chosen.items() if not p.same}
    refused = _refusals(doc, extraction, texts, acceptance)
    retried = {m: chosen[m].flat for m in refused if chosen[m].flat and chosen[m].flat != chosen[m].msgstr}
    if retried:
        again = _refusals(doc, extraction, {**texts, **retried}, acceptance)
        refused = {m: why for m, why in refused.items() if m not in retried or m in again}
    result = dict(chosen)
    for msgid, flat in retried.items():
        if msgid not in refused:
            result[msgid] = replace(chosen[msgid], msgstr=flat)
    for msgid, why in refused.items():
        result[msgid] = replace(chosen[msgid], sure=False, refused=True, why=why)
    return result


# ---------------------------------------------------------------------------
# Proposals → catalogue


def _state_of(proposal: _Proposal | None, existing: Message | None, overwrite: bool) -> str:
    if proposal is None:
        return "none"
    if existing is not None and existing.msgstr and not overwrite:
        return "kept"
    if proposal.same:
        return "same"
    if proposal.refused:
        return "refused"
    return "sure" if proposal.sure else "uncertain"


def _comment(proposal: _Proposal) -> str:
    """The translator comment that says why an imported entry is fuzzy, or that it stays English."""
    if proposal.same:
        return "kept in English by the translator"
    if proposal.refused:
        return f"render would not use it: {proposal.why}"
    return f"uncertain: {proposal.why}" if proposal.why else ""


def _filled(message: Message, proposal: _Proposal) -> Message:
    comments = tuple(c for c in message.comments if not c.startswith(IMPORT_COMMENT))
    note = _comment(proposal)
    if note:
        comments += (IMPORT_COMMENT + note,)
    filled = replace(
        message, msgstr=proposal.msgstr, comments=comments, previous_msgctxt=None, previous_msgid=None
    )
    return filled.with_flag("fuzzy", not proposal.sure)


def _best_by_msgid(units: Sequence[Unit], proposals: Mapping[int, _Proposal]) -> dict[str, _Proposal]:
    """One proposal per msgid, since units with the same English share one entry.

    The translator's most frequent rendering wins (leaving it in English
    counts as one), then a sure one, then the first: a README that
    translated one of twenty identical lines keeps the other nineteen.
    """
    votes: dict[str, list[_Proposal]] = {}
    for index, unit in enumerate(units):
        proposal = proposals.get(index)
        if proposal is not None:
            votes.setdefault(unit.msgid, []).append(proposal)
    chosen: dict[str, _Proposal] = {}
    for msgid, candidates in votes.items():
        tally = Counter(p.msgstr for p in candidates)
        best = max(candidates, key=lambda p: (tally[p.msgstr], p.sure, -candidates.index(p)))
        chosen[msgid] = best
    return chosen


def _fill_catalog(
    catalog: Catalog, units: Sequence[Unit], chosen: Mapping[str, _Proposal], overwrite: bool
) -> tuple[Catalog, list[str]]:
    """Put the proposals into the catalogue's entries; return it and each unit's state."""
    existing = {m.msgid: m for m in catalog.messages if not m.obsolete and m.msgctxt is None}
    messages = []
    for message in catalog.messages:
        proposal = chosen.get(message.msgid) if not message.obsolete and message.msgctxt is None else None
        if proposal is not None and (overwrite or not message.msgstr):
            message = _filled(message, proposal)
        messages.append(message)
    states = [_state_of(chosen.get(unit.msgid), existing.get(unit.msgid), overwrite) for unit in units]
    return replace(catalog, messages=tuple(messages)), states


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _EXCERPT else flat[: _EXCERPT - 1] + "…"


def import_translation(
    english: Document,
    translated: Document,
    catalog: Catalog,
    overwrite: bool = False,
    front_matter_keys: Sequence[str] = DEFAULT_FRONT_MATTER_KEYS,
    acceptance: Acceptance = Acceptance(),
) -> tuple[Catalog, ImportReport]:
    """Fill `catalog` (already holding the English document's entries) from a translation of it.

    `acceptance` is how render will judge the translations (the project's
    checks and allowed link hosts): what it would not use is imported fuzzy.
    """
    aligned = align_documents(english, translated, front_matter_keys)
    alignment = aligned.alignment
    source, target = aligned.english_extraction.units, aligned.translated_extraction.units
    proposals, replaced = _proposals(aligned)
    chosen = _best_by_msgid(source, proposals)
    chosen = _checked_by_render(english, aligned.english_extraction, chosen, acceptance)
    filled, states = _fill_catalog(catalog, source, chosen, overwrite)
    pair_of = {index: pair for pair in alignment.pairs for index in pair.english}
    results = tuple(
        UnitResult(
            unit.line,
            unit.msgid,
            state,
            tuple(target[j].line for j in pair_of[index].translated) if index in pair_of else (),
            pair_of[index].how if index in pair_of else "",
            chosen[unit.msgid].why if state in ("uncertain", "refused") else "",
        )
        for index, (unit, state) in enumerate(zip(source, states, strict=True))
    )
    leftovers = tuple(
        Leftover(target[j].line, _excerpt(target[j].msgid)) for j in alignment.unpaired_translated
    )
    return filled, ImportReport(english.path, translated.path, results, leftovers, replaced)


# ---------------------------------------------------------------------------
# Files → import


def _load(path: Path, name: str) -> Document:
    data = read_bytes(Path(), str(path), confine=False)  # named on the command line
    if data is None:
        raise MarkdownError("no such file", name)
    return load_document(decode_utf8(data, name, MarkdownError), name)


def _display(path: Path, root: Path) -> str:
    """A path as the user should read it: repository-relative when inside the repository."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _pick_document(
    config: Config, documents: Sequence[SourceDocument], source: Path | None
) -> tuple[SourceDocument, Path]:
    """The configured document whose catalogue is filled, and the English file to align with.

    `source` may name a configured source, or, in a one-document project, an
    older revision of it (the text the translation was made from).
    """
    if source is not None:
        if not source.is_absolute() and not source.exists() and (config.root / source).exists():
            source = config.root / source  # named as the configuration names sources
        wanted = _display(source, config.root)
        for document in documents:
            if document.source == wanted:
                return document, config.root / document.source
    if len(documents) == 1:
        return documents[0], source if source is not None else config.root / documents[0].source
    names = ", ".join(d.source for d in documents)
    if source is None:
        raise UsageError(f"the project has several sources ({names}); name one with --source", config.file)
    raise UsageError(f"{source} is not one of the sources ({names}); pass one of those", config.file)


def _language(config: Config, tag: str) -> Language:
    try:
        language = parse_language(tag)
    except ValueError as problem:
        raise UsageError(str(problem)) from None
    if all(known.tag != language.tag for known in config.languages):
        raise UsageError(
            f"{language.tag} is not among the configured languages; add it to 'languages' first",
            config.file,
        )
    return language


def _base_catalog(
    config: Config, path: str, template: Catalog, language: Language, source: str
) -> tuple[Catalog, tuple[Catalog, Layout] | None]:
    """The existing catalogue updated to the template (or a new one), and the file as read.

    Read as a run reads it (size limit, charset, layout), so that the import is
    written over the file like any update: entries it does not fill keep the
    bytes the translator's tool wrote.
    """
    data = read_bytes(config.root, path, config.settings.max_file_size, CatalogError)
    read = parse_catalog_layout(data, path, [])
    old = read[0] if read is not None else new_catalog(template, language, source)
    merged, _ = merge_catalog(with_language(old, language), template)
    return merged, read


def plan_import(
    config: Config,
    language_tag: str,
    translated: Path,
    source: Path | None = None,
    overwrite: bool = False,
    environ: Mapping[str, str] = os.environ,
) -> ImportRun:
    """Import the translated file into the catalogue of `language_tag`; write nothing."""
    language = _language(config, language_tag)
    document, english_path = _pick_document(config, plan_documents(config, find_sources(config)), source)
    english = _load(english_path, _display(english_path, config.root))
    target = next(t for t in document.targets if t.language.tag == language.tag)
    settings = config.settings
    extraction = extract_units(english, settings.front_matter_keys)
    template = build_template(
        extraction.units, document.source, settings.project or document.name, None, creation_date(environ)
    )
    base, read = _base_catalog(config, target.catalog, template, language, document.source)
    hand_made = _load(translated, _display(translated, config.root))
    acceptance = Acceptance(check_policy(config), tuple(settings.allowed_hosts(language.tag)))
    catalog, report = import_translation(
        english, hand_made, base, overwrite, settings.front_matter_keys, acceptance
    )
    text = format_catalog(config, catalog, target.catalog, read)
    change = FileChange(target.catalog, text.encode("utf-8"), "catalog")
    return ImportRun(language, target.catalog, (change,), report, extraction.diagnostics)
