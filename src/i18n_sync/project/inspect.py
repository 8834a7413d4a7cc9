"""What `check` and `status` find in a project: they read it, run the checks or a merge, write nothing.

`check_project` runs the translation checks over every catalogue, the whole
document guard included; `project_status` merges each catalogue with its
current template (as ``update`` would) and counts what is translated, fuzzy
and missing, with the last revision each was in sync with, from git.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial

from i18n_sync.checks.translation import Finding, Policy, check_messages, ignores_of
from i18n_sync.errors import CatalogError, I18nSyncError, MarkdownError
from i18n_sync.gettext.po import parse_po, translations_of
from i18n_sync.markdown.document import Document
from i18n_sync.markdown.extract import Extraction, extract_units
from i18n_sync.model import Catalog, FileChange, Message
from i18n_sync.project.ahead import listed
from i18n_sync.project.cache import RunMemo, memo_kind, memo_over, quick_memo
from i18n_sync.project.cachefiles import conforms
from i18n_sync.project.config import Config, is_compact
from i18n_sync.project.files import Folders, read_bytes
from i18n_sync.project.inputs import find_compendia, listing_digest, read_paths
from i18n_sync.project.jobcache import JobCache, keep_native_names, recalled_native_names
from i18n_sync.project.jobs import parse_catalog, read_document, used_by
from i18n_sync.project.names import unnamed_languages
from i18n_sync.project.plan import (
    SourceDocument,
    Target,
    checked_paths,
    plan_documents,
)
from i18n_sync.project.pool import map_jobs, worker_count
from i18n_sync.project.sync import check_environment, check_policy, execute
from i18n_sync.record import record
from i18n_sync.render.splice import is_allowed_link, render_document
from i18n_sync.reports.history import (
    Blobs,
    Revision,
    in_sync_with,
    linear_revisions,
    source_revisions,
    translated_english,
)
from i18n_sync.reports.status import (
    DocumentStatus,
    InSync,
    LanguageStatus,
    StatusReport,
    document_status,
    with_since,
)


@record
class EntryFinding:
    """A check finding on one PO entry: its catalogue, the entry's line (1-based), its msgid."""

    path: str
    line: int
    msgid: str
    finding: Finding


@record
class CheckReport:
    """What `check_project` found: findings in catalogue order, how much it checked, problems."""

    findings: tuple[EntryFinding, ...]
    checked: int
    catalogs: tuple[str, ...]
    errors: tuple[I18nSyncError, ...] = ()


def _check_target(
    config: Config, target: Target, catalog: Catalog, doc: Document, extraction: Extraction, policy: Policy
) -> list[EntryFinding]:
    """Every entry's checks, then the whole-document guard for what only shows in place."""
    hosts = config.settings.allowed_hosts(target.language.tag)
    kinds: dict[str, set[tuple[str, tuple[str, ...]]]] = {}
    for unit in extraction.units:
        kinds.setdefault(unit.msgid, set()).add((unit.kind, unit.urls))
    found = [
        EntryFinding(target.catalog, message.line, message.msgid, finding)
        for message, finding in check_messages(
            catalog.active, extraction.context, kinds, policy, lambda url: is_allowed_link(url, hosts)
        )
    ]
    reported = {(item.msgid, item.finding.check) for item in found}
    lines = {message.msgid: message.line for message in catalog.active}
    translations, ignores = translations_of(catalog), ignores_of(catalog.active)
    rendered = render_document(
        doc, extraction.units, translations, extraction.context, policy, ignores, extraction.outline
    )
    for rejection in rendered.rejected:
        for finding in rejection.findings:
            key = (rejection.unit.msgid, finding.check)
            if key not in reported:
                reported.add(key)
                found.append(EntryFinding(target.catalog, lines[key[0]], key[0], finding))
    return found


@record
class _Checked:
    """One target's catalogue as a check job found it: its translated entries and the findings
    on them, or why it could not be read."""

    catalog: str
    exists: bool = True
    translated: int = 0
    findings: tuple[EntryFinding, ...] = ()
    error: I18nSyncError | None = None


@record
class _DocumentChecks:
    """One document's check job: each of its targets', or why the document could not be read."""

    targets: tuple[_Checked, ...] = ()
    error: I18nSyncError | None = None


