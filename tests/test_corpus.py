"""The core pipeline's invariants over the real corpus in ../shared/corpus.

Every CommonMark spec example, every GFM fixture case and every awesome-rlhf
file goes through extraction and rendering: an empty or identity catalogue
gives the source back byte for byte, each unit's region is exactly its text,
re-wrapping changes no msgid, a pseudo-translation keeps the document's
structure, links and code, and the stages are deterministic.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.gfm import gfm_plugin

from corpus import (
    NEWEST_README,
    OLDER_README,
    SKIP_REASON,
    Sample,
    all_samples,
    available,
    commonmark_examples,
    english_revisions,
    gfm_cases,
    gfm_fixture_files,
    project_readmes,
    rlhf_document,
    rlhf_documents,
)
from i18n_sync.markdown.document import Document, load_document
from i18n_sync.markdown.extract import Extraction, extract_units
from i18n_sync.markdown.msgid import PLACEHOLDER, fill_placeholders
from i18n_sync.markdown.parser import scan_inline
from i18n_sync.markdown.records import ParseContext
from i18n_sync.render.splice import Splice, prepare_translation, render_document, splice

pytestmark = pytest.mark.corpus

if not available():
    pytest.skip(SKIP_REASON, allow_module_level=True)

FAMILIES: dict[str, Callable[[], tuple[Sample, ...]]] = {
    "commonmark-spec": commonmark_examples,
    "gfm-fixtures": gfm_cases,
    "awesome-rlhf": rlhf_documents,
    "nodebestpractices": lambda: project_readmes("nodebestpractices"),
    "wtfjs": lambda: project_readmes("wtfjs"),
}


@dataclass(frozen=True, slots=True)
class Extracted:
    sample: Sample
    doc: Document
    extraction: Extraction


def extract(sample: Sample) -> Extracted:
    doc = load_document(sample.text, sample.name)
    return Extracted(sample, doc, extract_units(doc))


@cache
def extracted(family: str) -> tuple[Extracted, ...]:
    return tuple(extract(sample) for sample in FAMILIES[family]())


def first_difference(expected: str, got: str) -> str:
    """Where two texts part, for a failure message a person can act on."""
    for number, (want, have) in enumerate(zip(expected.split("\n"), got.split("\n"), strict=False), 1):
        if want != have:
            return f"line {number}: expected {want!r}, got {have!r}"
    return f"lengths differ: expected {len(expected)} characters, got {len(got)}"


def mismatches(items: Iterable[tuple[str, str, str]]) -> list[str]:
    """(name, expected, got) triples → one message per pair that differs."""
    return [f"{name}: {first_difference(want, got)}" for name, want, got in items if want != got]


# --- 1. An empty catalogue renders the source byte for byte -----------------------------------


def test_the_corpus_is_all_there() -> None:
    # Guards the loaders: every other test would pass vacuously on an empty corpus.
    assert len(commonmark_examples()) == 652
    assert [path.name for path in gfm_fixture_files()] == [
        "gfm-alerts.fixtures.md",
        "gfm-linkify.fixtures.md",
        "gfm-strikethrough.fixtures.md",
        "gfm-tables.fixtures.md",
        "gfm-tasklists.fixtures.md",
    ]
    cases = Counter(sample.name.split(":")[0] for sample in gfm_cases())
    assert all(cases[path.name] >= 10 for path in gfm_fixture_files()), cases
    assert {NEWEST_README, OLDER_README} <= {sample.name for sample in english_revisions()}


@pytest.mark.parametrize("family", FAMILIES)
def test_an_empty_catalogue_renders_the_source_byte_for_byte(
    family: str, record_property: Callable[[str, object], None]
) -> None:
    items = extracted(family)
    rendered = [
        (
            item.sample.name,
            item.sample.text,
            render_document(item.doc, item.extraction.units, {}, item.extraction.context).text,
        )
        for item in items
    ]
    unlocated = [
        f"{item.sample.name}: {diagnostic}"
        for item in items
        for diagnostic in item.extraction.diagnostics
        if "could not locate" in diagnostic.message
    ]
    units = sum(len(item.extraction.units) for item in items)
    record_property(f"{family}-documents", len(items))
    record_property(f"{family}-units", units)
    print(f"{family}: {len(items)} documents, {units} units")
    assert units > 0
    assert mismatches(rendered) == []
    assert unlocated == []


# --- 2. Identity translations, and regions that are exactly their text ------------------------


@pytest.mark.parametrize("family", FAMILIES)
def test_an_identity_catalogue_renders_the_source_byte_for_byte(family: str) -> None:
    rendered = []
    for item in extracted(family):
        units, context = item.extraction.units, item.extraction.context
        identity = {unit.msgid: unit.msgid for unit in units}
        rendered.append(
            (item.sample.name, item.sample.text, render_document(item.doc, units, identity, context).text)
        )
    assert mismatches(rendered) == []


def one_line_splices(item: Extracted) -> list[Splice]:
    """Each one-line unit's msgid, its URLs put back, forced into its region."""
    return [
        Splice(unit.region, unit.indent, fill_placeholders(unit.msgid, unit.urls))
        for unit in item.extraction.units
        if unit.region.start_line == unit.region.end_line
    ]


