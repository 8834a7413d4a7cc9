"""The command line on a scratch project: exit codes, stdout and stderr, files written or not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from i18n_sync.cli import main

SOURCE = """# Project

A tool that does **one** thing well.
See the [guide](docs/guide.md).

## Install

Run `pip install project`.
"""

TR_PO = """msgid ""
msgstr ""
"Language: tr\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Project"
msgstr "Proje"

msgid "A tool that does **one** thing well. See the [guide]({1})."
msgstr "**Tek** bir işi iyi yapan bir araç. [Kılavuza]({1}) bakın."
"""


def invoke(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--root", str(root)])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "README.md").write_text(SOURCE, encoding="utf-8")
    result = invoke(tmp_path, "init", "--lang", "tr", "--lang", "zh-CN")
    assert result.exit_code == 0, result.output
    return tmp_path


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_init_writes_config_template_and_catalogues(project: Path) -> None:
    assert (project / "i18n-sync.toml").is_file()
    assert (project / "locales" / "README.pot").is_file()
    tr = (project / "locales" / "tr" / "README.po").read_text(encoding="utf-8")
    zh = (project / "locales" / "zh_CN" / "README.po").read_text(encoding="utf-8")
    assert '"Language: tr\\n"' in tr and '"Plural-Forms: nplurals=1; plural=0;\\n"' in tr
    assert '"Language: zh_CN\\n"' in zh
    assert 'msgid "Install"' in tr


def test_init_refuses_to_overwrite_a_config(project: Path) -> None:
    result = invoke(project, "init", "--lang", "tr")
    assert result.exit_code == 1
    assert "exists already" in result.output


def test_init_rejects_an_unknown_language_as_bad_usage(tmp_path: Path) -> None:
    result = invoke(tmp_path, "init", "--lang", "xx")
    assert result.exit_code == 2
    assert "not a language known" in result.output
    assert not (tmp_path / "i18n-sync.toml").exists()


def test_sync_renders_outputs_and_reports_per_language(project: Path) -> None:
    (project / "locales" / "tr" / "README.po").write_text(TR_PO, encoding="utf-8")
    result = invoke(project, "sync")
    assert result.exit_code == 0, result.output
    assert "tr: 2 translated, 0 fuzzy, 2 untranslated (50%)" in result.output
    assert "zh-CN: 0 translated, 0 fuzzy, 4 untranslated (0%)" in result.output
    tr = (project / "README.tr.md").read_text(encoding="utf-8")
    assert tr.startswith("# Proje\n\n**Tek** bir işi iyi yapan bir araç. [Kılavuza](docs/guide.md) bakın.\n")
    assert (project / "README.zh-CN.md").read_text(encoding="utf-8") == SOURCE
    assert (project / "README.md").read_text(encoding="utf-8") == SOURCE


def test_second_sync_writes_nothing(project: Path) -> None:
    assert invoke(project, "sync").exit_code == 0
    before = snapshot(project)
    result = invoke(project, "sync")
    assert result.exit_code == 0
    assert "wrote" not in result.output
    assert snapshot(project) == before


def test_check_reports_work_without_writing(project: Path) -> None:
    assert invoke(project, "sync").exit_code == 0
    assert invoke(project, "sync", "--check").exit_code == 0
    source = project / "content" / "README.md"
    source.write_text(SOURCE + "\nA new paragraph.\n", encoding="utf-8")
    before = snapshot(project)
    result = invoke(project, "sync", "--check")
    assert result.exit_code == 1
    assert "would write locales/README.pot" in result.output
    assert "would write README.tr.md" in result.output
    assert snapshot(project) == before


def test_editing_one_paragraph_changes_only_its_entry(project: Path) -> None:
    assert invoke(project, "sync").exit_code == 0
    catalog = project / "locales" / "tr" / "README.po"
    old = catalog.read_text(encoding="utf-8").splitlines()
    source = project / "content" / "README.md"
    source.write_text(
        SOURCE.replace("Run `pip install project`.", "Run `pipx install project`."), encoding="utf-8"
    )
    assert invoke(project, "sync").exit_code == 0
    new = catalog.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert changed == [('msgid "Run `pip install project`."', 'msgid "Run `pipx install project`."')]


def test_json_output_is_machine_readable(project: Path) -> None:
    result = invoke(project, "sync", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert {entry["language"] for entry in data["languages"]} == {"tr", "zh-CN"}
    assert "README.tr.md" in data["written"]


def test_bad_markdown_is_an_error_naming_the_file_and_line(project: Path) -> None:
    (project / "content" / "README.md").write_bytes(b"# Title\n\nBad \xff byte\n")
    before = snapshot(project)
    result = invoke(project, "sync")
    assert result.exit_code == 1
    assert "content/README.md:3:5: invalid UTF-8 (byte 0xff)" in result.output
    assert "Traceback" not in result.output
    assert snapshot(project) == before


def test_nesting_deeper_than_the_parser_keeps_is_refused(project: Path) -> None:
    deep = "".join("> " for _ in range(30)) + "lost text\n"
    (project / "content" / "README.md").write_text("# Title\n\n" + deep, encoding="utf-8")
    result = invoke(project, "render")
    assert result.exit_code == 1
    assert "content/README.md:3: blocks are nested more than 20 levels deep" in result.output


def test_a_bad_config_key_names_its_line(project: Path) -> None:
    (project / "i18n-sync.toml").write_text('languages = ["tr"]\nsource = "x"\n', encoding="utf-8")
    result = invoke(project, "sync")
    assert result.exit_code == 1
    assert "i18n-sync.toml:2: unknown key 'source'" in result.output


def test_no_config_says_what_to_do(tmp_path: Path) -> None:
    result = invoke(tmp_path, "sync")
    assert result.exit_code == 1
    assert "run 'i18n-sync init --lang LANG'" in result.output


def test_unknown_option_is_bad_usage(project: Path) -> None:
    result = CliRunner().invoke(main, ["sync", "--bogus"])
    assert result.exit_code == 2


def test_python_dash_m_runs_the_cli() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "i18n_sync", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert completed.returncode == 0
    assert "sync" in completed.stdout
