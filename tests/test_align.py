"""Aligning hand-made translations: golden fixtures under tests/fixtures/align/<case>/.

Each case has the English `input.md` and a translation written by hand,
`tr.md`, that drifted from it: blocks dropped, added, moved, merged, split,
left in English, links pointed elsewhere. `expected.txt` is the alignment,
written by hand: one line per English unit (``E -> T how sure|fuzzy`` or
``E -> none``), then the translated blocks left over (``none -> T``), by
1-based line. `expected.po` is the catalogue the import makes (``pytest
--regen`` rewrites it; review the diff).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import FIXED_DATE, FIXTURES, check_golden, read_fixture
from i18n_sync.gettext.catalog import build_template, new_catalog
from i18n_sync.gettext.merge import merge_catalog
from i18n_sync.gettext.po import format_po
from i18n_sync.importing.align import WHY_SWAP, Block, Weights, make_block, score_pair, url_similarity
from i18n_sync.importing.importer import Acceptance, _checked_by_render, import_translation
from i18n_sync.importing.proposals import Aligned, Proposal, align_documents, prepare_msgstr, split_merged
from i18n_sync.locales import parse_language
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.markdown.records import ParseContext
from i18n_sync.model import Catalog, Message, Region, Unit

CASES = sorted(p for p in (FIXTURES / "align").iterdir() if p.is_dir())


def language_of(case: Path) -> str:
    return "zh-CN" if case.name == "cjk" else "de"


def aligned(case: Path) -> Aligned:
    english = load_document(read_fixture(case / "input.md"), "input.md")
    translated = load_document(read_fixture(case / "tr.md"), "tr.md")
    return align_documents(english, translated)


def describe(result: Aligned) -> str:
    """The alignment as `expected.txt` spells it."""
    english, translated = result.english_extraction.units, result.translated_extraction.units
    rows: list[tuple[int, str]] = []
    for pair in result.alignment.pairs:
        left = "+".join(str(english[i].line) for i in pair.english)
        right = "+".join(str(translated[j].line) for j in pair.translated)
        sure = "sure" if pair.sure else "fuzzy"
        rows.append((english[pair.english[0]].line, f"{left} -> {right} {pair.how} {sure}"))
    rows += [(english[i].line, f"{english[i].line} -> none") for i in result.alignment.unpaired_english]
    lines = [text for _, text in sorted(rows)]
    lines += [f"none -> {translated[j].line}" for j in result.alignment.unpaired_translated]
    return "\n".join(lines) + "\n"


def empty_catalog(text: str, language: str) -> Catalog:
    units = extract_units(load_document(text, "input.md")).units
    template = build_template(units, "input.md", "fixture", None, FIXED_DATE)
    catalog, _ = merge_catalog(new_catalog(template, parse_language(language), "input.md"), template)
    return catalog


def imported(case: Path, catalog: Catalog | None = None, overwrite: bool = False) -> Catalog:
    text = read_fixture(case / "input.md")
    base = catalog if catalog is not None else empty_catalog(text, language_of(case))
    english = load_document(text, "input.md")
    translated = load_document(read_fixture(case / "tr.md"), "tr.md")
    result, _ = import_translation(english, translated, base, overwrite)
    return result


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_aligns_as_expected(case: Path) -> None:
    assert describe(aligned(case)) == read_fixture(case / "expected.txt")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_imports_into_catalogue(case: Path, regen: bool) -> None:
    check_golden(case / "expected.po", format_po(imported(case)), regen)


def test_merged_paragraph_is_cut_where_the_translator_broke_the_line() -> None:
    catalog = imported(FIXTURES / "align" / "merged")
    first, second = (m for m in catalog.messages if m.msgid.startswith(("Download", "Then add")))
    assert first.msgstr == "Lade das Archiv von der Release-Seite herunter. Entpacke es, wo du willst."
    assert second.msgstr.startswith("Füge dann den Ordner `bin`")
    assert first.is_fuzzy and second.is_fuzzy


def test_split_paragraphs_are_joined_with_a_line_break() -> None:
    catalog = imported(FIXTURES / "align" / "split")
    entry = next(m for m in catalog.messages if m.msgid.startswith("If something breaks"))
    assert entry.is_fuzzy
    assert entry.msgstr.count("\n") == 1
    assert "[Tracker]({1})" in entry.msgstr and "<{2}>" in entry.msgstr


def test_english_urls_win_and_english_the_translator_kept_is_recorded() -> None:
    catalog = imported(FIXTURES / "align" / "links-and-english")
    by_msgid = {m.msgid: m for m in catalog.messages}
    intro = by_msgid["Atlas draws maps from GPS tracks. See [Usage]({1}) and [the FAQ]({2})."]
    # The translator's line break stays; the anchor and the localized FAQ link become placeholders.
    assert intro.msgstr == (
        "Atlas zeichnet Karten aus GPS-Tracks.\nSiehe [Verwendung]({1}) und [die FAQ]({2})."
    )
    assert (
        by_msgid["![screenshot of a drawn map]({1})"].msgstr
        == "![Bildschirmfoto einer gezeichneten Karte]({1})"
    )
    # Kept in English on purpose: translated as itself, so that status counts no work there.
    kept = by_msgid["Run `atlas draw track.gpx` to draw a map."]
    assert kept.msgstr == kept.msgid and kept.is_translated
    assert kept.comments == ("i18n-sync import: kept in English by the translator",)
    assert by_msgid["MIT"].msgstr == "MIT"
    assert not any(m.is_fuzzy for m in catalog.messages)


def test_existing_translations_are_kept_unless_overwrite() -> None:
    case = FIXTURES / "align" / "dropped"
    base = empty_catalog(read_fixture(case / "input.md"), "de")
    mine = Message("Hand tools", "Meine Handwerkzeuge", flags=("markdown-text",))
    base = Catalog(base.header, tuple(mine if m.msgid == "Hand tools" else m for m in base.messages))
    kept = {m.msgid: m.msgstr for m in imported(case, base).messages}
    replaced = {m.msgid: m.msgstr for m in imported(case, base, overwrite=True).messages}
    assert kept["Hand tools"] == "Meine Handwerkzeuge"
    assert replaced["Hand tools"] == "Handwerkzeuge"
    assert kept["Power tools"] == replaced["Power tools"] == "Elektrowerkzeuge"


def unit(msgid: str, urls: tuple[str, ...] = (), kind: str = "paragraph") -> Unit:
    return Unit(kind, msgid, urls, Region(0, 0, 0, len(msgid)))


def test_translated_links_become_the_english_placeholders() -> None:
    english = unit("See [the guide]({1}) and [the FAQ]({2}).", ("docs/guide.md", "docs/faq.md"))
    # Identical URLs pair first, in any order; a URL the translator changed takes the one left.
    text = prepare_msgstr(
        "Siehe [die FAQ](docs/faq.md) und [die Anleitung](docs/anleitung.md).", english, ParseContext(), True
    )
    assert text.text == "Siehe [die FAQ]({2}) und [die Anleitung]({1})."
    assert text.links_ok and text.replaced == 1


def test_a_link_the_english_lacks_is_kept_and_flagged() -> None:
    english = unit("Released under the MIT license.")
    text = prepare_msgstr(
        "MIT lisansıyla.\n[Çevirmen](https://example.org/me)", english, ParseContext(), True
    )
    assert text.text == "MIT lisansıyla.\n[Çevirmen](https://example.org/me)"
    assert not text.links_ok


def test_a_dropped_link_is_flagged() -> None:
    english = unit("Uses [BERT]({1}).", ("https://example.org/bert",))
    assert not prepare_msgstr("[BERT] kullanır.", english, ParseContext(), True).links_ok


def test_hard_breaks_and_soft_breaks() -> None:
    english = unit("One  \ntwo three")
    text = prepare_msgstr("Eins  \n   zwei\ndrei", english, ParseContext(), keep_breaks=True)
    assert text.text == "Eins  \nzwei\ndrei"
    assert text.flat == "Eins  \nzwei drei"
    heading = prepare_msgstr("Eins\nzwei", unit("One two", kind="heading"), ParseContext(), keep_breaks=False)
    assert heading.text == "Eins zwei"


def test_split_merged_prefers_the_cut_that_fits_lengths_and_links() -> None:
    first = unit("A short one.")
    second = unit("A much longer second paragraph with [a link]({1}) in it.", ("https://example.org",))
    content = "Kurz. Ein viel längerer zweiter Absatz. Mit [Link](https://example.org) darin."
    assert split_merged(content, first, second) == (
        "Kurz.",
        "Ein viel längerer zweiter Absatz. Mit [Link](https://example.org) darin.",
    )
    assert split_merged("Ohne Satzende", first, second) is None


def test_identical_text_and_links_outweigh_everything_else() -> None:
    def block(msgid: str, urls: tuple[str, ...] = (), prefix: str = "- ") -> Block:
        return make_block(0, Unit("paragraph", msgid, urls, Region(0, len(prefix), 0, 40)), prefix)

    english = block("[Attention Is All You Need]({1}) by Vaswani et al., 2017.", ("https://arxiv.org/abs/1",))
    same_link = block("[Dikkat]({1}), Vaswani vd., 2017.", ("https://arxiv.org/abs/1",))
    other_link = block("[Dikkat]({1}), Vaswani vd., 2017.", ("https://arxiv.org/abs/2",))
    heading = make_block(0, Unit("heading", "Attention", (), Region(0, 3, 0, 12)), "## ")
    weights = Weights((english, same_link, other_link))
    assert score_pair(english, same_link, weights) - score_pair(english, other_link, weights) >= 7
    assert score_pair(english, heading, weights) == float("-inf")


def test_url_similarity_gives_half_credit_to_localized_copies() -> None:
    assert url_similarity(("CONTRIBUTING.md",), ("CONTRIBUTING_TU.md",)) == 0.5
    assert url_similarity(("./overview.png",), ("./zh/assets/overview.png",)) == 0.5
    assert url_similarity(("a.md", "b.md"), ("b.md", "a.md")) == 1.0
    assert url_similarity(("a.md",), ("c.md",)) == 0.0


def test_duplicate_english_takes_the_translators_most_frequent_choice() -> None:
    text = "# Links\n\n- Code: [here](https://a.example)\n- Code: [here](https://b.example)\n"
    text += "- Code: [here](https://c.example)\n"
    translated = "# Bağlantılar\n\n- Kod: [burada](https://a.example)\n- Code: [here](https://b.example)\n"
    translated += "- Code: [here](https://c.example)\n"
    catalog, report = import_translation(
        load_document(text, "input.md"), load_document(translated, "tr.md"), empty_catalog(text, "tr")
    )
    entry = next(m for m in catalog.messages if m.msgid == "Code: [here]({1})")
    assert entry.msgstr == entry.msgid  # two of three kept the English
    assert [u.state for u in report.units] == ["sure", "same", "same", "same"]


def test_text_shaped_like_a_placeholder_is_left_to_a_person() -> None:
    english = unit("Write {1} for [the link]({1}).", ("https://example.org",))
    assert not prepare_msgstr(
        "{1} yaz: [bağlantı](https://example.org).", english, ParseContext(), True
    ).links_ok
    plain = unit("Use {2} here.")
    assert prepare_msgstr("Burada {2} kullan.", plain, ParseContext(), True).links_ok


def import_texts(english: str, translated: str, language: str = "tr") -> Catalog:
    catalog, _ = import_translation(
        load_document(english, "input.md"),
        load_document(translated, "tr.md"),
        empty_catalog(english, language),
    )
    return catalog


def test_a_translation_render_would_refuse_is_imported_fuzzy_with_render_s_reason() -> None:
    english = "# Notes\n\nKeep the lid closed.\n\nOpen it slowly.\n"
    # The translator added HTML the English lacks: render refuses it, so import may not call it translated.
    translated = "# Notlar\n\nKapağı kapalı tut.<br/>\n\nYavaşça aç.\n"
    entry = next(m for m in import_texts(english, translated).messages if m.msgid == "Keep the lid closed.")
    assert entry.msgstr == "Kapağı kapalı tut.<br/>" and entry.is_fuzzy
    (comment,) = entry.comments
    assert comment.startswith("i18n-sync import: render would not use it: [html-tags]")


def test_line_breaks_render_would_refuse_are_dropped() -> None:
    english = "# Notes\n\nKeep the lid closed and the stove off.\n"
    doc = load_document(english, "input.md")
    extraction = extract_units(doc)
    msgid = "Keep the lid closed and the stove off."
    # Kept as the translator broke it, the second line would open a heading in the English output.
    proposal = Proposal("Kapağı kapalı tut,\n# ocağı kapat.", True, flat="Kapağı kapalı tut, # ocağı kapat.")
    checked = _checked_by_render(doc, extraction, {msgid: proposal}, Acceptance())
    assert checked[msgid].msgstr == "Kapağı kapalı tut, # ocağı kapat."
    assert checked[msgid].sure and not checked[msgid].refused


def test_a_turkish_suffix_after_a_bare_url_stays_text() -> None:
    english = unit("Docs are at {1} now.", ("https://example.org/docs",))
    text = prepare_msgstr("Belgeler https://example.org/docs'ta.", english, ParseContext(), True)
    assert text.text == "Belgeler <{1}>'ta." and text.links_ok


def test_a_link_to_a_sibling_translation_takes_the_english_placeholder() -> None:
    english = unit("See [the guide]({1}) and [the docs]({2}).", ("CONTRIBUTING.md", "https://x.org/docs"))
    # The translator added a link of their own too: the sibling still pairs with its English link.
    text = prepare_msgstr(
        "[Belgeler](https://x.org/docs), [rehber](CONTRIBUTING_TU.md), [ben](https://me.example).",
        english,
        ParseContext(),
        True,
    )
    assert text.text == "[Belgeler]({2}), [rehber]({1}), [ben](https://me.example)."
    assert text.replaced == 1 and not text.links_ok


def test_every_uncertain_entry_says_why() -> None:
    catalog = imported(FIXTURES / "align" / "neighbour-swap")
    fuzzy = [m for m in catalog.messages if m.is_fuzzy]
    assert fuzzy and all(m.comments == ("i18n-sync import: uncertain: " + WHY_SWAP,) for m in fuzzy)


def test_a_link_to_a_heading_with_spaces_in_its_target_is_a_link_again() -> None:
    english = unit("[Codebases]({1})", ("#codebases",))
    text = prepare_msgstr("[Kod tabanları](#kod tabanları)", english, ParseContext(), True)
    assert text.text == "[Kod tabanları]({1})" and text.links_ok
