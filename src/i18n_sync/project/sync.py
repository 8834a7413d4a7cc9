"""The main job: extract, update and render every document in every language.

`run` reads the files it needs, passes text and records through the pure
stages, and returns the files it wants written as `FileChange`s: the caller
writes them (`files.apply_changes`) or, for ``--check``, only compares them.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from i18n_sync.checks.translation import (
    DEFAULT_POLICY,
    Finding,
    Policy,
    check_messages,
    ignores_of,
    make_policy,
)
from i18n_sync.errors import CatalogError, ConfigError, Diagnostic, I18nSyncError, MarkdownError
from i18n_sync.gettext.catalog import build_template, creation_date, new_catalog, with_language
from i18n_sync.gettext.merge import MergeReport, merge_catalog
from i18n_sync.gettext.po import decode_po, format_po, parse_po, parse_po_with_warnings, translations_of
from i18n_sync.gettext.stats import Counts, count_messages
from i18n_sync.locales import Language
from i18n_sync.markdown.document import Document, load_document
from i18n_sync.markdown.extract import Extraction, extract_units
from i18n_sync.markdown.links import relative_link
from i18n_sync.markdown.parser import MAX_INLINE_LENGTH
from i18n_sync.model import Catalog, FileChange
from i18n_sync.project.config import Config
from i18n_sync.project.files import decode_utf8, is_current, read_bytes
from i18n_sync.project.plan import SourceDocument, Target, find_sources, plan_documents
from i18n_sync.render.decorate import Decorations, SwitcherEntry, generated_header, notice_text, switcher_line
from i18n_sync.render.publish import Prepared, build_site, publish
from i18n_sync.render.splice import Accepted, accept_translations, is_allowed_link, render_document
from i18n_sync.reports.history import find_in_sync
from i18n_sync.reports.status import InSync, LanguageStatus, StatusReport, document_status, with_since

STEPS = ("extract", "update", "render")


@dataclass(frozen=True, slots=True)
class LanguageReport:
    """What a run did for one language, summed over its documents."""

    language: Language
    counts: Counts = field(default_factory=Counts)
    merge: MergeReport = field(default_factory=MergeReport)
    rendered: int = 0
    failed: bool = False


@dataclass(frozen=True, slots=True)
class RunReport:
    """Everything a run found: the files it wants, per-language figures, problems."""

    changes: tuple[FileChange, ...]
    languages: tuple[LanguageReport, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    errors: tuple[I18nSyncError, ...] = ()


def _read_document(root: Path, path: str, limit: int | None = None) -> Document:
    data = read_bytes(root, path, limit, MarkdownError)
    if data is None:
        raise MarkdownError("no such file", path)
    return load_document(decode_utf8(data, path, MarkdownError), path)


def _read_catalog(
    root: Path, path: str, warnings: list[Diagnostic], limit: int | None = None
) -> Catalog | None:
    return _parse_catalog(read_bytes(root, path, limit, CatalogError), path, warnings)


def _parse_catalog(data: bytes | None, path: str, warnings: list[Diagnostic]) -> Catalog | None:
    if data is None:
        return None
    catalog, found = parse_po_with_warnings(decode_po(data, path), path)
    warnings.extend(found)  # a byte order mark or CRLF endings, normalised on write
    _check_lengths(catalog, path)
    return catalog


def _check_lengths(catalog: Catalog, path: str) -> None:
    """Refuse a translation longer than any source text may be: parsing it could take minutes."""
    for message in catalog.messages:
        if len(message.msgstr) > MAX_INLINE_LENGTH:
            raise CatalogError(
                f"this translation is {len(message.msgstr):,} characters long, more than the "
                f"{MAX_INLINE_LENGTH:,} the tool parses in one piece; shorten it",
                path,
                message.line or None,
            )


@dataclass(frozen=True, slots=True)
class _Source:
    """A source document read and extracted, with its template."""

    plan: SourceDocument
    doc: Document
    extraction: Extraction
    template: Catalog

    @property
    def home(self) -> str:
        """The English file its links are written for."""
        return self.plan.source_output or self.plan.source


@dataclass(slots=True)
class _Run:
    config: Config
    steps: Collection[str]
    date: str
    changes: dict[str, list[FileChange]] = field(default_factory=dict)
    reports: dict[str, LanguageReport] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[I18nSyncError] = field(default_factory=list)
    prepared: dict[str, list[Prepared]] = field(default_factory=dict)
    counts: dict[tuple[str, str], Counts] = field(default_factory=dict)
    policy: Policy = DEFAULT_POLICY

    @property
    def limit(self) -> int:
        """The size cap of every file the run reads."""
        return self.config.settings.max_file_size

    def add(
        self,
        group: str,
        path: str,
        text: str,
        kind: str,
        original: bytes | None = None,
        guarded: bool = False,
    ) -> None:
        change = FileChange(path, text.encode("utf-8"), kind, original, guarded)
        if kind in ("template", "catalog") and len(change.content) > self.limit:
            # Never write a file the next run would refuse to read.
            self.errors.append(
                CatalogError(
                    f"would be {len(change.content):,} bytes, more than max_file_size ({self.limit:,}), "
                    "so the tool could not read it back; split the source, or raise max_file_size",
                    path,
                )
            )
            if group in self.reports:
                self.reports[group] = _replace_report(self.reports[group], failed=True)
            return
        self.changes.setdefault(group, []).append(change)

    def format_catalog(self, catalog: Catalog, path: str) -> str:
        """The catalogue as msgcat writes it with the configured wrap width."""
        return format_po(catalog, self.config.settings.wrap_width, path)

    def template_for(self, document: SourceDocument, extraction: Extraction) -> Catalog:
        try:
            previous = _read_catalog(self.config.root, document.template, self.diagnostics, self.limit)
        except CatalogError as problem:
            where = problem.path or document.template
            self.diagnostics.append(Diagnostic(where, problem.line, f"{problem.message}; it is regenerated"))
            previous = None
        project = self.config.settings.project or document.name
        return build_template(extraction.units, document.source, project, previous, self.date)

    def document(self, document: SourceDocument) -> None:
        try:
            doc = _read_document(self.config.root, document.source, self.limit)
            extraction = extract_units(doc, self.config.settings.front_matter_keys)
        except I18nSyncError as problem:
            self.errors.append(problem)
            return
        self.diagnostics.extend(extraction.diagnostics)
        source = _Source(document, doc, extraction, self.template_for(document, extraction))
        if "extract" in self.steps:
            template_text = self.format_catalog(source.template, document.template)
            self.add("", document.template, template_text, "template")
        if document.source_output:
            english = Accepted({})
            prepared = Prepared(
                document.source, source.home, document.source_output, doc, extraction, english
            )
            self.prepared.setdefault("", []).append(prepared)
        if "update" in self.steps or "render" in self.steps:
            for target in document.targets:
                self.target(source, target)

    def target(self, source: _Source, target: Target) -> None:
        language = target.language
        report = self.reports[language.tag]
        try:
            # Kept to check, before replacing the file, that nobody changed it meanwhile.
            read_as = read_bytes(self.config.root, target.catalog, self.limit, CatalogError)
            old = _parse_catalog(read_as, target.catalog, self.diagnostics)
        except CatalogError as problem:
            self.errors.append(problem)
            self.reports[language.tag] = _replace_report(report, failed=True)
            return
        if old is None:
            old = new_catalog(source.template, language, source.plan.source)
        merged, merge = merge_catalog(
            with_language(old, language), source.template, keep_obsolete=self.config.settings.keep_obsolete
        )
        if "update" in self.steps:
            text = self.format_catalog(merged, target.catalog)
            self.add(language.tag, target.catalog, text, "catalog", read_as, guarded=True)
        extraction = source.extraction
        allowed = self.config.settings.allowed_hosts(language.tag)
        accepted = accept_translations(
            target.catalog,
            extraction.units,
            translations_of(merged),
            extraction.context,
            allowed,
            self.policy,
            ignores_of(merged.active),
        )
        self.diagnostics.extend(accepted.diagnostics)
        counts = count_messages(merged)
        self.counts[(language.tag, source.plan.source)] = counts
        prepared = Prepared(source.plan.source, source.home, target.output, source.doc, extraction, accepted)
        self.prepared.setdefault(language.tag, []).append(prepared)
        self.reports[language.tag] = LanguageReport(
            language,
            report.counts + counts,
            report.merge + merge,
            report.rendered + len(accepted.texts),
            report.failed,
        )

    def is_published(self, tag: str, source: str) -> bool:
        """Whether a language's output of a document is complete enough to write."""
        counts = self.counts.get((tag, source))
        return counts is None or not counts.is_below(self.config.settings.publish_threshold_for(tag))

    def publish_all(self, documents: Sequence[SourceDocument]) -> None:
        """Render every output, one language at a time so links between outputs resolve."""
        by_source = {d.source: d for d in documents}
        for tag, prepared in self.prepared.items():
            if tag in self.reports and self.reports[tag].failed:
                continue
            published = [p for p in prepared if self.is_published(tag, p.source)]
            site = build_site(published, [p.home for p in prepared if p not in published])
            for item in prepared:
                if item not in published:
                    self.diagnostics.append(self.unpublished(tag, item))
                    continue
                decorations = self.decorations(by_source[item.source], tag)
                english_anchors = self.config.settings.english_anchors and bool(tag)
                rendered = publish(item, site, decorations, english_anchors)
                self.add(tag, item.output, rendered.text, "output")
                # What the document guard refused; the checks before it were reported already.
                self.diagnostics.extend(
                    Diagnostic(d.path, d.line, f"{d.message} (in {item.output})", d.level)
                    for d in rendered.diagnostics
                    if d not in item.accepted.diagnostics
                )

    def unpublished(self, tag: str, item: Prepared) -> Diagnostic:
        percent = self.counts[(tag, item.source)].percent
        threshold = self.config.settings.publish_threshold_for(tag)
        message = f"not published: {percent:.0f}% translated, below the publish threshold of {threshold}%"
        return Diagnostic(item.output, None, message)

    def decorations(self, plan: SourceDocument, tag: str) -> Decorations:
        settings = self.config.settings
        output = next((t.output for t in plan.targets if t.language.tag == tag), plan.source_output or "")
        catalog = next((t.catalog for t in plan.targets if t.language.tag == tag), None)
        header = generated_header(plan.source, catalog) if settings.generated_header else ""
        switcher = ""
        if settings.language_switcher != "off":
            switcher = switcher_line(self.switcher_entries(plan, output))
        notice = ""
        if settings.notice and catalog is not None:
            code = next(t.language.code for t in plan.targets if t.language.tag == tag)
            notice = notice_text(code, self.counts[(tag, plan.source)], relative_link(catalog, output))
        return Decorations(header, switcher, notice, settings.language_switcher == "top")

    def switcher_entries(self, plan: SourceDocument, output: str) -> list[SwitcherEntry]:
        entries = []
        home = plan.source_output or plan.source
        english = self.config.settings.language_name("en") or "English"
        entries.append(SwitcherEntry(english, None if home == output else relative_link(home, output)))
        for target in plan.targets:
            if not self.is_published(target.language.tag, plan.source):
                continue
            label = self.config.settings.language_name(target.language.tag) or target.language.native_name
            href = None if target.output == output else relative_link(target.output, output)
            entries.append(SwitcherEntry(label, href))
        return entries

    def result(self) -> RunReport:
        failed = {tag for tag, report in self.reports.items() if report.failed}
        changes = [c for group, items in self.changes.items() if group not in failed for c in items]
        return RunReport(
            tuple(changes), tuple(self.reports.values()), tuple(self.diagnostics), tuple(self.errors)
        )


