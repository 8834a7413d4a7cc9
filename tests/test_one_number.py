"""One number everywhere: a percentage reads the same in text, JSON, badge and notice.

21 of 26 units translated is 80.769...%: rounding to the nearest would show 80.8
(or 81), truncating to whole numbers 80. Every place shows 80.7, rounded down,
so that only a complete translation ever shows 100.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import invoke
from i18n_sync.gettext.stats import Counts, floor_percent
from i18n_sync.project.config import Settings, format_config

PARAGRAPHS = [f"Paragraph number {n} of the guide." for n in range(1, 27)]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "README.md").write_text("\n\n".join(PARAGRAPHS) + "\n", encoding="utf-8")
    settings = Settings(languages=("de",), notice=True, generated_header=False)
    (tmp_path / "i18n-sync.toml").write_text(format_config(settings), encoding="utf-8")
    assert invoke(tmp_path, "update").exit_code == 0
    catalog = tmp_path / "locales" / "de" / "README.po"
    text = catalog.read_text(encoding="utf-8")
    for paragraph in PARAGRAPHS[:21]:
        german = paragraph.replace("Paragraph number", "Absatz Nummer")
        german = german.replace("of the guide", "der Anleitung")
        text = text.replace(f'msgid "{paragraph}"\nmsgstr ""', f'msgid "{paragraph}"\nmsgstr "{german}"')
    catalog.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_same_percentage_in_every_output(project: Path) -> None:
    text = invoke(project, "sync")
    assert text.exit_code == 0, text.output
    assert "de: 21 translated, 0 fuzzy, 5 untranslated (80.7%)" in text.stdout
    as_json = json.loads(invoke(project, "sync", "--check", "--format", "json").stdout)
    assert as_json["languages"][0]["percent"] == 80.7
    status = json.loads(invoke(project, "status", "--format", "json").stdout)
    assert status["languages"][0]["total"]["percent"]["units"] == 80.7
    table = invoke(project, "status").stdout
    assert "80.7%" in table
    markdown = invoke(project, "status", "--format", "markdown").stdout
    assert "80.7%" in markdown
    assert invoke(project, "badge").exit_code == 0
    assert ">80.7%</text>" in (project / "badges" / "de.svg").read_text(encoding="utf-8")
    notice = (project / "README.de.md").read_text(encoding="utf-8").splitlines()[0]
    assert re.search(r"\b80[.,]7\b", notice), notice
    shown = {float(n.replace(",", ".")) for n in re.findall(r"\d+[.,]\d", notice + table + markdown)}
    assert 80.8 not in shown and 81 not in shown


def test_only_a_complete_translation_shows_100() -> None:
    assert floor_percent(999, 1000) == "99.9"
    assert floor_percent(9999, 10000) == "99.9"
    assert floor_percent(1, 1) == "100.0" and floor_percent(0, 0) == "100.0"
    assert Counts(translated=21, untranslated=5).shown_percent == "80.7"


@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_the_rounding_is_down_to_one_decimal(part: int, extra: int) -> None:
    whole = part + extra
    shown = float(floor_percent(part, whole))
    exact = 100 * part / whole
    assert shown <= exact + 1e-9 and exact - shown < 0.1 + 1e-9
