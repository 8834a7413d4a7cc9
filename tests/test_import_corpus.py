"""Importing the real hand-made translations of ../shared/corpus/awesome-rlhf, then updating them.

Each translation is imported against the English revision it was made from
(see the corpus README), that revision is rendered with the new catalogue,
and the share of the hand-made file's lines that come back is measured and
printed (run with ``-s`` to see it). How lines are counted:

- every non-blank line of the translation counts, compared with the rendered
  file after collapsing runs of blanks (list indentation comes from the
  English on purpose); a line is reproduced when `difflib` matches it, in order;
- left out, because the tool changes them on purpose: lines with a link to
  a heading (``](#``: anchors are rewritten, by another part of the tool),
  lines that differ only in link destinations (the English URLs win), and
  the lines of code blocks (code is never translated: the English stays);
- left out, because there is nothing to reproduce them from: the lines of
  the blocks the translation added (the import's left-over blocks, checked
  here against the list found by reading the files).

The strict share, which leaves out only anchors and added blocks, is printed
and held too. Then the catalogue is updated to the newest English and
rendered: the newest structure, translated wherever the English is unchanged.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from i18n_sync.cli import main
from i18n_sync.gettext.catalog import build_template, new_catalog
from i18n_sync.gettext.merge import merge_catalog
from i18n_sync.gettext.po import parse_po, translations_of
from i18n_sync.importing.importer import ImportReport, import_translation
from i18n_sync.locales import parse_language
from i18n_sync.markdown.anchors import unique_anchors
from i18n_sync.markdown.document import Document, load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.model import Catalog
from i18n_sync.render.splice import render_document

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "awesome-rlhf"
NEWEST = "en.2025-12-09.e5942c0.md"
DATE = "2026-01-01 00:00+0000"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is not at {CORPUS}"),
]


@dataclass(frozen=True, slots=True)
class Case:
    """A translation, the English it was made from, and the blocks it added (by first line)."""

    name: str
    english: str
    translated: str
    language: str
    added: tuple[int, ...]


CASES = (
    # A hand-made language marker, and a section of two papers that only the translation has.
    Case("tr", "en.2023-04-27.15f16f4.md", "tr.2023-04-27.15f16f4.README_TU.md", "tr", (1, 238, 245)),
    Case("tr-variant-b", "en.2023-04-17.94e8dd8.md", "tr.variant-b.md", "tr", (1,)),
    Case("zh-CN", "en.2023-04-26.4b13287.md", "zh-CN.md", "zh-CN", ()),
    Case("tr-contributing", "CONTRIBUTING.en.15f16f4.md", "CONTRIBUTING.tr.15f16f4.md", "tr", (1,)),
)
TARGET = 0.95
STRICT_FLOOR = 0.90
_DESTINATION = re.compile(r"\]\([^)]*\)")


def load(name: str) -> Document:
    return load_document((CORPUS / name).read_bytes().decode("utf-8"), name)


def empty_catalog(doc: Document, language: str) -> Catalog:
    units = extract_units(doc).units
    template = build_template(units, "README.md", "awesome-rlhf", None, DATE)
    catalog, _ = merge_catalog(new_catalog(template, parse_language(language), "README.md"), template)
    return catalog


@cache
def imported(case: Case) -> tuple[Catalog, ImportReport]:
    english = load(case.english)
    return import_translation(english, load(case.translated), empty_catalog(english, case.language))


def code_lines(doc: Document) -> set[int]:
    """0-based lines of fenced and indented code blocks, fences included."""
    tokens = MarkdownIt("commonmark").parse(doc.parse_text)
    return {
        line
        for token in tokens
        if token.type in ("fence", "code_block") and token.map
        for line in range(token.map[0], token.map[1])
    }


def added_lines(doc: Document, report: ImportReport) -> set[int]:
    """0-based lines of the translated blocks the import left over."""
    units = {unit.line: unit for unit in extract_units(doc).units}
    regions = [units[item.line].region for item in report.leftovers]
    return {line for region in regions for line in range(region.start_line, region.end_line + 1)}


@dataclass(frozen=True, slots=True)
class Share:
    reproduced: int
    counted: int
    strict_reproduced: int
    strict_counted: int
    anchors: int
    destinations: int
    code: int
    added: int

    def __str__(self) -> str:
        return (
            f"{self.reproduced}/{self.counted} lines reproduced ({self.reproduced / self.counted:.1%}); "
            f"strict {self.strict_reproduced}/{self.strict_counted} "
            f"({self.strict_reproduced / self.strict_counted:.1%}); left out: {self.anchors} with anchors, "
            f"{self.destinations} differing only in link destinations, {self.code} of code blocks, "
            f"{self.added} of added blocks"
        )


def measure(translated: Document, rendered: str, report: ImportReport) -> Share:
    def norm(line: str) -> str:
        return " ".join(line.split())

    theirs = [norm(line) for line in translated.lines]
    ours = [norm(line) for line in rendered.splitlines()]
    matcher = difflib.SequenceMatcher(None, theirs, ours, autojunk=False)
    matched = {a + k for a, _, size in matcher.get_matching_blocks() for k in range(size)}
    ours_without_urls = {_DESTINATION.sub("]()", line) for line in ours}
    added, code = added_lines(translated, report), code_lines(translated)
    strict = [i for i, line in enumerate(theirs) if line and i not in added and "](#" not in line]
    destinations = {
        i for i in strict if i not in matched and _DESTINATION.sub("]()", theirs[i]) in ours_without_urls
    }
    counted = [i for i in strict if i not in destinations and i not in code]
    return Share(
        reproduced=sum(1 for i in counted if i in matched),
        counted=len(counted),
        strict_reproduced=sum(1 for i in strict if i in matched),
        strict_counted=len(strict),
        anchors=sum(1 for i, line in enumerate(theirs) if "](#" in line and i not in added),
        destinations=len(destinations),
        code=sum(1 for i in strict if i in code and i not in destinations),
        added=sum(1 for i in added if theirs[i]),
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_import_reproduces_the_hand_made_translation(case: Case) -> None:
    english = load(case.english)
    catalog, report = imported(case)
    extraction = extract_units(english)
    rendered = render_document(english, extraction.units, translations_of(catalog), extraction.context)
    share = measure(load(case.translated), rendered.text, report)
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("sure", "uncertain", "same", "none"))
    print(f"\n{case.name}: {share}; English units: {counts}; {len(report.leftovers)} blocks left over")
    assert tuple(item.line for item in report.leftovers) == case.added
    assert share.reproduced / share.counted >= TARGET
    assert share.strict_reproduced / share.strict_counted >= STRICT_FLOOR


def broken_anchors(text: str) -> list[str]:
    """In-page links of a rendered document that match no heading's anchor."""
    extraction = extract_units(load_document(text, "README.md"))
    anchors = set(unique_anchors(heading.text for heading in extraction.headings))
    links = [url for unit in extraction.units for url in unit.urls if url.startswith("#")]
    return [url for url in links if url[1:] not in anchors]


