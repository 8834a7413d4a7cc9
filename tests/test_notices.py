"""The tool's own messages: the notice in many languages, each passing the project's own checks.

The catalogues in ``src/i18n_sync/messages/`` are read by ``render/decorate.py``.
A language without one gets the English notice and a warning, never silently.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner

from i18n_sync.checks.translation import run_checks
from i18n_sync.cli import main
from i18n_sync.gettext.po import parse_po
from i18n_sync.gettext.stats import Counts
from i18n_sync.locales import localized_decimal, parse_language
from i18n_sync.project.config import Settings, format_config
from i18n_sync.render.decorate import NOTICE, notice_template, notice_text

MESSAGES = Path(str(files("i18n_sync") / "messages"))
CATALOGS = sorted(MESSAGES.glob("*.po"))
CODES = [path.stem for path in CATALOGS]
FIELDS = re.compile(r"\{(\w+)\}")


def test_the_notice_is_shipped_in_at_least_25_languages() -> None:
    assert len(CODES) >= 25, CODES
    template = parse_po((MESSAGES / "messages.pot").read_text(encoding="utf-8"), "messages.pot")
    assert [m.msgid for m in template.messages] == [NOTICE]


@pytest.mark.parametrize("path", CATALOGS, ids=CODES)
def test_each_catalogue_is_strict_gettext_for_a_known_language(path: Path) -> None:
    catalog = parse_po(path.read_text(encoding="utf-8"), path.name)  # our strict reader
    assert catalog.header_value("Language") == path.stem
    language = parse_language(path.stem)  # Babel knows it
    assert language.code == path.stem
    assert [m.msgid for m in catalog.messages] == [NOTICE]
    for message in catalog.messages:
        assert message.is_translated and message.msgstr != message.msgid


@pytest.mark.parametrize("path", CATALOGS, ids=CODES)
def test_each_translation_passes_the_projects_own_checks(path: Path) -> None:
    catalog = parse_po(path.read_text(encoding="utf-8"), path.name)
    for message in catalog.messages:
        assert run_checks(message.msgid, message.msgstr) == ()
        # The fields str.format fills in: the same ones, each once, nothing else in braces.
        assert sorted(FIELDS.findall(message.msgstr)) == sorted(FIELDS.findall(message.msgid))
        filled = message.msgstr.format(percent="80.7", stale=5, total=26, url="locales/x/README.po")
        assert "{" not in filled and "[" in filled and "](locales/x/README.po)" in filled


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_gnu_msgfmt_accepts_every_catalogue(tmp_path: Path) -> None:
    for path in CATALOGS:
        result = subprocess.run(
            ["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(path)], capture_output=True, text=True
        )
        assert result.returncode == 0, f"{path.name}: {result.stderr}"


def test_the_percent_is_the_shown_figure_with_the_languages_decimal_sign() -> None:
    counts = Counts(translated=21, untranslated=5)
    assert notice_text("tr", counts, "x.po").startswith("> Bu çeviri %80,7 tamamlandı")
    assert notice_text("de", counts, "x.po").startswith("> Diese Übersetzung ist zu 80,7 % vollständig.")
    assert notice_text("ja", counts, "x.po").startswith("> この翻訳の完成度は 80.7% です。")
    assert localized_decimal("80.7", "fr") == "80,7" and localized_decimal("100.0", "en") == "100.0"


def test_a_regional_language_falls_back_to_its_base() -> None:
    assert notice_template("pt_BR") != notice_template("pt") and notice_template("pt_BR")
    assert notice_template("de_AT") == notice_template("de")
    assert notice_template("sw") is None and notice_template("en_GB") == NOTICE


SOURCE = """# Garden

<!-- i18n-sync:languages -->

Tools for a small garden.

A trowel digs small holes.
"""


def sync_project(root: Path, tags: list[str]) -> tuple[int, str]:
    (root / "content").mkdir(parents=True)
    (root / "content" / "README.md").write_text(SOURCE, encoding="utf-8")
    settings = Settings(languages=tuple(tags), notice=True, generated_header=False)
    (root / "i18n-sync.toml").write_text(format_config(settings), encoding="utf-8")
    result = CliRunner().invoke(main, ["sync", "--root", str(root)])
    return result.exit_code, result.stderr


def test_every_shipped_language_gets_its_notice_and_its_babel_name(tmp_path: Path) -> None:
    tags = [parse_language(code).tag for code in CODES]
    code, stderr = sync_project(tmp_path, tags)
    assert code == 0 and "notice" not in stderr, stderr
    english = (tmp_path / "README.md").read_text(encoding="utf-8")
    for tag in tags:
        language = parse_language(tag)
        output = (tmp_path / f"README.{tag}.md").read_text(encoding="utf-8")
        expected = notice_text(language.code, Counts(untranslated=3), f"locales/{language.code}/README.po")
        assert output.startswith(expected + "\n\n"), tag
        assert not expected.startswith("> This translation"), tag
        assert f"[{language.native_name}](README.{tag}.md)" in english  # switcher labels: Babel's names
        assert f"**{language.native_name}**" in output
    # The rendered notices pass `check` too: nothing in them the pipeline would refuse.
    checked = CliRunner().invoke(main, ["check", "--root", str(tmp_path)])
    assert checked.exit_code == 0, checked.output


def test_a_language_without_a_notice_gets_english_and_a_warning(tmp_path: Path) -> None:
    code, stderr = sync_project(tmp_path, ["sw", "de"])
    assert code == 0
    swahili = (tmp_path / "README.sw.md").read_text(encoding="utf-8")
    assert swahili.startswith("> This translation is 0.0% complete: 3 of 3 paragraphs")
    assert "README.sw.md: warning: the notice is in English: i18n-sync has no sw translation" in stderr
    assert "README.de.md" not in stderr
