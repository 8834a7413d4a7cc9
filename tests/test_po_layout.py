"""Catalogues keep the layout of the tool that saved them last (gettext/layout.py).

For every translator's tool in po_writers.py, on this repository's own README
catalogues and on catalogues built from the shared corpus: a no-op ``sync``
changes nothing (``sync --check`` exits 0), and editing one English paragraph
changes only that paragraph's entry in each catalogue. A property test does
the same over random catalogues laid out at any width.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import CORPUS, NEWEST_README, SKIP_REASON, available
from helpers import invoke, uppercase
from i18n_sync.gettext.layout import detect_width, update_po, write_po
from i18n_sync.gettext.merge import merge_catalog
from i18n_sync.gettext.po import format_po, parse_po, parse_po_layout
from i18n_sync.gettext.po_write import format_entry
from i18n_sync.model import Catalog, Message
from po_writers import WRITERS, is_available

REPOSITORY = Path(__file__).resolve().parents[1]
EPOCH = "1767225600"
WRITER_PARAMS = [
    pytest.param(name, marks=pytest.mark.skipif(not is_available(need), reason=f"{need} is not installed"))
    for name, (_, need) in WRITERS.items()
]


def catalogues(root: Path) -> list[tuple[Path, Path]]:
    """Each catalogue of a project made below, with its template."""
    return [(path, root / "locales" / f"{path.stem}.pot") for path in sorted(root.glob("locales/*/*.po"))]


def texts(root: Path) -> dict[str, str]:
    return {str(path.relative_to(root)): path.read_text("utf-8") for path, _ in catalogues(root)}


def _pseudo_translate(root: Path) -> None:
    for path, _ in catalogues(root):
        catalog = parse_po(path.read_text("utf-8"), path.name)
        messages = tuple(replace(m, msgstr=uppercase(m.msgid)) for m in catalog.messages)
        path.write_text(format_po(replace(catalog, messages=messages)), "utf-8")


@pytest.fixture(scope="module", params=["repository", "corpus"])
def settled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository's README and catalogues, or a corpus README pseudo-translated, synced."""
    root = tmp_path_factory.mktemp(request.param)
    (root / "content").mkdir()
    shutil.copyfile(REPOSITORY / "i18n-sync.toml", root / "i18n-sync.toml")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        if request.param == "repository":
            shutil.copyfile(REPOSITORY / "content" / "README.md", root / "content" / "README.md")
            shutil.copytree(REPOSITORY / "locales", root / "locales")
        else:
            if not available():
                pytest.skip(SKIP_REASON)
            shutil.copyfile(CORPUS / "awesome-rlhf" / NEWEST_README, root / "content" / "README.md")
            assert invoke(root, "sync").exit_code == 0
            _pseudo_translate(root)
        assert invoke(root, "sync").exit_code == 0
    return root


