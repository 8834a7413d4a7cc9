"""First contact with a repository that has hand-made translations: adopt them, damage nothing."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync.project.adopt import find_translations
from i18n_sync.project.config import with_languages

README = """# Project

A tool that does one thing well. [English](README.md) | [Español](README-es.md)

## Install

Run the installer.
"""
README_ES = """# Proyecto

Una herramienta que hace una sola cosa bien. [English](README.md) | [Español](README-es.md)

## Instalar

Ejecuta el instalador.
"""
README_ZH = """# 项目

一个把一件事做好的工具。[English](README.md) | [Español](README-es.md)

## 安装

运行安装程序。
"""
GUIDE = "# Guide\n\nRead this first.\n"
GUIDE_DE = "# Anleitung\n\nLies das zuerst.\n"
FILES = {
    "README.md": README,
    "README-es.md": README_ES,
    "README.zh-CN.md": README_ZH,
    "docs/guide.md": GUIDE,
    "docs/guide.de.md": GUIDE_DE,
    "CHANGELOG.md": "# Changes\n\nNone yet.\n",
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_init_proposes_imports_and_sync_changes_no_byte(repo: Path) -> None:
    result = invoke(repo, "init")
    assert result.exit_code == 0, result.output
    assert "found hand-made translations: de (1 file(s)), es (1 file(s)), zh-CN (1 file(s))" in result.stdout
    assert "imported README-es.md → locales/es/README.po: 4 of 4 units" in result.stdout
    assert "imported README.zh-CN.md → locales/zh_CN/README.po: 4 of 4 units" in result.stdout
    assert "imported docs/guide.de.md → locales/de/docs/guide.po: 2 of 2 units" in result.stdout
    settings = tomllib.loads((repo / "i18n-sync.toml").read_text(encoding="utf-8"))
    assert settings["languages"] == ["de", "es", "zh-CN"]
    assert settings["output"] == "{path}.{lang}.md"
    assert settings["output_by_language"] == {"es": "{path}-{lang}.md"}
    assert settings["sources"] == ["README.md", "docs/*.md"]
    assert 'msgstr "Ejecuta el instalador."' in (repo / "locales/es/README.po").read_text(encoding="utf-8")
    before = tree(repo)
    synced = invoke(repo, "sync")
    assert synced.exit_code == 0, synced.output
    after = tree(repo)
    # Every file that existed keeps every byte; the translations are still the hand-made ones.
    changed = {name for name in before if name != "i18n-sync.sha256" and after[name] != before[name]}
    assert changed == set()
    for name, text in FILES.items():
        assert after[name] == text.encode("utf-8"), name
    # New are only the outputs nobody had translated (in English for now) and the record.
    assert set(after) - set(before) == {"README.de.md", "docs/guide-es.md", "docs/guide.zh-CN.md"}
    assert after["README.de.md"] == README.encode("utf-8")
    assert invoke(repo, "sync", "--check").exit_code == 0


def test_a_translation_then_changes_only_its_units(repo: Path) -> None:
    assert invoke(repo, "init").exit_code == 0
    assert invoke(repo, "sync").exit_code == 0
    (repo / "README.md").write_text(README + "\nA new paragraph.\n", encoding="utf-8")
    assert invoke(repo, "sync").exit_code == 0
    assert (repo / "README-es.md").read_text(encoding="utf-8") == README_ES + "\nA new paragraph.\n"


def test_dry_run_prints_the_configuration_and_the_imports_and_writes_nothing(repo: Path) -> None:
    before = tree(repo)
    result = invoke(repo, "init", "--dry-run")
    assert result.exit_code == 0, result.output
    assert tree(repo) == before
    assert 'languages = ["de", "es", "zh-CN"]' in result.stdout
    assert "i18n-sync import es README-es.md --source README.md" in result.stdout
    assert "i18n-sync import de docs/guide.de.md --source docs/guide.md" in result.stdout


def test_sync_over_a_hand_made_output_without_import_fails_and_keeps_it(repo: Path) -> None:
    (repo / "i18n-sync.toml").write_text(
        'languages = ["es"]\nsources = ["README.md"]\nsource_root = ""\nsource_output = ""\n'
        'output = "{path}-{lang}.md"\n',
        encoding="utf-8",
    )
    result = invoke(repo, "sync")
    assert result.exit_code == 1
    assert (repo / "README-es.md").read_text(encoding="utf-8") == README_ES
    assert "README-es.md: exists and was not written by i18n-sync" in result.stderr
    assert "i18n-sync import es README-es.md" in result.stderr


def test_a_translation_with_text_the_import_cannot_place_is_kept(repo: Path) -> None:
    (repo / "docs" / "guide.de.md").write_text(GUIDE_DE + "\nEin Absatz, den es auf Englisch nicht gibt.\n")
    result = invoke(repo, "init")
    assert result.exit_code == 0, result.output
    assert "docs/guide.de.md → locales/de/docs/guide.po: 2 of 2 units, 1 of its blocks" in result.stdout
    assert "2 of 3 imported translations render back byte for byte" in result.stdout
    assert "docs/guide.de.md: kept as it is" in result.stderr
    synced = invoke(repo, "sync")
    assert synced.exit_code == 1
    assert "docs/guide.de.md: exists and was not written by i18n-sync" in synced.stderr
    assert "Ein Absatz" in (repo / "docs" / "guide.de.md").read_text(encoding="utf-8")
    assert (repo / "README-es.md").read_text(encoding="utf-8") == README_ES  # the others are fine


def test_init_again_adds_a_language_and_keeps_every_other_setting(repo: Path) -> None:
    config = (
        "# ours\n"
        'languages = ["es"]  # Spanish first\n'
        'sources = ["README.md"]\nsource_root = ""\nsource_output = ""\n'
        'output = "{path}-{lang}.md"\nwrap_width = 76\n'
    )
    (repo / "i18n-sync.toml").write_text(config, encoding="utf-8")
    assert invoke(repo, "import", "es", str(repo / "README-es.md")).exit_code == 0
    result = invoke(repo, "init", "--lang", "fr", "--lang", "es")
    assert result.exit_code == 0, result.output
    assert "added fr to i18n-sync.toml" in result.stdout
    text = (repo / "i18n-sync.toml").read_text(encoding="utf-8")
    assert text == config.replace('["es"]  #', '["es", "fr"]  #')
    assert (repo / "locales" / "fr" / "README.po").is_file()
    assert (repo / "README-es.md").read_text(encoding="utf-8") == README_ES


def test_adding_a_language_in_pyproject_keeps_the_rest() -> None:
    text = (
        '[project]\nname = "x"\nlanguages = ["python"]\n\n'
        '[tool.i18n-sync]\nlanguages = [\n  "tr", # ]\n]\nwrap_width = 76\n'
    )
    edited = with_languages(text, "pyproject.toml", ("tr", "de"))
    assert edited == text.replace('[\n  "tr", # ]\n]', '["tr", "de"]')
    assert (
        with_languages("wrap_width = 7\n", "i18n-sync.toml", ("de",))
        == 'languages = ["de"]\nwrap_width = 7\n'
    )


@pytest.mark.parametrize(
    ("name", "english", "tag", "pattern"),
    [
        ("README-es.md", "README.md", "es", "{path}-{lang}.md"),
        ("README.es.md", "README.md", "es", "{path}.{lang}.md"),
        ("README.zh-CN.md", "README.md", "zh-CN", "{path}.{lang}.md"),
        ("README-zh-cn.md", "README.md", "zh-CN", "{path}-zh-cn.md"),
        ("README_zh.md", "README.md", "zh", "{path}_{lang}.md"),
        ("translations/README-tr.md", "README.md", "tr", "{folder}translations/{name}-{lang}.md"),
        ("docs/x.de.md", "docs/x.md", "de", "{path}.{lang}.md"),
        ("docs/de/x.md", "docs/x.md", "de", "{folder}{lang}/{name}.md"),
        ("README.japanese.md", "README.md", "ja", "{path}.japanese.md"),
        ("README.brazilian-portuguese.md", "README.md", "pt-BR", "{path}.brazilian-portuguese.md"),
        ("README.Español.md", "README.md", "es", "{path}.Español.md"),
    ],
)
def test_common_layouts_are_recognised(name: str, english: str, tag: str, pattern: str) -> None:
    [found] = find_translations([english, name, "CHANGELOG.md"])
    assert (found.path, found.source, found.language.tag, found.pattern) == (name, english, tag, pattern)


@pytest.mark.parametrize(
    "name", ["README.old.md", "README.en.md", "README-v2.md", "x/y/README.fr.md", "notes.md"]
)
def test_other_names_are_not_translations(name: str) -> None:
    assert find_translations(["README.md", "docs/x.md", name]) == []


def test_a_translated_code_comment_is_not_rendered_over(repo: Path) -> None:
    code = "\n```sh\n# {}\nrun\n```\n"
    (repo / "docs" / "guide.md").write_text(GUIDE + code.format("install first"), encoding="utf-8")
    german = GUIDE_DE + code.format("zuerst installieren")
    (repo / "docs" / "guide.de.md").write_text(german, encoding="utf-8")
    result = invoke(repo, "init")
    assert result.exit_code == 0, result.output
    assert "docs/guide.de.md: kept as it is" in result.stderr
    assert invoke(repo, "sync").exit_code == 1
    assert (repo / "docs" / "guide.de.md").read_text(encoding="utf-8") == german