def _replace_report(report: LanguageReport, failed: bool) -> LanguageReport:
    return LanguageReport(report.language, report.counts, report.merge, report.rendered, failed)


def run(config: Config, steps: Collection[str] = STEPS, environ: Mapping[str, str] = os.environ) -> RunReport:
    """Run the given steps over every document of the project."""
    return _execute(config, steps, environ).result()


def _execute(config: Config, steps: Collection[str], environ: Mapping[str, str]) -> _Run:
    documents = plan_documents(config, find_sources(config))
    state = _Run(config, steps, creation_date(environ), policy=check_policy(config))
    state.reports = {language.tag: LanguageReport(language) for language in config.languages}
    for document in documents:
        state.document(document)
    if "render" in steps:
        state.publish_all(documents)
    return state


# --- i18n-sync check ---------------------------------------------------------------------------


def check_policy(config: Config) -> Policy:
    """The project's check levels; `ConfigError` for an unknown check or a lowered mandatory one."""
    try:
        return make_policy(config.settings.checks, config.settings.checks_off)
    except ValueError as error:
        key = "checks_off" if "'checks_off'" in str(error) else "checks"
        raise ConfigError(f"{error}; fix '{key}'", config.file) from None


@dataclass(frozen=True, slots=True)
class EntryFinding:
    """A check finding on one PO entry: its catalogue, the entry's line (1-based), its msgid."""

    path: str
    line: int
    msgid: str
    finding: Finding


