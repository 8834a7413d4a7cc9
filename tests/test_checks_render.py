"""Render honours the checks: failing translations stay English, unsafe URLs never get out.

The property test at the end throws generated hostile fragments (unsafe schemes in
every spelling, in links, images, autolinks, reference definitions and HTML
attributes) at every unit of a document, under every configuration, and reads the
output back twice: with the product's own parser and with a browser-like oracle.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from i18n_sync.checks.compare import unsafe_urls
from i18n_sync.checks.guard import guard_document
from i18n_sync.checks.translation import (
    CHECK_IDS,
    OFF,
    Policy,
    make_policy,
    run_checks,
)
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.markdown.facts import text_facts
from i18n_sync.project.config import load_config
from i18n_sync.project.sync import run
from i18n_sync.render.splice import Rendered, accept_translations, render_accepted, render_document


def render(
    source: str,
    translations: dict[str, str],
    policy: Policy | None = None,
    ignored: Mapping[str, Collection[str]] | None = None,
) -> Rendered:
    doc = load_document(source, "doc.md")
    extraction = extract_units(doc)
    policy, ignored = policy or make_policy([]), ignored or {}
    return render_document(
        doc, extraction.units, translations, extraction.context, policy, ignored, extraction.outline
    )


def links_of(text: str) -> list[str]:
    """Where the links of a rendered document go, as markdown-it reads them."""
    return list(text_facts(text).links)


def test_an_error_level_finding_keeps_the_english_and_names_the_check() -> None:
    source = "Plain words.\n\nOther words.\n"
    result = render(source, {"Plain words.": "Düz <script>alert(1)</script>.", "Other words.": "Başka."})
    assert result.text == "Plain words.\n\nBaşka.\n"
    assert result.translated == 1
    assert len(result.diagnostics) == 1
    assert "[html-tags] it adds HTML the English does not have: <script>" in result.diagnostics[0].message
    assert [(r.unit.msgid, [f.check for f in r.findings]) for r in result.rejected] == [
        ("Plain words.", ["html-tags"])
    ]


def test_a_warning_level_finding_does_not_stop_the_translation() -> None:
    source = "Run `pip install x` now.\n"
    result = render(source, {"Run `pip install x` now.": "Şimdi `pip kur x` çalıştırın."})
    assert result.text == "Şimdi `pip kur x` çalıştırın.\n"
    assert result.diagnostics == ()


def test_a_project_can_make_a_warning_an_error_and_an_entry_can_opt_out() -> None:
    source = "Run `pip install x` now.\n"
    translations = {"Run `pip install x` now.": "Şimdi `pip kur x` çalıştırın."}
    strict = make_policy([("inline-code", "error")])
    assert render(source, translations, strict).text == source
    ignored = {"Run `pip install x` now.": {"inline-code"}}
    assert render(source, translations, strict, ignored).text == source  # a translator cannot lower it
    opted_out = make_policy([("inline-code", "error")], [("inline-code", ["Run `pip install x` now."])])
    assert render(source, translations, opted_out).text == "Şimdi `pip kur x` çalıştırın.\n"


def test_an_unsafe_url_is_refused_whatever_the_configuration() -> None:
    source = "Plain words.\n"
    everything_off = make_policy([(c, OFF) for c in CHECK_IDS if c != "unsafe-url"])
    hostile = '<a href="java&#x09;script:alert(1)">Düz</a> sözler.'
    result = render(source, {"Plain words.": hostile}, everything_off, {"Plain words.": set(CHECK_IDS)})
    assert result.text == source
    assert "[unsafe-url]" in result.diagnostics[0].message


@pytest.mark.parametrize(
    ("source", "msgid", "msgstr"),
    [
        ("Plain words.\n", "Plain words.", "\u00a0https://evil.example/x Düz."),
        ("Plain words.\n", "Plain words.", "\u3000www.evil.example sözler"),
        ("# Title\n", "Title", "\u3000https://evil.example"),
        ("|a|b|\n|-|-|\n|one|two|\n", "one", "\u2003https://evil.example "),
    ],
    ids=["no-break space", "ideographic space", "heading", "table cell"],
)
def test_whitespace_at_the_ends_cannot_hide_a_link(source: str, msgid: str, msgstr: str) -> None:
    # The block trims it, and what follows then starts an autolink.
    result = render(source, {msgid: msgstr})
    assert "evil" not in " ".join(links_of(result.text)), result.text
    assert [f.check for r in result.rejected for f in r.findings] == ["link-targets"]


def test_a_table_cell_cannot_escape_its_closing_pipe() -> None:
    # Any backslash before a '|' escapes it, so the two cells would make one link.
    source = "|a|b|\n|-|-|\n|one|two|\n"
    result = render(source, {"one": "[tıkla\\\\", "two": "](//evil.example)"})
    assert links_of(result.text) == []
    assert [(r.unit.msgid, [f.check for f in r.findings]) for r in result.rejected] == [
        ("one", ["block-structure"])
    ]


def test_an_invalid_url_in_a_translation_is_reported_not_raised() -> None:
    source = "See www.site.example today.\n"
    result = render(source, {"See {1} today.": "Bugün https://evil.example[a bakın."})
    assert "evil" not in " ".join(links_of(result.text))


def test_the_document_guard_catches_what_only_shows_in_place() -> None:
    # Alone, "[x] yap" is a paragraph; as a list item's text it makes a task box.
    source = "- do it\n- other\n\n> Note this\n"
    translations = {"do it": "[x] yap", "other": "diğer", "Note this": "[!NOTE]\nBunu not edin"}
    result = render(source, translations)
    assert result.text == "- do it\n- diğer\n\n> Note this\n"
    messages = sorted(d.message for d in result.diagnostics)
    assert "[block-structure] in the rendered document it makes an alert" in messages[0]
    assert "[block-structure] in the rendered document it turns a list item into a task" in messages[1]
    assert [d.line for d in sorted(result.diagnostics, key=lambda d: d.line or 0)] == [1, 4]


def test_only_the_configuration_lets_an_entry_change_blocks_in_place() -> None:
    source = "- do it\n- other\n"
    translations = {"do it": "[x] yap", "other": "diğer"}
    result = render(source, translations, ignored={"do it": {"block-structure"}})
    assert result.text == "- do it\n- diğer\n"
    entry_off = make_policy([], [("block-structure", ["do it"])])
    assert render(source, translations, entry_off).text == "- [x] yap\n- diğer\n"
    off = make_policy([("block-structure", OFF)])
    assert render(source, translations, off).text == "- [x] yap\n- diğer\n"


def test_guard_drops_every_unit_that_changes_the_blocks_in_place() -> None:
    # A synthetic document: "a" and "c" turn paragraphs into reference definitions,
    # one of them unsafe; the guard drops both, so no unsafe URL reaches the output.
    pieces = {"a": "[x]: https://example.org/", "b": "plain", "c": "[x]: javascript:alert(1)"}

    def output(chosen: Collection[str]) -> str:
        body = "\n\n".join(pieces[u] if u in chosen else u.upper() for u in ("a", "b", "c"))
        return body + "\n\n[x]\n"

    dropped = guard_document(["a", "b", "c"], output)
    assert [(unit, finding.check) for unit, finding in dropped] == [
        ("a", "block-structure"),
        ("c", "block-structure"),
    ]
    assert unsafe_urls(text_facts(output(["b"]))) == unsafe_urls(text_facts(output([])))


def test_sync_honours_the_project_checks_setting(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "README.md").write_text("Run `make` first.\n", encoding="utf-8")
    config = 'languages = ["tr"]\ngenerated_header = false\nchecks = { "inline-code" = "error" }\n'
    (tmp_path / "i18n-sync.toml").write_text(config, encoding="utf-8")
    (tmp_path / "locales" / "tr").mkdir(parents=True)
    po = 'msgid ""\nmsgstr ""\n"Language: tr\\n"\n\n'
    po += 'msgid "Run `make` first."\nmsgstr "Önce `yap` çalıştırın."\n'
    (tmp_path / "locales" / "tr" / "README.po").write_text(po, encoding="utf-8")
    report = run(load_config(tmp_path))
    output = next(c for c in report.changes if c.path == "README.tr.md")
    assert output.content.decode("utf-8") == "Run `make` first.\n"
    assert any("[inline-code]" in d.message for d in report.diagnostics)


# --- the property: no unsafe msgstr ever reaches an output ---------------------------------------

SOURCE = """# Guide

