"""Update (merge) promises: nothing a translator wrote is ever lost, and a changed
paragraph shows up as fuzzy with its old English, touching only its own lines."""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from helpers import invoke
from i18n_sync.gettext.catalog import build_template
from i18n_sync.gettext.matcher import (
    _URL,
    SIMILARITY_THRESHOLD,
    _WordCodes,
    similarity,
    tokens_of,
    word_similarity,
    words_of,
)
from i18n_sync.gettext.merge import MergeReport, _fuzzy_indexes, _FuzzyIndex, merge_catalog, source_of
from i18n_sync.gettext.po import format_po, parse_po
from i18n_sync.gettext.stats import Counts
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.markdown.msgid import PLACEHOLDER
from i18n_sync.model import Catalog, Message

HEADER = (("Content-Type", "text/plain; charset=UTF-8"), ("Language", "tr"))


def catalog(*messages: Message) -> Catalog:
    return Catalog(header=HEADER, messages=messages)


def pot(*msgids: str) -> Catalog:
    return catalog(
        *(
            Message(msgid, extracted=(f"Section: {i}",), references=("README.md",), flags=("markdown-text",))
            for i, msgid in enumerate(msgids)
        )
    )


def done(msgid: str, msgstr: str | None = None, **fields: Any) -> Message:
    """A translated entry."""
    return Message(msgid, msgstr if msgstr is not None else msgid.upper(), **fields)


def by_msgid(result: Catalog) -> dict[str, Message]:
    return {m.msgid: m for m in result.messages if not m.obsolete}


def obsolete_of(result: Catalog) -> list[Message]:
    return [m for m in result.messages if m.obsolete]


LONG = "Reinforcement learning from human feedback trains a reward model on preference data first"


# Exact carry-over


def test_an_unchanged_msgid_keeps_translation_flags_and_comments_and_takes_the_template_comments() -> None:
    old = catalog(
        done("Hello", "Merhaba", comments=("checked by Ayşe",), flags=("no-wrap",), extracted=("old",)),
    )
    merged, report = merge_catalog(old, pot("Hello"))
    entry = by_msgid(merged)["Hello"]
    assert entry.msgstr == "Merhaba"
    assert entry.comments == ("checked by Ayşe",)
    assert entry.flags == ("no-wrap", "markdown-text")
    merged, _ = merge_catalog(catalog(done("Hello", flags=("markdown-text", "no-wrap"))), pot("Hello"))
    assert merged.messages[0].flags == ("markdown-text", "no-wrap"), "the file's order is kept"
    assert entry.extracted == ("Section: 0",) and entry.references == ("README.md",)
    assert report == MergeReport(kept=1)


def test_a_fuzzy_entry_matched_exactly_stays_fuzzy_with_its_previous_msgid() -> None:
    old = catalog(done("Hello there", flags=("fuzzy",), previous_msgid="Hello"))
    merged, report = merge_catalog(old, pot("Hello there"))
    entry = by_msgid(merged)["Hello there"]
    assert entry.is_fuzzy and entry.previous_msgid == "Hello"
    assert report.kept == 1 and report.fuzzy == 0


def test_the_header_is_the_old_catalogues_untouched() -> None:
    old = Catalog(header=(("Language", "tr"), ("PO-Revision-Date", "2024-01-01")), messages=())
    template = replace(pot("Hello"), header=(("POT-Creation-Date", "2026-01-01"),))
    merged, _ = merge_catalog(old, template)
    assert merged.header == old.header


# Fuzzy matching


def test_a_reworded_paragraph_takes_the_old_translation_as_fuzzy_with_the_old_english() -> None:
    old = catalog(done(LONG, "ÇEVİRİ", comments=("glossary: RLHF",)))
    new_text = LONG.replace("first", "before training")
    merged, report = merge_catalog(old, pot(new_text))
    entry = by_msgid(merged)[new_text]
    assert entry.is_fuzzy and entry.msgstr == "ÇEVİRİ"
    assert entry.previous_msgid == LONG
    assert entry.comments == ("glossary: RLHF",)
    assert "markdown-text" in entry.flags
    assert report == MergeReport(fuzzy=1)
    # The old entry lives on in the fuzzy one, as with msgmerge: no obsolete copy.
    assert obsolete_of(merged) == []
    assert '#| msgid "Reinforcement learning' in format_po(merged)


