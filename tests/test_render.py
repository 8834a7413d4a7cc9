"""Render: splicing translations, URLs from the current English, fallbacks that keep documents whole."""

from __future__ import annotations

import pytest

from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.render.splice import Rendered, accept_translations, is_allowed_link, render_document


def render(source: str, translations: dict[str, str]) -> Rendered:
    doc = load_document(source, "doc.md")
    extraction = extract_units(doc)
    return render_document(doc, extraction.units, translations, extraction.context)


def test_placeholders_take_the_current_english_urls() -> None:
    source = "Read the [guide](https://new.example/guide) now.\n"
    result = render(source, {"Read the [guide]({1}) now.": "[Kılavuzu]({1}) şimdi okuyun."})
    assert result.text == "[Kılavuzu](https://new.example/guide) şimdi okuyun.\n"


def test_placeholders_may_be_reordered() -> None:
    source = "See [a](https://a.example) and [b](https://b.example).\n"
    msgid = "See [a]({1}) and [b]({2})."
    result = render(source, {msgid: "[B]({2}) ve [A]({1}) bakın."})
    assert result.text == "[B](https://b.example) ve [A](https://a.example) bakın.\n"


def test_a_spelled_out_url_equal_to_the_english_one_is_accepted() -> None:
    source = "See [docs](https://docs.example).\n"
    result = render(source, {"See [docs]({1}).": "[Belgeler](https://docs.example) bakın."})
    assert result.text == "[Belgeler](https://docs.example) bakın.\n"
    assert result.diagnostics == ()


@pytest.mark.parametrize(
    ("source", "msgid", "msgstr", "reason"),
    [
        (
            "See [docs](https://docs.example).\n",
            "See [docs]({1}).",
            "[x](javascript:alert(1))",
            "0 link(s) where the English has 1",
        ),
        ("See [docs](https://docs.example).\n", "See [docs]({1}).", "[x]({2})", "{2} is not a placeholder"),
        (
            "# Title\n",
            "Title",
            "Başlık\nikinci satır",
            "[block-structure] a heading cannot hold a line break",
        ),
        ("| a |\n|---|\n| b |\n", "b", "x | y", "[block-structure] a table cell cannot hold an unescaped"),
        (
            "Plain text.\n",
            "Plain text.",
            "[tıkla](https://evil.example)",
            "1 link(s) where the English has 0",
        ),
    ],
)
def test_unusable_translations_fall_back_to_english_and_are_reported(
    source: str, msgid: str, msgstr: str, reason: str
) -> None:
    result = render(source, {msgid: msgstr})
    assert result.text == source
    assert result.translated == 0
    assert len(result.diagnostics) == 1
    assert reason in result.diagnostics[0].message
    assert "evil" not in result.text and "javascript" not in result.text


def test_a_retargeted_link_gets_the_english_url_back_and_is_reported() -> None:
    source = "See [docs](https://docs.example) and [home](https://home.example).\n"
    msgid = "See [docs]({1}) and [home]({2})."
    result = render(source, {msgid: "[Ana sayfa]({2}) ve [belgeler](https://evil.example)."})
    assert result.text == "[Ana sayfa](https://home.example) ve [belgeler](https://docs.example).\n"
    assert "replaced by the English one" in result.diagnostics[0].message


def test_a_localized_link_is_kept_only_to_an_allowed_host() -> None:
    doc = load_document("Read [the article](https://en.wikipedia.org/wiki/Gettext).\n", "doc.md")
    extraction = extract_units(doc)
    msgstr = "[Makaleyi](https://tr.wikipedia.org/wiki/Gettext) okuyun."
    translations = {"Read [the article]({1}).": msgstr}
    allowed = accept_translations(
        "tr.po", extraction.units, translations, extraction.context, ["*.wikipedia.org"]
    )
    refused = accept_translations(
        "tr.po", extraction.units, translations, extraction.context, ["example.org"]
    )
    assert list(allowed.texts.values()) == [msgstr]
    assert allowed.diagnostics == ()
    assert list(refused.texts.values()) == ["[Makaleyi](https://en.wikipedia.org/wiki/Gettext) okuyun."]
    assert len(refused.diagnostics) == 1


def test_an_allowed_host_never_allows_another_scheme() -> None:
    assert not is_allowed_link("javascript://tr.wikipedia.org/%0aalert(1)", ["*.wikipedia.org"])
    assert not is_allowed_link("ftp://tr.wikipedia.org/x", ["*.wikipedia.org"])
    assert is_allowed_link("https://tr.wikipedia.org/x", ["*.wikipedia.org"])


def test_hard_break_in_a_translation_keeps_the_list_item_container() -> None:
    source = "- first\n- > quoted item\n  > text\n- last\n"
    msgid = "quoted item text"
    result = render(source, {msgid: "alıntı  \nmetin"})
    assert result.text == "- first\n- > alıntı  \n  > metin\n- last\n"


def test_multi_line_unit_becomes_one_line_keeping_crlf() -> None:
    source = "> one\r\n> two\r\n\r\nnext\r\n"
    result = render(source, {"one two": "bir iki"})
    assert result.text == "> bir iki\r\n\r\nnext\r\n"


def test_a_final_newline_or_its_absence_is_kept() -> None:
    assert render("Hello", {"Hello": "Merhaba"}).text == "Merhaba"
    assert render("Hello\n\n", {"Hello": "Merhaba"}).text == "Merhaba\n\n"


def test_table_cells_keep_pipes_and_padding() -> None:
    source = "| Name   | Value |\n|--------|------:|\n| speed  | fast  |\n"
    result = render(source, {"Name": "Ad", "Value": "Değer", "fast": "hızlı"})
    assert result.text == "| Ad   | Değer |\n|--------|------:|\n| speed  | hızlı  |\n"


def test_escaped_pipes_in_a_cell_translation_are_accepted() -> None:
    source = "| a \\| b |\n|---|\n"
    result = render(source, {"a \\| b": "x \\| y"})
    assert result.text == "| x \\| y |\n|---|\n"


def test_front_matter_values_are_quoted_when_yaml_needs_it() -> None:
    source = "---\ntitle: Guide\ndescription: 'It''s short'\n---\n\nBody text.\n"
    result = render(source, {"Guide": "Kılavuz: başlangıç", "It's short": "Kısa'dır"})
    assert result.text == "---\ntitle: \"Kılavuz: başlangıç\"\ndescription: 'Kısa''dır'\n---\n\nBody text.\n"


def test_fuzzy_entries_are_never_passed_and_unknown_msgids_are_ignored() -> None:
    source = "# Title\n\nBody.\n"
    result = render(source, {"Something else": "Başka"})
    assert result.text == source
    assert result.translated == 0


def test_same_english_in_two_places_is_translated_in_both() -> None:
    source = "Same.\n\n- Same.\n"
    assert render(source, {"Same.": "Aynı."}).text == "Aynı.\n\n- Aynı.\n"


def test_chinese_translation_of_a_wrapped_paragraph() -> None:
    source = "This is **important**\nand uses `pip install`.\n"
    result = render(
        source, {"This is **important** and uses `pip install`.": "这很**重要**，使用 `pip install`。"}
    )
    assert result.text == "这很**重要**，使用 `pip install`。\n"