def check_project(config: Config, languages: Collection[str] = ()) -> CheckReport:
    """Run the translation checks over the catalogue of every document and language.

    `languages` (BCP 47 tags) narrows the run; a catalogue that does not exist yet
    has nothing to check. A source or catalogue that cannot be read is an error of
    the report, and the others are still checked. Each document is a job of the
    process pool (`pool.map_jobs`); the report is the same whatever the workers.
    """
    documents = plan_documents(config, listed(config).sources())  # listed ahead for `check` too
    compact = is_compact(config.settings)
    # Each folder's symlinks followed once for the run, not once per file (each worker fills
    # the copy it inherits).
    folders = Folders(config.root)
    shared: dict[str, Catalog | I18nSyncError | None] = {}
    if compact:  # one catalogue per language: read once, here, not per job
        for document in documents:
            for target in _chosen(document.targets, languages):
                if target.catalog not in shared:
                    shared[target.catalog] = _read_catalog(config, target.catalog, folders)
    job = partial(_check_document, config, check_policy(config), languages, compact, shared, folders)
    findings: dict[EntryFinding, None] = {}  # a shared catalogue's entry is checked once per document
    errors: list[I18nSyncError] = []
    seen: dict[str, bool] = {}  # each catalogue, counted once: whether it could be read
    checked = 0
    for result in map_jobs(job, documents, worker_count(dict(os.environ))):
        if result.error is not None:
            errors.append(result.error)
        for item in result.targets:
            if item.catalog not in seen:
                seen[item.catalog] = item.exists and item.error is None
                checked += item.translated
                if item.error is not None:
                    errors.append(item.error)
            findings.update(dict.fromkeys(item.findings))
    catalogs = tuple(path for path, read in seen.items() if read)
    return CheckReport(tuple(findings), checked, catalogs, tuple(errors))


def _chosen(targets: Sequence[Target], languages: Collection[str]) -> list[Target]:
    return [t for t in targets if not languages or t.language.tag in languages]


def _read_catalog(config: Config, path: str, folders: Folders) -> Catalog | I18nSyncError | None:
    """The catalogue at `path` (None: there is none), or why it cannot be read (malformed, or
    not a file at all: a folder, a pipe)."""
    try:
        data = read_bytes(config.root, path, config.settings.max_file_size, CatalogError, folders=folders)
        return parse_catalog(data, path, [])
    except I18nSyncError as problem:
        return problem


def _check_document(
    config: Config,
    policy: Policy,
    languages: Collection[str],
    compact: bool,
    shared: Mapping[str, Catalog | I18nSyncError | None],
    folders: Folders,
    document: SourceDocument,
) -> _DocumentChecks:
    """The checks of one document's catalogues (`compact`: one per language, read already,
    in `shared`): a job."""
    limit = config.settings.max_file_size
    try:
        data = read_bytes(config.root, document.source, limit, MarkdownError, folders=folders)
        doc = read_document(config, document.source, limit, data)
        extraction = extract_units(doc, config.settings.front_matter_keys)
    except I18nSyncError as problem:
        return _DocumentChecks(error=problem)
    checked = []
    for target in _chosen(document.targets, languages):
        found = (
            shared[target.catalog]
            if target.catalog in shared
            else _read_catalog(config, target.catalog, folders)
        )
        if isinstance(found, I18nSyncError):
            checked.append(_Checked(target.catalog, error=found))
            continue
        if found is None:  # not made yet: nothing to check
            checked.append(_Checked(target.catalog, exists=False))
            continue
        translated = sum(1 for message in found.active if message.is_translated)
        catalog = used_by(found, extraction) if compact else found
        entries = _check_target(config, target, catalog, doc, extraction, policy)
        checked.append(_Checked(target.catalog, translated=translated, findings=tuple(entries)))
    return _DocumentChecks(tuple(checked))


@record
class _Row:
    """One document's line of a report, and the English its catalogue translates: what the job
    cache keeps of a merged catalogue's bytes, for the next report (`_merged_status`)."""

    status: DocumentStatus
    translated: frozenset[str]


@record
class _KeptStatus:
    """A report as its memo keeps it: without the since-when section, which asks git, and
    with what that section is worked out from, the English each catalogue translates
    (`history.translated_english`), by (language tag, source)."""

    report: StatusReport
    translated: dict[tuple[str, str], frozenset[str]]