Read the [guide](https://example.org/guide) first.

- A list item with `code`.

> A quoted line.

| Name | Value |
| --- | --- |
| speed | fast |

<div>

Inside HTML.

</div>

See [the docs][docs].

[docs]: https://example.org/docs
"""

_DOC = load_document(SOURCE, "doc.md")
_EXTRACTION = extract_units(_DOC)
MSGIDS = sorted({unit.msgid for unit in _EXTRACTION.units})
ALL_OFF = make_policy([(check, OFF) for check in CHECK_IDS if check != "unsafe-url"])

SCHEMES = ("javascript", "vbscript", "data", "file")
INSERTS = ("\t", "&#9;", "&#x0A;", "&NewLine;", "&Tab;", "%09", "\u200b", "\x01", " ", "\\")
COLONS = (":", "&colon;", "&#58;", "&#x3a;", "%3A", "\\:")
WRAPPERS = (
    "[t]({u})",
    "[t](<{u}>)",
    "![t]({u})",
    "<{u}>",
    '<a href="{u}">t</a>',
    "<a href='{u}'>t</a>",
    "<a href={u}>t</a>",
    '<img src="{u}">',
    '<img srcset="a.png 1x, {u} 2x">',
    '<iframe src="{u}"></iframe>',
    '<form action="{u}"><button>t</button></form>',
    '<meta http-equiv="refresh" content="0;url={u}">',
    "[r]: {u}",
    "[t][r]\n\n[r]: {u}",
    "[t][docs]\n\n[docs]: {u}",
)


@st.composite
def spelled_char(draw: st.DrawFn, char: str) -> str:
    form = draw(st.sampled_from(("plain", "upper", "decimal", "hex", "percent")))
    spelled = {
        "plain": char,
        "upper": char.upper(),
        "decimal": f"&#{ord(char)};",
        "hex": f"&#x{ord(char):x};",
        "percent": f"%{ord(char):02X}",
    }[form]
    return spelled + (draw(st.sampled_from(INSERTS)) if draw(st.integers(0, 9)) == 0 else "")


@st.composite
def hostile_url(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(SCHEMES))
    spelled = "".join(draw(spelled_char(char)) for char in scheme)
    lead = draw(st.sampled_from(("", " ", "\t", "&#32;", "%20")))
    payload = draw(st.sampled_from(("alert(1)", "//evil.example.net/x", "text/html;base64,PHNjcmlwdD4=")))
    return lead + spelled + draw(st.sampled_from(COLONS)) + payload


@st.composite
def hostile_msgstr(draw: st.DrawFn) -> str:
    fragment = draw(st.sampled_from(WRAPPERS)).format(u=draw(hostile_url()))
    before = draw(st.sampled_from(("", "Önce ", "先 ", "# ", "- ")))
    after = draw(st.sampled_from(("", " sonra.", " {1}", " [guide]({1})")))
    return before + fragment + after


class _Attributes(HTMLParser):
    """Every attribute value of an HTML page, entity-decoded as a browser decodes it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.values += [value or "" for _, value in attrs]


def browser_unsafe(value: str) -> bool:
    """WHATWG URL parsing, roughly: strip C0 and spaces, drop tabs and newlines, read the scheme."""
    url = re.sub(r"[\t\n\r]", "", value.strip("".join(chr(c) for c in range(0x21))))
    scheme, colon, _ = url.partition(":")
    return bool(colon) and scheme.lower() in SCHEMES


def oracle_unsafe(markdown: str) -> list[str]:
    """Render with a permissive Markdown renderer (no link validation) and read it as a browser."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    parser = _Attributes()
    parser.feed(md.render(markdown))
    return [value for value in parser.values if browser_unsafe(value)]


@settings(
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    attacks=st.dictionaries(st.sampled_from(MSGIDS), hostile_msgstr(), min_size=1, max_size=3),
    strict=st.booleans(),
    hosts=st.sampled_from(((), ("*",), ("*.example.net",))),
)
def test_an_unsafe_msgstr_never_appears_in_any_rendered_file(
    attacks: dict[str, str], strict: bool, hosts: tuple[str, ...]
) -> None:
    policy = make_policy([]) if strict else ALL_OFF
    ignored = {} if strict else {msgid: set(CHECK_IDS) for msgid in attacks}
    accepted = accept_translations(
        "tr.po", _EXTRACTION.units, attacks, _EXTRACTION.context, hosts, policy, ignored
    )
    output = render_accepted(_DOC, _EXTRACTION.units, accepted, _EXTRACTION.context).text
    assert not unsafe_urls(text_facts(output)), output
    assert not oracle_unsafe(output), output
    verdicts: dict[str, set[bool]] = {}
    for unit in _EXTRACTION.units:
        if unit.msgid in attacks:
            msgstr = attacks[unit.msgid]
            found = run_checks(unit.msgid, msgstr, _EXTRACTION.context, unit.kind, unit.urls)
            verdicts.setdefault(msgstr, set()).add(any(f.check == "unsafe-url" for f in found))
    # Unsafe where it stands: in a heading, "[r]: data:x" is text, not a definition.
    # A line holding exactly that text (after its list or quote markers) must not be
    # there; the same text inside a longer, safe translation may be.
    bodies = {re.sub(r"^[\s>*+-]*", "", line) for line in output.splitlines()}
    for msgstr, unsafe in verdicts.items():
        if unsafe == {True}:
            assert msgstr not in bodies, output


def test_sync_reports_what_the_document_guard_refused(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "README.md").write_text("- do it\n- other\n", encoding="utf-8")
    (tmp_path / "i18n-sync.toml").write_text(
        'languages = ["tr"]\ngenerated_header = false\n', encoding="utf-8"
    )
    (tmp_path / "locales" / "tr").mkdir(parents=True)
    po = 'msgid ""\nmsgstr ""\n"Language: tr\\n"\n\nmsgid "do it"\nmsgstr "[x] yap"\n'
    (tmp_path / "locales" / "tr" / "README.po").write_text(po, encoding="utf-8")
    report = run(load_config(tmp_path))
    output = next(c for c in report.changes if c.path == "README.tr.md")
    assert output.content.decode("utf-8") == "- do it\n- other\n"
    found = [d for d in report.diagnostics if "[block-structure]" in d.message]
    assert len(found) == 1 and "(in README.tr.md)" in found[0].message
