"""Links and titles stay in sync across outputs: a README and a CONTRIBUTING in three languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import accented
from i18n_sync.checks.compare import unsafe_urls
from i18n_sync.cli import main
from i18n_sync.markdown.facts import text_facts
from i18n_sync.markdown.parser import document_outline
from i18n_sync.project.config import Settings, format_config
from links_check import anchors_of, explicit_anchors, link_targets

README = """# Project

<!-- i18n-sync:languages -->

- [Overview](#overview)
- [Install from source](#install-from-source)
- [Contributing](CONTRIBUTING.md#pull-requests)

## Overview

See [how to install](#install-from-source) and the [license](LICENSE).

![Logo](img/logo.png)

## Install from source

Read the [pull request rules](CONTRIBUTING.md#pull-requests) first, or
[the whole guide](./CONTRIBUTING.md). Mail <team@example.com>.

## Overview

A second heading with the same title gets [its own anchor](#overview-1).
"""

CONTRIBUTING = """# Contributing

Back to the [README](README.md#overview).

## Pull requests

Keep them small. See [the section above](#contributing).
"""


def write_project(root: Path, **settings: object) -> None:
    (root / "content").mkdir()
    (root / "content" / "README.md").write_text(README, encoding="utf-8")
    (root / "content" / "CONTRIBUTING.md").write_text(CONTRIBUTING, encoding="utf-8")
    (root / "LICENSE").write_text("license\n", encoding="utf-8")
    (root / "img").mkdir()
    (root / "img" / "logo.png").write_bytes(b"png")
    config = Settings(languages=("tr", "zh-CN", "de"), generated_header=False, **settings)  # type: ignore[arg-type]
    (root / "i18n-sync.toml").write_text(format_config(config), encoding="utf-8")


def translate_everything(root: Path, languages: tuple[str, ...]) -> None:
    """Fill the catalogues of `languages` with an UPPERCASE pseudo-translation."""
    for code in languages:
        for name in ("README", "CONTRIBUTING"):
            path = root / "locales" / code / f"{name}.po"
            lines = path.read_text(encoding="utf-8").split("\n")
            out = []
            for index, line in enumerate(lines):
                if (
                    line == 'msgstr ""'
                    and index
                    and lines[index - 1].startswith('msgid "')
                    and lines[index - 1] != 'msgid ""'
                ):
                    msgid = lines[index - 1][len('msgid "') : -1]
                    line = f'msgstr "{accented(msgid)}"'
                out.append(line)
            path.write_text("\n".join(out), encoding="utf-8")


def sync(root: Path) -> None:
    result = CliRunner().invoke(main, ["sync", "--root", str(root)])
    assert result.exit_code == 0, result.output


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path, publish_threshold=50)
    sync(tmp_path)
    translate_everything(tmp_path, ("tr", "zh_CN"))  # German stays untranslated: below the threshold
    sync(tmp_path)
    return tmp_path


def test_in_page_links_follow_translated_headings(project: Path) -> None:
    tr = (project / "README.tr.md").read_text(encoding="utf-8")
    assert "- [ÔVÊRVÎÊW](#ôvêrvîêw)" in tr
    assert "- [ÎNSTÂLL FRÔM SÔÛRCÊ](#înstâll-frôm-sôûrcê)" in tr
    assert "[ÎTS ÔWN ÂNCHÔR](#ôvêrvîêw-1)" in tr
    assert anchors_of(tr) == ["prôjêct", "ôvêrvîêw", "înstâll-frôm-sôûrcê", "ôvêrvîêw-1"]


def test_every_in_page_link_of_every_output_resolves(project: Path) -> None:
    for name in (
        "README.md",
        "README.tr.md",
        "README.zh-CN.md",
        "CONTRIBUTING.tr.md",
        "CONTRIBUTING.zh-CN.md",
    ):
        text = (project / name).read_text(encoding="utf-8")
        anchors = set(anchors_of(text)) | explicit_anchors(text)
        for target in link_targets(text):
            if target.startswith("#"):
                assert target[1:] in anchors, f"{name}: {target} is not an anchor of that file"


def test_sibling_documents_link_to_the_same_language(project: Path) -> None:
    tr = (project / "README.tr.md").read_text(encoding="utf-8")
    assert "(CONTRIBUTING.tr.md#pûll-rêqûêsts)" in tr
    assert "(CONTRIBUTING.tr.md)" in tr
    contributing = (project / "CONTRIBUTING.tr.md").read_text(encoding="utf-8")
    assert "(README.tr.md#ôvêrvîêw)" in contributing
    assert "(#côntrîbûtîng)" in contributing


def test_an_unpublished_language_is_not_written_and_links_reach_english(project: Path) -> None:
    assert not (project / "README.de.md").exists()
    assert not (project / "CONTRIBUTING.de.md").exists()
    switcher = (project / "README.tr.md").read_text(encoding="utf-8").split("\n")[3]
    assert switcher == "[English](README.md) | **Türkçe** | [简体中文](README.zh-CN.md)"


def test_the_english_output_gets_the_switcher_too(project: Path) -> None:
    english = (project / "README.md").read_text(encoding="utf-8")
    assert "**English** | [Türkçe](README.tr.md) | [简体中文](README.zh-CN.md)" in english
    assert (
        english.replace("**English** | [Türkçe](README.tr.md) | [简体中文](README.zh-CN.md)\n", "") == README
    )


def test_outputs_in_a_subfolder_keep_relative_links_working(tmp_path: Path) -> None:
    write_project(tmp_path, output="i18n/{lang}/{path}.md")
    sync(tmp_path)
    translate_everything(tmp_path, ("tr",))
    sync(tmp_path)
    output = tmp_path / "i18n" / "tr" / "README.md"
    text = output.read_text(encoding="utf-8")
    for target in link_targets(text):
        if target.startswith(("#", "mailto:")) or "@" in target or "://" in target:
            continue
        path = target.split("#")[0]
        assert (output.parent / path).resolve().exists(), f"{target} does not reach a file"
    assert "](../../LICENSE)" in text
    assert "(CONTRIBUTING.md#pûll-rêqûêsts)" in text
    assert "[English](../../README.md)" in text


def test_english_anchors_can_be_kept_for_deep_links(tmp_path: Path) -> None:
    write_project(tmp_path, english_anchors=True)
    sync(tmp_path)
    translate_everything(tmp_path, ("tr",))
    sync(tmp_path)
    tr = (tmp_path / "README.tr.md").read_text(encoding="utf-8")
    assert '## <a id="overview"></a>ÔVÊRVÎÊW' in tr
    assert '## <a id="overview-1"></a>ÔVÊRVÎÊW' in tr
    assert anchors_of(tr)[1] == "ôvêrvîêw"  # the empty <a> leaves the heading's own anchor alone


def test_every_output_keeps_the_english_outline_with_hostile_headings(tmp_path: Path) -> None:
    # The guard checks a document before links are rewritten and lines inserted; what those
    # add comes from the tool (anchors of translated headings, the switcher), never a
    # translator's markup, so every published output keeps the English output's outline.
    write_project(tmp_path, publish_threshold=50)
    sync(tmp_path)
    translate_everything(tmp_path, ("tr", "zh_CN"))
    catalogue = tmp_path / "locales" / "tr" / "README.po"
    # Accepted: no link, tag or definition; its anchor links are rewritten in place.
    hostile = 'msgstr "Ôverview ](javascript:alert(1)) (//evil.example) [x]"'
    text = catalogue.read_text(encoding="utf-8").replace('msgstr "ÔVÊRVÎÊW"', hostile, 1)
    catalogue.write_text(text, encoding="utf-8")
    sync(tmp_path)
    readme = (tmp_path / "README.tr.md").read_text(encoding="utf-8")
    assert "## Ôverview ](javascript:alert(1)) (//evil.example) [x]\n" in readme
    assert "(#ôverview-javascriptalert1-evilexample-x)" in readme
    for name in ("README", "CONTRIBUTING"):
        english = (tmp_path / f"{name}.md").read_text(encoding="utf-8")
        for tag in ("tr", "zh-CN"):
            output = (tmp_path / f"{name}.{tag}.md").read_text(encoding="utf-8")
            assert document_outline(output) == document_outline(english), f"{name}.{tag}.md"
            assert not unsafe_urls(text_facts(output)), f"{name}.{tag}.md"
            assert not [link for link in text_facts(output).links if "//" in link and "evil" in link]
