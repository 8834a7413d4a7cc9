"""The run's jobs: one per source document, then one per output, each a function returning a record.

A document job reads one source, its template and its catalogues, and
returns everything the run needs from them: the template and the merged
catalogues as `FileChange`s, the translations the checks accepted, the
counts. It shares nothing with other jobs, so jobs can run in any order, in
other processes (`project.pool`), or be taken from the cache
(`project.cache`). Publishing needs every document of a language at once
(links between outputs follow translated headings), so it is a second kind
of job, one per output, given the language's `Site`; `project.sync` combines
the records of both in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from i18n_sync.checks.translation import Policy, ignores_of
from i18n_sync.errors import CatalogError, Diagnostic, I18nSyncError, MarkdownError
from i18n_sync.gettext.catalog import build_template, new_catalog, with_language
from i18n_sync.gettext.merge import MergeReport, merge_catalog
from i18n_sync.gettext.po import decode_po, format_po, parse_po_with_warnings, translations_of
from i18n_sync.gettext.stats import Counts, count_messages
from i18n_sync.markdown.document import Document, load_document
from i18n_sync.markdown.extract import Extraction, extract_units
from i18n_sync.markdown.links import Site
from i18n_sync.markdown.parser import MAX_INLINE_LENGTH
from i18n_sync.model import Catalog, FileChange, Unit
from i18n_sync.project.config import Config
from i18n_sync.project.files import decode_utf8, read_bytes
from i18n_sync.project.plan import SourceDocument, Target
from i18n_sync.render.decorate import Decorations
from i18n_sync.render.publish import Prepared, publish
from i18n_sync.render.splice import Accepted, accept_translations


@dataclass(frozen=True, slots=True)
class RunContext:
    """What every job of one run shares: the configuration, the steps asked for, the date."""

    config: Config
    steps: frozenset[str]
    date: str
    policy: Policy

    @property
    def limit(self) -> int:
        """The size cap of every file the run reads."""
        return self.config.settings.max_file_size


@dataclass(frozen=True, slots=True)
class TargetResult:
    """One document in one language: the merged catalogue and what may be rendered from it.

    `catalog` is None when the step list has no ``update``; `prepared` is None
    when the catalogue could not be read (`error` says why).
    """

    target: Target
    catalog: FileChange | None = None
    prepared: Prepared | None = None
    counts: Counts = field(default_factory=Counts)
    merge: MergeReport = field(default_factory=MergeReport)
    diagnostics: tuple[Diagnostic, ...] = ()
    error: I18nSyncError | None = None


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """One source document, extracted, with its template and every language's result."""

    plan: SourceDocument
    template: FileChange | None = None
    english: Prepared | None = None
    targets: tuple[TargetResult, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    error: I18nSyncError | None = None


@dataclass(frozen=True, slots=True)
class PublishJob:
    """One output to render: the document prepared for it, its language's site, its decorations."""

    group: str
    prepared: Prepared
    site: Site
    decorations: Decorations
    english_anchors: bool


@dataclass(frozen=True, slots=True)
class Published:
    """A rendered output, and what the document guard refused in it."""

    change: FileChange
    diagnostics: tuple[Diagnostic, ...]


def read_document(config: Config, path: str, limit: int | None = None) -> Document:
    """Read and decode a source document; `MarkdownError` when it is missing or not UTF-8."""
    data = read_bytes(config.root, path, limit, MarkdownError)
    if data is None:
        raise MarkdownError("no such file", path)
    return load_document(decode_utf8(data, path, MarkdownError), path)


def parse_catalog(data: bytes | None, path: str, warnings: list[Diagnostic]) -> Catalog | None:
    """Parse a catalogue's bytes (None: no file); its warnings go to `warnings`."""
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


def format_catalog(context: RunContext, catalog: Catalog, path: str) -> str:
    """The catalogue as msgcat writes it with the configured wrap width."""
    return format_po(catalog, context.config.settings.wrap_width, path)


def process_document(context: RunContext, plan: SourceDocument) -> DocumentResult:
    """Extract one source and merge, check and prepare it in every language."""
    config = context.config
    try:
        doc = read_document(config, plan.source, context.limit)
        extraction = extract_units(doc, config.settings.front_matter_keys)
    except I18nSyncError as problem:
        return DocumentResult(plan, error=problem)
    diagnostics = list(extraction.diagnostics)
    template = _template_for(context, plan, extraction.units, diagnostics)
    template_change = None
    if "extract" in context.steps:
        template_change = _change(plan.template, format_catalog(context, template, plan.template), "template")
    home = plan.source_output or plan.source
    english = None
    if plan.source_output:
        english = Prepared(plan.source, home, plan.source_output, doc, extraction, Accepted({}))
    targets: tuple[TargetResult, ...] = ()
    if context.steps & {"update", "render"}:
        targets = tuple(
            _process_target(context, plan, target, doc, extraction, template) for target in plan.targets
        )
    return DocumentResult(plan, template_change, english, targets, tuple(diagnostics))


def _change(
    path: str, text: str, kind: str, original: bytes | None = None, guarded: bool = False
) -> FileChange:
    return FileChange(path, text.encode("utf-8"), kind, original, guarded)


def _template_for(
    context: RunContext, plan: SourceDocument, units: Sequence[Unit], diagnostics: list[Diagnostic]
) -> Catalog:
    try:
        data = read_bytes(context.config.root, plan.template, context.limit, CatalogError)
        previous = parse_catalog(data, plan.template, diagnostics)
    except CatalogError as problem:
        where = problem.path or plan.template
        diagnostics.append(Diagnostic(where, problem.line, f"{problem.message}; it is regenerated"))
        previous = None
    project = context.config.settings.project or plan.name
    return build_template(units, plan.source, project, previous, context.date)


def _process_target(
    context: RunContext,
    plan: SourceDocument,
    target: Target,
    doc: Document,
    extraction: Extraction,
    template: Catalog,
) -> TargetResult:
    config = context.config
    language = target.language
    diagnostics: list[Diagnostic] = []
    try:
        # Kept to check, before replacing the file, that nobody changed it meanwhile.
        read_as = read_bytes(config.root, target.catalog, context.limit, CatalogError)
        old = parse_catalog(read_as, target.catalog, diagnostics)
    except CatalogError as problem:
        return TargetResult(target, error=problem)
    if old is None:
        old = new_catalog(template, language, plan.source)
    merged, merge = merge_catalog(
        with_language(old, language), template, keep_obsolete=config.settings.keep_obsolete
    )
    catalog_change = None
    if "update" in context.steps:
        text = format_catalog(context, merged, target.catalog)
        catalog_change = _change(target.catalog, text, "catalog", read_as, guarded=True)
    accepted = accept_translations(
        target.catalog,
        extraction.units,
        translations_of(merged),
        extraction.context,
        config.settings.allowed_hosts(language.tag),
        context.policy,
        ignores_of(merged.active),
    )
    diagnostics.extend(accepted.diagnostics)
    home = plan.source_output or plan.source
    prepared = Prepared(plan.source, home, target.output, doc, extraction, accepted)
    return TargetResult(target, catalog_change, prepared, count_messages(merged), merge, tuple(diagnostics))


def publish_output(job: PublishJob) -> Published:
    """Render one output; report what the document guard refused beyond the checks before it."""
    item = job.prepared
    rendered = publish(item, job.site, job.decorations, job.english_anchors)
    diagnostics = tuple(
        Diagnostic(d.path, d.line, f"{d.message} (in {item.output})", d.level)
        for d in rendered.diagnostics
        if d not in item.accepted.diagnostics
    )
    return Published(_change(item.output, rendered.text, "output"), diagnostics)