@pytest.fixture
def saved(settled: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A copy of the project whose catalogues the writer of the test re-saved."""
    root = tmp_path / "project"
    shutil.copytree(settled, root)
    writer = WRITERS[request.node.callspec.params["writer"]][0]
    for path, template in catalogues(root):
        writer(path, template)
    return root


@pytest.mark.parametrize("writer", WRITER_PARAMS)
def test_a_no_op_sync_after_any_tool_changes_nothing(
    saved: Path, writer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    before = texts(saved)
    result = invoke(saved, "sync", "--check")
    assert result.exit_code == 0, result.output
    assert invoke(saved, "sync").exit_code == 0
    assert texts(saved) == before


def _entries(text: str) -> dict[tuple[str | None, str], str]:
    """Each active entry's text, by key."""
    catalog, layout, _ = parse_po_layout(text, "x.po")
    return {
        m.key: "\n".join(layout.lines[start:end])
        for m, (start, end) in zip(catalog.messages, layout.entries, strict=True)
        if not m.obsolete
    }


def _without(text: str, keys: set[tuple[str | None, str]]) -> str:
    """The text without the entries of these keys (and the blank line before each)."""
    catalog, layout, _ = parse_po_layout(text, "x.po")
    lines = list(layout.lines)
    for message, (start, end) in reversed(list(zip(catalog.messages, layout.entries, strict=True))):
        if message.key in keys:
            del lines[start - 1 : end]
    return "\n".join(lines)


def _edit_longest_paragraph(source: Path) -> None:
    lines = source.read_text("utf-8").split("\n")
    candidates = [i for i, line in enumerate(lines) if re.match(r"[A-Za-z*]", line) and len(line) > 60]
    index = max(candidates, key=lambda i: len(lines[i]))
    lines[index] = lines[index].replace(" ", " really ", 1)
    source.write_text("\n".join(lines), "utf-8")


@pytest.mark.parametrize("writer", WRITER_PARAMS)
def test_an_english_edit_changes_only_its_entry(
    saved: Path, writer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    before = texts(saved)
    _edit_longest_paragraph(saved / "content" / "README.md")
    assert invoke(saved, "sync").exit_code == 0
    for name, after in texts(saved).items():
        old, new = _entries(before[name]), _entries(after)
        gone, added = set(old) - set(new), set(new) - set(old)
        assert len(gone) == 1 and len(added) == 1, (name, gone, added)
        (key,), (was,) = added, gone
        translated = parse_po(before[name], name).messages[list(old).index(was)].msgstr
        # The old translation comes along as fuzzy; an untranslated entry stays untranslated.
        assert ("fuzzy" in parse_po(after, name).messages[list(new).index(key)].flags) == bool(translated)
        assert _without(after, added) == _without(before[name], gone), name


# Width detection and the property test, on catalogues made here.

WORDS = ["translation", "Markdown", "catalogue", "a", "of", "the", "`code`", "[a]({1})", "über", "中文字符"]


def _text(draw: st.DrawFn, longest: int) -> str:
    count = draw(st.integers(1, longest))
    words = draw(st.lists(st.sampled_from(WORDS), min_size=count, max_size=count))
    return " ".join(words) + draw(st.sampled_from(["", ".", "\n", "  "]))


@st.composite
def catalogues_(draw: st.DrawFn) -> Catalog:
    messages: dict[str, Message] = {}
    for number in range(draw(st.integers(1, 8))):
        msgid = f"{number} {_text(draw, 30)}"
        fuzzy = draw(st.booleans())
        msgstr = draw(st.sampled_from(["", _text(draw, 40)]))
        flags = draw(st.sampled_from([(), ("md-text",), ("c-format", "md-text"), ("no-wrap",)]))
        messages[msgid] = Message(
            msgid=msgid,
            msgstr=msgstr,
            flags=(("fuzzy", *flags) if fuzzy and msgstr else flags),
            comments=draw(st.sampled_from([(), ("checked",), ("a translator's note", "")])),
            extracted=(f"Section: {_text(draw, 12)}".rstrip("\n"),),
            references=("content/README.md",),
            previous_msgid=draw(st.sampled_from([None, "older English"])) if fuzzy and msgstr else None,
        )
    header = (("Language", "tr"), ("Content-Type", "text/plain; charset=UTF-8"))
    return Catalog(header, tuple(messages.values()))


def _template_of(catalog: Catalog) -> Catalog:
    return Catalog(
        catalog.header,
        tuple(Message(m.msgid, extracted=m.extracted, references=m.references) for m in catalog.messages),
    )


def _sync(text: str, template: Catalog, width: int = 0) -> str:
    """What `sync` does to one catalogue: read with its layout, merge, write over it."""
    old, layout, _ = parse_po_layout(text, "x.po")
    merged, _ = merge_catalog(old, template)
    return update_po(merged, (old, layout), width, "x.po")


WIDTHS = st.sampled_from([0, 76, 77, 78, 79, 80]) | st.integers(20, 120)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalog=catalogues_(), width=WIDTHS, edited=st.integers(0, 7), new_width=st.sampled_from([0, 60]))
def test_any_layout_survives_a_sync_and_only_the_edited_entry_changes(
    catalog: Catalog, width: int, edited: int, new_width: int
) -> None:
    text = format_po(catalog, width)
    template = _template_of(catalog)
    assert _sync(text, template) == text, "a no-op sync changes nothing"
    # Change one English text: every msgstr, comment and flag survives, the others keep their bytes.
    target = catalog.messages[edited % len(catalog.messages)]
    messages = [
        replace(m, msgid=m.msgid + " (edited)") if m.key == target.key else m for m in template.messages
    ]
    after = _sync(text, replace(template, messages=tuple(messages)), new_width)
    read = {(m.obsolete, *m.key): m for m in parse_po(after, "x.po").messages}
    for message in catalog.messages:
        if message is not target:
            assert read[(False, *message.key)] == message
    # The edited entry's work is carried over (fuzzy), or kept in an obsolete entry.
    places = [read[(False, None, target.msgid + " (edited)")], read.get((True, *target.key))]
    if target.msgstr or target.comments:
        assert any(
            (kept.msgstr, kept.comments) == (target.msgstr, target.comments)
            and set(target.flags) - {"fuzzy"} <= set(kept.flags)
            for kept in places
            if kept is not None
        )
    old_entries, new_entries = _entries(text), _entries(after)
    for key, entry in old_entries.items():
        if key != target.key:
            assert new_entries[key] == entry


def test_the_width_of_a_wrapped_file_is_detected() -> None:
    rng = random.Random(14)
    vocabulary = ["translation", "of", "a", "Markdown", "paragraph", "is", "keeps", "in", "the", "catalogue"]

    def sentence() -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(60))

    catalog = Catalog((("Language", "tr"),), tuple(Message(sentence(), sentence()) for _ in range(20)))
    for width in (0, 40, 76, 77, 79):
        old, layout, _ = parse_po_layout(format_po(catalog, width), "x.po")
        assert detect_width(old, layout) == width