def test_markup_and_placeholders_do_not_count_against_similarity() -> None:
    old = catalog(done("Table of Contents"))
    merged, report = merge_catalog(old, pot("Table of Contents", "[Table of Contents]({1})"))
    assert by_msgid(merged)["[Table of Contents]({1})"].previous_msgid == "Table of Contents"
    assert report == MergeReport(kept=1, fuzzy=1)


@pytest.mark.parametrize(
    ("old_text", "new_text"),
    [
        ("[Papers]({1})", "[Turkish]({1})"),  # msgmerge offers this one (0.67 over characters)
        ("[Blogs]({1})", "[Books]({1})"),
        ("Keyword: New paradigm for RLHF", "Keyword: RLHF"),
        ("Code: [official]({1})", "Dataset: [official]({1})"),
        (
            "Illustrating Reinforcement Learning from Human Feedback",
            "Safe Reinforcement Learning from Humans",
        ),
    ],
)
def test_no_suggestion_below_the_threshold(old_text: str, new_text: str) -> None:
    assert similarity(old_text, new_text) < SIMILARITY_THRESHOLD
    merged, report = merge_catalog(catalog(done(old_text)), pot(new_text))
    entry = by_msgid(merged)[new_text]
    assert entry.msgstr == "" and not entry.is_fuzzy and entry.previous_msgid is None
    assert report == MergeReport(added=1, obsolete=1)
    assert [m.msgid for m in obsolete_of(merged)] == [old_text]


RENAMES = [
    # Short: one word added, changed in form or a typo fixed; characters carry these.
    ("Basics", "The basics"),
    ("Getting started", "Get started"),
    ("Contributing", "Contribute"),
    ("Installing", "Installing it"),
    ("FAQ", "FAQs"),
    ("Display help:", "Display the help:"),
    ("[License]({1})", "License"),
    ("Recieve updates", "Receive updates"),
    ("安装指南", "安装指南："),
    ("[Table of Contents]({1})", "Table of contents"),
    # Long: a word or two edited in a sentence; words carry these.
    (
        "Run the tests with pytest before you open a pull request.",
        "Run the test suite with pytest before opening a pull request.",
    ),
    (
        "Every translated entry of a language is a suggestion for the other documents.",
        "Every translated entry of a language, in any document, is a suggestion for the others.",
    ),
    ("在提交拉取请求之前运行测试。", "在提交拉取请求之前运行全部测试。"),
    # Another tool's inline URL against our placeholder.
    ("See [the guide](https://example.org/guide) first.", "See [the guide]({1}) first."),
]


@pytest.mark.parametrize(("old_text", "new_text"), RENAMES)
def test_renames_keep_their_translation_as_fuzzy_with_the_old_english(old_text: str, new_text: str) -> None:
    merged, report = merge_catalog(catalog(done(old_text, "ÇEVİRİ")), pot(new_text))
    entry = by_msgid(merged)[new_text]
    assert entry.is_fuzzy and entry.msgstr == "ÇEVİRİ" and entry.previous_msgid == old_text
    assert report == MergeReport(fuzzy=1)
    assert f'#| msgid "{old_text}"' in format_po(merged)


def test_the_basics_heading_keeps_its_translation_through_sync(project: Path) -> None:
    (project / "content" / "README.md").write_text("# Guide\n\n## Basics\n\nText.\n", encoding="utf-8")
    assert invoke(project, "sync").exit_code == 0
    po = project / "locales" / "tr" / "README.po"
    po.write_text(
        po.read_text("utf-8").replace('msgid "Basics"\nmsgstr ""', 'msgid "Basics"\nmsgstr "Temeller"')
    )
    (project / "content" / "README.md").write_text("# Guide\n\n## The basics\n\nText.\n", encoding="utf-8")
    assert invoke(project, "sync").exit_code == 0
    text = po.read_text("utf-8")
    assert '#, fuzzy\n#| msgid "Basics"\nmsgid "The basics"\nmsgstr "Temeller"' in text