@dataclass(frozen=True, slots=True)
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


def check_project(config: Config, languages: Collection[str] = ()) -> CheckReport:
    """Run the translation checks over the catalogue of every document and language.

    `languages` (BCP 47 tags) narrows the run; a catalogue that does not exist yet
    has nothing to check. A source or catalogue that cannot be read is an error of
    the report, and the others are still checked.
    """
    policy = check_policy(config)
    findings: list[EntryFinding] = []
    errors: list[I18nSyncError] = []
    catalogs: list[str] = []
    checked = 0
    for document in plan_documents(config, find_sources(config)):
        targets = [t for t in document.targets if not languages or t.language.tag in languages]
        try:
            doc = _read_document(config.root, document.source, config.settings.max_file_size)
            extraction = extract_units(doc, config.settings.front_matter_keys)
        except I18nSyncError as problem:
            errors.append(problem)
            continue
        for target in targets:
            try:
                catalog = _read_catalog(config.root, target.catalog, [], config.settings.max_file_size)
            except CatalogError as problem:
                errors.append(problem)
                continue
            if catalog is not None:
                catalogs.append(target.catalog)
                checked += sum(1 for message in catalog.active if message.is_translated)
                findings += _check_target(config, target, catalog, doc, extraction, policy)
    return CheckReport(tuple(findings), checked, tuple(catalogs), tuple(errors))