@pytest.mark.parametrize("family", FAMILIES)
def test_forcing_each_one_line_msgid_into_its_region_gives_the_source_back(
    family: str, record_property: Callable[[str, object], None]
) -> None:
    # render_document skips a msgstr equal to its msgid; splicing it anyway
    # proves each region holds exactly the text the msgid was made from.
    together: list[tuple[str, str, str]] = []
    alone: list[tuple[str, str, str]] = []
    count = 0
    for item in extracted(family):
        splices = one_line_splices(item)
        count += len(splices)
        together.append((item.sample.name, item.sample.text, splice(item.doc, splices)))
        alone.extend(
            (
                f"{item.sample.name} line {piece.region.start_line + 1}",
                item.sample.text,
                splice(item.doc, [piece]),
            )
            for piece in splices
        )
    record_property(f"{family}-one-line-units", count)
    print(f"{family}: {count} one-line units spliced")
    assert count > 0
    assert mismatches(together) == []
    assert mismatches(alone) == []


# Where a line break is what stops the link syntax, the msgid (one line) reads
# as a link that the English lacks; render refuses to add it, which is right.
IDENTITY_REFUSED = {
    "commonmark-spec": [
        "CommonMark example 491 (Links) line 1: '[link](<foo bar>)': it has 1 link(s) where the English has 0"
    ],
    "gfm-fixtures": [],
    "awesome-rlhf": [],
    "nodebestpractices": [],
    "wtfjs": [],
}


@pytest.mark.parametrize("family", FAMILIES)
def test_an_identity_translation_is_accepted_and_keeps_every_msgid(family: str) -> None:
    # Multi-line units come back on one line (soft breaks are spaces in a
    # msgid), which must change the layout only: the same msgids, in order.
    rejected: list[str] = []
    changed: list[str] = []
    for item in extracted(family):
        splices = []
        for unit in item.extraction.units:
            try:
                text = prepare_translation(unit, unit.msgid, item.extraction.context)
            except Exception as error:  # render's _Rejected: name the unit, not a traceback
                rejected.append(f"{item.sample.name} line {unit.line}: {unit.msgid!r}: {error}")
                continue
            splices.append(Splice(unit.region, unit.indent, text))
        output = splice(item.doc, splices)
        again = extract(Sample(item.sample.name, output)).extraction.units
        before = [unit.msgid for unit in item.extraction.units]
        if [unit.msgid for unit in again] != before:
            changed.append(f"{item.sample.name}: {msgid_difference(before, [u.msgid for u in again])}")
    assert changed == []
    assert rejected == IDENTITY_REFUSED[family]


def msgid_difference(expected: Sequence[str], got: Sequence[str]) -> str:
    for index, (want, have) in enumerate(zip(expected, got, strict=False)):
        if want != have:
            return f"unit {index + 1}: expected {want!r}, got {have!r}"
    return f"expected {len(expected)} units, got {len(got)}"


# --- 3. Re-wrapping a paragraph changes no msgid ----------------------------------------------


@cache
def markdown_parser() -> MarkdownIt:
    """The parser configuration the product uses, for checking its output independently."""
    return MarkdownIt("commonmark").use(gfm_plugin, front_matter=True)


