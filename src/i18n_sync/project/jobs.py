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

import posixpath
from collections.abc import Collection, Mapping, Sequence
from dataclasses import field, replace
from functools import lru_cache
from pathlib import PurePosixPath

from i18n_sync.checks.translation import Policy, ignores_of
from i18n_sync.errors import CatalogError, Diagnostic, I18nSyncError, MarkdownError, WriteError
from i18n_sync.gettext.catalog import build_shared_template, new_catalog, with_language, without_retired_flags
from i18n_sync.gettext.layout import update_po, write_po
from i18n_sync.gettext.memory import Memory
from i18n_sync.gettext.merge import MergeReport, merge_catalog
from i18n_sync.gettext.po import Layout, decode_po, parse_po_layout, translations_of
from i18n_sync.gettext.stats import Counts, count_messages
from i18n_sync.locales import Language, native_name_of
from i18n_sync.markdown.document import Document, load_document
from i18n_sync.markdown.extract import Extraction, extract_units
from i18n_sync.markdown.links import LookedUp, Page, Site, links_from
from i18n_sync.markdown.parser import MAX_INLINE_LENGTH
from i18n_sync.model import Catalog, FileChange
from i18n_sync.project.config import Config, Settings
from i18n_sync.project.files import decode_utf8, read_bytes
from i18n_sync.project.ownership import is_owned
from i18n_sync.project.plan import SourceDocument, Target
from i18n_sync.project.snapshot import ChangedError, holds
from i18n_sync.project.staging import Staged, Staging
from i18n_sync.record import record
from i18n_sync.render.decorate import Decorations, shows_switcher, switcher_line
from i18n_sync.render.publish import Prepared, publish
from i18n_sync.render.splice import Accepted, accept_translations


@record
class RunContext:
    """What every job of one run shares: the configuration, the steps asked for, the date."""

    config: Config
    steps: frozenset[str]
    date: str
    policy: Policy
    # Each language's translation memory (its other catalogues, its compendia), by tag.
    memories: Mapping[str, Memory] = field(default_factory=dict)
    # Catalogues and templates read from these bytes instead of their files (None: as if
    # there were no file), by path: those of another layout, before they exist (`relayout`).
    seeds: Mapping[str, bytes | None] = field(default_factory=dict)
    # The files as the run memo read them before any job (`cache.RunMemo.snapshot`): the
    # jobs read them from here, so that a result is made from the very bytes its key
    # names, even if an editor saves a file meanwhile.
    files: Mapping[str, bytes | None] = field(default_factory=dict)
    # Languages' names for themselves, (tag, name), as an earlier run looked them up with
    # the same CLDR data (`jobcache.recalled_native_names`): a switcher's labels.
    native_names: tuple[tuple[str, str], ...] = ()

    @property
    def limit(self) -> int:
        """The size cap of every file the run reads."""
        return self.config.settings.max_file_size

    def read(self, path: str, error: type[I18nSyncError]) -> bytes | None:
        """A file the run reads: as the run's snapshot holds it, or from the disk (None: no file)."""
        if path in self.files:
            return self.files[path]
        return read_bytes(self.config.root, path, self.limit, error)


@record
class SourceResult:
    """One source document read and extracted (or the error that stopped it)."""

    plan: SourceDocument
    doc: Document | None = None
    extraction: Extraction | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    error: I18nSyncError | None = None


@record
class TemplateResult:
    """One template file: built from the documents it serves, kept as it was when they did not change."""

    path: str
    catalog: Catalog
    change: FileChange | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


@record
class Member:
    """One document of a catalogue: where its translations come from and go."""

    source: SourceResult
    target: Target


@record
class CatalogueJob:
    """One catalogue file of one language and the documents it holds (one, or all of them)."""

    path: str
    template: Catalog
    members: tuple[Member, ...]
    # Whether the template was built from the job's one document alone (a template and a
    # catalogue per document, `merging._own_catalogue_jobs`): the job cache's key then
    # spells it by what it was made from, not entry by entry (`jobcache.catalogue_stage`).
    own_template: bool = False


@record
class TargetResult:
    """One document in one language: the translations that may be rendered, and its own counts.

    Not the document itself, nor its target (the paths and the language): the run
    has them already (`prepared_for` puts them together), and sending them back
    from every language's job would cost more than the merge.
    """

    accepted: Accepted
    counts: Counts
    diagnostics: tuple[Diagnostic, ...] = ()


@record
class CatalogueResult:
    """A catalogue merged with its template, and each of its documents prepared to render.

    `change` is None when the step list has no ``update``; `error` is set, and
    `members` empty, when the catalogue could not be read.
    """

    path: str
    change: FileChange | None = None
    members: tuple[TargetResult, ...] = ()
    counts: Counts = field(default_factory=Counts)
    merge: MergeReport = field(default_factory=MergeReport)
    diagnostics: tuple[Diagnostic, ...] = ()
    error: I18nSyncError | None = None


