"""Translation memory: a translation made in one document is offered wherever the same English appears."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import CORPUS, SKIP_REASON, available
from helpers import invoke, uppercase
from i18n_sync.gettext.memory import Memory, Suggestion
from i18n_sync.gettext.merge import MergeReport, merge_catalog
from i18n_sync.gettext.po import format_po, parse_po
from i18n_sync.model import Catalog, Message

DOCS = {
    "install.md": (
        "# Installing\n\nDisplay help:\n\n    tool --help\n\n"
        "Run the tests before you open a pull request.\n\n"
        "See the [configuration guide](config.md) for every option.\n"
    ),
    "usage.md": (
        "# Usage\n\nDisplay help:\n\nThe tool reads its configuration from the project root.\n\n"
        "Run the tests before you open a pull request.\n"
    ),
    "guide/config.md": (
        "# Configuration\n\nDisplay help:\n\n"
        "The tool reads its configuration from the root of the project.\n\n"
        "See the [configuration guide](../config.md) for every option.\n"
    ),
}
MEMORY_COMMENT = "translation memory: locales/tr/install.po"


def write_docs(root: Path, docs: dict[str, str], setting: str | None = None) -> None:
    for name, text in docs.items():
        path = root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert invoke(root, "init", "--lang", "tr").exit_code == 0
    if setting is not None:
        config = root / "i18n-sync.toml"
        config.write_text(
            re.sub(r"^translation_memory = .*$", setting, config.read_text("utf-8"), flags=re.M), "utf-8"
        )


def translate(path: Path, only: str | None = None) -> None:
    """Fill the empty msgstrs of a catalogue (or only the entry `only`) with the uppercased msgid."""
    catalog = parse_po(path.read_text("utf-8"), str(path))
    messages = tuple(
        replace(m, msgstr=uppercase(m.msgid)) if not m.msgstr and only in (None, m.msgid) else m
        for m in catalog.messages
    )
    path.write_text(format_po(replace(catalog, messages=messages)), "utf-8")


def entries(path: Path) -> dict[str, Message]:
    return {m.msgid: m for m in parse_po(path.read_text("utf-8"), str(path)).active}


@pytest.fixture
def docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    write_docs(tmp_path, DOCS)
    return tmp_path


def test_a_sentence_translated_once_is_filled_in_every_other_document(docs: Path) -> None:
    translate(docs / "locales" / "tr" / "install.po")
    result = invoke(docs, "sync")
    assert result.exit_code == 0, result.output
    assert "tr: " in result.output and "4 from translation memory" in result.output
    for name in ("usage", "guide/config"):
        found = entries(docs / "locales" / "tr" / f"{name}.po")
        for msgid in ("Display help:", "Run the tests before you open a pull request."):
            if msgid in found:
                entry = found[msgid]
                assert entry.msgstr == uppercase(msgid) and not entry.is_fuzzy
                assert entry.comments == (MEMORY_COMMENT,) and entry.previous_msgid is None
    link = entries(docs / "locales" / "tr" / "guide/config.po")[
        "See the [configuration guide]({1}) for every option."
    ]
    assert link.msgstr == "SEE THE [CONFIGURATION GUIDE]({1}) FOR EVERY OPTION." and not link.is_fuzzy
    # Filled entries are translations: they are rendered, each with its own document's URL.
    rendered = (docs / "guide" / "config.tr.md").read_text("utf-8")
    assert "DISPLAY HELP:" in rendered and "[CONFIGURATION GUIDE](../config.md)" in rendered
    # Nothing changes on a second run.
    assert invoke(docs, "sync", "--check").exit_code == 0


def test_a_similar_sentence_elsewhere_is_offered_as_fuzzy_with_its_english(docs: Path) -> None:
    translate(docs / "locales" / "tr" / "usage.po")
    assert invoke(docs, "sync").exit_code == 0
    entry = entries(docs / "locales" / "tr" / "guide/config.po")[
        "The tool reads its configuration from the root of the project."
    ]
    assert entry.is_fuzzy and entry.msgstr == "THE TOOL READS ITS CONFIGURATION FROM THE PROJECT ROOT."
    assert entry.previous_msgid == "The tool reads its configuration from the project root."
    assert entry.comments == ("translation memory: locales/tr/usage.po",)


def test_the_setting_fuzzy_offers_exact_matches_as_fuzzy(tmp_path: Path) -> None:
    write_docs(tmp_path, DOCS, 'translation_memory = "fuzzy"')
    translate(tmp_path / "locales" / "tr" / "install.po")
    assert invoke(tmp_path, "sync").exit_code == 0
    entry = entries(tmp_path / "locales" / "tr" / "usage.po")["Display help:"]
    assert entry.is_fuzzy and entry.msgstr == "DISPLAY HELP:" and entry.comments == (MEMORY_COMMENT,)
    assert "DISPLAY HELP:" not in (tmp_path / "usage.tr.md").read_text("utf-8")


def test_the_setting_off_leaves_other_documents_alone(tmp_path: Path) -> None:
    write_docs(tmp_path, DOCS, 'translation_memory = "off"')
    translate(tmp_path / "locales" / "tr" / "install.po")
    assert invoke(tmp_path, "sync").exit_code == 0
    assert not entries(tmp_path / "locales" / "tr" / "usage.po")["Display help:"].msgstr


def test_the_memory_never_replaces_a_translation_or_takes_one_from_the_same_file(docs: Path) -> None:
    usage = docs / "locales" / "tr" / "usage.po"
    translate(usage, only="Display help:")
    text = usage.read_text("utf-8").replace('msgstr "DISPLAY HELP:"', 'msgstr "Yardımı göster:"')
    usage.write_text(text, "utf-8")
    translate(docs / "locales" / "tr" / "install.po")
    assert invoke(docs, "sync").exit_code == 0
    assert entries(usage)["Display help:"].msgstr == "Yardımı göster:"
    assert entries(usage)["Display help:"].comments == ()


def test_the_configuration_checks_the_setting(tmp_path: Path) -> None:
    write_docs(tmp_path, DOCS, 'translation_memory = "always"')
    result = invoke(tmp_path, "sync")
    assert result.exit_code == 1
    assert "translation_memory' must be one of fill, fuzzy, off" in result.output


def test_merge_with_a_memory_counts_what_it_filled() -> None:
    header = (("Language", "tr"),)
    old = Catalog(header, (Message("Kept", "TUTULDU"), Message("Empty")))
    template = Catalog(header, (Message("Kept"), Message("Empty"), Message("New one"), Message("Other")))
    memory = Memory(
        [
            Suggestion("Empty", "BOŞ", "a.po", fill=True),
            Suggestion("New one", "YENİ", "b.po"),
            Suggestion("Other", "DİĞER", "own.po", fill=True),  # the catalogue's own file: left out
        ]
    )
    merged, report = merge_catalog(old, template, memory=memory, origin="own.po")
    assert report == MergeReport(kept=1, added=1, memory=2)
    result = {m.msgid: m for m in merged.messages}
    assert result["Empty"].msgstr == "BOŞ" and not result["Empty"].is_fuzzy
    assert result["New one"].msgstr == "YENİ" and result["New one"].is_fuzzy
    assert result["New one"].comments == ("translation memory: b.po",)
    assert not result["Other"].msgstr


SECTIONS = CORPUS / "nodebestpractices" / "sections"


@pytest.mark.corpus
@pytest.mark.skipif(not available() or not SECTIONS.is_dir(), reason=SKIP_REASON)
def test_translation_memory_fill_rate_on_a_real_docs_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nodebestpractices' docs tree: the first half of its documents translated, the rest filled from them."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    english = sorted(p for p in SECTIONS.rglob("*.md") if p.name.count(".") == 1)
    for path in english:
        target = tmp_path / "content" / path.relative_to(SECTIONS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    assert invoke(tmp_path, "init", "--lang", "tr").exit_code == 0
    assert invoke(tmp_path, "sync").exit_code in (0, 1)
    catalogs = sorted((tmp_path / "locales" / "tr").rglob("*.po"))
    first, second = catalogs[: len(catalogs) // 2], catalogs[len(catalogs) // 2 :]
    for path in first:
        translate(path)
    translated = {msgid for path in first for msgid in entries(path)}
    before = {path: entries(path) for path in second}
    assert invoke(tmp_path, "sync").exit_code in (0, 1)
    known = filled = fuzzy = total = 0
    for path in second:
        for msgid, entry in entries(path).items():
            total += 1
            if msgid in translated and not before[path][msgid].msgstr:
                known += 1
                filled += entry.msgstr == uppercase(msgid) and not entry.is_fuzzy
            elif entry.is_fuzzy and entry.msgstr:
                fuzzy += 1
    assert known and filled == known
    print(
        f"translation memory on nodebestpractices/sections: {len(first)} of {len(catalogs)} documents "
        "translated; "
        f"in the other {len(second)}, {known} of {total} entries have English translated elsewhere and "
        f"{filled} ({filled / known:.0%}) were filled in; {fuzzy} more were offered as fuzzy"
    )


WORDS = st.sampled_from(
    ["Display", "help", "the", "tests", "test", "Run", "guide", "安装", "指南", "[link]({1})"]
)
TEXTS = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(
    olds=st.lists(st.tuples(TEXTS, st.booleans(), st.booleans()), max_size=8),
    memory=st.lists(st.tuples(TEXTS, st.booleans()), max_size=8),
    new=st.lists(TEXTS, max_size=8, unique=True),
)
def test_a_memory_never_costs_a_translation_or_changes_a_kept_one(
    olds: list[tuple[str, bool, bool]], memory: list[tuple[str, bool]], new: list[str]
) -> None:
    header = (("Language", "tr"),)
    old = Catalog(
        header,
        tuple(
            Message(text, f"T{i}" if translated else "", obsolete=obsolete)
            for i, (text, translated, obsolete) in enumerate(dict((o[0], o) for o in olds).values())
        ),
    )
    template = Catalog(header, tuple(Message(text) for text in new))
    suggestions = Memory(
        [Suggestion(text, f"M{i}", "other.po", fill=fill) for i, (text, fill) in enumerate(memory)]
    )
    plain, _ = merge_catalog(old, template)
    merged, report = merge_catalog(old, template, memory=suggestions, origin="own.po")
    assert [m.msgid for m in merged.active] == new
    kept = {m.msgstr for m in merged.messages}
    assert {m.msgstr for m in old.messages if m.msgstr} <= kept
    for before, after in zip(plain.active, merged.active, strict=True):
        if before.is_translated:
            assert after == before
        if after.msgstr.startswith("M"):
            assert after.comments == ("translation memory: other.po",)
    assert report.memory + report.fuzzy + report.kept + report.revived + report.added == len(new)
