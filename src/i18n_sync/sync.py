"""The main job: extract, update and render every document in every language.

`run` reads the files it needs, passes text and records through the pure
stages, and returns the files it wants written as `FileChange`s: the caller
writes them (`files.apply_changes`) or, for ``--check``, only compares them.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .catalog import build_template, creation_date, new_catalog, with_language
from .config import Config
from .document import Document, load_document
from .errors import CatalogError, ConfigError, Diagnostic, I18nSyncError, MarkdownError
from .extract import Extraction, extract_units
from .files import decode_utf8, read_bytes
from .locales import Language
from .merge import MergeReport, merge_catalog
from .model import Catalog, FileChange
from .po import format_po, parse_po, translations_of
from .render import render_document
from .stats import Counts, count_messages

STEPS = ("extract", "update", "render")


@dataclass(frozen=True, slots=True)
class Target:
    """One document in one language: its catalogue and its output."""

    language: Language
    catalog: str
    output: str


@dataclass(frozen=True, slots=True)
class SourceDocument:
    """One English source and every path derived from it (repository-relative)."""

    source: str
    name: str
    template: str
    source_output: str | None
    targets: tuple[Target, ...]


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


def _fill(pattern: str, name: str, language: Language | None = None) -> str:
    values = {
        "path": name,
        "lang": language.tag if language else "",
        "locale": language.code if language else "",
    }
    return pattern.format(**values)


def plan_documents(config: Config, sources: Collection[str]) -> tuple[SourceDocument, ...]:
    """Derive every path from the configuration for the given source files."""
    settings = config.settings
    documents = []
    root = PurePosixPath(settings.source_root) if settings.source_root else PurePosixPath()
    for source in sorted(sources):
        relative = PurePosixPath(source).relative_to(root) if settings.source_root else PurePosixPath(source)
        name = str(relative.with_suffix("")) if relative.suffix == ".md" else str(relative)
        targets = tuple(
            Target(language, _fill(settings.catalog, name, language), _fill(settings.output, name, language))
            for language in config.languages
        )
        source_output = _fill(settings.source_output, name) if settings.source_output else None
        if source_output == source:
            source_output = None
        documents.append(SourceDocument(source, name, _fill(settings.template, name), source_output, targets))
    _check_overlaps(documents, config.file)
    return tuple(documents)


def _check_overlaps(documents: list[SourceDocument], file: str) -> None:
    sources = {document.source for document in documents}
    for document in documents:
        for output in (document.source_output, *(t.output for t in document.targets)):
            if output in sources:
                raise ConfigError(
                    f"the source pattern matches the output {output}; narrow 'sources' or move the outputs",
                    file,
                )


def find_sources(config: Config) -> list[str]:
    """The source files the configuration's patterns match, repository-relative."""
    found: set[str] = set()
    for pattern in config.settings.sources:
        for path in config.root.glob(pattern):
            if path.is_file():
                found.add(path.relative_to(config.root).as_posix())
    if not found:
        patterns = ", ".join(config.settings.sources)
        raise ConfigError(f"no source file matches {patterns}; fix 'sources'", config.file)
    return sorted(found)


def _read_document(root: Path, path: str) -> tuple[Document, bytes]:
    data = read_bytes(root, path)
    if data is None:
        raise MarkdownError("no such file", path)
    return load_document(decode_utf8(data, path, MarkdownError), path), data


def _read_catalog(root: Path, path: str) -> Catalog | None:
    data = read_bytes(root, path)
    if data is None:
        return None
    text = decode_utf8(data, path, CatalogError)
    return parse_po(text.removeprefix("\ufeff"), path)


@dataclass(slots=True)
class _Run:
    config: Config
    steps: Collection[str]
    date: str
    changes: dict[str, list[FileChange]] = field(default_factory=dict)
    reports: dict[str, LanguageReport] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[I18nSyncError] = field(default_factory=list)

    def add(self, group: str, path: str, text: str | bytes, kind: str) -> None:
        content = text.encode("utf-8") if isinstance(text, str) else text
        self.changes.setdefault(group, []).append(FileChange(path, content, kind))

    def template_for(self, document: SourceDocument, extraction: Extraction) -> Catalog:
        try:
            previous = _read_catalog(self.config.root, document.template)
        except CatalogError as problem:
            self.diagnostics.append(
                Diagnostic(
                    problem.path or document.template, problem.line, f"{problem.message}; it is regenerated"
                )
            )
            previous = None
        project = self.config.settings.project or document.name
        return build_template(extraction.units, document.source, project, previous, self.date)

    def document(self, document: SourceDocument) -> None:
        try:
            source, data = _read_document(self.config.root, document.source)
            extraction = extract_units(source, self.config.settings.front_matter_keys)
        except I18nSyncError as problem:
            self.errors.append(problem)
            return
        self.diagnostics.extend(extraction.diagnostics)
        template = self.template_for(document, extraction)
        if "extract" in self.steps:
            self.add("", document.template, format_po(template), "template")
        if "render" in self.steps and document.source_output:
            self.add("", document.source_output, data, "output")
        if "update" in self.steps or "render" in self.steps:
            for target in document.targets:
                self.target(document, target, source, extraction, template)

    def target(
        self,
        document: SourceDocument,
        target: Target,
        source: Document,
        extraction: Extraction,
        template: Catalog,
    ) -> None:
        language = target.language
        report = self.reports[language.tag]
        try:
            old = _read_catalog(self.config.root, target.catalog)
        except CatalogError as problem:
            self.errors.append(problem)
            self.reports[language.tag] = _replace_report(report, failed=True)
            return
        if old is None:
            old = new_catalog(template, language, document.source)
        merged, merge = merge_catalog(with_language(old, language), template)
        if "update" in self.steps:
            self.add(language.tag, target.catalog, format_po(merged), "catalog")
        rendered = render_document(source, extraction.units, translations_of(merged), extraction.context)
        self.diagnostics.extend(
            Diagnostic(target.catalog, d.line, d.message, d.level) for d in rendered.diagnostics
        )
        if "render" in self.steps:
            self.add(language.tag, target.output, rendered.text, "output")
        self.reports[language.tag] = LanguageReport(
            language,
            report.counts + count_messages(merged),
            _add_merge(report.merge, merge),
            report.rendered + rendered.translated,
            report.failed,
        )

    def result(self) -> RunReport:
        failed = {tag for tag, report in self.reports.items() if report.failed}
        changes = [c for group, items in self.changes.items() if group not in failed for c in items]
        return RunReport(
            tuple(changes), tuple(self.reports.values()), tuple(self.diagnostics), tuple(self.errors)
        )


def _replace_report(report: LanguageReport, failed: bool) -> LanguageReport:
    return LanguageReport(report.language, report.counts, report.merge, report.rendered, failed)


def _add_merge(a: MergeReport, b: MergeReport) -> MergeReport:
    return MergeReport(a.kept + b.kept, a.added + b.added, a.obsolete + b.obsolete, a.revived + b.revived)


def run(config: Config, steps: Collection[str] = STEPS, environ: Mapping[str, str] = os.environ) -> RunReport:
    """Run the given steps over every document of the project."""
    documents = plan_documents(config, find_sources(config))
    state = _Run(config, steps, creation_date(environ))
    state.reports = {language.tag: LanguageReport(language) for language in config.languages}
    for document in documents:
        state.document(document)
    return state.result()


def iter_outputs(documents: Collection[SourceDocument]) -> Iterator[str]:
    """Every file a run may write, for checks that need the whole list."""
    for document in documents:
        yield document.template
        if document.source_output:
            yield document.source_output
        for target in document.targets:
            yield target.catalog
            yield target.output
