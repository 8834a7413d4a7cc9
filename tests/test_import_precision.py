"""Import on every translation of the corpus: precision against a sample checked by hand, and
nothing imported as translated that render would refuse.

`tests/data/import_sample.json` lists, for each translation in ../shared/corpus
(awesome-rlhf's Turkish (two) and Chinese READMEs and Turkish CONTRIBUTING,
nodebestpractices' eight README translations, wtfjs' seven), up to 40 English
units that the import once paired "sure" with a translated block whose text
differs from the English, drawn at random (seeded by the translation's name).
Each pair was read by a person who knows the languages involved, and
`expected_lines` is the translated block (1-based first line) that really
translates the unit, empty when none does. The sample holds units, not text:
the corpus is data and is never copied into the project.

The test holds the import to it: every sampled unit the import now calls sure
must be paired with the expected block. A unit it now calls uncertain, or leaves
unpaired, is no wrong sure pair. When the sample was drawn, 2 of its 725 pairs
were wrong (a numbered section whose translation covers another section); the
import has called both uncertain since.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from i18n_sync.gettext.catalog import build_template, new_catalog
from i18n_sync.gettext.merge import merge_catalog
from i18n_sync.gettext.po import translations_of
from i18n_sync.importing.importer import import_translation
from i18n_sync.importing.proposals import Aligned, align_documents
from i18n_sync.locales import parse_language
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.render.splice import accept_translations, render_accepted

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / ".." / "shared" / "corpus"
SAMPLE = json.loads((ROOT / "tests" / "data" / "import_sample.json").read_text(encoding="utf-8"))
BY_TRANSLATION: dict[str, list[dict[str, object]]] = defaultdict(list)
for _row in SAMPLE:
    BY_TRANSLATION[str(_row["translation"])].append(_row)

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is not at {CORPUS}"),
]


@cache
def aligned(translation: str, english: str) -> Aligned:
    folder = CORPUS / translation.split("/")[0]
    english_path, translated_path = folder / english, CORPUS / translation

    def load(path: Path) -> object:
        return load_document(path.read_bytes().decode("utf-8"), path.name)

    return align_documents(load(english_path), load(translated_path))  # type: ignore[arg-type]


def test_the_sample_covers_every_translation_of_the_corpus() -> None:
    translations = {
        f"{folder.name}/{path.name}"
        for folder in (CORPUS / "nodebestpractices", CORPUS / "wtfjs")
        for path in folder.glob("README.*.md")
        if ".en." not in path.name
    }
    translations |= {
        "awesome-rlhf/tr.2023-04-27.15f16f4.README_TU.md",
        "awesome-rlhf/tr.variant-b.md",
        "awesome-rlhf/zh-CN.md",
        "awesome-rlhf/CONTRIBUTING.tr.15f16f4.md",
    }
    assert set(BY_TRANSLATION) == translations
    assert all(len(rows) <= 40 for rows in BY_TRANSLATION.values())


def _unit_index(hashes: list[str], drawn: int, digest: str) -> int | None:
    """The unit the sample names: its msgid's hash, at or after the index it had when drawn.

    Units extracted since (the HTML of READMEs) come in between and move the index up,
    never down; the first match from there is the sampled unit.
    """
    return next((i for i in range(drawn, len(hashes)) if hashes[i] == digest), None)


@pytest.mark.parametrize("translation", sorted(BY_TRANSLATION), ids=lambda name: name.split("/")[-1])
def test_no_sure_pair_of_the_checked_sample_is_wrong(translation: str) -> None:
    rows = BY_TRANSLATION[translation]
    result = aligned(translation, str(rows[0]["english"]))
    english, target = result.english_extraction.units, result.translated_extraction.units
    pair_of = {i: pair for pair in result.alignment.pairs for i in pair.english}
    wrong, sure = [], 0
    hashes = [hashlib.sha1(unit.msgid.encode("utf-8")).hexdigest()[:12] for unit in english]
    for row in rows:
        index = _unit_index(hashes, int(str(row["unit"])), str(row["msgid_sha1"]))
        assert index is not None, f"{translation}: no unit is the one the sample names; the English changed"
        unit = english[index]
        pair = pair_of.get(index)
        if pair is None or not pair.sure:
            continue
        sure += 1
        lines = [target[j].line for j in pair.translated]
        if lines != row["expected_lines"]:
            wrong.append(f"English line {unit.line} -> {lines}, expected {row['expected_lines']}")
    print(f"\n{translation}: {sure} of {len(rows)} sampled units still sure, {len(wrong)} wrong")
    assert not wrong, f"{translation}: wrong sure pairs: {wrong}"


@pytest.mark.parametrize("translation", sorted(BY_TRANSLATION), ids=lambda name: name.split("/")[-1])
def test_render_uses_every_translation_the_import_calls_translated(translation: str) -> None:
    """Nothing the import writes as translated is refused by render: it is fuzzy, with render's reason."""
    folder = CORPUS / translation.split("/")[0]
    english = load_document(
        (folder / str(BY_TRANSLATION[translation][0]["english"])).read_text("utf-8"), "en"
    )
    extraction = extract_units(english)
    template = build_template(extraction.units, "README.md", "corpus", None, "2026-01-01 00:00+0000")
    catalog, _ = merge_catalog(new_catalog(template, parse_language("de"), "README.md"), template)
    hand_made = load_document((CORPUS / translation).read_text("utf-8"), "translation")
    catalog, report = import_translation(english, hand_made, catalog)
    translations = translations_of(catalog)
    accepted = accept_translations("README.md", extraction.units, translations, extraction.context)
    rendered = render_accepted(
        english, extraction.units, accepted, extraction.context, outline=extraction.outline
    )
    refused = [d.message for d in rendered.diagnostics if " not used: " in d.message]
    assert not refused
    for message in catalog.messages:
        if any(c.startswith("i18n-sync import: render would not use it: ") for c in message.comments):
            assert message.is_fuzzy
    print(f"\n{translation}: {report.count('refused')} translations render would refuse imported fuzzy")
