"""markdown.html: what a reader reads in raw HTML, by exact offsets; attributes escaped on the way back."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helpers import uppercase
from i18n_sync.gettext.catalog import build_template, new_catalog
from i18n_sync.gettext.merge import merge_catalog
from i18n_sync.importing.importer import import_translation
from i18n_sync.locales import parse_language
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.markdown.html import escape_attribute, read_html, scan_attributes, text_content, url_marks
from i18n_sync.markdown.msgid import fill_placeholders
from i18n_sync.render.decorate import Decorations
from i18n_sync.render.publish import Prepared, anchor_map, build_site, publish
from i18n_sync.render.splice import Splice, accept_translations, render_document, splice


def pieces(text: str) -> list[tuple[str, str]]:
    return [(piece.kind, text[piece.start : piece.end]) for piece in read_html(text).pieces]


def test_a_run_keeps_its_inline_markup_and_marks_its_urls() -> None:
    text = '<p>\n  Read <a href="docs.md" title="Docs">the <b>docs</b></a> &amp; more.\n</p>\n'
    (piece,) = read_html(text).pieces
    stretch = text[piece.start : piece.end]
    assert stretch == 'Read <a href="docs.md" title="Docs">the <b>docs</b></a> &amp; more.'
    assert [stretch[m.start : m.end] for m in piece.urls] == ["docs.md"]


def test_block_tags_split_runs_and_carry_their_own_readable_attributes() -> None:
    text = '<div title="Box"><p>One</p>Two<td aria-label="Cell">Three</td></div>'
    assert pieces(text) == [
        ("html-attribute", "Box"),
        ("html-text", "One"),
        ("html-text", "Two"),
        ("html-attribute", "Cell"),
        ("html-text", "Three"),
    ]


def test_a_run_without_prose_gives_its_attributes_instead() -> None:
    text = '<a href="x"><img src="a.svg" alt="Build status"></a> <img alt=""> <img alt="v2">'
    assert pieces(text) == [("html-attribute", "Build status"), ("html-attribute", "v2")]


def test_code_and_skipped_elements_are_not_prose() -> None:
    text = "<p><code>npm install</code> :rocket:</p><pre>Some text</pre><script>x = 'Hi'</script>"
    assert pieces(text) == []


def test_attribute_positions_follow_the_html_tokenizer() -> None:
    raw = """<img alt='It "is"' title=Plain data-x src = "a.png"style="b">"""
    attributes = scan_attributes(raw, 10, [("alt", 'It "is"'), ("title", "Plain"), ("data-x", None),
                                           ("src", "a.png"), ("style", "b")])  # fmt: skip
    assert [(a.name, raw[a.start - 10 : a.end - 10], a.quote) for a in attributes] == [
        ("alt", 'It "is"', "'"),
        ("title", "Plain", ""),
        ("data-x", "", ""),
        ("src", "a.png", '"'),
        ("style", "b", '"'),
    ]
    # When the two readings disagree, no position is trusted.
    assert scan_attributes(raw, 0, [("alt", "other")]) == ()


def test_headings_know_their_text_and_id() -> None:
    found = read_html('<h2 id="setup">Set <em>up</em></h2><h1><img alt="Logo"></h1>')
    assert [(h.level, h.text, h.id, h.piece) for h in found.headings] == [
        (2, "Set up", "setup", 0),
        (1, "", "", None),
    ]


def test_a_heading_whose_text_is_not_all_in_one_piece_has_no_unit_for_its_anchor() -> None:
    found = read_html("<h1>\n<code>x</code>\n<br>\nTitle\n</h1>\n")
    assert [(h.text.split(), h.piece) for h in found.headings] == [(["x", "Title"], None)]


def test_helpers_for_render_and_anchors() -> None:
    text = '<a href="#top" title="x">Up &amp; <img src="i.png"></a>'
    assert [text[m.start : m.end] for m in url_marks(text)] == ["#top", "i.png"]
    assert text_content(text) == "Up & "


@pytest.mark.parametrize(
    ("quote", "written"),
    [('"', "Say &quot;hi&quot; it's"), ("'", 'Say "hi" it&#39;s'), ("", '"Say &quot;hi&quot; it\'s"')],
)
def test_an_attribute_translation_is_escaped_for_its_quotes(quote: str, written: str) -> None:
    assert escape_attribute('Say "hi" it\'s', quote) == written


def test_a_translation_replaces_only_the_attribute_value() -> None:
    source = "<p>\n  <img src=logo.png alt=Logo width=9>\n  <img src='b.svg' alt='Build'>\n</p>\n"
    doc = load_document(source, "README.md")
    extraction = extract_units(doc)
    assert [(u.kind, u.msgid) for u in extraction.units] == [
        ("html-attribute", "Logo"),
        ("html-attribute", "Build"),
    ]
    translations = {"Logo": 'Le "logo"', "Build": "Construction d'abord"}
    rendered = render_document(doc, extraction.units, translations, extraction.context)
    assert rendered.text == (
        '<p>\n  <img src=logo.png alt="Le &quot;logo&quot;" width=9>\n'
        "  <img src='b.svg' alt='Construction d&#39;abord'>\n</p>\n"
    )


ANCHORED = """\
<h2 align="center">Getting started</h2>

