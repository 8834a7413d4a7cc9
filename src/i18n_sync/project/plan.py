"""Where each file of a project is: sources found by the configuration, and every path derived.

Planning is done, and every path it gives is checked (contained in the
repository, no symlink, no case clash, no output a source pattern would read
back), before anything is written, and before anything read is used (a run
reads its files while another process checks, `targets_checked`).
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from fnmatch import fnmatchcase
from functools import partial
from pathlib import PurePosixPath

from i18n_sync.errors import ConfigError, I18nSyncError, WriteError
from i18n_sync.locales import Language
from i18n_sync.project.background import Background, in_background
from i18n_sync.project.config import Config, is_compact
from i18n_sync.project.files import OWN_FOLDER, Folders, check_target, folded, is_own_path, path_problem
from i18n_sync.project.ownership import is_generated, read_manifest
from i18n_sync.record import record


@record
class Target:
    """One document in one language: its catalogue and its output."""

    language: Language
    catalog: str
    output: str


@record
class SourceDocument:
    """One English source and every path derived from it (repository-relative)."""

    source: str
    name: str
    template: str
    source_output: str | None
    targets: tuple[Target, ...]


def _fill(pattern: str, name: str, language: Language | None = None) -> str:
    return pattern.format_map(_values(name, language))


def _values(name: str, language: Language | None = None) -> dict[str, str]:
    """What a path pattern's fields stand for, for the document `name` in `language`."""
    folder, _, stem = name.rpartition("/")
    return {
        "path": name,
        "folder": folder + "/" if folder else "",
        "name": stem,
        "lang": language.tag if language else "",
        "locale": language.code if language else "",
    }


def plan_documents(
    config: Config, sources: Collection[str], languages: Collection[str] | None = None, check: bool = True
) -> tuple[SourceDocument, ...]:
    """Derive every path from the configuration for the given source files.

    Every path a run of `languages` (default: all) may write is checked
    (`_check_targets`): a narrowed run (``--lang``) leaves the other languages' files
    on the disk to the jobs that write them, and compares their paths with its own.
    Without `check`, the caller checks them with `targets_checked`, before it reads
    any file or uses anything read.
    """
    documents = [_plan(config, source) for source in sorted(sources)]
    _check_overlaps(documents, config)
    if check:
        _check_targets(documents, config, languages)
    return tuple(documents)


# Fewer paths than this are checked by the run itself (`targets_checked`): a process of its
# own (a fork, a pipe, its exit: some 3 ms) costs what checking that many paths does.
_WORTH_A_PROCESS = 2000


@contextmanager
def targets_checked(
    documents: tuple[SourceDocument, ...], config: Config, languages: Collection[str] | None, aside: bool
) -> Iterator[None]:
    """Check the paths of `plan_documents(..., check=False)` while the body reads the run's files.

    A docs tree in 21 languages has some 28,000 paths to check, each spelling
    and folder (`_check_targets`): 74 ms, while the core that reading the files
    leaves idle waits. With `aside` (a core to spare, and a body that reads)
    and that many paths, another process checks them (`background.in_background`).
    Its verdict comes first: the body's result is used only once the paths
    passed, and when they did not, the check's error is raised (the check is
    made here again, to raise it), not the body's. Else they are checked here,
    before the body, as `plan_documents` does. Reading a file first is safe:
    every read of the run's files stays in the repository and takes regular
    files only (`files.read_bytes`); what the check guards is writing.
    """
    count = sum(1 + len(document.targets) * 2 for document in documents)
    worth = aside and count >= _WORTH_A_PROCESS
    checking = in_background(partial(_targets_pass, documents, config, languages)) if worth else None
    if checking is None:
        _check_targets(documents, config, languages)
        yield
        return
    with checking:
        try:
            yield
        except Exception:
            _verdict(checking, documents, config, languages)  # its error, if any, before the body's
            raise
        _verdict(checking, documents, config, languages)


def _targets_pass(
    documents: tuple[SourceDocument, ...], config: Config, languages: Collection[str] | None
) -> bool:
    """`_check_targets`, in the process `targets_checked` starts: True when every path passed
    (a failure sends nothing: the run checks again, and raises the error itself)."""
    _check_targets(documents, config, languages)
    return True


