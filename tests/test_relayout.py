"""Switching between a catalogue per document and one per language keeps every translation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from i18n_sync import api
from i18n_sync.errors import CatalogError, UsageError
from i18n_sync.gettext.po import format_po, parse_po
from i18n_sync.model import Message

INDEX = """# Welcome

Read the [guide](guide/start.md) first.

## Licence

This project is free software.
"""

START = """# Getting started

Install the tool with pip.

## Licence

This project is free software.
"""

FAQ = """# Questions

Why is the sky blue?
"""

PER_DOCUMENT = """languages = ["tr", "de"]
# Where the catalogues are:
template = "locales/{path}.pot"  # one per document
catalog = "locales/{locale}/{path}.po"
generated_header = false
"""

COMPACT = PER_DOCUMENT.replace('"locales/{path}.pot"', '"locales/messages.pot"').replace(
    '"locales/{locale}/{path}.po"', '"locales/{locale}.po"'
)

OLD_FILES = [
    "locales/de/faq.po",
    "locales/de/guide/start.po",
    "locales/de/index.po",
    "locales/faq.pot",
    "locales/guide/start.pot",
    "locales/index.pot",
    "locales/tr/faq.po",
    "locales/tr/guide/start.po",
    "locales/tr/index.po",
]
NEW_FILES = ["locales/de.po", "locales/messages.pot", "locales/tr.po"]

FREE = "This project is free software."
FREE_TR = "Bu proje özgür yazılımdır."
INSTALL_TR = {"msgstr": "Aracı pip ile kurun.", "flags": ("fuzzy",), "previous_msgid": "Install it with pip."}
SEA = Message("Why is the sea blue?", "Deniz neden mavi?", comments=("old question",), obsolete=True)

# Each catalogue's translations: msgid → msgstr, or the fields to set; obsolete entries as messages.
TRANSLATIONS: dict[str, dict[str, Any]] = {
    "locales/tr/index.po": {
        "Welcome": {"msgstr": "Hoş geldiniz", "comments": ("keep it short",)},
        "Read the [guide]({1}) first.": "Önce [kılavuzu]({1}) okuyun.",
        "Licence": "Lisans",
        FREE: {"msgstr": FREE_TR, "comments": ("reviewed",)},
    },
    "locales/tr/guide/start.po": {
        "Getting started": "Başlarken",
        "Install the tool with pip.": INSTALL_TR,
        "Licence": "Lisans",
        FREE: {"msgstr": FREE_TR, "comments": ("reviewed",)},
    },
    "locales/tr/faq.po": {"Questions": "Sorular", "": [SEA]},
    "locales/de/index.po": {"Welcome": "Willkommen", "Licence": "Lizenz"},
    "locales/de/guide/start.po": {
        "Licence": "Lizenz",
        FREE: {"msgstr": "Freie Software.", "flags": ("fuzzy",)},
    },
}


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def translate(root: Path, path: str, entries: Mapping[str, Any]) -> None:
    """Give a catalogue's entries these translations (and append the obsolete messages under "")."""
    catalog = parse_po((root / path).read_text(encoding="utf-8"), path)
    messages = []
    for message in catalog.messages:
        change = entries.get(message.msgid)
        if change is not None:
            message = replace(message, **({"msgstr": change} if isinstance(change, str) else change))
        messages.append(message)
    messages += entries.get("", [])
    (root / path).write_text(format_po(replace(catalog, messages=tuple(messages))), encoding="utf-8")


def make_project(
    root: Path,
    config: str | None = PER_DOCUMENT,
    translations: Mapping[str, Any] = TRANSLATIONS,
    faq: str = FAQ,
) -> Path:
    """Three documents, two of them sharing English, in Turkish and German, translated and in sync.

    With `config` None the configuration is already there (in pyproject.toml).
    """
    (root / "content" / "guide").mkdir(parents=True)
    for name, text in (("index", INDEX), ("guide/start", START), ("faq", faq)):
        (root / "content" / f"{name}.md").write_text(text, encoding="utf-8")
    if config is not None:
        (root / "i18n-sync.toml").write_text(config, encoding="utf-8")
    assert api.sync(api.load_project(root)).ok
    for path, entries in translations.items():
        translate(root, path, entries)
    assert api.sync(api.load_project(root)).ok
    assert not api.sync(api.load_project(root), check=True).files.pending
    return root


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")


def relayout(root: Path, template: str, catalog: str, check: bool = False) -> api.RelayoutResult:
    return api.relayout(api.load_project(root), template=template, catalog=catalog, check=check)