def _flat(msgstr: str) -> str:
    return " ".join(part.strip() for part in msgstr.split("\n"))


@pytest.mark.parametrize("case", [c for c in CASES if c.name in ("tr", "zh-CN")], ids=["tr", "zh-CN"])
def test_update_to_the_newest_english_keeps_what_did_not_change(case: Case) -> None:
    catalog, _ = imported(case)
    newest = load(NEWEST)
    extraction = extract_units(newest)
    template = build_template(extraction.units, "README.md", "awesome-rlhf", None, DATE)
    merged, merge = merge_catalog(catalog, template)
    translations = translations_of(merged)
    rendered = render_document(newest, extraction.units, translations, extraction.context)
    again = extract_units(load_document(rendered.text, "README.md")).units
    # The newest English structure: the same units, of the same kinds, with the same containers.
    assert [u.kind for u in again] == [u.kind for u in extraction.units]
    assert [u.indent for u in again] == [u.indent for u in extraction.units]
    # Translated wherever the English did not change, English wherever it did.
    for old, new in zip(extraction.units, again, strict=True):
        translation = translations.get(old.msgid)
        if translation and translation != old.msgid:
            assert new.msgid == _flat(translation), old.msgid
        else:
            assert new.msgid == old.msgid
    broken = broken_anchors(rendered.text)
    print(
        f"\n{case.name} → {NEWEST}: {rendered.translated} of {len(extraction.units)} units translated, "
        f"from {sum(1 for m in catalog.messages if m.is_translated)} imported; merge: {merge.kept} kept, "
        f"{merge.fuzzy} fuzzy, {merge.added} new, {merge.obsolete} obsolete; "
        f"{len(broken)} in-page links without a matching heading (render_document alone does not "
        f"rewrite anchors; see the sync test below): {sorted(set(broken))}"
    )
    assert rendered.translated == sum(
        1 for unit in extraction.units if translations.get(unit.msgid, unit.msgid) != unit.msgid
    )
    # Most of what was imported is still in use: the newest English changed few old paragraphs.
    imported_entries = sum(1 for m in catalog.messages if m.is_translated and m.msgstr != m.msgid)
    assert rendered.translated >= 0.8 * imported_entries


def test_import_against_the_old_revision_then_sync_to_the_newest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole workflow through the command line, with the anchor rewriting of `sync`."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    case = CASES[0]
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "README.md").write_bytes((CORPUS / NEWEST).read_bytes())
    runner = CliRunner()
    root = ["--root", str(tmp_path)]
    assert runner.invoke(main, ["init", "--lang", "tr", *root]).exit_code == 0
    source = ["--source", str(CORPUS / case.english)]
    result = runner.invoke(main, ["import", "tr", str(CORPUS / case.translated), *source, *root])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["sync", "--format", "json", *root])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)["languages"]
    output = (tmp_path / "README.tr.md").read_text(encoding="utf-8")
    broken = broken_anchors(output)
    catalog = parse_po((tmp_path / "locales" / "tr" / "README.po").read_text(encoding="utf-8"), "README.po")
    kept_english = sum(1 for m in catalog.messages if m.is_translated and m.msgstr == m.msgid)
    print(
        f"\nimport + sync: {report['translated']} translated ({kept_english} of them kept in English), "
        f"{report['fuzzy']} fuzzy, {report['untranslated']} untranslated; "
        f"{len(broken)} in-page links without a matching heading"
    )
    # Before kept-in-English units were recorded: 116 translated, all of them in Turkish.
    assert report["translated"] - kept_english >= 110
    assert report["translated"] >= 200