def _verdict(
    checking: Background[bool],
    documents: tuple[SourceDocument, ...],
    config: Config,
    languages: Collection[str] | None,
) -> None:
    """Wait for the check of `targets_checked`; unless it passed, check here (and raise)."""
    if checking.result() is not True:
        _check_targets(documents, config, languages)


# The plans made for the last configuration, by source. A run plans each source twice:
# `find_sources` to leave out what the tool writes, then `plan_documents`; a docs tree in 21
# languages fills some 28,000 paths each time. Held by the configuration's identity, which a
# run keeps: an equal configuration is hashed field by field, and for a docs tree of 652
# sources that was most of the second planning (`functools.lru_cache` hashed it each time).
_planned: tuple[Config | None, dict[str, SourceDocument]] = (None, {})


def _plan(config: Config, source: str) -> SourceDocument:
    """Every path derived from one source; `ConfigError` when it is outside `source_root`."""
    global _planned
    held, plans = _planned
    if held is not config:
        plans = {}
        _planned = (config, plans)
    found = plans.get(source)
    if found is None:
        found = plans[source] = _plan_anew(config, source)
    return found


def _plan_anew(config: Config, source: str) -> SourceDocument:
    settings = config.settings
    name = _document_name(source, settings.source_root)
    if name is None:
        raise config.error(
            f"the source {source} is not inside source_root {settings.source_root!r}; "
            "make 'source_root' the folder the sources are in (\"\" for the top of the repository)",
            "source_root",
        )
    # Each language's fields, filled into its two patterns: a docs tree in 21 languages has
    # some 28,000 paths to make.
    base = _values(name)
    outputs = dict(settings.output_by_language)
    targets = []
    for language in config.languages:
        values = {**base, "lang": language.tag, "locale": language.code}
        output = outputs.get(language.tag, settings.output)
        targets.append(Target(language, settings.catalog.format_map(values), output.format_map(values)))
    source_output = _fill(settings.source_output, name) if settings.source_output else None
    if source_output == source:
        source_output = None
    return SourceDocument(source, name, _fill(settings.template, name), source_output, tuple(targets))


def _document_name(source: str, root: str) -> str | None:
    """`source` relative to the folder `root`, less its ``.md`` suffix: the document's `name`;
    None when it is not inside `root`.

    As `PurePosixPath` spells it (`_document_name_of_paths`), in plain string steps
    where both are spelled plainly, as the files found are: a docs tree has thousands
    of sources, and the path objects were half of planning them.
    """
    # Plain: no empty part (a leading, doubled or trailing "/"), and no "." part.
    parts = source.split("/")
    plain = "" not in parts and "." not in parts
    if not plain or (root not in ("", ".") and not {"", "."}.isdisjoint(root.split("/"))):
        return _document_name_of_paths(source, root)
    if root in ("", "."):
        relative = source
    elif source.startswith(root + "/"):
        relative = source[len(root) + 1 :]
    else:
        return _document_name_of_paths(source, root)
    last = relative.rpartition("/")[2]
    return relative[:-3] if last.endswith(".md") and len(last) > 3 else relative


def _document_name_of_paths(source: str, root: str) -> str | None:
    try:
        relative = PurePosixPath(source).relative_to(PurePosixPath(root))
    except ValueError:
        return None
    return str(relative.with_suffix("")) if relative.suffix == ".md" else str(relative)


def output_paths(documents: Collection[SourceDocument]) -> set[str]:
    """Every Markdown file the documents render to (English and translated)."""
    paths = {target.output for document in documents for target in document.targets}
    return paths | {document.source_output for document in documents if document.source_output}


def written_paths(
    documents: Collection[SourceDocument], languages: Collection[str] | None = None
) -> Iterator[str]:
    """Every file a run of `languages` (default: all) may write."""
    return (path for path, own in _written(documents, languages) if own)


