"""`i18n-sync status` and `badge` on a fixture project whose every figure is known.

The project has two documents and two languages. Turkish (tr):

- README: 3 translated (7 words), 1 fuzzy (7), 1 untranslated (8), 1 obsolete (6);
  60.0% of units, 7/22 = 31.8% of words.
- docs/guide: 1 translated (1 word), 2 untranslated (5 + 3 words); 33.3% and 1/9 = 11.1%.
- total: 4/8 units = exactly 50.0%, 8/31 words = 25.8%.

Chinese (zh-CN): README complete (5 units, 22 words), docs/guide without a
catalogue (3 untranslated, 9 words); total 5/8 = 62.5%, 22/31 = 70.9%.
Link targets are placeholders (``{1}``), not words.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from importlib.resources import files
from io import StringIO
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import entry_lines, invoke
from i18n_sync.cli import terminal_style
from i18n_sync.gettext.po import parse_po
from i18n_sync.gettext.stats import Counts
from i18n_sync.project.config import load_config
from i18n_sync.reports.badge import LEVELS, badge_svg, colour_of
from i18n_sync.reports.history import find_in_sync
from i18n_sync.reports.status import word_diff

README = """# Project Title

A tool that does one thing well.

It reads the English and writes the translations.

## Install

Run the installer twice.
"""

GUIDE = """# Guide

