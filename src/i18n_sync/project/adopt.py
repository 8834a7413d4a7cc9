"""First contact: find the hand-made translations a repository has, and propose a configuration.

Translations are recognised by their names, in the common layouts:

- beside the English, with the language after a ``.``, ``-`` or ``_``:
  ``README.es.md``, ``README-es.md``, ``README_zh.md``, ``README.zh-CN.md``,
  ``docs/x.de.md``, and language names: ``README.japanese.md``;
- in a folder below the English: ``translations/README-tr.md``;
- in a language folder beside it: ``docs/de/x.md`` for ``docs/x.md``.

The proposal keeps every file name that fits its language's commonest
layout (readers' bookmarks keep working), outputs beside the sources, and the
generated header off so that files rendered back from their imported
catalogues keep their bytes; the tool then knows its outputs by the manifest
(see `ownership`). Languages are read from names by `locales.language_in_name`.
"""

from __future__ import annotations

import os
import shlex
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from i18n_sync.errors import ConfigError, UsageError
from i18n_sync.locales import Language, language_in_name, parse_language
from i18n_sync.project.config import (
    CONFIG_FILE,
    PYPROJECT,
    Settings,
    format_config,
    load_config,
    with_languages,
)
from i18n_sync.record import record

# Folders that hold no documentation, or whose Markdown is not the project's.
_SKIPPED = frozenset({"node_modules", "vendor", "third_party", "site-packages", "venv", "locales"})
_SEPARATORS = ".-_"
_DEFAULT_OUTPUT = "{path}.{lang}.md"


@record
class Found:
    """A hand-made translation: its path, its English document, its language, its name's pattern."""

    path: str
    source: str
    language: Language
    pattern: str


@record
class Proposal:
    """What `init` proposes: the settings, the translations to import, the ones that do not fit."""

    settings: Settings
    adopted: tuple[Found, ...]
    left: tuple[Found, ...]


def markdown_files(root: Path) -> list[str]:
    """Every ``.md`` file of the repository, repository-relative, hidden and vendored folders skipped."""
    found = []
    for folder, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if not f.startswith(".") and f not in _SKIPPED)
        base = PurePosixPath(Path(folder).relative_to(root).as_posix())
        found += [(base / name).as_posix().removeprefix("./") for name in files if name.endswith(".md")]
    return sorted(found)


def _beside(path: PurePosixPath, files: set[str]) -> Found | None:
    """``README.es.md``, ``README-zh-cn.md``, ``x.japanese.md`` beside ``README.md``/``x.md``."""
    stem = path.name[: -len(".md")]
    for index in range(len(stem) - 1, 0, -1):
        if stem[index] not in _SEPARATORS:
            continue
        english = path.parent / (stem[:index] + ".md")
        language = language_in_name(stem[index + 1 :])
        if english.as_posix() in files and language is not None and language.tag != "en":
            token = stem[index + 1 :]
            pattern = "{path}" + stem[index] + ("{lang}" if token == language.tag else token) + ".md"
            return Found(path.as_posix(), english.as_posix(), language, pattern)
    return None


def _below(path: PurePosixPath, files: set[str]) -> Found | None:
    """``translations/README-tr.md`` for ``README.md`` in the folder just above it."""
    if len(path.parts) < 2:
        return None
    found = _beside(path.parent.parent / path.name, files)
    if found is None:
        return None
    pattern = "{folder}" + path.parent.name + "/" + found.pattern.replace("{path}", "{name}")
    return Found(path.as_posix(), found.source, found.language, pattern)


def _in_language_folder(path: PurePosixPath, files: set[str]) -> Found | None:
    """``docs/de/x.md`` for ``docs/x.md``."""
    if len(path.parts) < 2:
        return None
    token = path.parent.name
    english = path.parent.parent / path.name
    language = language_in_name(token)
    if english.as_posix() not in files or language is None or language.tag == "en":
        return None
    folder = "{lang}" if token == language.tag else token
    return Found(path.as_posix(), english.as_posix(), language, "{folder}" + folder + "/{name}.md")


