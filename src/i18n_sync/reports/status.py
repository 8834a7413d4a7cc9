"""How far behind each translation is: catalogues → a `StatusReport`, and its three renderings.

Pure: `document_status` takes a catalogue already merged with the current
template (what ``i18n-sync update`` writes, with each entry's line in that
file) and counts it with `stats.count_messages`, the one counting function.
The renderings (`format_table`, `format_markdown`, `status_data` for JSON) take
the report and return text or plain data; the CLI prints them.

The JSON data is versioned (`SCHEMA_VERSION`) and described by the JSON Schema
``status.schema.json`` shipped beside this module: fields are only ever added
within a version, never renamed or retyped.

Percentages are rounded down to one decimal (`stats.floor_percent`), so only a
complete translation ever shows 100; gates compare the exact fraction.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from i18n_sync.errors import I18nSyncError
from i18n_sync.gettext.stats import Counts, count_messages, floor_percent, is_kept_in_english
from i18n_sync.model import Catalog, Message
from i18n_sync.record import record

SCHEMA_VERSION = 1
"""The version of the JSON output's schema (``status.schema.json``)."""

STATES = ("translated", "fuzzy", "untranslated", "obsolete")

# Placeholders, words, runs of spaces and single punctuation marks: the tokens of a word diff.
_TOKEN = re.compile(r"\{\d+\}|\w+|\s+|[^\w\s]")
_PREVIEW = 72


@record
class DiffPart:
    """A run of a word diff: `op` is ``equal``, ``delete`` (old only) or ``insert`` (new only)."""

    op: str
    text: str


@record
class StaleUnit:
    """A unit a translator has to work on: a fuzzy (stale) or an untranslated entry.

    `line` is the 1-based line of the entry in the catalogue `catalog`;
    `previous_msgid` is the English the fuzzy translation was made from
    (``#| msgid``), None when unknown or untranslated; `references` name the
    source document(s) the English stands in; `kept_in_english` says the
    translation was the English itself (see `stats.is_kept_in_english`): only
    the English changed, nothing was ever translated there.
    """

    state: str
    catalog: str
    line: int
    msgid: str
    previous_msgid: str | None
    references: tuple[str, ...] = ()
    kept_in_english: bool = False

    @property
    def location(self) -> str:
        """``path:line`` of the entry, as editors and compilers print it."""
        return f"{self.catalog}:{self.line}"

    @property
    def diff(self) -> tuple[DiffPart, ...]:
        """The word diff from the previous English to the current one; empty without a previous."""
        return word_diff(self.previous_msgid, self.msgid) if self.previous_msgid is not None else ()


@record
class InSync:
    """The newest source revision a catalogue was fully in sync with (see `history`).

    `commit` is None when no examined revision was; `commits_since` counts the
    commits to the source after `commit` (or the commits examined, when None);
    `capped` says the search stopped at its limit before finding one, so
    `commits_since` is a lower bound.
    """

    commit: str | None
    date: str | None = None
    subject: str | None = None
    commits_since: int = 0
    capped: bool = False


@record
class DocumentStatus:
    """One document in one language: the counts, the stale units, since when.

    `pending` says the catalogue file is not yet what ``update`` writes for the
    current English: the figures and lines are those of the updated file.
    """

    source: str
    catalog: str
    counts: Counts
    stale: tuple[StaleUnit, ...] = ()
    pending: bool = False
    since: InSync | None = None


@record
class LanguageStatus:
    """One language: its documents, and the gate it must pass (`fail_under` percent, 0: none)."""

    tag: str
    name: str
    documents: tuple[DocumentStatus, ...]
    fail_under: float = 0

    @property
    def totals(self) -> Counts:
        """The counts summed over the language's documents."""
        return sum((d.counts for d in self.documents), Counts())

    @property
    def is_below(self) -> bool:
        """Whether the language's share translated (by units) is below its gate."""
        return self.totals.is_below(self.fail_under)


@record
class StatusReport:
    """Every language's status; `has_history` says the "since when" section exists (git).

    `errors` are the finished messages of `problems`, the errors themselves.
    """

    languages: tuple[LanguageStatus, ...]
    errors: tuple[str, ...] = ()
    has_history: bool = False
    problems: tuple[I18nSyncError, ...] = ()

    @property
    def failing(self) -> tuple[LanguageStatus, ...]:
        """The languages below their gate."""
        return tuple(language for language in self.languages if language.is_below)


# --- building -----------------------------------------------------------------------------------


