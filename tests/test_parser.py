"""The tool's parsers agree with markdown-it-py's own, and their shortcuts with the long way.

Three shortcuts make parsing cheaper, and each must change no result:

- rules are tried only at the characters they can match (`dispatch_by_character`);
- the source's outline comes from the extraction's parse, not from a second one;
- a unit's facts skip the block pass for text that can only be its own block (`unit_facts`).

The same comparisons over the shared corpus are in `test_parser_corpus.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from i18n_sync.markdown import facts
from i18n_sync.markdown import parser as markdown
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.markdown.facts import text_facts, unit_facts
from i18n_sync.markdown.parser import document_outline
from i18n_sync.markdown.records import ParseContext

FIXTURES = sorted((Path(__file__).parent / "fixtures").rglob("*.md"))

# Every inline construct, several block kinds, and the characters GFM autolinks stop at.
MIXED = """\
---
title: Front matter
---

# Heading with `code` and [a link](https://example.org "title") {#id}

Text with *emphasis*, __strong__, ~~strike~~, ~single~, a\\*escape, &amp; &#35; &#x41;,
<span class="x">html</span>, <https://example.org/auto>, www.example.com/page, mail@example.org,
https://example.org/bare?q=1, a footnote[^1], ![image](img.png), [ref][label] and [label].
Hard break \x20
and a backslash break\\
and `` code ` span ``.

> [!NOTE]
> An alert with **bold**.

- [ ] task
- [x] done
  1. nested *one*

| a | b \\| c |
|---|---|
| `x` | [y](z) |

[label]: https://example.org/ref
[^1]: The note, with _emphasis_.
"""

# The characters that make Markdown, and letters around them; documents have lines too.
_MARKUP_CHARS = "ab Zç中 \t\u00a0\u3000#>-+*_=`~<>[]()!:^|\\&;0123456789.)'\"/@w"
MARKUP = st.text(alphabet=st.sampled_from(list(_MARKUP_CHARS)))
_PIECES = [*_MARKUP_CHARS, "\n", "\n", "\n", "www.", "-- ", "> ", "1. "]
DOCUMENTS = st.lists(st.sampled_from(_PIECES)).map("".join)


_PLAIN = markdown._build_parser(dispatch=False)
_PLAIN_FACTS = facts._build_facts_parser(dispatch=False)


def _tokens(parser: Any, text: str) -> list[dict[str, Any]]:
    return [token.as_dict() for token in parser.parse(text, {})]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_dispatch_makes_the_same_tokens_on_every_fixture(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for build in (markdown._build_parser, facts._build_facts_parser):
        assert _tokens(build(), text) == _tokens(build(dispatch=False), text)


@pytest.mark.parametrize(
    "text",
    [
        "- a--\n  text\n  ---\n",  # front matter looks at the document's first character
        "> www.example.org and\n> 1. item\n\n    code\n",
        "Text\n<div>\nblock</div>\n\n[^n]: note\n[ref]: /url\n",
    ],
)
def test_dispatch_makes_the_same_tokens_where_rules_look_elsewhere(text: str) -> None:
    for fast, plain in ((markdown._parser(), _PLAIN), (facts._facts_parser(), _PLAIN_FACTS)):
        assert _tokens(fast, text) == _tokens(plain, text)


def test_dispatch_makes_the_same_tokens_for_every_inline_construct() -> None:
    for build in (markdown._build_parser, facts._build_facts_parser):
        tokens = _tokens(build(), MIXED)
        assert tokens == _tokens(build(dispatch=False), MIXED)
        kinds = {child["type"] for token in tokens for child in token.get("children") or []}
        # The sample holds what each rule makes, so the comparison covers every rule.
        assert {"link_open", "image", "code_inline", "html_inline", "hardbreak", "footnote_ref"} <= kinds
        assert {"em_open", "strong_open", "s_open"} <= kinds


@settings(max_examples=500, deadline=None)
@given(DOCUMENTS)
def test_dispatch_makes_the_same_tokens_for_any_markup(text: str) -> None:
    for fast, plain in ((markdown._parser(), _PLAIN), (facts._facts_parser(), _PLAIN_FACTS)):
        assert _tokens(fast, text) == _tokens(plain, text)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_extraction_outline_is_the_documents_outline(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    extraction = extract_units(load_document(text, path.name))
    assert extraction.outline == document_outline(text)


def test_outline_holds_definitions_and_unused_footnotes_in_place() -> None:
    outline = document_outline("\ufeffText.\n\n[a]: /one\n[A]: /two\n[b]: javascript:x\n\n[^n]: Unused.\n")
    # First definition of a label wins; an unsafe destination still makes a definition.
    assert outline.definitions == (("A", "/one"), ("B", "javascript:x"))
    assert [node.kind for node in outline.blocks] == ["paragraph", "footnote_reference", "paragraph"]


def test_extraction_outline_of_every_construct() -> None:
    assert extract_units(load_document(MIXED, "mixed.md")).outline == document_outline(MIXED)


@pytest.mark.parametrize("kind", ["paragraph", "heading", "table-cell"])
@settings(max_examples=400, deadline=None)
@given(text=MARKUP)
def test_unit_facts_equal_the_full_parse(kind: str, text: str) -> None:
    context = ParseContext(references=("LABEL",), footnotes=("1",))
    wrapped = facts._BLOCK_WRAPPERS[kind].format(text)
    assert unit_facts(text, kind, context) == text_facts(wrapped, context)


@pytest.mark.parametrize(
    "text",
    [
        "Plain words.",
        "**Bold** start, *then* `code` and [a link](https://example.org).",
        "#hashtag is not a heading",
        "1986\\. A great year, 3.14 and 2) too",
        "-dash, +plus, _under_ and ~tilde~",
        "[link](https://example.org): with a colon after",
        "<b>bold</b> starts a paragraph, not an HTML block",
        "Uses [ref][label] and a note[^1].",
        "\u00a0https://example.org after a no-break space",
        "a URL before an ideographic space https://example.org\u3000",
    ],
)
def test_unit_facts_of_one_line_paragraphs(text: str) -> None:
    context = ParseContext(references=("LABEL",), footnotes=("1",))
    assert unit_facts(text, "paragraph", context) == text_facts(text, context)


@pytest.mark.parametrize("text", ["https://example.org/x\\", "www.example.org\\", "a\\\\", "plain \\"])
def test_unit_facts_of_cells_ending_in_a_backslash(text: str) -> None:
    # Wrapped, the backslash escapes the cell's closing pipe, and a URL takes the pipe in.
    assert unit_facts(text, "table-cell") == text_facts(f"|{text}|\n|-|\n")


def test_outline_ignores_byte_order_mark_and_line_endings() -> None:
    body = "# Title\n\n- item\n  more\n\n> quote\n\n[a]: /x\n"
    for text in ("\ufeff" + body, body.replace("\n", "\r\n"), "\ufeff" + body.replace("\n", "\r")):
        extraction = extract_units(load_document(text, "doc.md"))
        assert extraction.outline == document_outline(text) == document_outline(body)