UNRELATED_SHORT = [
    ("[Papers]({1})", "[Turkish]({1})"),
    ("[Blogs]({1})", "[Books]({1})"),
    ("OpenAI", "OpenLLMAI"),
    ("[minRLHF]({1})", "[OpenRLHF]({1})"),
    ("[HH-RLHF]({1})", "[FG-RLHF]({1})"),
    ("Code: [official]({1})", "Dataset: [official]({1})"),
    ("{y}", "{x}"),
    ("`{y}`", "`{x}`"),
    ("Overview", "{x}"),
    ("{x}", "Overview"),
    ("Install", "Uninstall it"),
    ("安装指南", "安装说明"),
]


@pytest.mark.parametrize(("old_text", "new_text"), UNRELATED_SHORT)
def test_unrelated_short_strings_do_not_match(old_text: str, new_text: str) -> None:
    merged, report = merge_catalog(catalog(done(old_text)), pot(new_text))
    assert report == MergeReport(added=1, obsolete=1)
    assert not by_msgid(merged)[new_text].msgstr


def test_a_one_word_format_string_matches_no_other_one_word_entry() -> None:
    old = catalog(
        *(done(text) for text in ("{y}", "Overview", "{0}", "`{z}`", "Exercise", "Solution", "x y"))
    )
    merged, report = merge_catalog(old, pot("{x}"))
    assert report.fuzzy == 0 and not by_msgid(merged)["{x}"].msgstr


def test_the_threshold_is_inclusive() -> None:
    # Four words, one replaced: 2 * 3 / 8 = 0.75.
    assert word_similarity(words_of("one two three four"), words_of("one two three five")) == Fraction(3, 4)
    _, report = merge_catalog(catalog(done("one two three four")), pot("one two three five"))
    assert report.fuzzy == 1
    # Three words, one replaced: 2 * 2 / 6 < 0.75.
    _, report = merge_catalog(catalog(done("one two three")), pot("one two four"))
    assert report.fuzzy == 0


def test_the_most_similar_old_entry_wins() -> None:
    old = catalog(
        done("alpha beta gamma delta epsilon zeta"),
        done("alpha beta gamma delta epsilon eta theta"),
    )
    merged, _ = merge_catalog(old, pot("alpha beta gamma delta epsilon eta"))
    assert by_msgid(merged)["alpha beta gamma delta epsilon eta"].previous_msgid == old.messages[1].msgid


@pytest.mark.parametrize(
    ("candidates", "winner"),
    [
        # Same words: the closer characters win.
        ((done("ONE TWO THREE FOUR FIVE", "a"), done("one two three four five.", "b")), "b"),
        # Same characters too: an active entry wins over an obsolete one...
        ((done("one two three four five.", "a", obsolete=True), done("one two three four five.", "b")), "b"),
        # ...and then the first in the file.
        (
            (
                done("one two three four five.", "a", obsolete=True),
                done("one two three four five.", "b", obsolete=True),
            ),
            "a",
        ),
    ],
)
def test_ties_go_to_characters_then_active_entries_then_file_order(
    candidates: tuple[Message, ...], winner: str
) -> None:
    merged, _ = merge_catalog(catalog(*candidates), pot("one two three four five!"))
    assert by_msgid(merged)["one two three four five!"].msgstr == winner


def test_a_chain_of_edits_keeps_the_english_the_translation_was_made_for() -> None:
    first = "one two three four five six seven eight"
    second = "one two three four five six seven nine"
    third = "one two three four five six ten nine"
    merged, _ = merge_catalog(catalog(done(first)), pot(second))
    merged, report = merge_catalog(merged, pot(third))
    entry = by_msgid(merged)[third]
    assert entry.previous_msgid == first and entry.msgstr == first.upper()
    assert report.fuzzy == 1
    # Far enough from the English of the translation, no suggestion at all.
    merged, report = merge_catalog(merged, pot("one two three four eleven twelve ten nine"))
    assert report == MergeReport(added=1, obsolete=1)
    assert obsolete_of(merged)[0].previous_msgid == first


