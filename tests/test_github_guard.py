"""Hostile translations judged by what GitHub shows: cmark-gfm's HTML, read as a browser reads it.

Each row is an English document, a hostile translation of its first unit and an honest
twin that uses the same construct. The hostile one must fall back to English, and the
rendered output, put through cmark-gfm (GitHub's parser) and html5lib, must show no link,
image source, element, attribute value or hidden character that the English lacks. The
honest twin must be used, and show nothing new either.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pytest

from i18n_sync.checks.github import differences, render_html, shown_in, without_front_matter
from i18n_sync.checks.translation import CHECK_IDS, make_policy
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.render.splice import Rendered, render_document

GUIDE = "Read the [guide](https://example.com/guide) first.\n"
BARE = "See https://example.com/docs for details.\n"
PLAIN = "Plain words here.\n"
SPAN = 'Use <span style="color:red">red</span> text.\n'
KBD = "Press <kbd>Ctrl</kbd> now.\n"
EVERY_CHECK = frozenset(CHECK_IDS)


@dataclass(frozen=True)
class Row:
    """A hostile translation and its honest twin for the first unit of `source`."""

    id: str
    source: str
    hostile: str
    honest: str
    ignored: Collection[str] = ()  # what a translator comment asks to ignore


ROWS = [
    # Translators switch checks off with a comment: it explains, it does not switch off.
    Row(
        "comment: tracking image",
        PLAIN,
        'Düz <img src="https://evil.example/t.png"> sözler.',
        "Düz sözler burada.",
        EVERY_CHECK,
    ),
    Row(
        "comment: script block",
        PLAIN,
        "Düz sözler.\n\n<script>alert(1)</script>",
        "Düz sözler burada.",
        EVERY_CHECK,
    ),
    Row(
        "comment: retargeted a href",
        GUIDE,
        'Önce <a href="https://evil.example/">kılavuzu</a> okuyun.',
        "Önce [kılavuzu]({1}) okuyun.",
        EVERY_CHECK,
    ),
    Row(
        "comment: phishing section",
        PLAIN,
        "Düz sözler.\n\n## Giriş yapın\n\n[Buraya](https://evil.example/login)",
        "Düz sözler burada.",
        EVERY_CHECK,
    ),
    Row(
        "comment: bidi override",
        GUIDE,
        "Önce [kılavuzu]({1}) okuyun&#x202E;.",
        "Önce [kılavuzu]({1}) okuyun.",
        EVERY_CHECK,
    ),
    # GitHub links what markdown-it does not.
    Row("bare URL glued to CJK", PLAIN, "请访问https://evil.example/x获取", "请阅读这些普通的话。"),
    Row(
        "bare URL glued to CJK, English has one", BARE, "详情见{1}和https://evil.example/x。", "详情见 {1} 。"
    ),
    Row("URL after a colon", PLAIN, "Bilgi:https://evil.example/x", "Bilgi: düz sözler."),
    Row("URL in quotes", PLAIN, 'Düz "https://evil.example/x" sözler.', 'Düz "alıntı" sözler.'),
    Row("URL in parentheses", PLAIN, "Düz (https://evil.example/x) sözler.", "Düz (ayraç) sözler."),
    Row("URL in emphasis", PLAIN, "Düz *https://evil.example/x* sözler.", "Düz *vurgulu* sözler."),
    Row("upper-case scheme", PLAIN, "Düz HTTPS://EVIL.EXAMPLE/X sözler.", "Düz HTTPS sözler."),
    Row("ftp URL", PLAIN, "Düz ftp://evil.example/x sözler.", "Düz ftp sözler."),
    Row("xmpp address", PLAIN, "Düz xmpp:spy@evil.example sözler.", "Düz xmpp sözler."),
    Row("e-mail address", PLAIN, "Düz spy@evil.example sözler.", "Düz e-posta sözler."),
    Row("e-mail with dots and plus", PLAIN, "Düz a.b+c@evil.example sözler.", "Düz a.b+c sözler."),
    Row("mailto URL", PLAIN, "Düz mailto:spy@evil.example sözler.", "Düz mailto sözler."),
    Row("www autolink", PLAIN, "Düz www.evil.example/x?y=1 sözler.", "Düz www sözler."),
    Row(
        "autolink swallows the backslash",
        PLAIN,
        "www.evil.example\\<img src=https://evil.example/p.png>",
        "Düz \\<img> sözler.",
    ),
    Row("angle-bracket autolink", PLAIN, "Düz <https://evil.example/x> sözler.", "Düz <kısa> sözler."),
    Row(
        "e-mail beside an English URL",
        BARE,
        "Ayrıntılar {1} ve spy@evil.example adresinde.",
        "Ayrıntılar {1} adresinde.",
    ),
    # Comment and markup edge cases browsers read their own way.
    Row(
        "comment closed by --!>",
        PLAIN,
        "Düz <!-- x --!> <img src=https://evil.example/p.png> --> sözler.",
        "Düz sözler, yorumsuz.",
    ),
    Row("<!X declaration", PLAIN, "Düz <!X <img src=https://evil.example/p.png>> sözler.", "Düz !X sözler."),
    Row("CDATA section", PLAIN, "Düz <![CDATA[ <img src=x> ]]> sözler.", "Düz CDATA sözler."),
    Row("processing instruction", PLAIN, "Düz <?php echo 1 ?> sözler.", "Düz php sözler."),
    Row("hidden comment", PLAIN, "Düz sözler <!-- gizli --> burada.", "Düz sözler, açık."),
    # Entities that decode to hidden characters.
    Row("entity &#x202E;", PLAIN, "Düz &#x202E;sözler.", "Düz &amp; sözler."),
    Row("entity &#8238;", PLAIN, "Düz &#8238;sözler.", "Düz &lt; sözler."),
    Row("entity &ZeroWidthSpace;", PLAIN, "Düz&ZeroWidthSpace;sözler.", "Düz&nbsp;sözler."),
    Row("entity &shy;", PLAIN, "Düz&shy;sözler.", "Düz&mdash;sözler."),
    Row("entity &rlm;", PLAIN, "Düz &rlm;sözler.", "Düz &copy; sözler."),
    Row("entity &#x2066; isolate", PLAIN, "Düz &#x2066;sözler&#x2069;.", "Düz &#x41;sözler."),
    Row("raw right-to-left override", PLAIN, "Düz \u202esözler.", "Düz sözler, düz."),
    Row("raw zero-width space", PLAIN, "Düz\u200bsözler.", "Düz sözler, açık."),
    Row(
        "entity in a link title",
        GUIDE,
        'Önce [kılavuzu]({1} "a&#x202E;b") okuyun.',
        'Önce [kılavuzu]({1} "başlık") okuyun.',
    ),
    # Changed attribute values.
    Row(
        "style fetches a remote image",
        SPAN,
        '<span style="background:url(https://evil.example/t.png)">Kırmızı</span> metin.',
        '<span style="color:red">Kırmızı</span> metin kullanın.',
    ),
    Row("link turned into an image", GUIDE, "Önce ![kılavuzu]({1}) okuyun.", "Önce [kılavuzu]({1}) okuyun."),
    Row(
        "raw image from a placeholder",
        GUIDE,
        'Önce <img src="{1}"> [kılavuzu]({1}) okuyun.',
        "Önce [kılavuzu]({1}) okuyun!",
    ),
    Row(
        "new attribute on an English tag",
        KBD,
        '<kbd onmouseover="alert(1)">Ctrl</kbd> tuşuna basın.',
        "<kbd>Ctrl</kbd> tuşuna basın.",
    ),
    Row(
        "ping on a raw link",
        GUIDE,
        'Önce <a href="https://example.com/guide" ping="https://evil.example">kılavuzu</a> okuyun.',
        "Önce [kılavuzu]({1}) okuyun.",
    ),
    Row("srcset", PLAIN, 'Düz <img srcset="https://evil.example/x.png 1x"> sözler.', "Düz sözler, resimsiz."),
    Row(
        "iframe",
        PLAIN,
        'Düz <iframe src="https://evil.example/"></iframe> sözler.',
        "Düz sözler, çerçevesiz.",
    ),
    Row(
        "form action",
        PLAIN,
        'Düz <form action="https://evil.example/"><button>Gönder</button></form>',
        "Düz sözler, formsuz.",
    ),
    Row(
        "svg link",
        PLAIN,
        '<svg><a href="https://evil.example/"><text>Düz</text></a></svg> sözler.',
        "Düz sözler, resimsiz.",
    ),
    Row(
        "javascript link",
        GUIDE,
        "Önce [kılavuzu](javascript:alert(1)) okuyun.",
        "Önce [kılavuzu]({1}) okuyun.",
    ),
    Row(
        "entity-spelled javascript",
        GUIDE,
        '<a href="jav&#x09;ascript:alert(1)">Kılavuz</a> okuyun.',
        "[Kılavuzu]({1}) önce okuyun.",
    ),
    Row(
        "reference definition",
        GUIDE,
        "Önce [kılavuzu]({1}) okuyun.\n\n[kılavuzu]: https://evil.example",
        "Önce [kılavuzu]({1}) okuyun.",
    ),
]


def render(source: str, msgstr: str, ignored: Collection[str] = ()) -> tuple[Rendered, str]:
    doc = load_document(source, "doc.md")
    extraction = extract_units(doc)
    msgid = extraction.units[0].msgid
    policy = make_policy([])
    rendered = render_document(
        doc,
        extraction.units,
        {msgid: msgstr},
        extraction.context,
        policy,
        {msgid: ignored},
        extraction.outline,
    )
    return rendered, msgid


def new_on_github(source: str, output: str) -> list[str]:
    english = shown_in(without_front_matter(source))
    return [d.detail for d in differences(english, shown_in(without_front_matter(output)))]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_a_hostile_translation_falls_back_and_github_shows_nothing_new(row: Row) -> None:
    rendered, _ = render(row.source, row.hostile, row.ignored)
    assert rendered.translated == 0, rendered.text
    assert rendered.text == row.source
    assert rendered.rejected or rendered.diagnostics
    assert new_on_github(row.source, rendered.text) == []


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_its_honest_twin_is_used(row: Row) -> None:
    rendered, _ = render(row.source, row.honest, row.ignored)
    assert rendered.translated == 1, rendered.diagnostics
    assert rendered.text != row.source
    assert new_on_github(row.source, rendered.text) == []


def test_the_hostile_set_is_large_and_the_hostile_outputs_differ_on_github() -> None:
    # The rows are real attacks: spliced in unchecked, GitHub would show something new.
    assert len(ROWS) >= 40
    shown = 0
    for row in ROWS:
        doc = load_document(row.source, "doc.md")
        unit = extract_units(doc).units[0]
        text = row.hostile.replace("{1}", unit.urls[0]) if unit.urls else row.hostile
        raw = row.source.replace(unit.msgid.replace("{1}", unit.urls[0]) if unit.urls else unit.msgid, text)
        shown += bool(new_on_github(row.source, raw))
    # GitHub's tagfilter already neutralizes <script> and <iframe>; an unused definition shows nothing.
    assert shown >= len(ROWS) - 3


def test_render_html_is_githubs_rendering() -> None:
    assert render_html("~~a~~ www.example.com\n\n- [x] t\n") == (
        '<p><del>a</del> <a href="http://www.example.com">www.example.com</a></p>\n'
        '<ul>\n<li><input type="checkbox" checked="" disabled="" /> t</li>\n</ul>\n'
    )
    assert render_html("<script>x</script>\n") == "&lt;script>x&lt;/script>\n"  # tagfilter