def test_new_entries_follow_the_files_width_and_the_configured_one_wins() -> None:
    long = " ".join(["words"] * 40)
    catalog = Catalog((("Language", "tr"),), (Message("First " + long, "Birinci " + long),))
    text = format_po(catalog, 77)
    added = replace(catalog, messages=(*catalog.messages, Message("Second " + long)))
    previous = parse_po_layout(text, "x.po")[:2]
    assert update_po(added, previous) == format_po(added, 77)
    second = format_entry(added.messages[1], 40)
    assert update_po(added, previous, 40) == f"{text}\n{second}\n"


def test_write_po_says_where_each_entry_is() -> None:
    catalog = Catalog((("Language", "tr"),), (Message("a", comments=("note",)), Message("b" * 90, "B")))
    written = write_po(catalog, None, 40)
    assert written.text == format_po(catalog, 40)
    lines = written.text.split("\n")
    assert lines[written.lines[(None, "a")] - 1] == "# note"
    assert lines[written.lines[(None, "b" * 90)] - 1].startswith("msgid ")


# Inputs GNU msgfmt accepts that older versions refused: read, used, and kept byte for byte.

GNU_VALID = sorted((Path(__file__).parent / "fixtures" / "po-valid").glob("*.po"))
SOURCE = "# Notes\n\nA first paragraph.\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    (root / "content" / "README.md").write_text(SOURCE, "utf-8")
    assert invoke(root, "init", "--lang", "tr").exit_code == 0
    return root


@pytest.mark.parametrize("path", GNU_VALID, ids=[p.stem for p in GNU_VALID])
def test_a_catalogue_gnu_accepts_is_used_and_kept_as_it_is(project: Path, path: Path) -> None:
    if shutil.which("msgfmt"):
        checked = subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(path)], capture_output=True)
        assert checked.returncode == 0, checked.stderr
    catalog = project / "locales" / "tr" / "README.po"
    shutil.copyfile(path, catalog)
    result = invoke(project, "sync")
    assert result.exit_code == 0, result.output
    assert catalog.read_bytes() == path.read_bytes()
    assert ("never used" in result.stderr) == (path.stem == "plural-entry")
    assert "Birinci paragraf." in (project / "README.tr.md").read_text("utf-8")
    assert invoke(project, "sync", "--check").exit_code == 0