def test_one_old_entry_may_serve_several_new_ones() -> None:
    old = catalog(done(LONG))
    texts = (LONG + " again", LONG + " twice")
    merged, report = merge_catalog(old, pot(*texts))
    assert all(by_msgid(merged)[t].previous_msgid == LONG for t in texts)
    assert report == MergeReport(fuzzy=2)


def test_fuzzy_matching_stays_within_a_context() -> None:
    old = catalog(done("one two three four", msgctxt="menu"))
    merged, report = merge_catalog(old, pot("one two three five"))
    assert report.fuzzy == 0
    merged, report = merge_catalog(old, catalog(Message("one two three five", msgctxt="menu")))
    entry = merged.messages[0]
    assert report.fuzzy == 1 and entry.previous_msgctxt == "menu"


def test_untranslated_old_entries_are_no_suggestion() -> None:
    merged, report = merge_catalog(catalog(Message("one two three four")), pot("one two three five"))
    assert report == MergeReport(added=1)
    assert merged.messages == pot("one two three five").messages


# Obsolete entries


def test_a_removed_entry_becomes_obsolete_with_its_translation_and_previous_msgid() -> None:
    old = catalog(
        done("Kept"),
        done("Gone", comments=("note",), extracted=("x",), references=("README.md",)),
        done("Gone too", flags=("fuzzy",), previous_msgid="Was gone"),
        Message("Never translated"),
        Message("Untranslated with a note", comments=("ask the author",)),
    )
    merged, report = merge_catalog(old, pot("Kept"))
    gone = obsolete_of(merged)
    assert [m.msgid for m in gone] == ["Gone", "Gone too", "Untranslated with a note"]
    assert gone[0].msgstr == "GONE" and gone[0].comments == ("note",)
    assert gone[0].extracted == () and gone[0].references == ()
    assert gone[1].previous_msgid == "Was gone" and gone[1].is_fuzzy
    assert report == MergeReport(kept=1, obsolete=3)
    text = format_po(merged)
    assert '#~| msgid "Was gone"\n#~ msgid "Gone too"' in text
    assert '#~| msgid "Gone"' not in text


def test_an_obsolete_translation_comes_back_with_its_english() -> None:
    old = catalog(done("Kept"), done("Back again", "GERİ", obsolete=True, comments=("c",)))
    merged, report = merge_catalog(old, pot("Kept", "Back again"))
    entry = by_msgid(merged)["Back again"]
    assert entry.msgstr == "GERİ" and entry.comments == ("c",) and not entry.is_fuzzy
    assert entry.references == ("README.md",)
    assert obsolete_of(merged) == []
    assert report == MergeReport(kept=1, revived=1)


def test_an_obsolete_translation_serves_as_a_fuzzy_source() -> None:
    old = catalog(done("one two three four", obsolete=True), done("other"))
    merged, report = merge_catalog(old, pot("one two three five"))
    assert by_msgid(merged)["one two three five"].previous_msgid == "one two three four"
    assert [m.msgid for m in obsolete_of(merged)] == ["other"]
    assert report == MergeReport(fuzzy=1, obsolete=1)


def test_a_translated_match_is_preferred_to_an_empty_one() -> None:
    old = catalog(Message("Hello", comments=("note",)), done("Hello", "Merhaba", obsolete=True))
    merged, report = merge_catalog(old, pot("Hello"))
    assert by_msgid(merged)["Hello"].msgstr == "Merhaba"
    assert [(m.msgid, m.comments) for m in obsolete_of(merged)] == [("Hello", ("note",))]
    assert report.revived == 1


def test_no_obsolete_prunes_them_but_still_matches_them() -> None:
    old = catalog(done("Gone"), done("Older", obsolete=True), done("Back", obsolete=True))
    merged, report = merge_catalog(old, pot("Back"), keep_obsolete=False)
    assert [m.msgid for m in merged.messages] == ["Back"]
    assert report == MergeReport(revived=1, obsolete=1, pruned=2)