def checked_paths(documents: Collection[SourceDocument], languages: Collection[str]) -> list[str]:
    """What the plan of a run of `languages` looked at on the disk (`_check_targets`): every file
    it may write, and each folder another language's files go to, as ``folder/`` (not where
    that language may not write: its own run says so)."""
    own: list[str] = []
    others: set[str] = set()
    for path, mine in _written(documents, languages):
        if mine:
            own.append(path)
            continue
        folder = path.rpartition("/")[0] + "/"
        # A folder is in once one of its paths has no problem: the others need no look (a run
        # of one language of two, of 652 documents: 1,304 looks, 3 ms of the run's end).
        if folder not in others and path_problem(path) is None:
            others.add(folder)
    return own + sorted(others)


def _written(
    documents: Collection[SourceDocument], languages: Collection[str] | None
) -> Iterator[tuple[str, bool]]:
    """Every file a run may write, and whether a run of `languages` (None: all) writes it."""
    for document in documents:
        yield document.template, True
        if document.source_output:
            yield document.source_output, True
        for target in document.targets:
            own = languages is None or target.language.tag in languages
            yield target.catalog, own
            yield target.output, own


def _check_overlaps(documents: list[SourceDocument], config: Config) -> None:
    # `find_sources` leaves out every file a run writes; this catches sources given directly.
    sources = {document.source for document in documents}
    for output in written_paths(documents):
        if output in sources:
            raise config.error(
                f"the source {output} is also a file the tool writes; add it to 'exclude' or move it",
                "sources",
            )


def _shared_paths(documents: Collection[SourceDocument]) -> set[str]:
    return {d.template for d in documents} | {t.catalog for d in documents for t in d.targets}


def _check_targets(
    documents: Collection[SourceDocument], config: Config, languages: Collection[str] | None
) -> None:
    """Refuse, before any file is read or written, a path a run of `languages` may not write.

    The files of the other languages are another run's to check (a narrowed run's, or a
    whole one's), but no path of this run may be one of theirs, by name, by case, or
    through a folder that is theirs under another name: two CI jobs sharing the
    languages out would write one file.
    """
    written: set[str] = set()
    folded_paths = {folded(document.source): document.source for document in documents}
    # A compact layout's template and catalogues are shared by every document on purpose.
    shared = _shared_paths(documents) if is_compact(config.settings) else set()
    folders = Folders(config.root)
    places: dict[str | None, str] = {}  # where each written folder really is: its first name
    for path, own in _written(documents, languages):
        if path in written and path in shared:
            continue
        if own:
            check_target(config.root, path, folders)
        folder = path.rpartition("/")[0]
        # Another language's path that it may not write, or whose folder leads out, is its to report.
        place = folders.place(folder) if own or path_problem(path) is None else None
        first = folder if place is None else places.setdefault(place, folder)
        if first != folder:
            # Two names for one folder (a symlink a pull request can add): two languages could
            # write one file, and one file's temporary file would look stale from the other name.
            raise WriteError(
                f"its folder is the folder {first or '.'} under another name (a symlink); "
                "remove the symlink or change the patterns",
                path,
            )
        if path in written:
            raise ConfigError(f"two documents would write {path}; rename one of their sources", config.file)
        written.add(path)
        other = folded_paths.setdefault(folded(path), path)
        if other != path:
            raise WriteError(
                f"differs from {other} only by case or Unicode form, and Windows and macOS keep "
                "one file for both; rename a source or change the patterns",
                path,
            )


def _glob_matches(pattern: str, path: str) -> bool:
    """Whether `Path.glob(pattern)` finds `path`, both relative with ``/`` (no disk access)."""
    return _parts_match(tuple(pattern.split("/")), tuple(path.split("/")))


