"""The project configuration: `i18n-sync.toml`, or `[tool.i18n-sync]` in `pyproject.toml`."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from i18n_sync.errors import ConfigError
from i18n_sync.locales import Language, normalize_tag, parse_language
from i18n_sync.record import record

CONFIG_FILE = "i18n-sync.toml"
PYPROJECT = "pyproject.toml"
PYPROJECT_TABLE = "tool.i18n-sync"


@record
class Settings:
    """What the configuration file says, with the defaults `init` writes.

    Path patterns take ``{path}`` (the source path relative to `source_root`,
    without ``.md``), ``{lang}`` (BCP 47 tag, ``zh-CN``) and ``{locale}``
    (gettext code, ``zh_CN``).
    """

    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ("content/**/*.md",)
    # Patterns like `sources`; a file they match is never a source.
    exclude: tuple[str, ...] = ()
    source_root: str = "content"
    template: str = "locales/{path}.pot"
    catalog: str = "locales/{locale}/{path}.po"
    output: str = "{path}.{lang}.md"
    # Per language, an output pattern that replaces `output` (kept hand-made names: README-es.md).
    output_by_language: tuple[tuple[str, str], ...] = ()
    source_output: str = "{path}.md"
    front_matter_keys: tuple[str, ...] = ("title", "description")
    project: str = ""
    keep_obsolete: bool = True
    generated_header: bool = True
    language_switcher: str = "marker"
    language_names: tuple[tuple[str, str], ...] = ()
    notice: bool = False
    english_anchors: bool = False
    localized_links: tuple[tuple[str, tuple[str, ...]], ...] = ()
    publish_threshold: int = 0
    publish_threshold_by_language: tuple[tuple[str, int], ...] = ()
    # Percent translated under which `status` exits 1 (0: no gate), globally and per language.
    fail_under: int = 0
    fail_under_by_language: tuple[tuple[str, int], ...] = ()
    wrap_width: int = 0
    checks: tuple[tuple[str, str], ...] = ()
    # Check id → the msgids of the entries it is switched off for: the maintainer's opt-out.
    checks_off: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Bytes; a larger source or catalogue is refused (see files.read_bytes).
    max_file_size: int = 2_000_000
    # Seconds a run waits for another run in the same repository to finish.
    lock_timeout: int = 60
    # What an exact match from another document's catalogue does: fill (with a translator
    # comment naming it), fuzzy, or off (no translation memory). See gettext.memory.
    translation_memory: str = "fill"
    # Other PO files (globs, relative to the root) read as a translation memory of suggestions.
    compendia: tuple[str, ...] = ()

    def language_name(self, tag: str) -> str | None:
        """The label the configuration gives a language in the switcher, if any."""
        return dict(self.language_names).get(tag)

    def output_for(self, tag: str) -> str:
        """The output pattern of language `tag`."""
        return dict(self.output_by_language).get(tag, self.output)

    def allowed_hosts(self, tag: str) -> tuple[str, ...]:
        """Hosts a translation into `tag` may link to instead of the English URL."""
        return dict(self.localized_links).get(tag, ())

    def publish_threshold_for(self, tag: str) -> int:
        """The percent translated below which `tag`'s outputs are not written."""
        return dict(self.publish_threshold_by_language).get(tag, self.publish_threshold)

    def fail_under_for(self, tag: str) -> int:
        """The percent translated below which `status` fails for `tag` (0: never)."""
        return dict(self.fail_under_by_language).get(tag, self.fail_under)


@record
class Config:
    """A loaded configuration: settings plus where it lives and the parsed languages."""

    root: Path
    file: str
    settings: Settings
    languages: tuple[Language, ...]
    # The 1-based line of each key in the file, for errors found after loading.
    key_lines: tuple[tuple[str, int], ...] = ()

    def line_of(self, key: str) -> int | None:
        """The line of `key` in the configuration file, None when it is not written there."""
        return dict(self.key_lines).get(key)

    def error(self, message: str, key: str) -> ConfigError:
        """A `ConfigError` at the line of `key`."""
        return ConfigError(message, self.file, self.line_of(key))