@pytest.mark.parametrize("record", [MergeReport, Counts])
def test_reports_add_up_field_by_field(record: type[MergeReport] | type[Counts]) -> None:
    """Every field is summed, a field added later too (the sums are spelled out for speed)."""
    names = [f.name for f in dataclasses.fields(record)]
    first = record(*(index + 1 for index in range(len(names))))
    second = record(*(100 * (index + 1) for index in range(len(names))))
    assert first + second == record(*(101 * (index + 1) for index in range(len(names))))


# The index finds exactly what a scan over every old entry finds.


def _scan(candidates: Sequence[Message], msgid: str) -> int | None:
    """The reference: score every translated old entry, keep the best by the documented rule."""
    best: tuple[Fraction, float, bool, int] | None = None
    found = None
    for position, message in enumerate(candidates):
        if not message.msgstr:
            continue
        source = source_of(message)[1]
        score = similarity(msgid, source)
        if score < SIMILARITY_THRESHOLD:
            continue
        rank = (score, fuzz.ratio(msgid, source), not message.obsolete, -position)
        if best is None or rank > best:
            best, found = rank, position
    return found


WORDS = st.sampled_from(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "RLHF",
        "reward",
        "rewards",
        "model",
        "models",
        "modes",
        "human",
        "feedback",
        "policy",
        "data",
        "basics",
        "政",
        "策",
    ]
)
TEXTS = st.lists(WORDS, min_size=0, max_size=9).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(
    olds=st.lists(st.tuples(TEXTS, st.booleans(), st.booleans()), max_size=25),
    query=TEXTS,
)
def test_the_index_finds_what_a_full_scan_finds(olds: list[tuple[str, bool, bool]], query: str) -> None:
    messages = [
        Message(text, f"T{i}" if translated else "", obsolete=obsolete)
        for i, (text, translated, obsolete) in enumerate(olds)
    ]
    index: _FuzzyIndex | None = _fuzzy_indexes(messages).get(None)
    best = index.best(query) if index else None
    found = best[1] if best else None
    assert found == _scan(messages, query)


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(max_codepoint=127)) | st.text(st.sampled_from("aZ_9 {1}.,-[]()é")))
def test_words_of_ascii_text_are_the_words_the_regular_expression_finds(text: str) -> None:
    assert tokens_of(text) == re.findall(r"\w+", _URL.sub(" ", PLACEHOLDER.sub(" ", text)).casefold())


def test_word_codes_skip_the_surrogates() -> None:
    codes = _WordCodes({str(number): chr(number) for number in range(0xD800)})
    assert codes.encode(words_of("new words 1")) == "\ue000\ue001" + chr(1)


# Property: any sequence of edits loses nothing.


@dataclass(frozen=True, slots=True)
class Doc:
    """A Markdown document as paragraphs of words, and the width its lines are wrapped at."""

    paragraphs: tuple[tuple[str, ...], ...]
    width: int = 40
    removed: tuple[tuple[str, ...], ...] = ()

    def markdown(self) -> str:
        blocks = ["# Notes"]
        for words in self.paragraphs:
            lines, line = [], ""
            for word in words:
                if line and len(line) + 1 + len(word) > self.width:
                    lines.append(line)
                    line = word
                else:
                    line = f"{line} {word}" if line else word
            blocks.append("\n".join([*lines, line]))
        return "\n\n".join(blocks) + "\n"


_VOCABULARY = "policy reward model human feedback preference data training language agent value gradient"
VOCABULARY = st.sampled_from(_VOCABULARY.split())
PARAGRAPH = st.lists(VOCABULARY, min_size=1, max_size=14).map(tuple)


def _insert(draw: st.DrawFn, paragraphs: list[tuple[str, ...]], removed: list[tuple[str, ...]]) -> None:
    paragraphs.insert(draw(st.integers(0, len(paragraphs))), draw(PARAGRAPH))


def _delete(draw: st.DrawFn, paragraphs: list[tuple[str, ...]], removed: list[tuple[str, ...]]) -> None:
    removed.append(paragraphs.pop(draw(st.integers(0, len(paragraphs) - 1))))