# A word that could start a block (heading, quote, list item, thematic break,
# setext underline, table row, HTML block, fence, footnote) never starts a line.
_BLOCK_START = re.compile(r"[#>+*=|<_~-]|\d|`{3}|\[\^")
_GAP = re.compile(r"([ \n]+)")


NO_CONTEXT = ParseContext()


def rewrap(content: str, width: int, context: ParseContext = NO_CONTEXT) -> str:
    """Re-fill paragraph text to `width`, breaking only at safe single spaces or soft breaks.

    Never breaks inside code spans, raw HTML, autolinks or link destinations;
    runs of several spaces are kept as they are, since they are text.
    """
    marks = scan_inline(content, context)
    protected = [(mark.start, mark.end) for mark in (*marks.verbatim, *marks.urls)]
    pieces = _GAP.split(content)  # word, gap, word, ..., word
    output, offset = pieces[0], len(pieces[0])
    for gap, word in zip(pieces[1::2], pieces[2::2], strict=True):
        gap_start, offset = offset, offset + len(gap) + len(word)
        inside = any(start < gap_start and gap_start + len(gap) < end for start, end in protected)
        soft = gap == " " or ("\n" in gap and not gap.startswith("  "))
        if inside or not soft or _BLOCK_START.match(word):
            output += gap + word
        elif len(output) - output.rfind("\n") + len(word) <= width:
            output += " " + word
        else:
            output += "\n" + word
    return output


def block_shape(text: str) -> list[tuple[str, str, int, str, tuple[tuple[str, object], ...]]]:
    """The block tokens of `text`: type, tag, nesting level, markup and attributes."""
    return [
        (token.type, token.tag, token.level, token.markup, tuple(sorted(token.attrs.items())))
        for token in markdown_parser().parse(text)
        if token.type != "inline"
    ]


def rewrap_paragraphs(text: str, width: int, context: ParseContext) -> tuple[str, int]:
    """Re-wrap every top-level paragraph without hard breaks; return the text and how many changed."""
    lines = text.split("\n")
    tokens = markdown_parser().parse(text)
    changed = 0
    for opener, inline in reversed(list(pairwise(tokens))):
        if opener.type != "paragraph_open" or opener.level != 0 or opener.map is None:
            continue
        if scan_inline(inline.content, context).hard_breaks:
            continue
        start, end = opener.map
        new = rewrap(inline.content, width, context).split("\n")
        if new != lines[start:end]:
            changed += 1
        lines[start:end] = new
    return "\n".join(lines), changed


def msgids(text: str, name: str) -> list[str]:
    return [unit.msgid for unit in extract(Sample(name, text)).extraction.units]


@pytest.mark.parametrize("width", [40, 1000])
@pytest.mark.parametrize("sample", english_revisions(), ids=lambda sample: sample.name)
def test_rewrapping_top_level_paragraphs_changes_no_msgid(sample: Sample, width: int) -> None:
    context = extract(sample).extraction.context
    wrapped, changed = rewrap_paragraphs(sample.text, width, context)
    # The generator must only move soft breaks; otherwise this test proves nothing.
    assert block_shape(wrapped) == block_shape(sample.text), "the re-wrapping itself changed the blocks"
    assert changed > 0
    before, after = msgids(sample.text, sample.name), msgids(wrapped, sample.name)
    assert after == before, msgid_difference(before, after)


_LETTERS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéçğıöşüXYZ", min_size=1, max_size=10)
_WORDS = st.lists(_LETTERS, min_size=1, max_size=4).map(" ".join)
_CODE = st.text(alphabet="abcxyz_.()[]*=+ ", min_size=1, max_size=12).map(
    lambda code: f"`{code.strip() or 'x'}`"
)
_URL = _LETTERS.map(lambda path: f"https://example.org/{path}_(v2)?q=a*b")
_INLINE = st.one_of(
    _LETTERS,
    _LETTERS,
    _CODE,
    st.builds(lambda text, url: f"[{text}]({url})", _WORDS, _URL),
    st.builds(lambda text, url: f'[{text}]({url} "{text}")', _WORDS, _URL),
    st.builds(lambda text, path: f"![{text}](img/{path}.png)", _WORDS, _LETTERS),
    _WORDS.map(lambda text: f"*{text}*"),
    _URL.map(lambda url: f"<{url}>"),
)


