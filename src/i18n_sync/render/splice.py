"""Translations → localized Markdown, by splicing into the English text.

Nothing is re-rendered from a tree: the output is the source with each
translated unit's text replaced in place, so list markers, indentation,
table layout, HTML, code, blank lines and line endings stay byte for byte.
A translation that would break the document falls back to English and is
reported.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import field
from fnmatch import fnmatchcase
from functools import partial
from types import MappingProxyType
from urllib.parse import urlsplit

from i18n_sync.checks.guard import GITHUB_CHECKS, guard_document, guard_shown
from i18n_sync.checks.translation import (
    DEFAULT_POLICY,
    ERROR,
    Finding,
    Policy,
    errors_of,
    format_findings,
    has_english_link_targets,
    run_checks,
    too_long_finding,
)
from i18n_sync.errors import Diagnostic
from i18n_sync.markdown.document import Document
from i18n_sync.markdown.html import escape_attribute, url_marks
from i18n_sync.markdown.msgid import PLACEHOLDER, apply_edits, fill_placeholders
from i18n_sync.markdown.parser import block_spans, scan_inline
from i18n_sync.markdown.records import Outline, ParseContext
from i18n_sync.model import Region, Unit
from i18n_sync.record import record

# A front-matter value YAML reads as a plain string: it starts with a letter and holds
# only letters, digits, marks, single spaces and harmless punctuation, and ends with no ':'.
_YAML_PLAIN = re.compile(r"[^\W\d_](?:[\w .,()'/?!-]*[\w.)'?!])?")
# Words YAML 1.1 (which many front-matter readers still follow) reads as booleans or null.
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})


@record
class Rejection:
    """A unit whose translation was not used, and the error-level check findings why."""

    unit: Unit
    findings: tuple[Finding, ...]


@record
class Rendered:
    """A rendered document, how many units it translated, and what fell back.

    `rejected` names the translations that failed a check (see `checks`).
    """

    text: str
    translated: int
    diagnostics: tuple[Diagnostic, ...] = ()
    rejected: tuple[Rejection, ...] = ()


@record
class Splice:
    """Put `text` where `region` stands; a line feed in it continues after `indent`.

    Where two splices start at the same place, the one `first` is applied
    first: a unit's text is replaced before lines are inserted above it.
    """

    region: Region
    indent: str
    text: str
    first: bool = True


class _Rejected(Exception):
    """A translation that cannot go into the document as it is."""


_NOTHING_IGNORED: Mapping[str, Collection[str]] = MappingProxyType({})


def _english_targets(unit: Unit, context: ParseContext) -> list[str]:
    if unit.urls or not PLACEHOLDER.search(unit.msgid):
        return list(unit.urls)
    marks = scan_inline(unit.msgid, context)  # the msgid kept its URLs (see compute_msgid)
    return [unit.msgid[m.start : m.end] for m in marks.urls]


def is_allowed_link(url: str, allowed_hosts: Sequence[str]) -> bool:
    """Whether a translation may link to `url` instead of the English one: http(s), allowed host."""
    try:
        parsed = urlsplit(url.strip("<>"))
        host = (parsed.hostname or "").lower()
    except ValueError:  # "https://x[a": an invalid IPv6 host, from a translator
        return False
    return parsed.scheme in ("http", "https") and any(fnmatchcase(host, p.lower()) for p in allowed_hosts)


def _reconcile_links(
    unit: Unit, text: str, context: ParseContext, allowed_hosts: Sequence[str]
) -> tuple[str, list[str]]:
    """Make a translation link where the English does, except to allowed localized pages.

    A link target the English does not have is replaced by an English target
    the translation lacks, in order; the replaced targets are returned. Raises
    `_Rejected` when the translation has more or fewer links than the English.
    """
    english = _english_targets(unit, context)
    marks = scan_inline(text, context).urls
    if len(marks) != len(english):
        raise _Rejected(f"it has {len(marks)} link(s) where the English has {len(english)}")
    unused = Counter(english)
    foreign = []
    for mark in marks:
        url = text[mark.start : mark.end]
        if unused[url]:
            unused[url] -= 1
        else:
            foreign.append(mark)
    missing = list(unused.elements())
    missing.sort(key=english.index)
    edits = []
    replaced = []
    for mark, english_url in zip(foreign, missing, strict=True):
        url = text[mark.start : mark.end]
        if not is_allowed_link(url, allowed_hosts):
            edits.append((mark.start, mark.end, english_url))
            replaced.append(url)
    return apply_edits(text, edits), replaced


def _yaml_escape(char: str) -> str:
    if char in '\\"':
        return "\\" + char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _yaml_double_quoted(text: str) -> str:
    """`text` as the inside of a YAML double-quoted scalar: backslash escapes for all else."""
    return "".join(_yaml_escape(c) if c in '\\"' or not c.isprintable() else c for c in text)


def _quote_yaml(text: str, quote: str) -> str:
    """A translated front-matter value, written so that YAML reads back exactly `text`.

    An unquoted English value stays unquoted only while the translation is plainly a
    string to YAML (`_YAML_PLAIN`): a value ending in ':', starting with '-' or '@',
    holding ' #' or reading as a boolean or null is double-quoted instead.
    """
    if quote == "'":
        return text.replace("'", "''")
    if quote == '"':
        return _yaml_double_quoted(text)
    if _YAML_PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return f'"{_yaml_double_quoted(text)}"'


@record
class Checked:
    """A usable translation: its text with English URLs, and link targets it had to replace."""

    text: str
    replaced: tuple[str, ...] = ()


def check_translation(
    unit: Unit, msgstr: str, context: ParseContext, allowed_hosts: Sequence[str] = ()
) -> Checked:
    """Fill a translation's placeholders with the English URLs and put its links right.

    Raises `_Rejected` when it cannot be filled or its links cannot be matched
    with the English ones. Everything else a translation can break (a line
    break in a heading, a pipe in a table cell...) is the `checks`' business.
    """
    try:
        text = fill_placeholders(msgstr, unit.urls)
    except ValueError as error:
        raise _Rejected(str(error)) from None
    if unit.kind in ("front-matter", "html-attribute"):
        return Checked(text)
    if unit.kind == "html-text":
        return Checked(text)  # its links are the checks' business: HTML has no link syntax to reconcile
    if has_english_link_targets(unit.msgid, text, context, unit.kind, unit.urls):
        return Checked(text)  # nothing to reconcile: skip looking for where the links stand
    text, replaced = _reconcile_links(unit, text, context, allowed_hosts)
    return Checked(text, tuple(replaced))


def prepare_translation(unit: Unit, msgstr: str, context: ParseContext) -> str:
    """The text of a usable translation (see `check_translation`)."""
    return check_translation(unit, msgstr, context).text


def splice(doc: Document, splices: Sequence[Splice]) -> str:
    """Replace each region of `doc` with its text, keeping everything else."""
    lines, endings = list(doc.lines), list(doc.endings)
    ordered = sorted(splices, key=lambda s: (s.region.start_line, s.region.start_col, s.first), reverse=True)
    for item in ordered:
        region = item.region
        if region.start_line == len(lines):  # an insertion after the last line
            lines.append("")
            endings.append("")
        head = lines[region.start_line][: region.start_col]
        tail = lines[region.end_line][region.end_col :]
        pieces = item.text.split("\n")
        bodies = [head + pieces[0], *(item.indent + piece for piece in pieces[1:])]
        bodies[-1] += tail
        newline = endings[region.start_line] or doc.newline
        new_endings = [newline] * (len(pieces) - 1) + [endings[region.end_line]]
        lines[region.start_line : region.end_line + 1] = bodies
        endings[region.start_line : region.end_line + 1] = new_endings
    return doc.bom + "".join(body + ending for body, ending in zip(lines, endings, strict=True))


@record
class Accepted:
    """The translations of one document that may go into it, by unit.

    Each text holds the English URLs; `render_accepted` rewrites them for the
    output it writes. `structure_exempt` are the units whose entries switch the
    ``block-structure`` check off: the document guard lets them change blocks;
    `shown_exempt` those the configuration lets show on GitHub what the English does
    not. `allowed_hosts` and `policy` are those the translations were checked with.
    `prefixes` is HTML the tool itself puts before a unit's text (an anchor), which
    the guards do not judge.
    """

    texts: Mapping[Unit, str]
    diagnostics: tuple[Diagnostic, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    structure_exempt: frozenset[Unit] = frozenset()
    shown_exempt: frozenset[Unit] = frozenset()
    allowed_hosts: tuple[str, ...] = ()
    policy: Policy = DEFAULT_POLICY
    prefixes: Mapping[Unit, str] = field(default_factory=dict)


@record
class Insertion:
    """Lines to put before source line `line` (0-based); `text` ends with a line feed.

    Line feeds in `text` become the document's line ending when spliced in.
    """

    line: int
    text: str


def accept_translations(
    path: str,
    units: Sequence[Unit],
    translations: Mapping[str, str],
    context: ParseContext,
    allowed_hosts: Sequence[str] = (),
    policy: Policy = DEFAULT_POLICY,
    ignored: Mapping[str, Collection[str]] = _NOTHING_IGNORED,
    entry_lines: Mapping[str, int] | None = None,
) -> Accepted:
    """Check each unit's translation; keep the usable ones, report the others.

    A report names the line of the unit's entry in the catalogue at `path`
    (`entry_lines`, by msgid), or the unit's line in the source without it.

    `translations` maps msgid to msgstr and holds only usable entries (not
    fuzzy, not empty). A translation equal to its msgid is not kept, so an
    identity catalogue leaves the source as it is. A translation with an
    error-level finding of the `checks` (levels from `policy`, check ids its
    entry switches off in `ignored`, by msgid) is not kept either.
    """
    texts: dict[Unit, str] = {}
    diagnostics: list[Diagnostic] = []
    rejected: list[Rejection] = []
    for unit in units:
        msgstr = translations.get(unit.msgid)
        if not msgstr or msgstr == unit.msgid:
            continue
        line = entry_lines.get(unit.msgid, unit.line) if entry_lines else unit.line
        too_long = too_long_finding(unit.msgid, msgstr, policy)
        if too_long is not None:  # refused before anything parses it
            rejected.append(Rejection(unit, (too_long,)))
            message = f"translation of {unit.msgid[:40]!r} not used: {format_findings([too_long])}"
            diagnostics.append(Diagnostic(path, line, message))
            continue
        try:
            checked = check_translation(unit, msgstr, context, allowed_hosts)
        except _Rejected as reason:
            message = f"translation of {unit.msgid[:40]!r} not used: {reason}"
            diagnostics.append(Diagnostic(path, line, message))
            continue
        unit_ignores = ignored.get(unit.msgid, ())
        errors = _check_errors(unit, checked.text, context, allowed_hosts, policy, unit_ignores)
        if errors:
            rejected.append(Rejection(unit, errors))
            message = f"translation of {unit.msgid[:40]!r} not used: {format_findings(errors)}"
            diagnostics.append(Diagnostic(path, line, message))
            continue
        texts[unit] = checked.text
        if checked.replaced:
            targets = ", ".join(checked.replaced)
            message = f"translation of {unit.msgid[:40]!r}: link to {targets} replaced by the English one"
            diagnostics.append(Diagnostic(path, line, message))
    # Only the configuration lets a unit through the document guards, never a translator.
    if policy.level_of("block-structure") != ERROR:
        exempt = frozenset(texts)
    else:
        exempt = frozenset(unit for unit in texts if ("block-structure", unit.msgid) in policy.entries_off)
    off = {msgid for check, msgid in policy.entries_off if check in GITHUB_CHECKS}
    shown_exempt = frozenset(unit for unit in texts if unit.msgid in off)
    return Accepted(
        texts,
        tuple(diagnostics),
        tuple(rejected),
        exempt,
        shown_exempt,
        tuple(allowed_hosts),
        policy,
    )


def _check_errors(
    unit: Unit,
    text: str,
    context: ParseContext,
    allowed_hosts: Sequence[str],
    policy: Policy,
    ignored: Collection[str],
) -> tuple[Finding, ...]:
    """The error-level findings of the checks on a translation whose URLs are filled in."""

    def allowed(url: str) -> bool:
        return is_allowed_link(url, allowed_hosts)

    findings = run_checks(
        unit.msgid, text, context, unit.kind, unit.urls, policy, ignored, allowed, errors_only=True
    )
    return errors_of(findings)


def _keep(url: str) -> str:
    return url


def _final_text(unit: Unit, text: str, context: ParseContext, resolve: Callable[[str], str]) -> str:
    """The accepted text with its URLs as this output needs them."""
    if unit.kind == "front-matter":
        return _quote_yaml(text, unit.quote)
    if unit.kind == "html-attribute":
        return escape_attribute(text, unit.quote)
    if all(resolve(url) == url for i, url in enumerate(unit.urls) if i not in unit.autolinks):
        return text
    if unit.kind == "html-text":
        return apply_edits(text, [(m.start, m.end, resolve(text[m.start : m.end])) for m in url_marks(text)])
    marks = [m for m in scan_inline(text, context).urls if m.kind != "autolink"]
    return apply_edits(text, [(m.start, m.end, resolve(text[m.start : m.end])) for m in marks])


def render_accepted(
    doc: Document,
    units: Sequence[Unit],
    accepted: Accepted,
    context: ParseContext,
    resolve: Callable[[str], str] = _keep,
    insertions: Sequence[Insertion] = (),
    outline: Outline | None = None,
) -> Rendered:
    """Splice accepted translations into `doc`, rewriting every unit's URLs with `resolve`.

    Untranslated units keep their text; only URLs that `resolve` changes are
    replaced in them. `insertions` add whole lines (generated notices).

    The translated document is guarded (`checks.guard`): a translation that,
    in its place in the document, changes the block skeleton or the link reference
    definitions is not used, and is reported. `outline` is the source's, from its
    extraction; without it the guard parses the source once more. What the guard sees
    is the document as translated, before the tool's own changes (rewritten URLs,
    inserted lines): those are the same whatever the translators wrote.
    """

    texts = {unit: _final_text(unit, text, context, _keep) for unit, text in accepted.texts.items()}
    # The guard may ask for the same rendering more than once (bisection): keep each.
    renderings: dict[frozenset[Unit], str] = {}

    def translated_only(chosen: Collection[Unit]) -> str:
        key = frozenset(chosen)
        if key not in renderings:
            renderings[key] = _splice_output(doc, units, {unit: texts[unit] for unit in key}, _keep, ())
        return renderings[key]

    translated = [unit for unit in units if unit in accepted.texts]
    parts = partial(_parts, doc, translated, texts)
    broken = dict(guard_document(translated, translated_only, accepted.structure_exempt, outline, parts))
    sound = [unit for unit in translated if unit not in broken]
    broken.update(
        guard_shown(
            sound,
            translated_only,
            accepted.shown_exempt,
            lambda url: is_allowed_link(url, accepted.allowed_hosts),
            accepted.policy,
            partial(_parts, doc, sound, texts),
        )
    )
    diagnostics = []
    for unit, finding in broken.items():
        message = f"translation of {unit.msgid[:40]!r} not used: {format_findings([finding])}"
        diagnostics.append(Diagnostic(doc.path, unit.line, message))
    rejected = (*accepted.rejected, *(Rejection(unit, (finding,)) for unit, finding in broken.items()))
    kept = [unit for unit in translated if unit not in broken]
    if resolve is _keep and not insertions and not accepted.prefixes:
        text = translated_only(kept)
    else:
        finals = {
            unit: accepted.prefixes.get(unit, "") + _final_text(unit, accepted.texts[unit], context, resolve)
            for unit in kept
        }
        text = _splice_output(doc, units, finals, resolve, insertions)
    return Rendered(text, len(kept), (*accepted.diagnostics, *diagnostics), rejected)


def _parts(
    doc: Document, translated: Sequence[Unit], texts: Mapping[Unit, str]
) -> list[tuple[list[Unit], Callable[[Collection[Unit]], str]]]:
    """The translated units by the block they stand in (a list item, a top-level block).

    Each part renders alone, from its own source lines: the guards try the parts one by
    one when the whole document is broken, each with parses as small as the part.
    """
    spans = block_spans(doc.parse_text)
    starts = [start for start, _ in spans]
    members: dict[int, list[Unit]] = {}
    for unit in translated:
        index = bisect_right(starts, unit.region.start_line) - 1
        if index >= 0 and unit.region.end_line < spans[index][1]:
            members.setdefault(index, []).append(unit)
    return [(found, _part_renderer(doc, spans[index], texts)) for index, found in members.items()]


def _part_renderer(
    doc: Document, span: tuple[int, int], texts: Mapping[Unit, str]
) -> Callable[[Collection[Unit]], str]:
    start, end = span
    part = Document(doc.path, doc.lines[start:end], doc.endings[start:end])

    def render(chosen: Collection[Unit]) -> str:
        splices = []
        for unit in chosen:
            old = unit.region
            moved = Region(old.start_line - start, old.start_col, old.end_line - start, old.end_col)
            splices.append(Splice(moved, unit.indent, texts[unit]))
        return splice(part, splices)

    return render


def _splice_output(
    doc: Document,
    units: Sequence[Unit],
    finals: Mapping[Unit, str],
    resolve: Callable[[str], str],
    insertions: Sequence[Insertion],
) -> str:
    """`doc` with the `finals` texts in place of their units, other URLs resolved, lines inserted."""
    splices = [Splice(Region(i.line, 0, i.line, 0), "", i.text, first=False) for i in insertions]
    for unit in units:
        text = finals.get(unit)
        if text is not None:
            splices.append(Splice(unit.region, unit.indent, text))
            continue
        for index, (url, region) in enumerate(zip(unit.urls, unit.url_regions, strict=False)):
            new = url if index in unit.autolinks else resolve(url)
            if new != url:
                splices.append(Splice(region, "", new))
    return splice(doc, splices)


def render_document(
    doc: Document,
    units: Sequence[Unit],
    translations: Mapping[str, str],
    context: ParseContext,
    policy: Policy = DEFAULT_POLICY,
    ignored: Mapping[str, Collection[str]] = _NOTHING_IGNORED,
    outline: Outline | None = None,
) -> Rendered:
    """Splice the translations of `units` into `doc`, URLs as in the source.

    See `accept_translations` for what `translations`, `policy` and `ignored` hold,
    `render_accepted` for `outline`.
    """
    accepted = accept_translations(doc.path, units, translations, context, (), policy, ignored)
    return render_accepted(doc, units, accepted, context, outline=outline)
