"""Print import figures on nodebestpractices' hand-made README translations.

Each ``README.LANG.COMMIT.md`` is imported against ``README.en.COMMIT.md``, the English
revision of the same commit (see the corpus's SOURCES.md), into an empty catalogue. For
each translation: how many English units ended sure, uncertain (fuzzy), same as the
English, or with nothing found, and how many of the units are HTML units. Run from the
repository root::

    python benchmarks/import_figures.py [--corpus PATH]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from i18n_sync.gettext.catalog import build_template, new_catalog
from i18n_sync.gettext.merge import merge_catalog
from i18n_sync.importing.importer import STATES, import_translation
from i18n_sync.locales import parse_language
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
DATE = "2026-01-01 00:00+0000"


def figures(english_path: Path, translated_path: Path) -> tuple[Counter[str], Counter[str]]:
    """The import's count per state, over all units and over HTML units only."""
    english = load_document(english_path.read_text(encoding="utf-8"), "README.md")
    translated = load_document(translated_path.read_text(encoding="utf-8"), translated_path.name)
    units = extract_units(english).units
    template = build_template(units, "README.md", "nodebestpractices", None, DATE)
    catalog, _ = merge_catalog(new_catalog(template, parse_language("fr"), "README.md"), template)
    _, report = import_translation(english, translated, catalog)
    html_lines = {unit.line for unit in units if unit.kind.startswith("html")}
    every = Counter(result.state for result in report.units)
    html = Counter(result.state for result in report.units if result.line in html_lines)
    return every, html


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    folder = parser.parse_args().corpus / "nodebestpractices"
    if not folder.is_dir():
        print(f"no nodebestpractices corpus in {folder.parent}", file=sys.stderr)
        return 1
    header = " ".join(f"{state:>9}" for state in STATES)
    print(f"{'translation':42} {header}  | HTML units: sure/uncertain/none")
    total: Counter[str] = Counter()
    for path in sorted(folder.glob("README.*.md")):
        language, commit = path.name.split(".")[1:3]
        if language == "en":
            continue
        every, html = figures(folder / f"README.en.{commit}.md", path)
        total += every
        counts = " ".join(f"{every[state]:9}" for state in STATES)
        print(f"{path.name:42} {counts}  | {html['sure']}/{html['uncertain']}/{html['none']}")
    print(f"{'all':42} " + " ".join(f"{total[state]:9}" for state in STATES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