See the [manual](https://example.com/manual) for more.

Read it twice.
"""

HEADER = """msgid ""
msgstr ""
"Language: {code}\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"
"""

TR_README = (
    HEADER.format(code="tr")
    + """
msgid "Project Title"
msgstr "Proje Başlığı"

#, fuzzy
#| msgid "A tool that does a single thing well."
msgid "A tool that does one thing well."
msgstr "Tek bir işi iyi yapan bir araç."

msgid "Install"
msgstr "Kurulum"

msgid "Run the installer twice."
msgstr "Kurucuyu iki kez çalıştırın."

#~ msgid "An old paragraph that was removed."
#~ msgstr "Kaldırılan eski bir paragraf."
"""
)

TR_GUIDE = (
    HEADER.format(code="tr")
    + """
msgid "Guide"
msgstr "Kılavuz"
"""
)

ZH_README = (
    HEADER.format(code="zh_CN")
    + """
msgid "Project Title"
msgstr "项目标题"

msgid "A tool that does one thing well."
msgstr "一个把一件事做好的工具。"

msgid "It reads the English and writes the translations."
msgstr "它读取英文并写出译文。"

msgid "Install"
msgstr "安装"

msgid "Run the installer twice."
msgstr "运行安装程序两次。"
"""
)

TABLE = """\
LANGUAGE  DOCUMENT               TRANSLATED  FUZZY  UNTRANSLATED  OBSOLETE   UNITS   WORDS
tr        content/README.md           3 / 7  1 / 7         1 / 8     1 / 6   60.0%   31.8%
tr        content/docs/guide.md       1 / 1  0 / 0         2 / 8     0 / 0   33.3%   11.1%
tr        total                       4 / 8  1 / 7        3 / 16     1 / 6   50.0%   25.8%
zh-CN     content/README.md          5 / 22  0 / 0         0 / 0     0 / 0  100.0%  100.0%
zh-CN     content/docs/guide.md       0 / 0  0 / 0         3 / 9     0 / 0    0.0%    0.0%
zh-CN     total                      5 / 22  0 / 0         3 / 9     0 / 0   62.5%   70.9%
counts are units / English words; UNITS and WORDS: share translated
"""

MARKDOWN_TABLE = "\n".join(
    [
        "## Translation status",
        "",
        "| Language | Document | Translated | Fuzzy | Untranslated | Obsolete | Units | Words |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        "| tr | content/README.md | 3 (7 words) | 1 (7 words) | 1 (8 words) | 1 (6 words) | 60.0% | 31.8% |",
        "| tr | content/docs/guide.md | 1 (1 word) "
        "| 0 (0 words) | 2 (8 words) | 0 (0 words) | 33.3% | 11.1% |",
        "| **tr** | **total** | **4 (8 words)** | **1 (7 words)** | **3 (16 words)** | **1 (6 words)** "
        "| **50.0%** | **25.8%** |",
        "| zh-CN | content/README.md | 5 (22 words) "
        "| 0 (0 words) | 0 (0 words) | 0 (0 words) | 100.0% | 100.0% |",
        "| zh-CN | content/docs/guide.md "
        "| 0 (0 words) | 0 (0 words) | 3 (9 words) | 0 (0 words) | 0.0% | 0.0% |",
        "| **zh-CN** | **total** | **5 (22 words)** | **0 (0 words)** | **3 (9 words)** | **0 (0 words)** "
        "| **62.5%** | **70.9%** |",
        "",
        "Counts are units (English words); Units and Words: share translated.",
        "",
    ]
)


def write(root: Path, path: str, text: str) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_bytes(text.encode("utf-8"))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture project, outside any git checkout (git must not look above it)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    root = tmp_path / "project"
    write(root, "i18n-sync.toml", 'languages = ["tr", "zh-CN"]\n')
    write(root, "content/README.md", README)
    write(root, "content/docs/guide.md", GUIDE)
    write(root, "locales/tr/README.po", TR_README)
    write(root, "locales/tr/docs/guide.po", TR_GUIDE)
    write(root, "locales/zh_CN/README.po", ZH_README)
    return root


def status_json(root: Path, *args: str) -> dict[str, Any]:
    result = invoke(root, "status", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (files("i18n_sync") / "reports" / "status.schema.json").read_text("utf-8")
    )
    return loaded


# --- figures -------------------------------------------------------------------------------------


def test_the_table_shows_every_figure_exactly(project: Path) -> None:
    result = invoke(project, "status", "--documents")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(TABLE)
    assert "\x1b[" not in result.stdout  # not a terminal: no colour
    assert "last fully in sync" not in result.stdout  # no git checkout: no such section


def test_a_language_of_several_documents_shows_its_total_unless_asked(project: Path) -> None:
    table = invoke(project, "status").stdout
    rows = [line.split()[:2] for line in table.splitlines()[1:] if line.startswith(("tr ", "zh-CN "))]
    assert rows == [["tr", "total"], ["zh-CN", "total"]]
    assert "total of 2 documents" in table and "content/docs/guide.md" not in table
    assert "--documents shows each document" in table
    detailed = invoke(project, "status", "--documents").stdout
    assert "content/docs/guide.md" in detailed and "total of" not in detailed
    markdown = invoke(project, "status", "--format", "markdown").stdout
    assert "| tr | total of 2 documents |" in markdown.replace("**", "")


def test_the_markdown_shows_every_figure_exactly(project: Path) -> None:
    result = invoke(project, "status", "--format", "markdown", "--documents")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(MARKDOWN_TABLE)


def counts(
    units: tuple[int, int, int, int], words: tuple[int, int, int, int], pct: tuple[float, float]
) -> Any:
    states = ("translated", "fuzzy", "untranslated", "obsolete")
    data: dict[str, Any] = {s: {"units": u, "words": w} for s, u, w in zip(states, units, words, strict=True)}
    data["active"] = {"units": sum(units[:3]), "words": sum(words[:3])}
    data["percent"] = {"units": pct[0], "words": pct[1]}
    return data


def test_the_json_shows_every_figure_exactly_and_follows_its_schema(project: Path) -> None:
    data = status_json(project)
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.Draft202012Validator(schema()).validate(data)
    assert data["version"] == 1 and data["errors"] == []
    tr, zh = data["languages"]
    assert (tr["language"], tr["name"], zh["language"], zh["name"]) == ("tr", "Türkçe", "zh-CN", "简体中文")
    assert [d["source"] for d in tr["documents"]] == ["content/README.md", "content/docs/guide.md"]
    assert [d["catalog"] for d in zh["documents"]] == [
        "locales/zh_CN/README.po",
        "locales/zh_CN/docs/guide.po",
    ]
    assert tr["documents"][0]["counts"] == counts((3, 1, 1, 1), (7, 7, 8, 6), (60.0, 31.8))
    assert tr["documents"][1]["counts"] == counts((1, 0, 2, 0), (1, 0, 8, 0), (33.3, 11.1))
    assert tr["total"] == counts((4, 1, 3, 1), (8, 7, 16, 6), (50.0, 25.8))
    assert zh["documents"][0]["counts"] == counts((5, 0, 0, 0), (22, 0, 0, 0), (100.0, 100.0))
    assert zh["documents"][1]["counts"] == counts((0, 0, 3, 0), (0, 0, 9, 0), (0.0, 0.0))
    assert zh["total"] == counts((5, 0, 3, 0), (22, 0, 9, 0), (62.5, 70.9))
    assert (tr["fail_under"], tr["below_fail_under"]) == (0, False)
    assert all("since" not in d and "stale" not in d for d in tr["documents"] + zh["documents"])


def test_lang_narrows_the_report_and_an_unknown_one_is_bad_usage(project: Path) -> None:
    assert [lang["language"] for lang in status_json(project, "--lang", "zh_CN")["languages"]] == ["zh-CN"]
    result = invoke(project, "status", "--lang", "fr")
    assert result.exit_code == 2 and "'fr' is not a language of i18n-sync.toml" in result.output


# --- stale units ---------------------------------------------------------------------------------


def test_stale_lists_the_fuzzy_unit_with_a_word_diff_and_every_untranslated_unit(project: Path) -> None:
    assert invoke(project, "update").exit_code == 0
    lines = {
        path: entry_lines((project / path).read_text("utf-8"))
        for path in ("locales/tr/README.po", "locales/tr/docs/guide.po")
    }
    data = status_json(project, "--stale", "--lang", "tr")
    jsonschema.Draft202012Validator(schema()).validate(data)
    readme, guide = data["languages"][0]["documents"]
    assert not readme["pending_update"] and not guide["pending_update"]
    fuzzy, untranslated = readme["stale"]
    assert fuzzy == {
        "state": "fuzzy",
        "catalog": "locales/tr/README.po",
        "line": lines["locales/tr/README.po"]["A tool that does one thing well."],
        "references": ["content/README.md"],
        "msgid": "A tool that does one thing well.",
        "previous_msgid": "A tool that does a single thing well.",
        "diff": [
            {"op": "equal", "text": "A tool that does "},
            {"op": "delete", "text": "a single"},
            {"op": "insert", "text": "one"},
            {"op": "equal", "text": " thing well."},
        ],
    }
    assert (
        untranslated["state"],
        untranslated["msgid"],
        untranslated["previous_msgid"],
        untranslated["diff"],
    ) == (
        "untranslated",
        "It reads the English and writes the translations.",
        None,
        [],
    )
    assert untranslated["line"] == lines["locales/tr/README.po"][untranslated["msgid"]]
    assert [(u["msgid"], u["line"]) for u in guide["stale"]] == [
        (msgid, lines["locales/tr/docs/guide.po"][msgid])
        for msgid in ("See the [manual]({1}) for more.", "Read it twice.")
    ]


def test_stale_in_the_table_and_in_markdown(project: Path) -> None:
    assert invoke(project, "update").exit_code == 0
    readme = entry_lines((project / "locales/tr/README.po").read_text("utf-8"))
    table = invoke(project, "status", "--stale", "--lang", "tr").stdout
    assert (
        f"locales/tr/README.po:{readme['A tool that does one thing well.']}: fuzzy: "
        "A tool that does [-a single-]{+one+} thing well.\n"
    ) in table
    line = readme["It reads the English and writes the translations."]
    assert (
        f"locales/tr/README.po:{line}: untranslated: It reads the English and writes the translations.\n"
        in table
    )
    assert "tr: 4 unit(s) to work on\n" in table
    markdown = invoke(project, "status", "--stale", "--lang", "tr", "--format", "markdown").stdout
    assert (
        f"- `locales/tr/README.po:{readme['A tool that does one thing well.']}` fuzzy, the English changed:\n"
        "  ```text\n  A tool that does [-a single-]{+one+} thing well.\n  ```\n"
    ) in markdown
    assert "### Units to work on: tr (4)\n" in markdown


def test_a_catalogue_behind_its_english_is_reported_with_the_lines_update_will_write(project: Path) -> None:
    before = status_json(project, "--stale", "--lang", "tr")
    assert before["languages"][0]["documents"][0]["pending_update"] is True
    table = invoke(project, "status", "--lang", "tr", "--documents").stdout
    assert "locales/tr/README.po: not updated to the current English yet" in table
    assert invoke(project, "update").exit_code == 0
    after = status_json(project, "--stale", "--lang", "tr")
    for document in after["languages"][0]["documents"]:
        document["pending_update"] = True
    assert after == before


@given(st.text(alphabet="ab .,[](){}1", max_size=30), st.text(alphabet="ab .,[](){}1", max_size=30))
def test_a_word_diff_gives_back_both_texts(old: str, new: str) -> None:
    parts = word_diff(old, new)
    assert "".join(p.text for p in parts if p.op != "insert") == old
    assert "".join(p.text for p in parts if p.op != "delete") == new
    assert all(p.text for p in parts)
    assert all(a.op != b.op for a, b in itertools.pairwise(parts))


def test_a_word_diff_keeps_markdown_punctuation_apart_from_words() -> None:
    parts = word_diff("Table of Contents", "[Table of Contents]({1})")
    assert [(p.op, p.text) for p in parts] == [
        ("insert", "["),
        ("equal", "Table of Contents"),
        ("insert", "]({1})"),
    ]


# --- gates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0", 0),
        ("50", 0),
        ("50.0", 0),
        ("50.01", 1),
        ("62.5", 1),
        ("100", 1),
        ("abc", 2),
        ("100.5", 2),
        ("-1", 2),
    ],
)
def test_fail_under_exits_0_at_or_above_1_below_2_on_a_bad_value(
    project: Path, value: str, code: int
) -> None:
    result = invoke(project, "status", "--fail-under", value)
    assert result.exit_code == code, result.output
    if code == 1:
        assert f"tr: 50.0% translated, below the threshold of {float(value):g}%" in result.stderr
    if code == 2:
        assert "Invalid value for '--fail-under'" in result.stderr


def test_fail_under_sees_the_exact_share_not_the_rounded_one(project: Path) -> None:
    # zh-CN is 62.5% exactly and tr 50%; --lang zh-CN alone passes 62.5 and fails just above it.
    assert invoke(project, "status", "--lang", "zh-CN", "--fail-under", "62.5").exit_code == 0
    assert invoke(project, "status", "--lang", "zh-CN", "--fail-under", "62.50001").exit_code == 1


@pytest.mark.parametrize(
    ("settings", "code", "below"),
    [
        ("fail_under = 60", 1, ["tr"]),
        ("fail_under = 60\nfail_under_by_language = { tr = 50 }", 0, []),
        ("fail_under_by_language = { zh_CN = 63 }", 1, ["zh-CN"]),
        ("fail_under = 100", 1, ["tr", "zh-CN"]),
    ],
)
def test_configured_gates_globally_and_per_language(
    project: Path, settings: str, code: int, below: list[str]
) -> None:
    config = project / "i18n-sync.toml"
    config.write_text(config.read_text("utf-8") + settings + "\n", "utf-8")
    result = invoke(project, "status", "--format", "json")
    assert result.exit_code == code, result.output
    data = json.loads(result.stdout)
    assert [lang["language"] for lang in data["languages"] if lang["below_fail_under"]] == below
    # --fail-under replaces the configured gates.
    assert invoke(project, "status", "--fail-under", "0").exit_code == 0


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("fail_under_by_language = { fr = 50 }", "i18n-sync.toml:2: 'fail_under_by_language' names 'fr'"),
        (
            "fail_under_by_language = { tr = 101 }",
            "'fail_under_by_language.tr' must be a whole number from 0 to 100",
        ),
        (
            "publish_threshold_by_language = { tr = true }",
            "'publish_threshold_by_language.tr' must be a whole number",
        ),
        ("fail_under = 150", "i18n-sync.toml:2: 'fail_under' must be a whole number from 0 to 100"),
    ],
)
def test_bad_gates_in_the_configuration_point_at_their_line(
    project: Path, settings: str, message: str
) -> None:
    config = project / "i18n-sync.toml"
    config.write_text(config.read_text("utf-8") + settings + "\n", "utf-8")
    result = invoke(project, "status")
    assert result.exit_code == 1
    assert message in result.stderr


def test_the_publish_threshold_is_per_language(project: Path) -> None:
    config = project / "i18n-sync.toml"
    config.write_text(config.read_text("utf-8") + "publish_threshold_by_language = { tr = 55 }\n", "utf-8")
    result = invoke(project, "sync")
    assert result.exit_code == 0, result.output
    # tr: README 60% is published, the guide's 33.3% is not; zh-CN has no threshold.
    assert (project / "README.tr.md").is_file() and not (project / "docs/guide.tr.md").exists()
    assert (project / "docs/guide.zh-CN.md").is_file()
    assert (
        "docs/guide.tr.md: warning: not published: 33.3% translated, below the publish threshold of 55%"
        in result.stderr
    )
    assert load_config(project).settings.publish_threshold_for("zh-CN") == 0


# --- colour --------------------------------------------------------------------------------------


class _Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    assert "\x1b[" in terminal_style(_Terminal(), {})("50.0%", "bad")
    assert terminal_style(_Terminal(), {"NO_COLOR": "1"})("50.0%", "bad") == "50.0%"
    assert terminal_style(StringIO(), {})("50.0%", "bad") == "50.0%"
    assert "\x1b[" in terminal_style(_Terminal(), {"NO_COLOR": ""})("x", "good")  # set but empty: ignored


# --- badges --------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def texts_of(svg: bytes) -> list[str]:
    tree = ET.fromstring(svg)
    return [element.text or "" for element in tree.iter(f"{SVG}text")]


def test_badges_are_well_formed_svg_with_the_language_and_its_percent(project: Path) -> None:
    result = invoke(project, "badge", "--output-dir", "docs/badges")
    assert result.exit_code == 0, result.output
    assert result.stdout == "wrote docs/badges/tr.svg\nwrote docs/badges/zh-CN.svg\n"
    tr = (project / "docs/badges/tr.svg").read_bytes()
    zh = (project / "docs/badges/zh-CN.svg").read_bytes()
    assert texts_of(tr) == ["Türkçe", "Türkçe", "50.0%", "50.0%"]
    assert texts_of(zh) == ["简体中文", "简体中文", "62.5%", "62.5%"]  # as status shows it
    root = ET.fromstring(tr)
    assert root.get("aria-label") == "Türkçe: 50.0% translated"
    assert root.find(f"{SVG}title") is not None
    fills = [rect.get("fill") for rect in root.iter(f"{SVG}rect")]
    assert "#dfb317" in fills  # 50 to 74%: yellow


def test_badges_are_written_only_when_their_bytes_change(project: Path) -> None:
    assert invoke(project, "badge", "--check").exit_code == 1
    assert invoke(project, "badge").exit_code == 0
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project / "badges").iterdir()}
    again = invoke(project, "badge")
    assert again.exit_code == 0 and again.stdout == ""
    assert invoke(project, "badge", "--check").exit_code == 0
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project / "badges").iterdir()} == before


def test_a_badge_escapes_a_configured_name_and_a_bad_folder_is_bad_usage(project: Path) -> None:
    config = project / "i18n-sync.toml"
    config.write_text(config.read_text("utf-8") + 'language_names = { tr = "T<r> & \\"q\\"" }\n', "utf-8")
    assert invoke(project, "badge").exit_code == 0
    assert texts_of((project / "badges/tr.svg").read_bytes())[0] == 'T<r> & "q"'
    result = invoke(project, "badge", "--output-dir", "../outside")
    assert result.exit_code == 2 and "leaves the repository" in result.stderr


@pytest.mark.parametrize(
    ("translated", "colour"), [(100, "#4c1"), (99, "#97ca00"), (50, "#dfb317"), (0, "#e05d44")]
)
def test_badge_colour_by_level(translated: int, colour: str) -> None:
    counts = Counts(translated=translated, untranslated=100 - translated)
    assert colour_of(counts) == colour
    assert colour in badge_svg("x", counts)
    assert [least for least, _ in LEVELS] == sorted((least for least, _ in LEVELS), reverse=True)


# --- since when (git) ----------------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
    }
    command = ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args]
    return subprocess.run(command, cwd=root, env=env, check=True, capture_output=True, text=True).stdout


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def pages_in_git(root: Path) -> None:
    """Four more documents, committed ("first"), then one of them changed ("second")."""
    for number in range(4):
        write(root, f"content/more/page{number}.md", f"# Page {number}\n\nWords of page {number}.\n")
    git(root, "init", "-q")
    commit(root, "first")
    write(root, "content/more/page2.md", "# Page 2\n\nOther words of page 2.\n")
    commit(root, "second")


def merge_in(root: Path, name: str = "notes.txt") -> None:
    """A side branch with a commit of its own (the file `name`), merged: a history with a
    merge, where each source's history is asked of git alone (`history.linear_revisions`)."""
    main = git(root, "rev-parse", "--abbrev-ref", "HEAD").strip()
    git(root, "checkout", "-q", "-b", f"side-{name}")
    (root / name).write_text("a note\n", encoding="utf-8")
    commit(root, f"side {name}")
    git(root, "checkout", "-q", main)
    git(root, "merge", "-q", "--no-ff", "-m", f"merge {name}", f"side-{name}")


@needs_git
def test_since_when_names_the_last_revision_the_catalogue_fully_translates(project: Path) -> None:
    git(project, "init", "-q")
    first = commit(project, "first")
    # The English changes twice, and an unrelated commit does not count.
    write(project, "content/README.md", README.replace("twice", "three times"))
    commit(project, "installer wording")
    write(project, "notes.txt", "unrelated\n")
    commit(project, "unrelated")
    write(project, "content/README.md", README.replace("twice", "three times") + "\nOne more paragraph.\n")
    commit(project, "one more paragraph")
    # Complete tr for the first README (zh-CN is): both are in sync with it, 2 README commits behind.
    tr = project / "locales/tr/README.po"
    tr.write_text(
        tr.read_text("utf-8").replace("#, fuzzy\n", "")
        + '\nmsgid "It reads the English and writes the translations."\nmsgstr "İngilizceyi okur."\n',
        "utf-8",
    )
    data = status_json(project)
    jsonschema.Draft202012Validator(schema()).validate(data)
    tr_readme, tr_guide = data["languages"][0]["documents"]
    zh_readme = data["languages"][1]["documents"][0]
    assert tr_readme["since"] == {
        "commit": first,
        "date": "2026-01-01T00:00:00+00:00",
        "subject": "first",
        "commits_since": 2,
        "capped": False,
    }
    assert zh_readme["since"]["commit"] == first and zh_readme["since"]["commits_since"] == 2
    # The guide never had a complete translation in either language.
    assert tr_guide["since"] == {
        "commit": None,
        "date": None,
        "subject": None,
        "commits_since": 1,
        "capped": False,
    }
    table = invoke(project, "status", "--documents").stdout
    assert "last fully in sync with (git):\n" in table
    since = f"{first[:7]} (2026-01-01), 2 commit(s) to the source since"
    assert f"tr     content/README.md      {since}\n" in table
    never = "not fully in sync with any of the 1 commit(s) of the source"
    assert f"tr     content/docs/guide.md  {never}\n" in table


@needs_git
def test_since_when_after_translating_the_newest_english_is_zero_commits(project: Path) -> None:
    git(project, "init", "-q")
    commit(project, "first")
    write(project, "content/README.md", README.replace("twice", "three times"))
    newest = commit(project, "second")
    zh = project / "locales/zh_CN/README.po"
    zh.write_text(
        zh.read_text("utf-8").replace("Run the installer twice.", "Run the installer three times."), "utf-8"
    )
    since = status_json(project, "--lang", "zh-CN")["languages"][0]["documents"][0]["since"]
    assert (since["commit"], since["commits_since"]) == (newest, 0)


@needs_git
def test_since_when_stops_at_its_limit_and_says_so(project: Path) -> None:
    git(project, "init", "-q")
    commit(project, "first")
    write(project, "content/README.md", README + "\nAnother paragraph.\n")
    commit(project, "second")
    catalog = parse_po((project / "locales/zh_CN/README.po").read_text("utf-8"), "zh.po")
    keys = ("title", "description")
    (capped,) = find_in_sync(project, "content/README.md", [catalog], keys, limit=1) or ()
    assert (capped.commit, capped.commits_since, capped.capped) == (None, 1, True)
    (found,) = find_in_sync(project, "content/README.md", [catalog], keys, limit=2) or ()
    assert (found.subject, found.commits_since, found.capped) == ("first", 1, False)


def test_without_git_the_section_is_absent(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert find_in_sync(project, "content/README.md", [], ()) is None
    data = status_json(project)
    assert all("since" not in d for lang in data["languages"] for d in lang["documents"])
    assert "last fully in sync" not in invoke(project, "status", "--format", "markdown").stdout


def test_a_malformed_catalogue_is_an_error_and_the_others_are_still_reported(project: Path) -> None:
    write(project, "locales/tr/docs/guide.po", TR_GUIDE + 'msgid "unterminated\n')
    result = invoke(project, "status", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    jsonschema.Draft202012Validator(schema()).validate(data)
    assert [e.split(":")[0] for e in data["errors"]] == ["locales/tr/docs/guide.po"]
    assert "Error: locales/tr/docs/guide.po:" in result.stderr
    assert [d["source"] for d in data["languages"][0]["documents"]] == ["content/README.md"]
    assert data["languages"][1]["total"]["translated"] == {"units": 5, "words": 22}


def test_a_unit_kept_in_english_is_no_work_until_the_english_changes(project: Path) -> None:
    """msgstr = msgid is translated; after the English changes, status says only the English changed."""
    assert invoke(project, "update").exit_code == 0
    path = project / "locales/tr/README.po"
    kept = "It reads the English and writes the translations."
    text = path.read_text("utf-8").replace(f'msgid "{kept}"\nmsgstr ""', f'msgid "{kept}"\nmsgstr "{kept}"')
    path.write_text(text, "utf-8")
    before = status_json(project, "--stale", "--lang", "tr")
    (stale,) = [d["stale"] for d in before["languages"][0]["documents"] if d["source"].endswith("README.md")]
    assert kept not in [unit["msgid"] for unit in stale]
    source = project / "content/README.md"
    source.write_text(source.read_text("utf-8").replace(kept, kept.replace("reads", "parses")), "utf-8")
    assert invoke(project, "update").exit_code == 0
    table = invoke(project, "status", "--stale", "--lang", "tr").stdout
    assert "fuzzy (kept in English; the English changed): It [-reads-]{+parses+} the English" in table