def _restore(draw: st.DrawFn, paragraphs: list[tuple[str, ...]], removed: list[tuple[str, ...]]) -> None:
    """The English comes back: a deleted paragraph returns, word for word."""
    if removed:
        paragraphs.insert(draw(st.integers(0, len(paragraphs))), removed.pop())


def _move(draw: st.DrawFn, paragraphs: list[tuple[str, ...]], removed: list[tuple[str, ...]]) -> None:
    item = paragraphs.pop(draw(st.integers(0, len(paragraphs) - 1)))
    paragraphs.insert(draw(st.integers(0, len(paragraphs))), item)


def _reword(draw: st.DrawFn, paragraphs: list[tuple[str, ...]], removed: list[tuple[str, ...]]) -> None:
    at = draw(st.integers(0, len(paragraphs) - 1))
    words = list(paragraphs[at])
    spot = draw(st.integers(0, len(words) - 1))
    how = draw(st.sampled_from(["replace", "insert", "delete"]))
    if how == "insert":
        words.insert(spot, draw(VOCABULARY))
    elif how == "replace":
        words[spot] = draw(VOCABULARY)
    elif len(words) > 1:
        words.pop(spot)
    paragraphs[at] = tuple(words)


EDITS = {"insert": _insert, "delete": _delete, "restore": _restore, "move": _move, "reword": _reword}


@st.composite
def edit(draw: st.DrawFn, doc: Doc) -> Doc:
    """One edit to the English: a paragraph inserted, deleted, restored, moved or reworded, or a re-wrap."""
    kind = draw(st.sampled_from([*EDITS, "rewrap"]))
    if kind == "rewrap":
        return replace(doc, width=draw(st.integers(12, 80)))
    paragraphs, removed = list(doc.paragraphs), list(doc.removed)
    EDITS[kind if paragraphs else "insert"](draw, paragraphs, removed)
    return replace(doc, paragraphs=tuple(paragraphs), removed=tuple(removed))


def template_of(doc: Doc) -> Catalog:
    units = extract_units(load_document(doc.markdown(), "README.md")).units
    return build_template(units, "README.md", "test", None, "2026-01-01 00:00+0000")


def translate(template: Catalog, note: bool) -> Catalog:
    """A translator's work: every entry translated, some with a comment and a flag of their own."""
    messages = tuple(
        replace(
            m, msgstr=f"<{m.msgid.upper()}>", comments=(f"note {i}",) if note and i % 2 else ()
        ).with_flag("reviewed", note and i % 3 == 0)
        for i, m in enumerate(template.messages)
    )
    return Catalog(HEADER, messages)


def translator_pass(catalog_: Catalog, strength: int) -> Catalog:
    """Between updates a translator fills some gaps and confirms some fuzzy entries."""
    messages = []
    for i, m in enumerate(catalog_.messages):
        if not m.obsolete and i % 3 < strength:
            if not m.msgstr:
                m = replace(m, msgstr=f"<{m.msgid.upper()}>")
            elif m.is_fuzzy:
                m = replace(m.with_flag("fuzzy", False), previous_msgid=None, msgstr=m.msgstr + "!")
        messages.append(m)
    return replace(catalog_, messages=tuple(messages))


def assert_nothing_lost(before: Catalog, after: Catalog) -> None:
    for old in before.messages:
        if not old.msgstr:
            continue
        english = source_of(old)[1]
        holders = [
            m for m in after.messages if m.msgstr == old.msgstr and english in (m.msgid, m.previous_msgid)
        ]
        assert holders, f"lost {english!r} -> {old.msgstr!r}"
        assert any(
            m.comments == old.comments and set(old.flags) - {"fuzzy"} <= set(m.flags) for m in holders
        ), f"comments or flags of {english!r} lost: {old} -> {holders}"


def update(before: Catalog, template: Catalog) -> tuple[Catalog, MergeReport]:
    """One update, through the PO text as it is on disk."""
    merged, report = merge_catalog(before, template)
    text = format_po(merged)
    again = parse_po(text, "tr.po")
    assert format_po(merge_catalog(again, template)[0]) == text, "a second update changed the file"
    return again, report