def project_status(
    config: Config,
    languages: Collection[str] = (),
    fail_under: float | None = None,
    history: bool | Callable[[StatusReport], bool] = True,
) -> StatusReport:
    """How far behind each language is, against the current English.

    Each catalogue is merged with its document's current template first (as
    ``update`` would; nothing is written), so the figures and the entries'
    lines are those of the updated file. `languages` (BCP 47 tags) narrows the
    report; `fail_under` replaces the configured gates; `history` adds, from
    git, the last source revision each catalogue was fully in sync with: always,
    or, given a function, when it says so of the report without it (git is asked
    about every document, a few milliseconds each: a caller that shows the
    section only for some reports need not wait for it on the others).

    A report is remembered as a run is (`cache.RunMemo`, with files of its own):
    the next one from the same files, configuration and options is read back,
    without planning or merging. Its merges go through the job cache, which a
    sync shares.
    """
    # Refused on every report, as by a run, not only on one that merges (`run`).
    check_environment(os.environ)
    # The languages asked for, no more: a report renders nothing, so no language switcher
    # needs another language's figures (`needed_languages`).
    needed = set(languages) or {language.tag for language in config.languages}
    steps = ("update",)
    memo_steps = ("status", *(f"lang:{tag}" for tag in sorted(needed)), f"fail-under:{fail_under!r}")
    scan = listed(config)
    candidates = scan.candidates
    compendia = find_compendia(config)
    listing = None if compendia is None else listing_digest(candidates, compendia)
    # A report narrowed to some languages keeps a memo of its own, as a run does.
    kind = "status" if not languages else f"status-{memo_kind(languages)}"
    workers = worker_count(dict(os.environ))
    quick = None if listing is None else quick_memo(config, memo_steps, listing, os.environ, kind, workers)
    kept = _recalled(quick)
    if quick is not None and kept is not None:
        quick.keep_plan()
    else:
        documents = plan_documents(config, scan.sources(), needed)
        # The outputs are not read: a report renders none.
        paths = {*read_paths(config, documents, steps, compendia, needed, outputs=False), *candidates}
        memo = memo_over(quick, config, memo_steps, paths, os.environ, listing or b"", kind)
        if memo is not quick:  # the quick one's record was asked for above
            kept = _recalled(memo)
        checked = checked_paths(documents, needed)
        if memo is not None and kept is not None:
            memo.keep_plan(checked)
        else:
            kept = _merged_status(config, documents, languages, needed, fail_under, memo)
            if memo is not None and not kept.report.problems:
                memo.remember((), False, kept, checked)
    wanted = history(kept.report) if callable(history) else history
    return _with_history(config, kept.report, kept.translated) if wanted else kept.report


def _recalled(memo: RunMemo | None) -> _KeptStatus | None:
    """The report the memo remembers, if any, and of the right types (`cachefiles.conforms`)."""
    remembered = None if memo is None else memo.recall()
    return remembered if isinstance(remembered, _KeptStatus) and conforms(remembered, _KeptStatus) else None


def _merged_status(
    config: Config,
    documents: Sequence[SourceDocument],
    languages: Collection[str],
    needed: Collection[str],
    fail_under: float | None,
    memo: RunMemo | None,
) -> _KeptStatus:
    """The report, each catalogue merged (from the job cache where it can)."""
    cache = None if memo is None else memo.jobs(config)
    # Not `run`: it drops every change of a language with one bad catalogue, and the
    # language's other documents still belong in the report. Only the languages asked
    # for are merged: CI may share them out.
    state = execute(
        config,
        ("update",),
        os.environ,
        documents=documents,
        languages=languages,
        cache=cache,
        files={} if memo is None else memo.snapshot,
        needed=needed,
    )
    changes = (change for group in state.changes.values() for change in group)
    merged = {change.path: change for change in changes if change.kind == "catalog"}
    translated: dict[tuple[str, str], frozenset[str]] = {}
    rows = _Rows(cache, is_compact(config.settings))
    shown = [language for language in config.languages if not languages or language.tag in languages]
    names = _native_names(
        cache, [tag for tag in unnamed_languages(config) if not languages or tag in languages]
    )
    report = []
    for language in shown:
        found = []
        for document in documents:
            target = next(t for t in document.targets if t.language == language)
            change = merged.get(target.catalog)
            if change is None:  # unreadable: the run's errors say why
                continue
            row = rows.row(document.source, change)
            translated[(language.tag, document.source)] = row.translated
            found.append(row.status)
        name = config.settings.language_name(language.tag) or names.get(language.tag) or language.native_name
        gate = fail_under if fail_under is not None else config.settings.fail_under_for(language.tag)
        report.append(LanguageStatus(language.tag, name, tuple(found), gate))
    if cache is not None:
        cache.save()
    errors = tuple(state.errors)
    status = StatusReport(tuple(report), tuple(str(error) for error in errors), problems=errors)
    return _KeptStatus(status, translated)


def _native_names(cache: JobCache | None, tags: list[str]) -> dict[str, str]:
    """The names for themselves of the languages `tags` that an earlier run looked up; those it
    did not are looked up now (`Language.native_name`), and kept for the next report."""
    if cache is None:
        return {}
    names = recalled_native_names(cache, tags)
    keep_native_names(cache, [tag for tag in tags if tag not in names])
    return names