<p><a href="#getting-started">Start here</a> or <a href="#usage">read on</a>.</p>

Jump to [the start](#getting-started).

<p align="right"><a href="#getting-started"><img src="up.svg" alt="Up"></a></p>

## Usage

<h2 id="usage-notes">Usage</h2>
"""


def test_html_headings_take_part_in_anchor_rewriting() -> None:
    doc = load_document(ANCHORED, "README.md")
    extraction = extract_units(doc)
    assert [h.text for h in extraction.headings] == ["Getting started", "Usage", "Usage"]
    translations = {
        "Getting started": "Başlarken",
        '<a href="{1}">Start here</a> or <a href="{2}">read on</a>.': (
            '<a href="{1}">Buradan başlayın</a> ya da <a href="{2}">okuyun</a>.'
        ),
        "Usage": "Kullanım",
    }
    accepted = accept_translations(doc.path, extraction.units, translations, extraction.context)
    prepared = Prepared("README.md", "README.md", "README.tr.md", doc, extraction, accepted)
    assert anchor_map(extraction, accepted) == {
        "getting-started": "başlarken",
        "usage": "kullanım",
        "usage-1": "kullanım-1",
    }
    rendered = publish(prepared, build_site([prepared]), Decorations())
    assert rendered.diagnostics == ()
    assert rendered.text == (
        '<h2 align="center">Başlarken</h2>\n\n'
        '<p><a href="#başlarken">Buradan başlayın</a> ya da <a href="#kullanım">okuyun</a>.</p>\n\n'
        "Jump to [the start](#başlarken).\n\n"
        # No unit holds the link of a row of images: it stays as written, like a Markdown badge's.
        '<p align="right"><a href="#getting-started"><img src="up.svg" alt="Up"></a></p>\n\n'
        "## Kullanım\n\n"
        '<h2 id="usage-notes">Kullanım</h2>\n'
    )


def test_an_untranslated_html_link_is_rewritten_too() -> None:
    doc = load_document(ANCHORED, "README.md")
    extraction = extract_units(doc)
    accepted = accept_translations(
        doc.path, extraction.units, {"Getting started": "Başlarken"}, extraction.context
    )
    prepared = Prepared("README.md", "README.md", "README.tr.md", doc, extraction, accepted)
    rendered = publish(prepared, build_site([prepared]), Decorations())
    assert '<p><a href="#başlarken">Start here</a> or <a href="#usage">read on</a>.</p>' in rendered.text


HOSTILE_SOURCE = (
    '<p align="center">\n  <b>Fast</b> and <a href="docs.md">documented</a>\n</p>\n\n'
    '<img src="logo.png" alt="Logo">\n'
)
HOSTILE = [
    '<b>Hızlı</b> ve <a href="{1}" onmouseover="alert(1)">belgeli</a>',
    '<b>Hızlı</b> ve <a href="{1}">belgeli</a><img src="https://tracker.example/p.gif">',
    '<b>Hızlı</b> ve <img src=x onerror="alert(1)"> <a href="{1}">belgeli</a>',
    '<b>Hızlı</b> ve <a href="https://evil.example">belgeli</a>',
    '<b>Hızlı</b></p><p onclick="alert(1)"> ve <a href="{1}">belgeli</a>',
    '<b>Hızlı</b> ve <a href="{1}">belgeli</a> <!-- the rest of the page is hidden',
    '<b>Hızlı</b> ve <a href="{1}">belgeli</a> <img src=x onerror=alert(1)',
]


@pytest.mark.parametrize("msgstr", HOSTILE)
def test_a_hostile_html_translation_is_refused_and_the_english_kept(msgstr: str) -> None:
    doc = load_document(HOSTILE_SOURCE, "README.md")
    extraction = extract_units(doc)
    msgid = '<b>Fast</b> and <a href="{1}">documented</a>'
    assert extraction.units[0].msgid == msgid
    rendered = render_document(doc, extraction.units, {msgid: msgstr}, extraction.context)
    assert rendered.text == HOSTILE_SOURCE
    assert rendered.translated == 0 and len(rendered.rejected) == 1


def test_an_attribute_translation_cannot_leave_its_value() -> None:
    doc = load_document(HOSTILE_SOURCE, "README.md")
    extraction = extract_units(doc)
    rendered = render_document(doc, extraction.units, {"Logo": 'x" onerror="alert(1)'}, extraction.context)
    assert rendered.text.endswith('<img src="logo.png" alt="x&quot; onerror=&quot;alert(1)">\n')
    assert rendered.translated == 1


IMPORT_ENGLISH = """\
<h1 align="center">Sync your translations</h1>

<p align="center">
  <img src="logo.png" alt="The logo">
</p>

<p align="center"><b>Fast</b> and <a href="docs/intro.md">documented</a>.</p>

## Usage

Run the tool in your repository.
"""

IMPORT_TURKISH = """\
<h1 align="center">Çevirilerinizi eşitleyin</h1>

<p align="center">
  <img src="logo.png" alt="Amblem">
</p>

<p align="center"><b>Hızlı</b> ve <a href="docs/intro.tr.md">belgelenmiş</a>.</p>

## Kullanım

Aracı deponuzda çalıştırın.
"""


def test_import_aligns_html_units_and_keeps_the_english_urls() -> None:
    english = load_document(IMPORT_ENGLISH, "README.md")
    units = extract_units(english).units
    template = build_template(units, "README.md", "demo", None, "2026-01-01 00:00+0000")
    catalog, _ = merge_catalog(new_catalog(template, parse_language("tr"), "README.md"), template)
    filled, report = import_translation(english, load_document(IMPORT_TURKISH, "README.tr.md"), catalog)
    msgstrs = {message.msgid: message.msgstr for message in filled.active if not message.is_fuzzy}
    assert msgstrs == {
        "Sync your translations": "Çevirilerinizi eşitleyin",
        "The logo": "Amblem",
        '<b>Fast</b> and <a href="{1}">documented</a>.': '<b>Hızlı</b> ve <a href="{1}">belgelenmiş</a>.',
        "Usage": "Kullanım",
        "Run the tool in your repository.": "Aracı deponuzda çalıştırın.",
    }
    assert report.count("sure") == 5 and report.links_replaced == 1


# --- properties over generated HTML ---------------------------------------------------------

WORDS = st.sampled_from(
    [
        "Fast",
        "safe",
        "docs",
        "Ünïcode",
        "中文",
        "a < b",
        "&amp;",
        "x&y",
        " ",
        "\n",
        "  ",
        "<!-- note -->",
        "\t",
    ]
)
TAGS = st.sampled_from(["p", "div", "b", "a", "img", "br", "td", "h2", "summary", "code", "span", "pre"])
ATTRIBUTES = st.sampled_from(
    ["", ' alt="Logo"', " title='It \"is\"'", " href=docs.md", ' src="a.png"', " aria-label=Menu", " id=x"]
)


@st.composite
def html_blocks(draw: st.DrawFn) -> str:
    parts = [f"<{draw(TAGS)}{draw(ATTRIBUTES)}>"]
    for _ in range(draw(st.integers(0, 8))):
        choice = draw(st.integers(0, 2))
        if choice == 0:
            parts.append(draw(WORDS))
        elif choice == 1:
            parts.append(f"<{draw(TAGS)}{draw(ATTRIBUTES)}{draw(st.sampled_from(['', '/']))}>")
        else:
            parts.append(f"</{draw(TAGS)}>")
    lines = [line for line in "".join(parts).split("\n") if line.strip()]
    first, rest = draw(st.sampled_from([("", ""), ("> ", "> "), ("- ", "  "), ("1. ", "   ")]))
    return (
        "".join((rest if index else first) + line + "\n" for index, line in enumerate(lines)) + "\nAfter.\n"
    )


@settings(max_examples=300, deadline=None)
@given(html_blocks())
@example('<p><h2 alt="Logo">Fast</h2>\n\nAfter.\n')  # a heading's own attribute comes before its text
def test_generated_html_renders_back_exactly_and_takes_uppercase_translations(source: str) -> None:
    doc = load_document(source, "README.md")
    extraction = extract_units(doc)
    identity = {unit.msgid: unit.msgid for unit in extraction.units}
    assert render_document(doc, extraction.units, {}, extraction.context).text == source
    assert render_document(doc, extraction.units, identity, extraction.context).text == source
    for unit in extraction.units:
        if unit.region.start_line == unit.region.end_line:
            text = fill_placeholders(unit.msgid, unit.urls)
            assert splice(doc, [Splice(unit.region, unit.indent, text)]) == source
    upper = {unit.msgid: uppercase(unit.msgid) for unit in extraction.units}
    rendered = render_document(doc, extraction.units, upper, extraction.context)
    again = extract_units(load_document(rendered.text, "README.md"))
    assert len(again.units) == len(extraction.units)
