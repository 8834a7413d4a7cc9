"""Importing a hand-made translation into a catalogue, by aligning it with its English source.

The translated file is split into units by the same extractor as the English
one (`extract_units` works on any Markdown), the two unit lists are aligned
(`align.align_units`), and each English unit that found its translation gets
the translated text as its msgstr (made in `proposals`): with the translated
link destinations turned back into the English unit's ``{n}`` placeholders,
so the English URLs win, and with the translator's line breaks kept, so the
rendered file looks like the hand-made one. An uncertain pairing is marked fuzzy, with a
translator comment saying why. Render itself then judges every translation
(`_checked_by_render`): one it would refuse is tried without the translator's
line breaks, and if still refused is imported fuzzy with render's reason, so
nothing counted as translated falls back to English. A translated text equal
to the English was kept in English on purpose: its msgstr is the msgid, which
render leaves as it is and status counts as done. An existing translation is
never replaced unless asked.

This module decides what the catalogue keeps and plans the import:
`import_translation` is the pure core; `plan_import` reads the files a
command names and returns the catalogue to write as a `FileChange`.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from i18n_sync.checks.translation import DEFAULT_POLICY, Policy, format_findings
from i18n_sync.errors import CatalogError, Diagnostic, MarkdownError, UsageError
from i18n_sync.gettext.catalog import build_template, creation_date, new_catalog, with_language
from i18n_sync.gettext.merge import merge_catalog
from i18n_sync.gettext.po import Layout
from i18n_sync.importing.proposals import Proposal, align_documents, proposals_of
from i18n_sync.locales import Language, parse_language
from i18n_sync.markdown.document import Document, load_document
from i18n_sync.markdown.extract import DEFAULT_FRONT_MATTER_KEYS, Extraction, extract_units
from i18n_sync.model import Catalog, FileChange, Message, Unit
from i18n_sync.project.config import Config
from i18n_sync.project.files import decode_utf8, read_bytes
from i18n_sync.project.jobs import format_catalog, parse_catalog_layout
from i18n_sync.project.plan import SourceDocument, find_sources, plan_documents
from i18n_sync.project.sync import check_policy
from i18n_sync.record import record
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
_EXCERPT = 60


@record
class UnitResult:
    """One English unit: where it is, and what the import found for it."""

    line: int
    msgid: str
    state: str
    translated_lines: tuple[int, ...] = ()
    how: str = ""
    why: str = ""


@record
class Leftover:
    """A translated block that no English unit claimed: added by the translator, or misplaced."""

    line: int
    text: str


@record
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


@record
class ImportRun:
    """The catalogue an import wants written, and its report."""

    language: Language
    catalog: str
    changes: tuple[FileChange, ...]
    report: ImportReport
    diagnostics: tuple[Diagnostic, ...] = ()


# ---------------------------------------------------------------------------
# What render would not use


@record
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
    doc: Document, extraction: Extraction, chosen: Mapping[str, Proposal], acceptance: Acceptance
) -> dict[str, Proposal]:
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


def _state_of(proposal: Proposal | None, existing: Message | None, overwrite: bool) -> str:
    if proposal is None:
        return "none"
    if existing is not None and existing.msgstr and not overwrite:
        return "kept"
    if proposal.same:
        return "same"
    if proposal.refused:
        return "refused"
    return "sure" if proposal.sure else "uncertain"


def _comment(proposal: Proposal) -> str:
    """The translator comment that says why an imported entry is fuzzy, or that it stays English."""
    if proposal.same:
        return "kept in English by the translator"
    if proposal.refused:
        return f"render would not use it: {proposal.why}"
    return f"uncertain: {proposal.why}" if proposal.why else ""


def _filled(message: Message, proposal: Proposal) -> Message:
    comments = tuple(c for c in message.comments if not c.startswith(IMPORT_COMMENT))
    note = _comment(proposal)
    if note:
        comments += (IMPORT_COMMENT + note,)
    filled = replace(
        message, msgstr=proposal.msgstr, comments=comments, previous_msgctxt=None, previous_msgid=None
    )
    return filled.with_flag("fuzzy", not proposal.sure)


def _best_by_msgid(units: Sequence[Unit], proposals: Mapping[int, Proposal]) -> dict[str, Proposal]:
    """One proposal per msgid, since units with the same English share one entry.

    The translator's most frequent rendering wins (leaving it in English
    counts as one), then a sure one, then the first: a README that
    translated one of twenty identical lines keeps the other nineteen.
    """
    votes: dict[str, list[Proposal]] = {}
    for index, unit in enumerate(units):
        proposal = proposals.get(index)
        if proposal is not None:
            votes.setdefault(unit.msgid, []).append(proposal)
    chosen: dict[str, Proposal] = {}
    for msgid, candidates in votes.items():
        tally = Counter(p.msgstr for p in candidates)
        best = max(candidates, key=lambda p: (tally[p.msgstr], p.sure, -candidates.index(p)))
        chosen[msgid] = best
    return chosen


def _fill_catalog(
    catalog: Catalog, units: Sequence[Unit], chosen: Mapping[str, Proposal], overwrite: bool
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
    proposals, replaced = proposals_of(aligned)
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