@settings(max_examples=150, deadline=None)
@given(
    first=_LETTERS,
    rest=st.lists(_INLINE, min_size=1, max_size=25),
    widths=st.tuples(st.integers(8, 80), st.integers(8, 80)),
)
def test_rewrapping_a_generated_paragraph_changes_no_msgid(
    first: str, rest: list[str], widths: tuple[int, int]
) -> None:
    paragraph = " ".join([first, *rest])
    documents = [f"# Title\n\n{rewrap(paragraph, width)}\n\nAfter.\n" for width in (*widths, 10_000)]
    one_line = msgids(documents[-1], "generated.md")
    assert len(one_line) == 3
    for text in documents[:-1]:
        assert msgids(text, "generated.md") == one_line, text


# --- 4. A pseudo-translation keeps structure, links and code -----------------------------------

_WORD = re.compile(r"[^\W\d_]+")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")


def pseudo_translate(msgid: str, context: ParseContext) -> str:
    """Reverse and swap the case of every word outside code, HTML, URLs, placeholders and entities.

    Only letters change, so every Markdown punctuation mark stays where it was.
    """
    marks = scan_inline(msgid, context)
    keep = [(mark.start, mark.end) for mark in (*marks.verbatim, *marks.urls)]
    for pattern in (PLACEHOLDER, _ENTITY, _SHORTCODE):
        keep.extend(match.span() for match in pattern.finditer(msgid))

    def change(match: re.Match[str]) -> str:
        if any(start < match.end() and match.start() < end for start, end in keep):
            return match.group()
        return match.group()[::-1].swapcase()

    return _WORD.sub(change, msgid)


def inline_tokens(tokens: Sequence[Token]) -> Iterable[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from inline_tokens(token.children)


def links_and_code(text: str) -> dict[str, Counter[str]]:
    """The multisets of link hrefs, image srcs, inline code and code blocks of a document."""
    found: dict[str, Counter[str]] = {
        kind: Counter() for kind in ("href", "src", "code_inline", "code_block")
    }
    for token in inline_tokens(markdown_parser().parse(text)):
        if token.type == "link_open":
            found["href"][str(token.attrs["href"])] += 1
        elif token.type == "image":
            found["src"][str(token.attrs["src"])] += 1
        elif token.type == "code_inline":
            found["code_inline"][token.content] += 1
        elif token.type in ("fence", "code_block"):
            found["code_block"][token.content] += 1
    return found


@pytest.mark.parametrize("name", [NEWEST_README, OLDER_README])
def test_a_pseudo_translation_keeps_blocks_links_and_code(name: str) -> None:
    item = extract(rlhf_document(name))
    units, context = item.extraction.units, item.extraction.context
    translations = {unit.msgid: pseudo_translate(unit.msgid, context) for unit in units}
    changed = sum(translations[unit.msgid] != unit.msgid for unit in units)
    rendered = render_document(item.doc, units, translations, context)
    assert [str(diagnostic) for diagnostic in rendered.diagnostics] == []
    assert changed > 100
    assert rendered.translated == changed
    assert block_shape(rendered.text) == block_shape(item.sample.text)
    assert links_and_code(rendered.text) == links_and_code(item.sample.text)
    assert len(extract(Sample(name, rendered.text)).extraction.units) == len(units)


# --- 5. Determinism ---------------------------------------------------------------------------


def test_extracting_twice_gives_the_same_units_in_any_order() -> None:
    # A parser shared between calls must carry nothing from one document to the next.
    samples = all_samples()
    first = [extract(sample).extraction for sample in samples]
    second = [extract(sample).extraction for sample in reversed(samples)][::-1]
    assert [sample.name for sample, a, b in zip(samples, first, second, strict=True) if a != b] == []


@pytest.mark.parametrize("name", [NEWEST_README, OLDER_README])
def test_rendering_is_deterministic(name: str) -> None:
    item = extract(rlhf_document(name))
    units, context = item.extraction.units, item.extraction.context
    translations = {unit.msgid: pseudo_translate(unit.msgid, context) for unit in units}
    first = render_document(item.doc, units, translations, context)
    for sample in all_samples()[:100]:  # other documents in between must not leak into the next render
        extract(sample)
    assert render_document(item.doc, units, translations, context) == first
