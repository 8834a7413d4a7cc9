"""What a run's result depends on: the files it reads, and the listing of its patterns.

The run memo (`project.cache`) is keyed by these: `listing_digest` digests what the
`sources` and `compendia` patterns find, which a remembered plan was made from;
`read_paths` names every file a run of some steps in some languages reads or may
write. A run narrowed to some languages (``--lang``) needs those languages' files
only (`needed_languages`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence

from i18n_sync.errors import Diagnostic, I18nSyncError
from i18n_sync.project.config import Config
from i18n_sync.project.jobs import reads_templates
from i18n_sync.project.memory import compendium_paths
from i18n_sync.project.ownership import MANIFEST
from i18n_sync.project.plan import SourceDocument


def needed_languages(config: Config, languages: Collection[str] = ()) -> set[str]:
    """The languages a run narrowed to `languages` (none: every language) merges, and so reads
    the catalogues, outputs and compendia of.

    Another language matters to a narrowed run only through its switcher entry, which
    needs its figures when it has a publish threshold. So a CI job that renders one
    language of twenty-one reads that language's files, not all of them.
    """
    tags = {language.tag for language in config.languages}
    if not languages:
        return tags
    return set(languages) | {tag for tag in tags if config.settings.publish_threshold_for(tag)}


# Each language's compendia: the files its patterns find, and the warnings about those they
# name but cannot use (`memory.compendium_paths`).
Compendia = list[tuple[list[str], list[Diagnostic]]]


def find_compendia(config: Config) -> Compendia | None:
    """Each language's compendia, found once for the listing and the memo's files; None when
    they cannot be listed (the plan says why, in its own order: `read_paths`)."""
    found: Compendia = []
    try:
        for language in config.languages:
            told: list[Diagnostic] = []  # a compendium missing, or leading out: a warning of the run's
            found.append(([path for path, _ in compendium_paths(config, language, told)], told))
    except I18nSyncError:
        return None
    return found


def listing_digest(candidates: Collection[str], compendia: Compendia) -> bytes:
    """A digest of what a plan is made from on the disk: the files the `sources` patterns
    match and the `compendia` (`cache.quick_memo`)."""
    digest = hashlib.sha256()
    digest.update("\0".join(sorted(candidates)).encode("utf-8", "surrogateescape") + b"\0\0")
    for paths, told in compendia:
        found = [*paths, *(f"{warning.path}\n{warning.message}" for warning in told)]
        digest.update("\0".join(found).encode("utf-8", "surrogateescape") + b"\0\0")
    return digest.digest()


def read_paths(
    config: Config,
    documents: Sequence[SourceDocument],
    steps: Collection[str],
    compendia: Compendia | None,
    needed: Collection[str],
    outputs: bool = True,
) -> list[str]:
    """Every file a run of `steps` in the `needed` languages (`needed_languages`) reads or may
    write: what its result depends on. `compendia`: as `find_compendia` found them (None: found
    here, raising what stops them). Without `outputs`, the files it reads only (no rendering)."""
    paths = [config.file, MANIFEST]
    if compendia is None:
        compendia = [
            ([path for path, _ in compendium_paths(config, language, [])], [])
            for language in config.languages
        ]
    for language, (found, _) in zip(config.languages, compendia, strict=True):
        if language.tag in needed:
            paths += found
    templates = reads_templates(steps)
    for document in documents:
        paths += [document.source, document.template] if templates else [document.source]
        if document.source_output and outputs:
            paths.append(document.source_output)
        for target in document.targets:
            if target.language.tag in needed:
                paths += [target.catalog, target.output] if outputs else [target.catalog]
    return paths
