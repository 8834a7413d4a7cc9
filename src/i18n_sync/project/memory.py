"""Each language's translation memory, gathered from the disk before a run merges anything.

The memory of a language is every translated entry of its catalogues (when
the project has several documents and `translation_memory` is not ``off``),
then the entries of its compendia (`compendia`, or ``--compendium``). A
catalogue that cannot be read adds nothing here: the run reports it where it
merges it. A compendium that cannot be read is a warning, never a failure:
its translations were only ever suggestions.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from i18n_sync.errors import CatalogError, ConfigError, Diagnostic, I18nSyncError
from i18n_sync.gettext.compendium import read_compendium
from i18n_sync.gettext.memory import Memory, Suggestion, suggestions_of
from i18n_sync.gettext.po import decode_po, parse_po
from i18n_sync.locales import Language, normalize_tag
from i18n_sync.project.config import Config
from i18n_sync.project.files import is_own_path, read_bytes
from i18n_sync.project.plan import SourceDocument
from i18n_sync.project.snapshot import ChangedError

_PLACEHOLDERS = ("{lang}", "{locale}")


def gather_memories(
    config: Config,
    documents: Sequence[SourceDocument],
    diagnostics: list[Diagnostic],
    own: Mapping[str, Sequence[Suggestion]],
    languages: Collection[str] | None = None,
) -> dict[str, Memory]:
    """Each language's memory (of `languages`, default all), by BCP 47 tag; warnings about
    compendia go to `diagnostics`.

    `own` holds the suggestions of each catalogue of `memory_catalogues`, read
    by the caller (on every core, from the run's snapshot; see `catalogue_suggestions`).
    """
    memories = {}
    catalogues = _catalogues_by_language(documents)
    for language in config.languages:
        if languages is not None and language.tag not in languages:
            continue
        suggestions: list[Suggestion] = []
        for path in catalogues.get(language.tag, ()):
            suggestions += own.get(path, ())
        for path, named in compendium_paths(config, language, diagnostics):
            suggestions += _compendium(config, path, named, language, diagnostics)
        memories[language.tag] = Memory(suggestions)
    return memories


def memory_catalogues(
    config: Config, documents: Sequence[SourceDocument], languages: Collection[str] | None = None
) -> list[str]:
    """The catalogues whose translations make the memory of `languages` (default: every
    language's), in document order."""
    if config.settings.translation_memory == "off":
        return []
    catalogues = _catalogues_by_language(documents)
    tags = [language.tag for language in config.languages if languages is None or language.tag in languages]
    return [path for tag in tags for path in catalogues.get(tag, ())]


def _catalogues_by_language(documents: Sequence[SourceDocument]) -> dict[str, list[str]]:
    """Each language's catalogues by tag, once each, in document order; none for a language
    with only one (a catalogue never feeds itself). One pass: a docs tree in many languages
    has thousands of targets."""
    found: dict[str, dict[str, None]] = {}
    for document in documents:
        for target in document.targets:
            found.setdefault(target.language.tag, {})[target.catalog] = None
    return {tag: list(paths) if len(paths) > 1 else [] for tag, paths in found.items()}


def catalogue_suggestions(
    config: Config, path: str, seeds: Mapping[str, bytes | None] | None = None
) -> list[Suggestion]:
    """The translated entries of one catalogue; none when it cannot be read (the run says why).

    A catalogue in `seeds` is read from those bytes instead of its file.
    """
    try:
        if seeds and path in seeds:
            data = seeds[path]
        else:
            data = read_bytes(config.root, path, config.settings.max_file_size, CatalogError)
        if data is None:
            return []
        catalog = parse_po(decode_po(data, path), path)
    except ChangedError:
        raise  # the run stops: no memory is made of bytes its key does not name
    except I18nSyncError:
        return []  # reported when the run merges this catalogue
    return suggestions_of(catalog, path, fill=config.settings.translation_memory == "fill")


def compendium_paths(
    config: Config, language: Language, diagnostics: list[Diagnostic]
) -> list[tuple[str, bool]]:
    """The files the `compendia` patterns name for a language, relative to the root, in order.

    Each comes with whether its pattern names the language (``{lang}``, ``{locale}``).
    """
    root = config.root.resolve()
    found: dict[str, bool] = {}
    for pattern in config.settings.compendia:
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise ConfigError(
                f"compendium {pattern!r} is outside the project; copy it into the project folder",
                config.file,
            )
        expanded = pattern.replace("{lang}", language.tag).replace("{locale}", language.code)
        try:
            if not _is_glob(expanded) and not (root / expanded).is_file():
                diagnostics.append(Diagnostic(expanded, None, "compendium: no such file; fix 'compendia'"))
                continue
            matches = sorted(root.glob(expanded)) if _is_glob(expanded) else [root / expanded]
        # "**" inside a name, on the Pythons that refuse it; a name longer than the file system's.
        except (OSError, ValueError) as error:
            raise ConfigError(
                f"the compendium pattern {pattern!r} cannot be used: {error}; fix 'compendia'", config.file
            ) from None
        for match in matches:
            if not match.is_file():
                continue
            relative = match.relative_to(root).as_posix()
            if is_own_path(relative):  # a killed run's folder of the tool's own
                continue
            if not match.resolve().is_relative_to(root):
                diagnostics.append(
                    Diagnostic(
                        relative,
                        None,
                        "compendium skipped: it is a symlink to a file outside the repository; "
                        "put the file itself in the repository",
                    )
                )
                continue
            found.setdefault(relative, any(p in pattern for p in _PLACEHOLDERS))
    return list(found.items())


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _compendium(
    config: Config, path: str, named: bool, language: Language, diagnostics: list[Diagnostic]
) -> list[Suggestion]:
    """A compendium's suggestions, when it is for this language (its `Language` header says)."""
    try:
        data = read_bytes(config.root, path, config.settings.max_file_size, CatalogError)
        if data is None:
            return []
        header, suggestions = read_compendium(_decode(data), path)
    except I18nSyncError as problem:
        diagnostics.append(Diagnostic(path, problem.line, f"compendium skipped: {problem.message}"))
        return []
    if header is None and not named:
        diagnostics.append(
            Diagnostic(path, None, "compendium skipped: no Language header; add one, or {locale} to its path")
        )
        return []
    if header is not None and not named and not is_for(header, language):
        return []
    return suggestions


_CHARSET = re.compile(rb"charset=([A-Za-z0-9_.:-]+)")


def _decode(data: bytes) -> str:
    """A compendium's text in the charset its header names (older tools wrote Latin-1 and others)."""
    found = _CHARSET.search(data[:4096])
    try:
        return data.decode(found.group(1).decode("ascii") if found else "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return data.decode("utf-8", errors="replace")


def is_for(header: str, language: Language) -> bool:
    """Whether a PO file's `Language` header fits a language: same tag, or one without region or script."""
    theirs, ours = normalize_tag(header.strip()), language.tag
    if theirs == ours:
        return True
    base_theirs, base_ours = theirs.split("-")[0], ours.split("-")[0]
    return base_theirs == base_ours and ("-" not in theirs or "-" not in ours)