def word_diff(old: str, new: str) -> tuple[DiffPart, ...]:
    """A word diff of two English texts; joining the equal+delete parts gives `old`, equal+insert `new`.

    Words, placeholders (``{1}``) and punctuation marks are the tokens, so a
    heading that becomes a link shows as ``{+[+}Heading{+]({1})+}``; a change
    of several words in a row shows as one deletion and one insertion.
    """
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    pieces: list[tuple[str, str, str]] = []  # (op, old text, new text)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        pieces.append(("equal" if tag == "equal" else "change", "".join(a[i1:i2]), "".join(b[j1:j2])))
    parts: list[DiffPart] = []
    for index, (op, before, after) in enumerate(pieces):
        between = 0 < index < len(pieces) - 1 and before.isspace()
        if op == "equal" and not between:
            parts.append(DiffPart("equal", before))
            continue
        # A space alone between two changes joins them: [-a b-]{+c d+}, not [-a-]{+c+} [-b-]{+d+}.
        _extend(parts, before, after)
    return tuple(part for part in parts if part.text)


def _extend(parts: list[DiffPart], before: str, after: str) -> None:
    """Add a change, merged into the change that ends `parts`, if any."""
    deleted = inserted = ""
    while parts and parts[-1].op != "equal":
        last = parts.pop()
        deleted, inserted = (
            (last.text + deleted, inserted) if last.op == "delete" else (deleted, last.text + inserted)
        )
    parts.append(DiffPart("delete", deleted + before))
    parts.append(DiffPart("insert", inserted + after))


def _stale_unit(message: Message, catalog: str) -> StaleUnit | None:
    if message.obsolete or message.is_translated:
        return None
    if not message.msgstr:
        return StaleUnit("untranslated", catalog, message.line, message.msgid, None, message.references)
    return StaleUnit(
        "fuzzy",
        catalog,
        message.line,
        message.msgid,
        message.previous_msgid,
        message.references,
        is_kept_in_english(message),
    )


def stale_units(catalog: Catalog, path: str) -> tuple[StaleUnit, ...]:
    """The fuzzy and untranslated entries of a catalogue, in file order."""
    found = (_stale_unit(message, path) for message in catalog.messages)
    return tuple(unit for unit in found if unit is not None)


def document_status(source: str, path: str, catalog: Catalog, pending: bool = False) -> DocumentStatus:
    """The status of one catalogue, merged with its template; `path` is where it lives."""
    return DocumentStatus(source, path, count_messages(catalog), stale_units(catalog, path), pending)


def with_since(report: StatusReport, since: Mapping[tuple[str, str], InSync]) -> StatusReport:
    """The report with the "since when" section: `since` by (language tag, source)."""
    languages = tuple(
        replace(
            language,
            documents=tuple(
                replace(d, since=since.get((language.tag, d.source))) for d in language.documents
            ),
        )
        for language in report.languages
    )
    return replace(report, languages=languages, has_history=True)


# --- JSON ---------------------------------------------------------------------------------------


def counts_data(counts: Counts) -> dict[str, Any]:
    """Counts as the schema's ``counts`` object."""
    data: dict[str, Any] = {
        state: {"units": getattr(counts, state), "words": getattr(counts, state + "_words")}
        for state in STATES
    }
    data["active"] = {"units": counts.total, "words": counts.total_words}
    data["percent"] = {
        "units": float(counts.shown_percent),
        "words": float(floor_percent(counts.translated_words, counts.total_words)),
    }
    return data


def _since_data(since: InSync) -> dict[str, Any]:
    return {
        "commit": since.commit,
        "date": since.date,
        "subject": since.subject,
        "commits_since": since.commits_since,
        "capped": since.capped,
    }


def _stale_data(unit: StaleUnit) -> dict[str, Any]:
    return {
        "state": unit.state,
        "catalog": unit.catalog,
        "line": unit.line,
        "references": list(unit.references),
        "msgid": unit.msgid,
        "previous_msgid": unit.previous_msgid,
        "diff": [{"op": part.op, "text": part.text} for part in unit.diff],
    }


def _document_data(document: DocumentStatus, stale: bool, history: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source": document.source,
        "catalog": document.catalog,
        "pending_update": document.pending,
        "counts": counts_data(document.counts),
    }
    if history:
        data["since"] = _since_data(document.since) if document.since else None
    if stale:
        data["stale"] = [_stale_data(unit) for unit in document.stale]
    return data


def status_data(report: StatusReport, stale: bool = False) -> dict[str, Any]:
    """The report as JSON-ready data (``status.schema.json``); `stale` adds the stale units."""
    languages = [
        {
            "language": language.tag,
            "name": language.name,
            "fail_under": language.fail_under,
            "below_fail_under": language.is_below,
            "total": counts_data(language.totals),
            "documents": [_document_data(d, stale, report.has_history) for d in language.documents],
        }
        for language in report.languages
    ]
    return {"version": SCHEMA_VERSION, "languages": languages, "errors": list(report.errors)}


