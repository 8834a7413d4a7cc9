"""`test_parser.py`'s comparisons over every document of the shared corpus.

Each test reports every document or unit that differs, not just the first.
"""

from __future__ import annotations

import pytest

from corpus import SKIP_REASON, all_samples, available
from helpers import accented
from i18n_sync.markdown import facts
from i18n_sync.markdown import parser as markdown
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.markdown.facts import text_facts, unit_facts
from i18n_sync.markdown.msgid import fill_placeholders
from i18n_sync.markdown.parser import document_outline

pytestmark = pytest.mark.corpus

if not available():
    pytest.skip(SKIP_REASON, allow_module_level=True)


def test_dispatch_makes_the_same_tokens_on_every_document() -> None:
    pairs = [
        (build(), build(dispatch=False)) for build in (markdown._build_parser, facts._build_facts_parser)
    ]
    differ = [
        sample.name
        for sample in all_samples()
        for fast, plain in pairs
        if [t.as_dict() for t in fast.parse(sample.text, {})]
        != [t.as_dict() for t in plain.parse(sample.text, {})]
    ]
    assert len(all_samples()) == 778
    assert differ == []


def test_extraction_outline_is_the_documents_outline_on_every_document() -> None:
    differ = [
        sample.name
        for sample in all_samples()
        if extract_units(load_document(sample.text, sample.name)).outline != document_outline(sample.text)
    ]
    assert differ == []


def test_unit_facts_equal_the_full_parse_for_every_unit_and_its_translation() -> None:
    differ = []
    compared = fast = 0
    for sample in all_samples():
        extraction = extract_units(load_document(sample.text, sample.name))
        for unit in extraction.units:
            for text in (unit.msgid, accented(unit.msgid)):
                filled = fill_placeholders(text, unit.urls, strict=False)
                wrapped = facts._BLOCK_WRAPPERS.get(unit.kind, "{}").format(filled)
                compared += 1
                fast += facts._one_block(unit.kind, filled)
                if unit_facts(filled, unit.kind, extraction.context) != text_facts(
                    wrapped, extraction.context
                ):
                    differ.append(f"{sample.name}: {text[:60]!r}")
    print(f"{compared} texts compared, {fast} of them without a block pass")
    assert compared > 7000
    assert differ == []
