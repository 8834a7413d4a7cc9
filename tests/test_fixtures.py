"""Golden fixtures: one folder per behaviour under tests/fixtures/extract/<case>/.

Each case has `input.md`; `expected.pot` is its template and `expected.tr.md`
its rendering with every unit translated to UPPERCASE. `pytest --regen`
rewrites both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import FIXTURES, check_golden, extract_file, template_text, uppercase
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.render.splice import render_document

CASES = sorted(p for p in (FIXTURES / "extract").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_extracts_template(case: Path, regen: bool) -> None:
    extraction, _ = extract_file(case / "input.md")
    assert not extraction.diagnostics
    check_golden(case / "expected.pot", template_text(extraction), regen)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_renders_uppercase_translation(case: Path, regen: bool) -> None:
    extraction, text = extract_file(case / "input.md")
    translations = {unit.msgid: uppercase(unit.msgid) for unit in extraction.units}
    doc = load_document(text, "input.md")
    rendered = render_document(doc, extraction.units, translations, extraction.context)
    check_golden(case / "expected.tr.md", rendered.text, regen)
    assert [str(d) for d in rendered.diagnostics] == []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_empty_and_identity_catalogues_render_the_source(case: Path) -> None:
    extraction, text = extract_file(case / "input.md")
    doc = load_document(text, "input.md")
    empty = render_document(doc, extraction.units, {}, extraction.context)
    identity = {unit.msgid: unit.msgid for unit in extraction.units}
    same = render_document(doc, extraction.units, identity, extraction.context)
    assert empty.text == text
    assert same.text == text


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_uppercase_rendering_extracts_to_uppercase_msgids(case: Path) -> None:
    """Rendering then extracting again gives back exactly the translations, in order."""
    extraction, text = extract_file(case / "input.md")
    translations = {unit.msgid: uppercase(unit.msgid) for unit in extraction.units}
    doc = load_document(text, "input.md")
    rendered = render_document(doc, extraction.units, translations, extraction.context)
    again = extract_units(load_document(rendered.text, "input.md"))
    assert [u.msgid for u in again.units] == [translations[u.msgid] for u in extraction.units]