# --- shared by the text renderings --------------------------------------------------------------


def _cells(counts: Counts, pair: Callable[[int, int], str]) -> list[str]:
    """Units and words of each state through `pair`, then the two percentages."""
    return [
        *(pair(getattr(counts, state), getattr(counts, state + "_words")) for state in STATES),
        counts.shown_percent + "%",
        floor_percent(counts.translated_words, counts.total_words) + "%",
    ]


def _rows(report: StatusReport, documents: bool) -> Iterator[tuple[LanguageStatus, str, Counts]]:
    """(language, document or "total", counts); a total row only for several documents.

    Without `documents`, a language of several documents is its total alone: a docs
    tree in twenty languages would otherwise print thousands of rows.
    """
    for language in report.languages:
        several = len(language.documents) > 1
        if documents or not several:
            for document in language.documents:
                yield language, document.source, document.counts
        if several:
            yield (
                language,
                "total" if documents else f"total of {len(language.documents)} documents",
                language.totals,
            )


def lists_documents(report: StatusReport, documents: bool) -> bool:
    """Whether per-document lines are shown: asked for, or no language has several documents."""
    return documents or all(len(language.documents) <= 1 for language in report.languages)


def _since_text(since: InSync | None) -> str:
    if since is None:
        return "not in git"
    if since.commit is None:
        if not since.commits_since:
            return "no commit of the source yet"
        bound = "the last " if since.capped else "any of the "
        return f"not fully in sync with {bound}{since.commits_since} commit(s) of the source"
    when = f"{since.commit[:7]} ({since.date[:10]})" if since.date else since.commit[:7]
    return f"{when}, {since.commits_since} commit(s) to the source since"


def _diff_text(parts: Sequence[DiffPart], style: Style) -> str:
    """git's ``--word-diff=plain`` markers, coloured when `style` colours."""
    marks = {"equal": ("", "", "plain"), "delete": ("[-", "-]", "delete"), "insert": ("{+", "+}", "insert")}
    out = []
    for part in parts:
        start, end, level = marks[part.op]
        out.append(style(f"{start}{part.text}{end}", level) if start else part.text)
    return "".join(out)


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 1] + "…"


def gate_messages(report: StatusReport) -> list[str]:
    """One line per language below its gate."""
    return [
        f"{language.tag}: {language.totals.shown_percent}% translated, "
        f"below the threshold of {language.fail_under:g}%"
        for language in report.failing
    ]


# --- table --------------------------------------------------------------------------------------

Style = Callable[[str, str], str]
"""Colours a text by level (``header``, ``good``, ``warn``, ``bad``, ``delete``, ``insert``, ``plain``)."""

_HEADERS = ("LANGUAGE", "DOCUMENT", "TRANSLATED", "FUZZY", "UNTRANSLATED", "OBSOLETE", "UNITS", "WORDS")


