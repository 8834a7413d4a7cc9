"""The project configuration: `i18n-sync.toml`, or `[tool.i18n-sync]` in `pyproject.toml`."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .locales import Language, parse_language

CONFIG_FILE = "i18n-sync.toml"
PYPROJECT = "pyproject.toml"
PYPROJECT_TABLE = "tool.i18n-sync"


@dataclass(frozen=True, slots=True)
class Settings:
    """What the configuration file says, with the defaults `init` writes.

    Path patterns take ``{path}`` (the source path relative to `source_root`,
    without ``.md``), ``{lang}`` (BCP 47 tag, ``zh-CN``) and ``{locale}``
    (gettext code, ``zh_CN``).
    """

    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ("content/**/*.md",)
    source_root: str = "content"
    template: str = "locales/{path}.pot"
    catalog: str = "locales/{locale}/{path}.po"
    output: str = "{path}.{lang}.md"
    source_output: str = "{path}.md"
    front_matter_keys: tuple[str, ...] = ("title", "description")
    project: str = ""


@dataclass(frozen=True, slots=True)
class Config:
    """A loaded configuration: settings plus where it lives and the parsed languages."""

    root: Path
    file: str
    settings: Settings
    languages: tuple[Language, ...]


_PATTERNS = ("template", "catalog", "output", "source_output")
_PLACEHOLDERS = {"path", "lang", "locale"}


def _key_line(text: str, key: str) -> int | None:
    match = re.search(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _coerce(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise TypeError(f"'{name}' must be a list of strings")
        return tuple(value)
    if not isinstance(value, str):
        raise TypeError(f"'{name}' must be a string")
    return value


def _check_pattern(name: str, pattern: str) -> None:
    used = set(re.findall(r"\{(\w*)\}", pattern))
    unknown = used - _PLACEHOLDERS
    if unknown:
        first = sorted(unknown)[0]
        raise ValueError(f"'{name}' uses unknown placeholder {{{first}}}; use {{path}}, {{lang}}, {{locale}}")
    if "path" not in used and pattern:
        raise ValueError(f"'{name}' must contain {{path}}, or two documents would share one file")
    if name in ("catalog", "output") and not used & {"lang", "locale"}:
        raise ValueError(
            f"'{name}' must contain {{lang}} or {{locale}}, or two languages would share one file"
        )


def settings_from_table(table: Mapping[str, Any], text: str, file: str) -> Settings:
    """Check a configuration table key by key; raise `ConfigError` at the faulty line."""
    defaults = Settings()
    known = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    for name, value in table.items():
        line = _key_line(text, name)
        if name not in known:
            raise ConfigError(f"unknown key '{name}'; known keys: {', '.join(sorted(known))}", file, line)
        try:
            values[name] = _coerce(name, value, getattr(defaults, name))
            if name in _PATTERNS:
                _check_pattern(name, values[name])
        except (TypeError, ValueError) as error:
            raise ConfigError(str(error), file, line) from None
    return Settings(**values)


def _languages(settings: Settings, text: str, file: str) -> tuple[Language, ...]:
    languages: list[Language] = []
    for code in settings.languages:
        try:
            language = parse_language(code)
        except ValueError as error:
            raise ConfigError(f"{error}; fix 'languages'", file, _key_line(text, "languages")) from None
        if language.tag in (seen.tag for seen in languages):
            raise ConfigError(f"language {code!r} is listed twice", file, _key_line(text, "languages"))
        languages.append(language)
    return tuple(languages)


def _read_toml(path: Path, file: str) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"not UTF-8 (byte {error.start}); save it as UTF-8", file) from None
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", file) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
        if "at end of document" in message:
            line, column = text.count("\n") + 1, 1
        raise ConfigError(f"{message}; fix the TOML syntax", file, line, column) from None


def load_config(root: Path) -> Config:
    """Find and load the configuration of the project at `root`."""
    own = root / CONFIG_FILE
    if own.is_file():
        data, text = _read_toml(own, CONFIG_FILE)
        return _make_config(root, CONFIG_FILE, data, text)
    pyproject = root / PYPROJECT
    if pyproject.is_file():
        data, text = _read_toml(pyproject, PYPROJECT)
        table = data.get("tool", {}).get("i18n-sync")
        if isinstance(table, dict):
            return _make_config(root, PYPROJECT, table, text)
    raise ConfigError(
        f"no {CONFIG_FILE} (or [{PYPROJECT_TABLE}] in {PYPROJECT}) here; "
        "run 'i18n-sync init --lang LANG' to create one",
        str(root),
    )


def _make_config(root: Path, file: str, table: dict[str, Any], text: str) -> Config:
    settings = settings_from_table(table, text, file)
    return Config(root, file, settings, _languages(settings, text, file))


def format_config(settings: Settings) -> str:
    """The text `init` writes: every setting, with its default spelled out."""
    lines = ["# i18n-sync configuration; every key is explained in the README.", ""]
    for field in fields(Settings):
        value = getattr(settings, field.name)
        if isinstance(value, tuple):
            rendered = "[" + ", ".join(_toml_string(v) for v in value) + "]"
        else:
            rendered = _toml_string(value)
        lines.append(f"{field.name} = {rendered}")
    return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