def _parts_match(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_parts_match(rest, parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatchcase(parts[0], head) and _parts_match(rest, parts[1:])


def _check_source_pattern(pattern: str, config: Config, key: str) -> None:
    parts = pattern.split("/")
    if not pattern or pattern.startswith("/") or ".." in parts or "\\" in pattern or ":" in pattern:
        raise config.error(
            f"the pattern {pattern!r} in '{key}' must stay inside the repository; "
            "write it relative to it, with '/', like 'content/**/*.md'",
            key,
        )


def _utf8_name(relative: str, file: str) -> str:
    """The path, once it is sure to be UTF-8 (the file system hands undecodable bytes as surrogates)."""
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        folder = posixpath.dirname(relative.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        shown = posixpath.basename(relative).encode("utf-8", "surrogateescape")
        raise ConfigError(
            f"this folder holds a file whose name is not valid UTF-8 ({shown!r}); "
            f"rename it, or leave it out with 'exclude' in {file}",
            folder or ".",
        ) from None
    return relative


# What `Path.is_file` takes for "no such file" (Python 3.11): these errors, and on Windows these
# of its own (a drive not ready, a name it cannot take, links that cannot be followed); any
# other failure is told.
_MISSING = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})
_MISSING_ON_WINDOWS = frozenset({21, 123, 1921})


def _is_file(path: str) -> bool:
    """`Path.is_file` of a path's text, at a third of its cost: a regular file, or a link to one."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError as error:
        if error.errno in _MISSING or getattr(error, "winerror", None) in _MISSING_ON_WINDOWS:
            return False
        raise
    except ValueError:  # a name the system cannot take (a NUL)
        return False


def source_candidates(config: Config) -> set[str]:
    """The files the `sources` patterns match, minus those the `exclude` patterns match: the
    sources, and the files the tool wrote among them (`find_sources` leaves those out)."""
    for key in ("sources", "exclude"):
        for pattern in getattr(config.settings, key):
            _check_source_pattern(pattern, config, key)
    found: set[str] = set()
    folders = Folders(config.root)
    # Each path the search yields is the root's text, a separator (none after "/") and the
    # relative path, or that path alone under "." (which `Path` leaves out): cut as text, as
    # `Path.relative_to` does at twice the cost.
    root = str(config.root)
    prefix = 0 if root == "." else len(root)
    for pattern in config.settings.sources:
        try:
            paths = [text for path in config.root.glob(pattern) if _is_file(text := str(path))]
        except (OSError, ValueError) as error:
            raise config.error(
                f"the pattern {pattern!r} cannot be used: {error}; fix it", "sources"
            ) from None
        except RecursionError:  # pathlib searches a folder inside its parent's search
            raise config.error(
                f"a folder the pattern {pattern!r} searches is nested too deep to search "
                "(hundreds of levels); move it out of the folders 'sources' names",
                "sources",
            ) from None
        for path in paths:
            relative = path[prefix:].lstrip(os.sep)
            if os.sep != "/":
                relative = relative.replace(os.sep, "/")
            if is_own_path(relative):
                continue
            if folders.owned(relative.rpartition("/")[0]):  # a run must not sweep it away: refused
                raise ConfigError(OWN_FOLDER + "; refusing to read it", relative)
            found.add(_utf8_name(relative, config.file))
    excluded = config.settings.exclude
    return {path for path in found if not any(_glob_matches(pattern, path) for pattern in excluded)}


def find_sources(config: Config, candidates: set[str] | None = None) -> list[str]:
    """The source files of the project, repository-relative; `candidates` is what
    `source_candidates` found, when the caller asked it already.

    What the `sources` patterns match, minus what `exclude` matches, minus
    every file the tool writes: an output of another source (``docs/x.de.md``
    beside ``docs/x.md``, ``docs/de/x.md`` under ``docs/``), and a file the
    tool wrote that lost its source (see `ownership`). So the in-place layouts
    need no `exclude`.
    """
    candidates = source_candidates(config) if candidates is None else candidates
    inside = [c for c in candidates if _is_under(c, config.settings.source_root)]
    written = {
        path
        for candidate in inside
        for path in written_paths([_plan(config, candidate)])
        if path != candidate
    }
    manifest = _manifest(config)
    found = sorted(
        path for path in candidates - written if path not in manifest and not is_generated(config.root, path)
    )
    if not found:
        patterns = ", ".join(config.settings.sources)
        raise config.error(f"no source file matches {patterns}; fix 'sources'", "sources")
    return found


def _is_under(path: str, folder: str) -> bool:
    return folder in ("", ".") or path.startswith(folder.rstrip("/") + "/")


def _manifest(config: Config) -> set[str]:
    try:
        return set(read_manifest(config.root)[0])
    except I18nSyncError:
        return set()  # reported where the run reads it