def entries(root: Path, path: str) -> dict[str, Message]:
    return {m.msgid: m for m in parse_po((root / path).read_text(encoding="utf-8"), path).messages}


def is_in_sync(root: Path) -> bool:
    result = api.sync(api.load_project(root), check=True)
    return result.ok and not result.files.pending


# --- per document → one catalogue per language ---------------------------------------------------


def test_per_document_to_compact_keeps_every_translation(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    before = files_of(root)
    result = relayout(root, "locales/messages.pot", "locales/{locale}.po")
    assert result.ok and not result.diagnostics and not result.plan.conflicts
    assert sorted(result.files.deleted) == OLD_FILES
    tr = entries(root, "locales/tr.po")
    assert tr["Welcome"].msgstr == "Hoş geldiniz" and tr["Welcome"].comments == ("keep it short",)
    install = tr["Install the tool with pip."]
    assert (install.msgstr, install.flags, install.previous_msgid) == (
        "Aracı pip ile kurun.",
        ("fuzzy",),
        "Install it with pip.",
    )
    # Identical English of two documents is one entry, with the translation both had.
    free = tr[FREE]
    assert (free.msgstr, free.comments, free.flags) == (FREE_TR, ("reviewed",), ())
    assert free.references == ("content/guide/start.md", "content/index.md")
    # An obsolete entry names the document it came from, so that the way back finds it.
    sea = tr["Why is the sea blue?"]
    assert sea.obsolete and sea.msgstr == "Deniz neden mavi?" and sea.comments == ("old question",)
    assert sea.references == ("content/faq.md",)
    de = entries(root, "locales/de.po")
    # One document's translation is fuzzy, the other has none: nothing to choose between.
    assert (de[FREE].msgstr, de[FREE].flags) == ("Freie Software.", ("fuzzy",))
    assert de["Welcome"].msgstr == "Willkommen" and de["Licence"].msgstr == "Lizenz"
    after = files_of(root)
    assert sorted(set(before) - set(after)) == OLD_FILES
    assert sorted(set(after) - set(before)) == NEW_FILES
    # Everything else keeps its bytes: sources, outputs, the manifest; the configuration
    # has the two new patterns and nothing else changed.
    for path in set(before) & set(after) - {"i18n-sync.toml"}:
        assert after[path] == before[path], path
    assert after["i18n-sync.toml"].decode() == COMPACT
    assert is_in_sync(root)


def test_english_changed_since_the_last_sync_fares_as_in_a_sync(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "content" / "index.md").write_text(INDEX.replace(" first.", " first, please."), encoding="utf-8")
    assert relayout(root, "locales/messages.pot", "locales/{locale}.po").ok
    tr = entries(root, "locales/tr.po")
    read = tr["Read the [guide]({1}) first, please."]
    assert (read.msgstr, read.flags, read.previous_msgid) == (
        "Önce [kılavuzu]({1}) okuyun.",
        ("fuzzy",),
        "Read the [guide]({1}) first.",
    )
    assert "Read the [guide]({1}) first." not in tr
    assert is_in_sync(root)


def test_the_catalogue_header_names_the_new_catalogue(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    relayout(root, "locales/messages.pot", "locales/{locale}.po")
    text = (root / "locales" / "tr.po").read_text(encoding="utf-8")
    assert text.startswith("# tr translation of content.\n")
    assert '"Project-Id-Version: messages\\n"' in text
    assert '"Language: tr\\n"' in text


def test_rendered_outputs_are_the_same_before_and_after(tmp_path: Path) -> None:
    root = make_project(tmp_path, PER_DOCUMENT.replace("generated_header = false\n", ""))
    outputs = {
        p: text for p, text in files_of(root).items() if p.endswith(".md") and not p.startswith("content/")
    }
    assert len(outputs) == 9
    relayout(root, "locales/messages.pot", "locales/{locale}.po")
    after = files_of(root)
    for path, text in outputs.items():
        # Only the generated header changes: it names the catalogue to edit.
        expected = text.decode()
        for code in ("tr", "de"):
            for name in ("index", "guide/start", "faq"):
                expected = expected.replace(f"locales/{code}/{name}.po", f"locales/{code}.po")
        assert after[path].decode() == expected, path
    assert after["index.tr.md"] != outputs["index.tr.md"]
    translated = after["index.tr.md"].decode()
    assert "# Hoş geldiniz" in translated and FREE_TR in translated
    assert is_in_sync(root)


# --- one catalogue per language → per document ---------------------------------------------------


COMPACT_TRANSLATIONS: dict[str, dict[str, Any]] = {
    "locales/tr.po": {
        "Welcome": "Hoş geldiniz",
        "Licence": {"msgstr": "Lisans", "comments": ("short",)},
        FREE: FREE_TR,
        "Install the tool with pip.": INSTALL_TR,
        "": [
            # No reference: it goes with the document whose English is most like it.
            Message("Install the tool with conda.", "Aracı conda ile kurun.", obsolete=True),
            Message("Read it all.", "Hepsini okuyun.", references=("content/index.md",), obsolete=True),
            Message("Unrelated old words", "İlgisiz eski sözler", obsolete=True),
        ],
    },
    "locales/de.po": {"Licence": "Lizenz"},
}


def test_compact_to_per_document_copies_each_entry_to_its_documents(tmp_path: Path) -> None:
    root = make_project(tmp_path, COMPACT, COMPACT_TRANSLATIONS)
    before = files_of(root)
    result = relayout(root, "locales/{path}.pot", "locales/{locale}/{path}.po")
    assert result.ok and not result.diagnostics
    assert sorted(result.files.deleted) == NEW_FILES
    index, start, faq = (entries(root, f"locales/tr/{name}.po") for name in ("index", "guide/start", "faq"))
    for catalogue in (index, start):
        assert (catalogue[FREE].msgstr, catalogue["Licence"].msgstr) == (FREE_TR, "Lisans")
        assert catalogue["Licence"].comments == ("short",)
        assert catalogue[FREE].references == (catalogue["Licence"].references)
    assert index["Welcome"].msgstr == "Hoş geldiniz" and "Welcome" not in start
    assert start["Install the tool with pip."].previous_msgid == "Install it with pip."
    # Obsolete entries: by their reference, by likeness, else to the first document.
    assert index["Read it all."].obsolete and index["Read it all."].references == ()
    conda = "Install the tool with conda."
    assert start[conda].obsolete and start[conda].msgstr == "Aracı conda ile kurun."
    assert conda not in index and conda not in faq
    assert faq["Unrelated old words"].obsolete and "Unrelated old words" not in start
    assert entries(root, "locales/de/guide/start.po")["Licence"].msgstr == "Lizenz"
    after = files_of(root)
    assert sorted(set(before) - set(after)) == NEW_FILES
    assert sorted(set(after) - set(before)) == OLD_FILES
    assert after["i18n-sync.toml"].decode() == PER_DOCUMENT
    assert all(after[path] == before[path] for path in set(before) & set(after) - {"i18n-sync.toml"})
    assert is_in_sync(root)


def test_a_round_trip_keeps_every_translation(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    before = files_of(root)
    assert relayout(root, "locales/messages.pot", "locales/{locale}.po").ok
    assert relayout(root, "locales/{path}.pot", "locales/{locale}/{path}.po").ok
    after = files_of(root)
    assert sorted(after) == sorted(before)
    for path in OLD_FILES:
        found = entries(root, path)
        for message in parse_po(before[path].decode(), path).messages:
            assert found[message.msgid] == message or not message.msgstr, (path, message.msgid)
    # What changed: the German index had no translation of English that the German guide
    # had a fuzzy one of, and one entry held that fuzzy translation for both on the way.
    assert [path for path in before if after[path] != before[path]] == ["locales/de/index.po"]
    assert entries(root, "locales/de/index.po")[FREE].msgstr == "Freie Software."


def test_a_round_trip_gives_back_every_byte_when_documents_agree(tmp_path: Path) -> None:
    # Translated alike wherever the English is the same, so that no entry gains from another.
    agreeing = {**TRANSLATIONS, "locales/de/guide/start.po": {"Licence": "Lizenz"}}
    root = make_project(tmp_path, translations=agreeing)
    before = files_of(root)
    assert relayout(root, "locales/messages.pot", "locales/{locale}.po").ok
    assert files_of(root) != before
    assert relayout(root, "locales/{path}.pot", "locales/{locale}/{path}.po").ok
    assert files_of(root) == before


PLURAL = '#~ msgid "One file"\n#~ msgid_plural "%d files"\n#~ msgstr[0] "Bir dosya"\n#~ msgstr[1] "%d dosya"'
CLOSING = "# Notes for the next translator: ask before changing the terms."


def test_what_the_tool_keeps_as_it_is_moves_along(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    catalogue = root / "locales" / "tr" / "index.po"
    catalogue.write_text(
        catalogue.read_text(encoding="utf-8") + f"\n{PLURAL}\n\n{CLOSING}\n", encoding="utf-8"
    )
    before = files_of(root)
    assert is_in_sync(root)
    assert relayout(root, "locales/messages.pot", "locales/{locale}.po").ok
    compact = (root / "locales" / "tr.po").read_text(encoding="utf-8")
    assert compact.endswith(f"\n\n{PLURAL}\n\n{CLOSING}\n")
    assert is_in_sync(root)
    # Back in the catalogue of the first document of the shared one.
    assert relayout(root, "locales/{path}.pot", "locales/{locale}/{path}.po").ok
    assert (
        (root / "locales" / "tr" / "faq.po")
        .read_text(encoding="utf-8")
        .endswith(f"\n\n{PLURAL}\n\n{CLOSING}\n")
    )
    assert PLURAL not in (root / "locales" / "tr" / "index.po").read_text(encoding="utf-8")
    assert set(files_of(root)) == set(before)


def test_a_new_folder_for_the_same_layout_moves_every_file_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path)
    before = files_of(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798761600")  # a year later: no date is rewritten
    assert relayout(root, "po/{path}.pot", "po/{locale}/{path}.po").ok
    after = files_of(root)
    moved = {path.replace("locales/", "po/", 1): content for path, content in before.items()}
    assert {path: content for path, content in after.items() if path != "i18n-sync.toml"} == {
        path: content for path, content in moved.items() if path != "i18n-sync.toml"
    }
    assert not (root / "locales").exists()


# --- conflicts --------------------------------------------------------------------------------------


def test_different_translations_of_one_english_keep_the_commonest_and_list_the_others(tmp_path: Path) -> None:
    translations = {
        "locales/tr/faq.po": {FREE: {"msgstr": "Özgür yazılım.", "comments": ("from the FAQ",)}},
        "locales/tr/guide/start.po": {FREE: {"msgstr": FREE_TR, "comments": ("reviewed",)}},
        "locales/tr/index.po": {FREE: FREE_TR},
        "locales/de/faq.po": {"Licence": "Lizenz"},
        "locales/de/guide/start.po": {"Licence": "Nutzungsrecht"},
        "locales/de/index.po": {"Licence": "Lizenzhinweis"},
    }
    root = make_project(tmp_path, translations=translations, faq=FAQ + "\n## Licence\n\n" + FREE + "\n")
    result = relayout(root, "locales/messages.pot", "locales/{locale}.po")
    assert result.ok
    tr = entries(root, "locales/tr.po")[FREE]
    # Two documents against one: the commonest wins, though the other comes first.
    assert tr.msgstr == FREE_TR and tr.is_fuzzy
    assert tr.comments == ("reviewed", "from the FAQ", 'other translation (content/faq.md): "Özgür yazılım."')
    # A tie goes to the first document in document order.
    de = entries(root, "locales/de.po")["Licence"]
    assert (de.msgstr, de.is_fuzzy) == ("Lizenz", True)
    assert de.comments == (
        'other translation (content/guide/start.md): "Nutzungsrecht"',
        'other translation (content/index.md): "Lizenzhinweis"',
    )
    first, second = result.diagnostics
    assert str(first).startswith(
        f"locales/tr.po:{first.line}: warning: content/faq.md, content/guide/start.md and content/index.md "
        "translate this entry differently; kept the translation of content/guide/start.md and "
        "content/index.md and marked it fuzzy"
    )
    # The line is that of the entry in the new catalogue.
    lines = (root / "locales" / "tr.po").read_text(encoding="utf-8").split("\n")
    assert first.line and f'msgid "{FREE}"' in "\n".join(lines[first.line - 1 :]).split("\n\n")[0]
    assert (second.path, bool(second.line)) == ("locales/de.po", True)
    assert is_in_sync(root)


def test_a_translation_outvotes_fuzzy_ones_and_keeps_them_in_comments(tmp_path: Path) -> None:
    translations = {
        "locales/de/index.po": {FREE: "Freie Software."},
        "locales/de/guide/start.po": {FREE: {"msgstr": "Frei.", "flags": ("fuzzy",)}},
    }
    root = make_project(tmp_path, translations=translations)
    result = relayout(root, "locales/messages.pot", "locales/{locale}.po")
    assert not result.plan.conflicts and not result.diagnostics
    free = entries(root, "locales/de.po")[FREE]
    assert (free.msgstr, free.flags) == ("Freie Software.", ())
    assert free.comments == ('other translation (content/guide/start.md): "Frei."',)


# --- what a relayout leaves alone, and what it refuses ------------------------------------------


def test_check_writes_nothing_and_lists_every_change(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    before = files_of(root)
    result = relayout(root, "locales/messages.pot", "locales/{locale}.po", check=True)
    assert not result.ok and result.check
    assert files_of(root) == before
    assert sorted(result.files.pending) == sorted([*OLD_FILES, *NEW_FILES, "i18n-sync.toml"])
    assert result.files.written == result.files.deleted == ()


def test_only_the_old_layouts_files_are_deleted(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    others = {
        "locales/tr/notes.po": (root / "locales" / "tr" / "faq.po").read_bytes(),  # no document's
        "locales/fr/index.po": (root / "locales" / "tr" / "index.po").read_bytes(),  # no language's
        "locales/tr/readme.txt": b"notes\n",
    }
    for path, content in others.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)
    (root / "locales" / "faq.pot").write_text("not a template\n", encoding="utf-8")
    result = relayout(root, "locales/messages.pot", "locales/{locale}.po")
    assert result.ok
    assert sorted(result.files.deleted) == [path for path in OLD_FILES if path != "locales/faq.pot"]
    assert [(d.path, d.message.split(":")[0]) for d in result.diagnostics] == [
        ("locales/faq.pot", "not deleted")
    ]
    after = files_of(root)
    assert {path: after[path] for path in others} == others
    assert after["locales/faq.pot"] == b"not a template\n"
    assert not (root / "locales" / "de").exists()  # emptied, so gone; locales/tr holds other files


def test_the_same_patterns_are_refused(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    with pytest.raises(UsageError, match=r"^i18n-sync\.toml has these patterns already; nothing to change$"):
        relayout(root, "locales/{path}.pot", "locales/{locale}/{path}.po")


@pytest.mark.parametrize(
    ("template", "catalog", "message"),
    [
        ("locales/{path}.pot", "locales/{locale}.po", "i18n-sync.toml:4: 'template' and 'catalog' must both"),
        (
            "locales/messages.pot",
            "locales/all.po",
            "i18n-sync.toml:4: 'catalog' must contain {lang} or {locale}",
        ),
        (
            "locales/{nope}.pot",
            "locales/{locale}.po",
            "i18n-sync.toml:3: 'template' uses unknown placeholder",
        ),
        ("../messages.pot", "locales/{locale}.po", "../messages.pot: leaves the repository"),
    ],
)
def test_patterns_the_configuration_may_not_hold_are_refused(
    tmp_path: Path, template: str, catalog: str, message: str
) -> None:
    root = make_project(tmp_path)
    before = files_of(root)
    with pytest.raises(api.I18nSyncError) as raised:
        relayout(root, template, catalog)
    assert str(raised.value).startswith(message), str(raised.value)
    assert files_of(root) == before


def test_a_file_in_the_way_is_refused(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "locales" / "tr.po").write_text(
        'msgid ""\nmsgstr ""\n\nmsgid "x"\nmsgstr "y"\n', encoding="utf-8"
    )
    before = files_of(root)
    with pytest.raises(UsageError, match=r"^locales/tr\.po: is in the way of the new layout"):
        relayout(root, "locales/messages.pot", "locales/{locale}.po")
    assert files_of(root) == before


def test_a_malformed_catalogue_stops_everything(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    catalogue = root / "locales" / "de" / "index.po"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + 'msgid "open\n', encoding="utf-8")
    before = files_of(root)
    with pytest.raises(CatalogError) as raised:
        relayout(root, "locales/messages.pot", "locales/{locale}.po")
    assert raised.value.path == "locales/de/index.po" and raised.value.line
    assert files_of(root) == before


def test_a_configuration_in_pyproject_keeps_its_other_bytes(tmp_path: Path) -> None:
    pyproject = (
        '[project]\nname = "x"\n\n[tool.i18n-sync]\n' + PER_DOCUMENT + '\n[tool.other]\ntemplate = "x"\n'
    )
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    root = make_project(tmp_path, config=None)
    assert relayout(root, "locales/messages.pot", "locales/{locale}.po").ok
    assert (root / "pyproject.toml").read_text(encoding="utf-8") == pyproject.replace(PER_DOCUMENT, COMPACT)
    assert entries(root, "locales/tr.po")[FREE].msgstr == FREE_TR