class _Rows:
    """Each document's row of a report, from its merged catalogue, or from the job cache.

    A row is a pure function of the merged catalogue (its path, its bytes, and whether
    they are the file's), the document and the layout: the job cache keeps it by those.
    Parsing every merged catalogue again was most of a report after one source changed
    (the CommonMark examples in 21 languages: 13,692 catalogues, about a second).
    """

    def __init__(self, cache: JobCache | None, compact: bool) -> None:
        self.cache, self.compact = cache, compact
        self.parsed: dict[str, Catalog] = {}  # one catalogue per language is every document's: read once
        self.shares: dict[str, dict[str, list[Message]]] = {}  # and its entries by the documents they name

    def row(self, source: str, merged: FileChange) -> _Row:
        """The row of `source`, whose catalogue the merge made `merged`."""
        cache = self.cache
        if cache is None:
            return self._made(source, merged)
        # Bytes that are the file's were hashed already, for the merge's key.
        digest = (
            cache.file_digest(merged.path) if merged.current else hashlib.sha256(merged.content).hexdigest()
        )
        key = cache.key("status-row", merged.path, digest, merged.current, source, self.compact)
        kept = cache.get(key, lambda value: isinstance(value, _Row))
        if isinstance(kept, _Row):
            return kept
        made = self._made(source, merged)
        cache.put(key, made)
        return made

    def _made(self, source: str, merged: FileChange) -> _Row:
        path = merged.path
        catalog = self.parsed.get(path)
        if catalog is None:
            catalog = self.parsed[path] = parse_po(merged.content.decode("utf-8"), path)
        if self.compact:
            if path not in self.shares:
                self.shares[path] = _by_reference(catalog)
            catalog = replace(catalog, messages=tuple(self.shares[path].get(source, ())))
        # As the merge found the file, not as it is now: the memo keys the report on the
        # bytes the merge read (a sync writing the catalogue meanwhile must not make a
        # report remembered as up to date).
        status = document_status(source, path, catalog, pending=not merged.current)
        return _Row(status, translated_english(catalog))


def _by_reference(catalog: Catalog) -> dict[str, list[Message]]:
    """The entries of a shared catalogue by each source their references name, obsolete ones
    included, in the catalogue's order (one pass, not one per document)."""
    found: dict[str, list[Message]] = {}
    for message in catalog.messages:
        for source in dict.fromkeys(message.references):
            found.setdefault(source, []).append(message)
    return found


def _with_history(
    config: Config, status: StatusReport, translated: Mapping[tuple[str, str], frozenset[str]]
) -> StatusReport:
    """The report with each document's "last fully in sync" revision; unchanged without git.
    `translated`: the English each catalogue translates, by (language tag, source)."""
    keys: dict[str, list[tuple[str, str]]] = {}  # each source's (language tag, source) pairs
    for key in translated:
        keys.setdefault(key[1], []).append(key)
    if not keys:
        return status
    sources = list(keys)
    linear = linear_revisions(config.root, sources)
    if linear is not None:
        return _since(config, status, translated, keys, [linear[source] for source in sources])
    found = [source_revisions(config.root, sources[0])]  # alone first: without git, said once
    if found[0] is None:
        return status
    # Each source costs a `git log`, milliseconds of waiting for git (500 documents: seconds):
    # side by side on threads, which wait without the interpreter. Only git's log: extracting
    # old revisions uses the process's Markdown parsers, which are not to be shared between
    # threads (markdown-it builds its rule lists on first use); their files come from one
    # `git cat-file` for all (`Blobs`).
    threads = min(worker_count(dict(os.environ)), len(sources) - 1)
    revisions = partial(source_revisions, config.root)
    if threads > 1:
        with ThreadPoolExecutor(threads) as executor:
            found += executor.map(revisions, sources[1:])
    else:
        found += map(revisions, sources[1:])
    logs = [each for each in found if each is not None]
    if len(logs) < len(found):  # git failed half-way: no section rather than part of one
        return status
    return _since(config, status, translated, keys, logs)


def _since(
    config: Config,
    status: StatusReport,
    translated: Mapping[tuple[str, str], frozenset[str]],
    keys: Mapping[str, list[tuple[str, str]]],
    logs: Sequence[tuple[Sequence[Revision], bool]],
) -> StatusReport:
    """The report with the revision each catalogue is last fully in sync with, from the log of
    each source (`keys`' order): read and extracted here, one thread (see `_with_history`)."""
    sources = list(keys)
    keywords = config.settings.front_matter_keys
    since: dict[tuple[str, str], InSync] = {}
    with Blobs(config.root, config.settings.max_file_size) as blobs:
        for source, each in zip(sources, logs, strict=True):
            answers = in_sync_with(each, source, [translated[key] for key in keys[source]], keywords, blobs)
            since.update(zip(keys[source], answers, strict=True))
    return with_since(status, since)