@settings(max_examples=100, deadline=None)
@given(data=st.data(), start=st.lists(PARAGRAPH, min_size=1, max_size=6), note=st.booleans())
def test_no_translation_comment_or_flag_is_lost_by_any_sequence_of_edits(
    data: st.DataObject, start: list[tuple[str, ...]], note: bool
) -> None:
    doc = Doc(tuple(start))
    current = translate(template_of(doc), note)
    for _ in range(data.draw(st.integers(1, 6), label="updates")):
        doc = data.draw(edit(doc), label="edit")
        template = template_of(doc)
        merged, report = update(current, template)
        assert_nothing_lost(current, merged)
        assert [m.msgid for m in merged.messages if not m.obsolete] == [m.msgid for m in template.messages]
        assert report.kept + report.revived + report.fuzzy + report.added == len(template.messages)
        for name in ("fuzzy", "obsolete", "revived"):
            event(f"{name}: {'yes' if getattr(report, name) else 'no'}")
        current = translator_pass(merged, data.draw(st.integers(0, 3), label="translator"))


def test_a_moved_paragraph_keeps_its_translation_and_duplicates_stay_one_entry() -> None:
    doc = Doc((("policy", "reward"), ("human", "feedback"), ("policy", "reward")))
    before = translate(template_of(doc), note=True)
    assert [m.msgid for m in before.messages] == ["Notes", "policy reward", "human feedback"]
    moved = replace(doc, paragraphs=(doc.paragraphs[1], doc.paragraphs[0], doc.paragraphs[1]))
    after, report = merge_catalog(before, template_of(moved))
    assert [(m.msgid, m.msgstr, m.comments) for m in after.messages] == [
        (m.msgid, m.msgstr, m.comments) for m in (before.messages[0], before.messages[2], before.messages[1])
    ]
    assert report == MergeReport(kept=3)


# The command line: locality, idempotence, reporting, --no-obsolete.

PARAGRAPHS = [
    "Reinforcement learning from human feedback trains a reward model from human comparisons.",
    "The policy is then tuned against that reward model with proximal policy optimization.",
    "Datasets of preferences are costly to collect, so several groups share theirs openly.",
    "A survey of the field lists open problems in reward hacking and evaluation.",
    "Direct preference optimization removes the separate reward model altogether.",
]


def write_source(root: Path, paragraphs: Sequence[str]) -> None:
    (root / "content" / "README.md").write_text("# Notes\n\n" + "\n\n".join(paragraphs) + "\n", "utf-8")


