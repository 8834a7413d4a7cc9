"""Configuration: defaults, pyproject.toml, and errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from i18n_sync.errors import ConfigError
from i18n_sync.project.config import Settings, format_config, load_config


def write(root: Path, text: str, name: str = "i18n-sync.toml") -> None:
    (root / name).write_text(text, encoding="utf-8")


def test_init_text_loads_back_to_the_same_settings(tmp_path: Path) -> None:
    settings = Settings(languages=("tr", "zh-CN"))
    write(tmp_path, format_config(settings))
    config = load_config(tmp_path)
    assert config.settings == settings
    assert [(lang.tag, lang.code) for lang in config.languages] == [("tr", "tr"), ("zh-CN", "zh_CN")]


def test_pyproject_table_works_too(tmp_path: Path) -> None:
    write(tmp_path, '[project]\nname = "x"\n\n[tool.i18n-sync]\nlanguages = ["pt-BR"]\n', "pyproject.toml")
    config = load_config(tmp_path)
    assert config.file == "pyproject.toml"
    assert config.languages[0].code == "pt_BR"
    assert config.settings.template == "locales/{path}.pot"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('languages = ["tr"]\n\nwrap = 3\n', "i18n-sync.toml:3: unknown key 'wrap'"),
        ('languages = "tr"\n', "i18n-sync.toml:1: 'languages' must be a list of strings"),
        ('languages = ["tr"]\noutput = 5\n', "i18n-sync.toml:2: 'output' must be a string"),
        ('languages = ["tr", "xx"]\n', "i18n-sync.toml:1: 'xx' is not a language known"),
        ('languages = ["tr/../../x"]\n', "i18n-sync.toml:1: 'tr/../../x' is not a language code"),
        ('languages = ["tr", "TR"]\n', "i18n-sync.toml:1: language 'TR' is listed twice"),
        ('languages = ["tr"]\noutput = "{path}.md"\n', "i18n-sync.toml:2: 'output' must contain {lang}"),
        (
            'languages = ["tr"]\ncatalog = "locales/{lang}.po"\n',
            "i18n-sync.toml:2: 'template' and 'catalog' must both contain {path}",
        ),
        (
            'languages = ["tr"]\ntemplate = "{file}.pot"\n',
            "i18n-sync.toml:2: 'template' uses unknown placeholder {file}",
        ),
        ('languages = ["tr"\n', "i18n-sync.toml:2:1:"),
    ],
)
def test_bad_configuration_names_the_line(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert str(caught.value).startswith(message), str(caught.value)


def test_config_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "i18n-sync.toml").write_bytes(b'languages = ["\xff"]\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path)