def find_translations(files: Iterable[str]) -> list[Found]:
    """The hand-made translations among `files`, each with its English document."""
    known = set(files)
    found = []
    for name in sorted(known):
        path = PurePosixPath(name)
        hit = _beside(path, known) or _in_language_folder(path, known) or _below(path, known)
        if hit is not None and hit.source != hit.path:
            found.append(hit)
    translated = {item.path for item in found}
    # Of README.md, README.de.md and README.de.fr.md, the last translates no English file.
    return [item for item in found if item.source not in translated]


def _sources(english: set[str], files: Sequence[str], translations: set[str]) -> tuple[str, ...]:
    """Source patterns: ``folder/*.md`` where every English file there has translations, else names."""
    patterns = []
    folders = sorted({PurePosixPath(path).parent.as_posix() for path in english})
    for folder in folders:
        here = [p for p in files if PurePosixPath(p).parent.as_posix() == folder and p not in translations]
        if folder != "." and set(here) <= english:
            patterns.append(f"{folder}/*.md")
        else:
            patterns += sorted(p for p in here if p in english)
    return tuple(patterns)


def propose(root: Path, extra: Sequence[str] = ()) -> Proposal | None:
    """The configuration that adopts the repository's hand-made translations; None when it has none.

    `extra` adds languages (BCP 47 tags) that have no translation yet.
    """
    files = markdown_files(root)
    found = find_translations(files)
    if not found:
        return None
    chosen: dict[str, str] = {}
    for tag in dict.fromkeys(item.language.tag for item in found):
        counts = Counter(item.pattern for item in found if item.language.tag == tag)
        chosen[tag] = counts.most_common(1)[0][0]
    adopted = tuple(item for item in found if chosen[item.language.tag] == item.pattern)
    left = tuple(item for item in found if item not in adopted)
    output = Counter(p for p in chosen.values() if "{lang}" in p).most_common(1)
    default = output[0][0] if output else _DEFAULT_OUTPUT
    tags = [*chosen, *(parse_language(tag).tag for tag in extra)]
    english = {item.source for item in adopted}
    readme = [name for name in ("README.md",) if name in files]
    settings = Settings(
        languages=tuple(sorted(dict.fromkeys(tags))),
        sources=_sources(english | set(readme), files, {item.path for item in found}),
        exclude=tuple(item.path for item in left),
        source_root="",
        output=default,
        output_by_language=tuple(sorted((tag, p) for tag, p in chosen.items() if p != default)),
        source_output="",
        generated_header=False,
    )
    return Proposal(settings, adopted, left)


# --- i18n-sync init ----------------------------------------------------------------------------


@record
class InitPlan:
    """What `init` writes: the configuration file and its text; what it found and adds."""

    file: str
    text: str
    proposal: Proposal | None = None
    added: tuple[str, ...] = ()
    existed: bool = False


def _configured(root: Path) -> str | None:
    """The file that holds the project's configuration, if there is one."""
    if (root / CONFIG_FILE).is_file():
        return CONFIG_FILE
    try:
        load_config(root)
    except ConfigError as error:
        return PYPROJECT if error.path == PYPROJECT else None
    return PYPROJECT


def plan_init(root: Path, languages: Sequence[str], force: bool = False) -> InitPlan:
    """The configuration `init` writes.

    An existing configuration gets the new `languages` added and keeps every
    other setting (`force` starts over instead). A new one adopts the
    repository's hand-made translations (`propose`) unless the sources are
    in ``content/`` already; otherwise it is the default with `languages`.
    """
    file = _configured(root)
    if file is not None and not force:
        config = load_config(root)
        tags = [language.tag for language in config.languages]
        added = tuple(tag for tag in languages if tag not in tags)
        text = (root / file).read_bytes().decode("utf-8")
        if added:
            text = with_languages(text, file, (*tags, *added))
        return InitPlan(file, text, None, added, existed=True)
    proposal = None if any(root.glob("content/**/*.md")) else propose(root, languages)
    if proposal is not None:
        return InitPlan(CONFIG_FILE, format_config(proposal.settings), proposal, proposal.settings.languages)
    if not languages:
        raise UsageError("found no hand-made translation to adopt; name the languages with --lang")
    return InitPlan(CONFIG_FILE, format_config(Settings(languages=tuple(languages))), None, tuple(languages))


def import_command(found: Found) -> str:
    """The command that imports one hand-made translation, as a shell reads it."""
    path, source = shlex.quote(found.path), shlex.quote(found.source)
    return f"i18n-sync import {found.language.tag} {path} --source {source}"