def translate_file(path: Path) -> None:
    """Fill every empty msgstr with the uppercased msgid, the way a translator's tool saves it."""
    translated = translate(parse_po(path.read_text("utf-8"), str(path)), note=True)
    original = parse_po(path.read_text("utf-8"), str(path))
    path.write_text(format_po(replace(original, messages=translated.messages)), "utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    (tmp_path / "content").mkdir()
    write_source(tmp_path, PARAGRAPHS)
    result = invoke(tmp_path, "init", "--lang", "tr")
    assert result.exit_code == 0, result.output
    translate_file(tmp_path / "locales" / "tr" / "README.po")
    return tmp_path


def entry_span(text: str, msgid: str) -> range:
    """The 0-based line numbers of the PO entry whose msgid is `msgid` (blocks split at blank lines)."""
    lines = text.split("\n")
    start = 0
    for number, line in enumerate([*lines, ""]):
        if line == "":
            if f'msgid "{msgid}"' in lines[start:number]:
                return range(start, number)
            start = number + 1
    raise AssertionError(f"no entry {msgid!r}")


def changed_lines(before: str, after: str) -> tuple[set[int], set[int]]:
    """Lines of `before` that were removed or replaced, and lines of `after` that are new."""
    matcher = difflib.SequenceMatcher(None, before.split("\n"), after.split("\n"), autojunk=False)
    removed: set[int] = set()
    added: set[int] = set()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed.update(range(i1, i2))
            added.update(range(j1, j2))
    return removed, added


def test_editing_one_paragraph_changes_only_that_entrys_lines(project: Path) -> None:
    po = project / "locales" / "tr" / "README.po"
    before = po.read_text("utf-8")
    edited = [*PARAGRAPHS]
    edited[2] = edited[2].replace("costly", "expensive")
    write_source(project, edited)
    result = invoke(project, "sync")
    assert result.exit_code == 0, result.output
    after = po.read_text("utf-8")
    removed, added = changed_lines(before, after)
    assert removed and removed <= set(entry_span(before, PARAGRAPHS[2]))
    assert added and added <= set(entry_span(after, edited[2]))
    assert f'#| msgid "{PARAGRAPHS[2]}"' in after
    assert "tr: 5 translated, 1 fuzzy, 0 untranslated" in result.output
    assert "update: 5 kept, 1 fuzzy, 0 new, 0 obsolete, 0 back" in result.output


def test_inserting_a_paragraph_only_adds_its_entry(project: Path) -> None:
    po = project / "locales" / "tr" / "README.po"
    before = po.read_text("utf-8")
    inserted = "An entirely new paragraph appears here."
    write_source(project, [*PARAGRAPHS[:3], inserted, *PARAGRAPHS[3:]])
    assert invoke(project, "sync").exit_code == 0
    after = po.read_text("utf-8")
    removed, added = changed_lines(before, after)
    span = entry_span(after, inserted)
    assert removed == set() and len(added) == len(span) + 1  # the entry and one blank line
    lines = after.split("\n")
    assert lines[: span.start] + lines[span.stop + 1 :] == before.split("\n")


def test_update_twice_equals_update_once_byte_for_byte(project: Path) -> None:
    write_source(project, [PARAGRAPHS[0], PARAGRAPHS[1].replace("then", "next"), *PARAGRAPHS[3:]])
    assert invoke(project, "extract").exit_code == 0
    first = invoke(project, "update")
    assert first.exit_code == 0, first.output
    po = project / "locales" / "tr" / "README.po"
    once = po.read_bytes()
    assert "update: 4 kept, 1 fuzzy, 0 new, 1 obsolete, 0 back" in first.output
    second = invoke(project, "update")
    assert second.exit_code == 0
    assert po.read_bytes() == once
    assert "wrote" not in second.output
    assert invoke(project, "update", "--check").exit_code == 0


def test_removed_english_comes_back_with_its_translation(project: Path) -> None:
    write_source(project, PARAGRAPHS[:-1])
    assert "0 new, 1 obsolete, 0 back" in invoke(project, "sync").output
    po = project / "locales" / "tr" / "README.po"
    assert f'#~ msgid "{PARAGRAPHS[-1]}"' in po.read_text("utf-8")
    write_source(project, PARAGRAPHS)
    result = invoke(project, "sync", "--format", "json")
    assert result.exit_code == 0
    assert '"back": 1' in result.output and '"fuzzy": 0' in result.output
    assert f'\nmsgid "{PARAGRAPHS[-1]}"\nmsgstr "<{PARAGRAPHS[-1].upper()}>"' in po.read_text("utf-8")


def test_no_obsolete_prunes_only_when_asked(project: Path) -> None:
    po = project / "locales" / "tr" / "README.po"
    write_source(project, PARAGRAPHS[:-1])
    assert invoke(project, "sync").exit_code == 0
    assert "#~ msgid" in po.read_text("utf-8")
    result = invoke(project, "update", "--no-obsolete")
    assert result.exit_code == 0, result.output
    assert "#~" not in po.read_text("utf-8")
    assert "1 obsolete pruned" in result.output


def test_the_keep_obsolete_setting_prunes_too(project: Path) -> None:
    config = project / "i18n-sync.toml"
    text = config.read_text("utf-8")
    assert re.search(r"^keep_obsolete = true$", text, re.MULTILINE), "init writes the setting"
    config.write_text(text.replace("keep_obsolete = true", "keep_obsolete = false"), "utf-8")
    write_source(project, PARAGRAPHS[1:])
    assert invoke(project, "sync").exit_code == 0
    assert "#~" not in (project / "locales" / "tr" / "README.po").read_text("utf-8")