@record
class PublishJob:
    """One output to render: the document prepared for it, its language's site, its decorations.

    `switcher` lists the language switcher's entries, (language, file), English
    (None) first, whose labels and links the job makes; `origin` names the job that prepared
    the document (`project.jobcache`; empty for English, None when the cache did not keep that
    job's result, and so keeps no rendering made from it); `recorded` is the
    output's line in the ownership manifest (`project.ownership`).
    """

    group: str
    prepared: Prepared
    site: Site
    decorations: Decorations
    english_anchors: bool
    switcher: tuple[tuple[Language | None, str], ...] = ()
    origin: str | None = ""
    recorded: str | None = None


@record
class Published:
    """A rendered output, what the document guard refused in it, and whether the file there is the tool's.

    `owned` is False when the output exists and the tool did not write it (see
    `project.ownership`); `error` is set when the existing file cannot be read.
    """

    change: FileChange
    diagnostics: tuple[Diagnostic, ...]
    owned: bool = True
    error: I18nSyncError | None = None
    # What the worker that rendered it did to write it ahead (`Staging.stage_here`); None: nothing.
    staged: Staged | None = None
    # What the rendering read of its language's site (`Rendered`).
    looked: tuple[tuple[str, Page | None], ...] = ()


def read_document(config: Config, path: str, limit: int | None = None, data: bytes | None = None) -> Document:
    """Read and decode a source document; `MarkdownError` when it is missing or not UTF-8.

    `data` is its bytes, when the caller has read them already.
    """
    if data is None:
        data = read_bytes(config.root, path, limit, MarkdownError)
    if data is None:
        raise MarkdownError("no such file", path)
    return load_document(decode_utf8(data, path, MarkdownError), path)


def parse_catalog(data: bytes | None, path: str, warnings: list[Diagnostic]) -> Catalog | None:
    """Parse a catalogue's bytes (None: no file); its warnings go to `warnings`."""
    found = parse_catalog_layout(data, path, warnings)
    return None if found is None else found[0]


def parse_catalog_layout(
    data: bytes | None, path: str, warnings: list[Diagnostic]
) -> tuple[Catalog, Layout] | None:
    """The catalogue in `data` with its layout, to be written over (None: there is no file)."""
    if data is None:
        return None
    if not data.strip():  # msgfmt accepts an empty file; nothing in it can be lost
        warnings.append(Diagnostic(path, 1, "empty file; it is written anew"))
        return None
    catalog, layout, found = parse_po_layout(decode_po(data, path), path)
    warnings.extend(found)  # a byte order mark or CRLF endings, normalised on write
    _check_lengths(catalog, path)
    return catalog, layout


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


def format_catalog(
    config: Config, catalog: Catalog, path: str, previous: tuple[Catalog, Layout] | None = None
) -> str:
    """The catalogue as a run writes it: over the `previous` file read from `path`, unchanged
    entries keep their bytes, the others follow the configured wrap width, or the file's."""
    return update_po(catalog, previous, config.settings.wrap_width, path)


def extract_source(context: RunContext, plan: SourceDocument) -> SourceResult:
    """Read one source document and extract its units."""
    try:
        data = context.read(plan.source, MarkdownError)
        doc = read_document(context.config, plan.source, context.limit, data)
        extraction = extract_units(doc, context.config.settings.front_matter_keys)
    except ChangedError:
        raise  # not the source's problem: the run stops (a template without it would be written)
    except I18nSyncError as problem:
        return SourceResult(plan, error=problem)
    return SourceResult(plan, doc, extraction, extraction.diagnostics)


def reads_templates(steps: Collection[str]) -> bool:
    """Whether a run of `steps` reads the template files: one that writes them, or catalogues
    (whose new headers come from them). A run that only renders uses their entries alone,
    which come from the sources."""
    return not {"extract", "update"}.isdisjoint(steps)


def build_template_file(context: RunContext, path: str, sources: Sequence[SourceResult]) -> TemplateResult:
    """The template at `path` for the documents it serves, in document order.

    The file is read to keep its header when its entries are the same, and
    only by a run that needs the header (`reads_templates`).
    """
    diagnostics: list[Diagnostic] = []
    data = None
    read = None
    writes = reads_templates(context.steps)
    if writes:
        try:
            data = context.read(path, CatalogError)
            read = parse_catalog_layout(context.seeds.get(path, data), path, diagnostics)
        except CatalogError as problem:
            where = problem.path or path
            diagnostics.append(Diagnostic(where, problem.line, f"{problem.message}; it is regenerated"))
    members = [(s.extraction.units, s.plan.source) for s in sources if s.extraction is not None]
    name = sources[0].plan.name if len(sources) == 1 else PurePosixPath(path).stem
    project = context.config.settings.project or name
    # Unseen, the header needs no date; a fixed one keeps the job cache's keys from run to run.
    date = context.date if writes else ""
    template = build_shared_template(members, project, read[0] if read else None, date)
    change = None
    if "extract" in context.steps:
        change = _change(path, format_catalog(context.config, template, path, read), "template", data)
    return TemplateResult(path, template, change, tuple(diagnostics))