def plain(text: str, level: str) -> str:
    """The `Style` that does not colour."""
    return text


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide characters take two, combining marks none."""
    if text.isascii():  # one column each: a table of 13,000 rows measures 270,000 cells
        return len(text)
    return _wide_width(text)


@lru_cache(maxsize=1 << 12)  # a document's name comes back in every language's rows
def _wide_width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def _level(language: LanguageStatus, counts: Counts) -> str:
    if counts.is_below(language.fail_under):
        return "bad"
    return "good" if counts.translated == counts.total else "warn"


def _table_lines(report: StatusReport, style: Style, documents: bool) -> list[str]:
    rows = [
        ([language.tag, name, *_cells(counts, "{} / {}".format)], _level(language, counts))
        for language, name, counts in _rows(report, documents)
    ]
    everything = [list(_HEADERS), *(cells for cells, _ in rows)]
    widths = [max(display_width(cells[i]) for cells in everything) for i in range(len(_HEADERS))]

    def line(cells: list[str]) -> list[str]:
        return [_pad(cell, widths[i], right=i >= 2) for i, cell in enumerate(cells)]

    lines = ["  ".join(style(cell, "header") for cell in line(list(_HEADERS))).rstrip()]
    for cells, level in rows:
        padded = line(cells)
        padded[-2] = style(padded[-2], level)  # the share translated by units: what the gate reads
        lines.append("  ".join(padded).rstrip())
    lines.append("counts are units / English words; UNITS and WORDS: share translated")
    return lines


def _pending(report: StatusReport) -> list[str]:
    """The catalogues whose file is not yet updated to the current English."""
    return [d.catalog for language in report.languages for d in language.documents if d.pending]


def _pending_lines(report: StatusReport) -> list[str]:
    return [
        f"{catalog}: not updated to the current English yet; "
        "figures and lines are those 'i18n-sync update' will write"
        for catalog in _pending(report)
    ]


def _since_lines(report: StatusReport) -> list[str]:
    rows = [
        (language.tag, document.source, _since_text(document.since))
        for language in report.languages
        for document in language.documents
    ]
    if not rows:
        return []
    first = max(display_width(tag) for tag, _, _ in rows)
    second = max(display_width(source) for _, source, _ in rows)
    body = [f"{_pad(tag, first, False)}  {_pad(source, second, False)}  {text}" for tag, source, text in rows]
    return ["", "last fully in sync with (git):", *body]


def _stale_lines(report: StatusReport, style: Style) -> list[str]:
    lines = []
    for language in report.languages:
        units = [unit for document in language.documents for unit in document.stale]
        lines += ["", style(f"{language.tag}: {len(units)} unit(s) to work on", "header")]
        for unit in units:
            if unit.state == "untranslated":
                lines.append(f"{unit.location}: untranslated: {_preview(unit.msgid)}")
            elif unit.previous_msgid is None:
                lines.append(f"{unit.location}: fuzzy (previous English unknown): {_preview(unit.msgid)}")
            elif unit.kept_in_english:
                diff = _diff_text(unit.diff, style)
                lines.append(f"{unit.location}: fuzzy (kept in English; the English changed): {diff}")
            else:
                lines.append(f"{unit.location}: fuzzy: {_diff_text(unit.diff, style)}")
    return lines


def format_table(
    report: StatusReport, stale: bool = False, style: Style = plain, documents: bool = False
) -> str:
    """The report for a terminal: an aligned table, then since when, then (`stale`) the units.

    A language of several documents shows its total only, unless `documents`.
    """
    lines = _table_lines(report, style, documents)
    if lists_documents(report, documents):
        lines += _pending_lines(report)
        if report.has_history:
            lines += _since_lines(report)
    else:
        pending = len(_pending(report))
        if pending:
            lines.append(f"{pending} catalogue(s) not updated to the current English yet")
        lines.append("--documents shows each document, and since which commit it is behind")
    if stale:
        lines += _stale_lines(report, style)
    return "\n".join(lines)


# --- Markdown -----------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _code_span(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _markdown_status(report: StatusReport, documents: bool) -> list[str]:
    lines = [
        "| Language | Document | Translated | Fuzzy | Untranslated | Obsolete | Units | Words |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for language, name, counts in _rows(report, documents):
        cells = [
            language.tag,
            name,
            *_cells(counts, lambda units, words: f"{units} ({words} word{'' if words == 1 else 's'})"),
        ]
        if name == "total":
            cells = [f"**{cell}**" for cell in cells]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return lines


def _markdown_since(report: StatusReport) -> list[str]:
    lines = [
        "",
        "### Last fully in sync with",
        "",
        "| Language | Document | Source revision |",
        "| --- | --- | --- |",
    ]
    for language in report.languages:
        for document in language.documents:
            cells = (language.tag, document.source, _since_text(document.since))
            lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return lines


def _fenced(text: str, indent: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return [f"{indent}{fence}text", *(indent + line for line in text.split("\n")), f"{indent}{fence}"]


def _markdown_stale(report: StatusReport) -> list[str]:
    lines = []
    for language in report.languages:
        units = [unit for document in language.documents for unit in document.stale]
        lines += ["", f"### Units to work on: {language.tag} ({len(units)})", ""]
        for unit in units:
            where = _code_span(unit.location)
            if unit.state == "untranslated":
                lines.append(f"- {where} untranslated: {_code_span(_preview(unit.msgid))}")
            elif unit.previous_msgid is None:
                lines.append(f"- {where} fuzzy, previous English unknown: {_code_span(_preview(unit.msgid))}")
            else:
                kept = " (kept in English: only the English changed)" if unit.kept_in_english else ""
                lines.append(f"- {where} fuzzy, the English changed{kept}:")
                lines += _fenced(_diff_text(unit.diff, plain), "  ")
    return lines


def format_markdown(report: StatusReport, stale: bool = False, documents: bool = False) -> str:
    """The report as Markdown, for a pull-request comment or a README section (see `format_table`)."""
    lines = ["## Translation status", "", *_markdown_status(report, documents)]
    lines += ["", "Counts are units (English words); Units and Words: share translated."]
    listed = lists_documents(report, documents)
    lines += [
        f"{_code_span(catalog)} is not updated to the current English yet: the figures are those "
        "`i18n-sync update` will write."
        for catalog in (_pending(report) if listed else ())
    ]
    if report.has_history and listed:
        lines += _markdown_since(report)
    if stale:
        lines += _markdown_stale(report)
    return "\n".join(lines) + "\n"