def test_sync_warnings_name_the_entrys_line_in_the_catalogue_as_check_does(project: Path) -> None:
    (project / "content" / "README.md").write_text(SOURCE + "\nSee [the guide](https://example.com).\n")
    assert invoke(project, "sync").exit_code == 0
    path = project / "locales" / "tr" / "README.po"
    catalog = parse_po(path.read_text("utf-8"), "README.po")
    unsafe = {"See [the guide]({1}).": "[Rehbere](javascript:alert(1)) bakın."}
    messages = tuple(replace(m, msgstr=unsafe.get(m.msgid, m.msgstr)) for m in catalog.messages)
    path.write_text(format_po(replace(catalog, messages=messages)), "utf-8")
    line = next(m.line for m in parse_po(path.read_text("utf-8"), "x.po").messages if m.msgid in unsafe)
    synced = invoke(project, "sync")
    warnings = [w for w in synced.stderr.splitlines() if "not used" in w]
    assert warnings and all(w.startswith(f"locales/tr/README.po:{line}: warning: ") for w in warnings)
    assert f"locales/tr/README.po:{line}: [" in invoke(project, "check").output


# What a translator's tool reads from our catalogues.


@pytest.mark.skipif(not is_available("translate"), reason="Translate Toolkit is not installed")
def test_translate_toolkit_reads_the_comments_and_placeholders_a_translator_needs(project: Path) -> None:
    from translate.storage import pypo

    source = "# Notes\n\nRead [the guide](https://example.com/guide) and ![a map](map.png).\n"
    (project / "content" / "README.md").write_text(source, "utf-8")
    assert invoke(project, "sync").exit_code == 0
    path = project / "locales" / "tr" / "README.po"
    store = pypo.pofile()
    store.parse(path.read_bytes())
    (unit,) = [u for u in store.units if "guide" in u.source]
    assert unit.source == "Read [the guide]({1}) and ![a map]({2})."
    notes = unit.getnotes("developer").split("\n")
    assert notes == ["Section: Notes", "{1}: https://example.com/guide", "{2}: map.png"]
    assert unit.getlocations() == ["content/README.md"]
    assert not unit.isfuzzy() and not unit.istranslated()
    assert store.gettargetlanguage() == "tr"
    # A translation saved by Weblate's library is read back by i18n-sync and used.
    unit.target = "[Rehberi]({1}) ve ![haritayı]({2}) okuyun."
    path.write_bytes(bytes(store))
    assert invoke(project, "sync").exit_code == 0
    assert "[Rehberi](https://example.com/guide)" in (project / "README.tr.md").read_text("utf-8")


def test_a_catalogue_without_header_gets_one_and_an_empty_one_is_written_anew(project: Path) -> None:
    catalog = project / "locales" / "tr" / "README.po"
    entries = (
        '#: content/README.md\nmsgid "Notes"\nmsgstr "Notlar"\n\n'
        '#. Section: Notes\n#: content/README.md\nmsgid "A first paragraph."\nmsgstr "Birinci paragraf."\n'
    )
    catalog.write_text(entries, "utf-8")
    result = invoke(project, "sync")
    assert result.exit_code == 0, result.output
    assert 'README.po:1: warning: no header entry (msgid "") at the top; one is written' in result.stderr
    written = catalog.read_text("utf-8")
    assert written.endswith("\n\n" + entries) and 'msgid ""\nmsgstr ""\n"Project-Id-Version:' in written
    assert "Birinci paragraf." in (project / "README.tr.md").read_text("utf-8")
    catalog.write_text("\n", "utf-8")
    result = invoke(project, "sync")
    assert result.exit_code == 0, result.output
    assert "README.po:1: warning: empty file; it is written anew" in result.stderr
    assert parse_po(catalog.read_text("utf-8"), "README.po").header_value("Language") == "tr"