def _change(path: str, text: str, kind: str, read_as: bytes | None, guarded: bool = False) -> FileChange:
    """The file at `path` with `text`; `read_as` is what the job read there (None: no file)."""
    content = text.encode("utf-8")
    current = content == read_as
    if current and guarded and read_as is not None:
        # One object for the two: a pickle holds it once. A catalogue that stays as it was is
        # most of what the job cache keeps after a run, and was kept twice.
        content = read_as
    return FileChange(path, content, kind, read_as if guarded else None, guarded, current)


def process_catalogue(context: RunContext, job: CatalogueJob) -> CatalogueResult:
    """Merge one catalogue with its template, then check and prepare each of its documents."""
    config = context.config
    language = job.members[0].target.language
    diagnostics: list[Diagnostic] = []
    try:
        # Kept to check, before replacing the file, that nobody changed it meanwhile.
        read_as = context.read(job.path, CatalogError)
        read = parse_catalog_layout(context.seeds.get(job.path, read_as), job.path, diagnostics)
    except CatalogError as problem:
        return CatalogueResult(job.path, error=problem)
    old = read[0] if read else None
    if old is None or not old.header:  # no file, or one without a header entry
        sources = [member.source.plan.source for member in job.members]
        reference = sources[0] if len(sources) == 1 else config.settings.source_root or "the sources"
        fresh = new_catalog(job.template, language, reference)
        old = (
            fresh if old is None else replace(old, header=fresh.header, header_comments=fresh.header_comments)
        )
    merged, merge = merge_catalog(
        with_language(without_retired_flags(old), language),
        job.template,
        keep_obsolete=config.settings.keep_obsolete,
        memory=context.memories.get(language.tag),
        origin=job.path,
    )
    # Where each entry is in the catalogue as it will be, for the messages about it.
    lines = {message.key: message.line for message in old.active}
    change = None
    if "update" in context.steps:
        written = write_po(merged, read, config.settings.wrap_width, job.path)
        change = _change(job.path, written.text, "catalog", read_as, guarded=True)
        lines = dict(written.lines)
    entry_lines = {msgid: line for (msgctxt, msgid), line in lines.items() if msgctxt is None and line}
    translations = translations_of(merged)
    ignores = ignores_of(merged.active)
    counts = count_messages(merged)
    members = tuple(
        _prepare(context, member, _counts_of(merged, counts, member, job), translations, ignores, entry_lines)
        for member in job.members
    )
    return CatalogueResult(job.path, change, members, counts, merge, tuple(diagnostics))


def used_by(catalog: Catalog, extraction: Extraction) -> Catalog:
    """The active entries of a shared catalogue that one document's units use: its own figures."""
    msgids = {unit.msgid for unit in extraction.units}
    return replace(catalog, messages=tuple(m for m in catalog.active if m.msgid in msgids))


def _counts_of(catalog: Catalog, counts: Counts, member: Member, job: CatalogueJob) -> Counts:
    """One document's figures: the whole catalogue's `counts`, or its part of a shared one's."""
    if len(job.members) == 1:
        return counts
    assert member.source.extraction is not None
    return count_messages(used_by(catalog, member.source.extraction))


def _prepare(
    context: RunContext,
    member: Member,
    counts: Counts,
    translations: Mapping[str, str],
    ignores: Mapping[str, frozenset[str]],
    entry_lines: Mapping[str, int],
) -> TargetResult:
    source, target = member.source, member.target
    assert source.doc is not None and source.extraction is not None
    extraction = source.extraction
    accepted = accept_translations(
        target.catalog,
        extraction.units,
        translations,
        extraction.context,
        context.config.settings.allowed_hosts(target.language.tag),
        context.policy,
        ignores,
        entry_lines,
    )
    return TargetResult(accepted, counts, accepted.diagnostics)


def prepared_for(member: Member, accepted: Accepted) -> Prepared:
    """One document of a catalogue, ready to render with the translations `accepted` for it."""
    source = member.source
    assert source.doc is not None and source.extraction is not None
    home = source.plan.source_output or source.plan.source
    return Prepared(source.plan.source, home, member.target.output, source.doc, source.extraction, accepted)


