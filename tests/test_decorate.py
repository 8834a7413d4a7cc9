"""Generated-file header, language switcher and localized notice."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from i18n_sync.cli import main
from i18n_sync.gettext.stats import Counts
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.project.config import Settings, format_config
from i18n_sync.render.decorate import Decorations, insertions, notice_text
from i18n_sync.render.splice import Accepted, render_accepted


def decorate(text: str, decorations: Decorations) -> str:
    doc = load_document(text, "doc.md")
    extraction = extract_units(doc)
    return render_accepted(
        doc, extraction.units, Accepted({}), extraction.context, insertions=insertions(doc, decorations)
    ).text


def test_decorations_go_below_the_front_matter() -> None:
    text = "---\ntitle: T\n---\n# Title\n"
    result = decorate(text, Decorations(header="<!-- generated -->", notice="> notice"))
    assert result == "---\ntitle: T\n---\n<!-- generated -->\n\n> notice\n\n# Title\n"


def test_switcher_goes_under_the_marker_even_on_the_last_line() -> None:
    text = "# Title\n\n<!-- i18n-sync:languages -->\n"
    assert decorate(text, Decorations(switcher="**English**")) == text + "**English**\n"


def test_switcher_at_the_top_without_a_marker_and_crlf_kept() -> None:
    text = "# Title\r\n"
    result = decorate(text, Decorations(switcher="**English**", switcher_at_top=True))
    assert result == "**English**\r\n\r\n# Title\r\n"


def test_no_switcher_without_marker_unless_asked() -> None:
    assert decorate("# Title\n", Decorations(switcher="**English**")) == "# Title\n"


def test_notice_is_localized_and_absent_when_complete() -> None:
    stale = Counts(translated=3, fuzzy=1, untranslated=0)
    turkish = notice_text("tr", stale, "locales/tr/README.po")
    chinese = notice_text("zh_CN", stale, "locales/zh_CN/README.po")
    assert turkish == (
        "> Bu çeviri %75,0 tamamlandı: 4 paragrafın 1 tanesi henüz çevrilmedi ya da güncel değil, "
        "bu yüzden İngilizce gösteriliyor. [Çeviriye yardım edin](locales/tr/README.po)."
    )
    assert chinese.startswith("> 本译文已完成 75.0%：4 个段落中有 1 个尚未翻译或已经过时")
    assert notice_text("sw", stale, "x.po").startswith(
        "> This translation is 75.0% complete: 1 of 4 paragraphs"
    )
    assert notice_text("tr", Counts(translated=4), "x.po") == ""


def test_notice_and_labels_through_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "README.md").write_text(
        "# Title\n\n<!-- i18n-sync:languages -->\n\nText.\n", encoding="utf-8"
    )
    settings = Settings(languages=("tr",), notice=True, language_names=(("tr", "TR"), ("en", "EN")))
    (tmp_path / "i18n-sync.toml").write_text(format_config(settings), encoding="utf-8")
    result = CliRunner().invoke(main, ["sync", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    tr = (tmp_path / "README.tr.md").read_text(encoding="utf-8")
    assert "> Bu çeviri %0,0 tamamlandı" in tr
    assert "[Çeviriye yardım edin](locales/tr/README.po)" in tr
    assert "[EN](README.md) | **TR**" in tr
    english = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "**EN** | [TR](README.tr.md)" in english
    assert "Bu çeviri" not in english