# --- i18n-sync status --------------------------------------------------------------------------


def project_status(
    config: Config, languages: Collection[str] = (), fail_under: float | None = None, history: bool = True
) -> StatusReport:
    """How far behind each language is, against the current English.

    Each catalogue is merged with its document's current template first (as
    ``update`` would; nothing is written), so the figures and the entries'
    lines are those of the updated file. `languages` (BCP 47 tags) narrows the
    report; `fail_under` replaces the configured gates; `history` adds, from
    git, the last source revision each catalogue was fully in sync with.
    """
    documents = plan_documents(config, find_sources(config))
    # Not `run`: it drops every change of a language with one bad catalogue, and the
    # language's other documents still belong in the report.
    state = _execute(config, ("update",), os.environ)
    changes = (change for group in state.changes.values() for change in group)
    merged = {change.path: change for change in changes if change.kind == "catalog"}
    catalogs: dict[tuple[str, str], Catalog] = {}
    report = []
    for language in config.languages:
        if languages and language.tag not in languages:
            continue
        found = []
        for document in documents:
            target = next(t for t in document.targets if t.language == language)
            change = merged.get(target.catalog)
            if change is None:  # unreadable: the run's errors say why
                continue
            catalog = parse_po(change.content.decode("utf-8"), target.catalog)
            catalogs[(language.tag, document.source)] = catalog
            pending = not is_current(config.root, change)
            found.append(document_status(document.source, target.catalog, catalog, pending))
        name = config.settings.language_name(language.tag) or language.native_name
        gate = fail_under if fail_under is not None else config.settings.fail_under_for(language.tag)
        report.append(LanguageStatus(language.tag, name, tuple(found), gate))
    status = StatusReport(tuple(report), tuple(str(error) for error in state.errors))
    return _with_history(config, status, catalogs) if history else status


def _with_history(
    config: Config, status: StatusReport, catalogs: Mapping[tuple[str, str], Catalog]
) -> StatusReport:
    """The report with each document's "last fully in sync" revision; unchanged without git."""
    if not catalogs:
        return status
    since: dict[tuple[str, str], InSync] = {}
    for source in dict.fromkeys(source for _, source in catalogs):
        keys = [key for key in catalogs if key[1] == source]
        keywords = config.settings.front_matter_keys
        found = find_in_sync(config.root, source, [catalogs[key] for key in keys], keywords)
        if found is None:
            return status
        since.update(zip(keys, found, strict=True))
    return with_since(status, since)