@record
class Rendered:
    """An output's text, what the document guard refused in it beyond the checks before it, and
    what it read of its language's site: each page asked for, by home, and what was found
    (None: no such page). The job cache keeps a rendering under a key without the site, and
    takes it back only for a site that answers those questions alike (`links.reads_alike`):
    a heading translated in one document renders again the outputs whose links reach it,
    not every output of its language."""

    content: bytes
    diagnostics: tuple[Diagnostic, ...]
    looked: tuple[tuple[str, Page | None], ...] = ()


def render_output(context: RunContext, job: PublishJob) -> Rendered:
    """Render one output, with its language switcher."""
    item = job.prepared
    decorations = job.decorations
    if job.switcher and shows_switcher(item.doc, decorations):
        entries = switcher_entries(context.config.settings, job.switcher, item.output, context.native_names)
        line = switcher_line(entries)
        decorations = replace(decorations, switcher=line)
    pages = LookedUp(job.site.pages)
    rendered = publish(item, Site(pages), decorations, job.english_anchors)
    diagnostics = tuple(
        Diagnostic(d.path, d.line, f"{d.message} (in {item.output})", d.level)
        for d in rendered.diagnostics
        if d not in item.accepted.diagnostics
    )
    return Rendered(rendered.text.encode("utf-8"), diagnostics, tuple(pages.looked.items()))


def judge_output(context: RunContext, job: PublishJob, rendered: Rendered) -> Published:
    """The rendered output, told whether the file now there is the tool's and already holds it."""
    item = job.prepared
    if holds(context.files, item.output, rendered.content):
        # The file there is this very rendering (its digest says so, where it is not read):
        # the tool's, and current.
        change = FileChange(item.output, rendered.content, "output", current=True)
        return Published(change, rendered.diagnostics, looked=rendered.looked)
    try:
        existing = context.read(item.output, WriteError)
    except ChangedError:
        raise  # the run stops, and writes nothing
    except I18nSyncError as problem:
        change = FileChange(item.output, rendered.content, "output")
        return Published(change, rendered.diagnostics, error=problem, looked=rendered.looked)
    # The source's bytes only where a file stands: a first run renders thousands of outputs.
    owned = True
    if existing is not None:
        owned = is_owned(existing, rendered.content, job.recorded, item.doc.text.encode("utf-8"))
    change = FileChange(item.output, rendered.content, "output", current=existing == rendered.content)
    return Published(change, rendered.diagnostics, owned, looked=rendered.looked)


def unlooked(published: Published) -> Published:
    """`published` without what its rendering asked of its site, which only the job cache keeps
    (`jobcache.publish_stage`): a worker would send a page back with each output for nothing."""
    return replace(published, looked=()) if published.looked else published


def publish_output(context: RunContext, job: PublishJob) -> Published:
    """Render one output and judge the file it replaces (see `judge_output`)."""
    return judge_output(context, job, render_output(context, job))


def publish_and_stage(context: RunContext, staging: Staging, force: bool, job: PublishJob) -> Published:
    """`publish_output`, and the output written ahead to a temporary file if it is to be
    written (the file there is the tool's, or `force`), by the worker that rendered it
    (`Staging.open_to_workers`)."""
    published = publish_output(context, job)
    if published.error is not None or not (published.owned or force):
        return published
    return replace(published, staged=staging.stage_here(published.change))


def switcher_entries(
    settings: Settings,
    targets: Sequence[tuple[Language | None, str]],
    output: str,
    known: tuple[tuple[str, str], ...] = (),
) -> list[tuple[str, str | None]]:
    """The switcher of one output: each language's label, and the link to its file (None for
    the output's own language).

    Each language is named as the configuration says, or as its speakers do (`known`:
    the names an earlier run looked up, by tag; else CLDR's); English (None) is
    "English" unless the configuration names it.
    """
    paths = tuple(path for _, path in targets)
    links = links_from(posixpath.dirname(output), paths)
    tags = tuple(None if language is None else language.tag for language, _ in targets)
    labels = _labels(settings.language_names, tags, known)
    return [
        (label, None if path == output else link)
        for label, path, link in zip(labels, paths, links, strict=True)
    ]


# Every output of a document, and every document with the same languages, has the same labels:
# a tree of 652 documents in 21 languages asks for 287,532 of them.
@lru_cache(maxsize=1 << 8)
def _labels(
    names: tuple[tuple[str, str], ...], tags: tuple[str | None, ...], known: tuple[tuple[str, str], ...]
) -> tuple[str, ...]:
    """The switcher's label of each language (None: English), as `switcher_entries` says."""
    given = dict(names)  # the last label given for a tag, as `Settings.language_name` finds it
    found = dict(known)
    return tuple(
        given.get("en" if tag is None else tag)
        or ("English" if tag is None else found.get(tag) or native_name_of(tag))
        for tag in tags
    )