_PATTERNS = ("template", "catalog", "output", "source_output")
_CHOICES = {"language_switcher": ("marker", "top", "off"), "translation_memory": ("fill", "fuzzy", "off")}
_RANGES = {
    "publish_threshold": (0, 100),
    "fail_under": (0, 100),
    "wrap_width": (0, 10_000),
    "max_file_size": (1, 1_000_000_000),
    "lock_timeout": (0, 86_400),
}
_PLACEHOLDERS = {"path", "folder", "name", "lang", "locale"}
_SHARED_PATTERNS = ("template", "catalog")


def _key_line(text: str, key: str) -> int | None:
    match = re.search(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _coerce_table(name: str, value: Any, lists: bool) -> tuple[tuple[str, Any], ...]:
    wanted = "a list of strings" if lists else "a string"
    if not isinstance(value, dict):
        raise TypeError(f"'{name}' must be a table of language = {wanted}")
    items = []
    for key, item in value.items():
        if lists:
            ok = isinstance(item, list) and all(isinstance(x, str) for x in item)
        else:
            ok = isinstance(item, str)
        if not ok:
            raise TypeError(f"'{name}.{key}' must be {wanted}")
        items.append((str(key), tuple(item) if lists else item))
    return tuple(items)


_CHECK_LEVELS = ("error", "warning", "off")


def _coerce_checks(value: Any) -> tuple[tuple[str, str], ...]:
    """``checks = { "inline-code" = "error" }``; which check ids exist, `checks.make_policy` says."""
    if not isinstance(value, dict):
        raise TypeError("'checks' must be a table: check id = error, warning or off")
    for key, level in value.items():
        if level not in _CHECK_LEVELS:
            raise ValueError(f"'checks.{key}' must be one of {', '.join(_CHECK_LEVELS)}")
    return tuple((str(key), level) for key, level in value.items())


def _coerce_checks_off(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``checks_off = { "html-tags" = ["Press <kbd>Ctrl</kbd>."] }``: check id → msgids."""
    if not isinstance(value, dict):
        raise TypeError("'checks_off' must be a table: check id = a list of msgids")
    for key, msgids in value.items():
        if not isinstance(msgids, list) or not all(isinstance(m, str) for m in msgids):
            raise TypeError(f"'checks_off.{key}' must be a list of msgids (strings)")
    return tuple((str(key), tuple(msgids)) for key, msgids in value.items())


_PERCENT_TABLES = ("publish_threshold_by_language", "fail_under_by_language")


def _coerce_percent_table(name: str, value: Any) -> tuple[tuple[str, int], ...]:
    """``{ tr = 80, "zh-CN" = 50 }``: a percent per language, keys spelled as BCP 47 tags."""
    if not isinstance(value, dict):
        raise TypeError(f"'{name}' must be a table of language = a whole number from 0 to 100")
    items = []
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= 100:
            raise TypeError(f"'{name}.{key}' must be a whole number from 0 to 100")
        items.append((normalize_tag(str(key)), item))
    return tuple(items)


def _coerce_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"'{name}' must be true or false")
    return value


def _coerce_int(name: str, value: Any) -> int:
    low, high = _RANGES[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise TypeError(f"'{name}' must be a whole number from {low} to {high}")
    return value


def _coerce_strings(name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"'{name}' must be a list of strings")
    return tuple(value)


def _coerce_string(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"'{name}' must be a string")
    if name in _CHOICES and value not in _CHOICES[name]:
        raise ValueError(f"'{name}' must be one of {', '.join(_CHOICES[name])}")
    return value


# Keys whose values are tables, each with its own reader; the others go by their default's type.
def _coerce_outputs(name: str, value: Any) -> tuple[tuple[str, str], ...]:
    """``{ es = "{path}-es.md" }``: an output pattern per language (one language: no {lang} needed)."""
    items = _coerce_table(name, value, lists=False)
    for key, pattern in items:
        _check_pattern(f"{name}.{key}", pattern)
    return tuple((normalize_tag(key), pattern) for key, pattern in items)


_TABLES: dict[str, Callable[[str, Any], Any]] = {
    "output_by_language": _coerce_outputs,
    "language_names": lambda name, value: _coerce_table(name, value, lists=False),
    "localized_links": lambda name, value: _coerce_table(name, value, lists=True),
    "publish_threshold_by_language": _coerce_percent_table,
    "fail_under_by_language": _coerce_percent_table,
    "checks": lambda name, value: _coerce_checks(value),
    "checks_off": lambda name, value: _coerce_checks_off(value),
}


def _coerce_value(name: str, value: Any, default: Any) -> Any:
    if name in _TABLES:
        return _TABLES[name](name, value)
    if isinstance(default, bool):
        return _coerce_bool(name, value)
    if isinstance(default, int):
        return _coerce_int(name, value)
    if isinstance(default, tuple):
        return _coerce_strings(name, value)
    return _coerce_string(name, value)


def _check_pattern(name: str, pattern: str) -> None:
    used = set(re.findall(r"\{(\w*)\}", pattern))
    unknown = used - _PLACEHOLDERS
    if unknown:
        first = sorted(unknown)[0]
        raise ValueError(
            f"'{name}' uses unknown placeholder {{{first}}}; "
            "use {path}, {folder}, {name}, {lang}, {locale}"
        )
    # A template or catalogue without {path} holds every document (a compact layout).
    if not names_document(pattern) and pattern and name not in _SHARED_PATTERNS:
        raise ValueError(
            f"'{name}' must contain {{path}} (or {{folder}} and {{name}}), "
            "or two documents would share one file"
        )
    if name in ("catalog", "output") and not used & {"lang", "locale"}:
        raise ValueError(
            f"'{name}' must contain {{lang}} or {{locale}}, or two languages would share one file"
        )


def _check_folder(name: str, folder: str) -> None:
    """A folder inside the repository, written relative to it with ``/`` ("" for the top)."""
    if folder in ("", "."):
        return
    parts = folder.rstrip("/").split("/")
    if folder.startswith("/") or "\\" in folder or ":" in folder or any(p in ("", ".", "..") for p in parts):
        raise ValueError(
            f"'{name}' must be a folder inside the repository, written relative to it with '/' "
            f"(like 'content', or \"\" for the top), not {folder!r}"
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
            values[name] = _coerce_value(name, value, getattr(defaults, name))
            if name in _PATTERNS:
                _check_pattern(name, values[name])
            if name == "source_root":
                _check_folder(name, values[name])
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


def config_from_text(root: Path, file: str, text: str) -> Config:
    """The configuration `file` would hold with this (parsing) text, checked as `load_config` checks it.

    For a command that edits the configuration: it checks the result before writing it.
    """
    return _make_config(root, file, _table(text, file), text)


def _make_config(root: Path, file: str, table: dict[str, Any], text: str) -> Config:
    settings = settings_from_table(table, text, file)
    _check_layout(settings, text, file)
    languages = _languages(settings, text, file)
    _check_language_keys(settings, languages, text, file)
    lines = tuple((name, line) for name in table if (line := _key_line(text, name)) is not None)
    return Config(root, file, settings, languages, lines)


def _check_layout(settings: Settings, text: str, file: str) -> None:
    """One catalogue per language needs one template: the two patterns take {path} together or not at all."""
    if names_document(settings.template) != names_document(settings.catalog):
        raise ConfigError(
            "'template' and 'catalog' must both contain {path} (a catalogue per document) or both "
            "leave it out (one catalogue per language, such as 'locales/{locale}.po')",
            file,
            _key_line(text, "catalog") or _key_line(text, "template"),
        )


def is_compact(settings: Settings) -> bool:
    """Whether every document of a language shares one catalogue (no {path} in 'catalog')."""
    return not names_document(settings.catalog)


def names_document(pattern: str) -> bool:
    """Whether a path pattern gives each document its own file: {path}, or {folder} and {name}."""
    return "{path}" in pattern or ("{folder}" in pattern and "{name}" in pattern)


def _check_language_keys(settings: Settings, languages: tuple[Language, ...], text: str, file: str) -> None:
    """A per-language percent for a language the project does not have is a typo, not a no-op."""
    tags = {language.tag for language in languages}
    for name in (*_PERCENT_TABLES, "output_by_language"):
        for key, _ in getattr(settings, name):
            if key not in tags:
                raise ConfigError(
                    f"'{name}' names {key!r}, which is not in 'languages'; fix the language code",
                    file,
                    _key_line(text, name),
                )


def format_config(settings: Settings) -> str:
    """The text `init` writes: every setting, with its default spelled out."""
    lines = ["# i18n-sync configuration; every key is explained in the README.", ""]
    for field in fields(Settings):
        value = getattr(settings, field.name)
        lines.append(f"{field.name} = {_toml_value(field.name, value)}")
    return "\n".join(lines) + "\n"


def _toml_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _toml_string(value)
    if name in _TABLES:
        return "{" + ", ".join(f"{_toml_string(k)} = {_toml_value('', v)}" for k, v in value) + "}"
    return "[" + ", ".join(_toml_string(v) for v in value) + "]"


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04X}", escaped) + '"'


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # what a TOML basic string must escape


# --- editing an existing configuration: languages, layout patterns -------------------------------


def _value_end(text: str, start: int) -> int:
    """Where the value that starts at `start` ends: after the first "]" or quote where it parses whole.

    A comment after it on the same line stays; a value that is no list or string ends with its line.
    """
    for match in re.finditer(r"[\]\"']", text[start:]):
        end = start + match.end()
        try:
            parsed = tomllib.loads("value = " + text[start:end])
        except tomllib.TOMLDecodeError:
            continue
        if len(parsed) == 1:  # not a value followed by more keys
            return end
    line_end = text.find("\n", start)
    return len(text) if line_end < 0 else line_end


def _table_span(text: str, file: str) -> tuple[int, int]:
    """The part of the file that holds the settings: all of i18n-sync.toml, one table of pyproject.toml."""
    if file != PYPROJECT:
        return 0, len(text)
    header = re.search(r"^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*[\"']?i18n-sync[\"']?[ \t]*\][^\n]*\n?", text, re.M)
    if header is None:
        return len(text), len(text)
    following = re.search(r"^[ \t]*\[", text[header.end() :], re.M)
    return header.end(), header.end() + following.start() if following else len(text)


def _table(text: str, file: str) -> dict[str, Any]:
    """The settings table of a configuration text ({} when it does not parse)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}
    table = data.get("tool", {}).get("i18n-sync", {}) if file == PYPROJECT else data
    return table if isinstance(table, dict) else {}


def _set_value(text: str, file: str, key: str, value: str) -> str:
    """The text with `key` set to the TOML `value`: in place, or in a new first line of the table."""
    start, end = _table_span(text, file)
    match = re.search(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=[ \t]*", text[start:end], re.M)
    if match is None:
        return text[:start] + f"{key} = {value}\n" + text[start:]
    begin = start + match.end()
    return text[:begin] + value + text[_value_end(text, begin) :]


def _with_values(text: str, file: str, values: Mapping[str, str | tuple[str, ...]]) -> str | None:
    """The text with each key of `values` set, every other byte kept; None when the edit
    would change anything else (an unusual layout, such as a dotted key)."""
    edited = text
    for key, value in reversed(list(values.items())):  # keys added at the top come in the order given
        edited = _set_value(edited, file, key, _toml_value(key, value))
    before, after = _table(text, file), _table(edited, file)
    blank = dict.fromkeys(values)
    wanted = {key: list(value) if isinstance(value, tuple) else value for key, value in values.items()}
    if before | blank != after | blank or any(after.get(key) != value for key, value in wanted.items()):
        return None
    return edited


def with_languages(text: str, file: str, languages: tuple[str, ...]) -> str:
    """The configuration text with `languages` set to these tags, every other byte kept.

    `ConfigError` when the edit would change anything else (an unusual layout):
    then the file is left for the user to edit by hand.
    """
    edited = _with_values(text, file, {"languages": languages})
    if edited is None:
        names = ", ".join(languages)
        raise ConfigError(f"cannot set 'languages' here by itself; set it to {names} by hand", file)
    return edited


def with_layout(text: str, file: str, template: str, catalog: str) -> str:
    """The configuration text with the `template` and `catalog` patterns replaced, every other byte kept.

    `ConfigError` when the edit would change anything else; then the file is left
    for the user to edit by hand.
    """
    edited = _with_values(text, file, {"template": template, "catalog": catalog})
    if edited is None:
        raise ConfigError(
            f"cannot set 'template' and 'catalog' here by themselves; set them to {template!r} and "
            f"{catalog!r} by hand",
            file,
        )
    return edited
