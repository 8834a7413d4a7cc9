"""The review page's data and actions: what to work on, checking, saving and previewing one entry.

`review_report` gathers, per language and document, the status figures, the
stale (fuzzy) and untranslated units with the entries' current text, and the
check findings: `reports.page` lays it out. `ReviewSession` is what the local
review server calls: it checks a translation as the translator types (the
project's own checks, and the document guard a render runs), renders a preview
of the document with it, and saves one entry.

Paths only ever come from the project's plan: a request names a catalogue, and
a catalogue the plan does not have is refused before anything is read. A save
writes through `writing.apply_changes` under `files.hold_lock`, the catalogue
laid out by `jobs.format_catalog`, as ``sync`` writes it; it is refused when the
file changed since the page read it (its SHA-256 `digest`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import replace

from i18n_sync.checks.github import render_html
from i18n_sync.checks.translation import Finding, Policy, errors_of, ignored_checks, ignores_of, run_checks
from i18n_sync.errors import CatalogError, I18nSyncError, MarkdownError
from i18n_sync.gettext.po import decode_po, parse_po, translations_of
from i18n_sync.gettext.stats import Counts
from i18n_sync.markdown.document import Document, load_document
from i18n_sync.markdown.extract import Extraction, extract_units
from i18n_sync.model import Catalog, FileChange, Message
from i18n_sync.project.config import Config
from i18n_sync.project.files import decode_utf8, hold_lock, read_bytes
from i18n_sync.project.inspect import CheckReport, check_project, project_status
from i18n_sync.project.jobs import format_catalog, parse_catalog_layout
from i18n_sync.project.plan import SourceDocument, Target, find_sources, plan_documents
from i18n_sync.project.sync import check_policy
from i18n_sync.project.writing import apply_changes
from i18n_sync.record import record
from i18n_sync.render.splice import Rendered, accept_translations, is_allowed_link, render_accepted
from i18n_sync.reports.sanitize import sanitize_html
from i18n_sync.reports.status import DiffPart, DocumentStatus, StatusReport, word_diff

ORDER = ("fuzzy", "untranslated", "translated")
"""How a document's units are listed: stale first, then untranslated, then those with findings."""


class ReviewError(I18nSyncError):
    """A request the review page cannot honour; `conflict` when the file changed meanwhile."""

    def __init__(self, message: str, path: str | None = None, conflict: bool = False) -> None:
        super().__init__(message, path)
        self.conflict = conflict


@record
class ReviewUnit:
    """One entry to look at: its state, its English (and the English it was made from), its text."""

    state: str
    msgid: str
    msgstr: str
    line: int
    previous_msgid: str | None = None
    references: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def diff(self) -> tuple[DiffPart, ...]:
        """The word diff from the English the translation was made from to the current one."""
        return word_diff(self.previous_msgid, self.msgid) if self.previous_msgid is not None else ()


@record
class ReviewDocument:
    """One document in one language: figures, the units to work on, the catalogue's digest."""

    language: str
    language_name: str
    source: str
    catalog: str
    counts: Counts
    units: tuple[ReviewUnit, ...]
    pending: bool = False
    digest: str = ""

    @property
    def anchor(self) -> str:
        """An id for the document's section of the page."""
        return "doc-" + hashlib.sha256(self.catalog.encode("utf-8")).hexdigest()[:12]


@record
class Review:
    """The whole page: every document of every language, and the status it came from."""

    status: StatusReport
    documents: tuple[ReviewDocument, ...]
    errors: tuple[str, ...] = ()


def digest_of(data: bytes | None) -> str:
    """The SHA-256 of a file's bytes (empty for no file): how a save knows nothing changed."""
    return "" if data is None else hashlib.sha256(data).hexdigest()


def _disk_catalog(config: Config, path: str) -> tuple[bytes | None, Catalog | None]:
    data = read_bytes(config.root, path, config.settings.max_file_size, CatalogError)
    return data, None if data is None else parse_po(decode_po(data, path), path)


def _by_msgid(catalog: Catalog | None) -> dict[str, Message]:
    if catalog is None:
        return {}
    return {message.msgid: message for message in catalog.active if message.msgctxt is None}


def _document(
    config: Config, tag: str, name: str, status: DocumentStatus, findings: Mapping[str, list[Finding]]
) -> ReviewDocument:
    data, catalog = _disk_catalog(config, status.catalog)
    messages = _by_msgid(catalog)
    units: list[ReviewUnit] = []
    for stale in status.stale:
        message = messages.get(stale.msgid)
        units.append(
            ReviewUnit(
                stale.state,
                stale.msgid,
                message.msgstr if message is not None else "",
                stale.line,
                stale.previous_msgid,
                stale.references,
                tuple(findings.get(stale.msgid, ())),
            )
        )
    listed = {unit.msgid for unit in units}
    for msgid, found in findings.items():
        message = messages.get(msgid)
        # A catalogue several documents share: each document lists its own entries.
        if message is not None and message.references and status.source not in message.references:
            continue
        if msgid not in listed and message is not None:
            translated = ReviewUnit(
                "translated", msgid, message.msgstr, message.line, None, message.references
            )
            units.append(replace(translated, findings=tuple(found)))
    units.sort(key=lambda unit: (ORDER.index(unit.state), unit.line))
    return ReviewDocument(
        tag, name, status.source, status.catalog, status.counts, tuple(units), status.pending, digest_of(data)
    )


def _findings_by_catalog(checks: CheckReport) -> dict[str, dict[str, list[Finding]]]:
    found: dict[str, dict[str, list[Finding]]] = {}
    for item in checks.findings:
        found.setdefault(item.path, {}).setdefault(item.msgid, []).append(item.finding)
    return found


def review_report(config: Config, languages: Collection[str] = (), fail_under: float | None = None) -> Review:
    """What the review page and ``status --format html`` show, for `languages` (all when empty)."""
    status = project_status(config, languages, fail_under, history=False)  # the page shows no since-when
    checks = check_project(config, languages)
    findings = _findings_by_catalog(checks)
    documents: list[ReviewDocument] = []
    errors = [*status.errors, *(str(error) for error in checks.errors)]
    for language in status.languages:
        for document in language.documents:
            try:
                documents.append(
                    _document(
                        config, language.tag, language.name, document, findings.get(document.catalog, {})
                    )
                )
            except I18nSyncError as problem:
                errors.append(str(problem))
    return Review(status, tuple(documents), tuple(dict.fromkeys(errors)))


# --- one session of the review page ------------------------------------------------------------


@record
class Saved:
    """A saved entry: the catalogue's new digest and the entry's state now."""

    catalog: str
    digest: str
    state: str
    written: bool


@record
class Preview:
    """The English and the translated document as sanitized HTML; `used`: the edit is in it."""

    english: str
    translated: str
    used: bool


@record
class Entry:
    """Which entry a request is about: a source document, its catalogue in one language, a msgid.

    The pair must be one of the project's plan (several documents can share a catalogue).
    """

    source: str
    catalog: str
    msgid: str


@record
class _Source:
    plan: SourceDocument
    target: Target
    doc: Document
    extraction: Extraction


def _state_of(message: Message) -> str:
    if not message.msgstr:
        return "untranslated"
    return "fuzzy" if message.is_fuzzy else "translated"


class ReviewSession:
    """What the review server may do in one project: only with the documents and catalogues of its plan.

    `marker` is a word no translator can know (the server draws it at random): the
    preview puts it at the start of the edited unit, to scroll there.
    """

    def __init__(self, config: Config, marker: str) -> None:
        self.config = config
        self.marker = marker
        self.policy: Policy = check_policy(config)
        documents = plan_documents(config, find_sources(config))
        self.targets = {(d.source, t.catalog): (d, t) for d in documents for t in d.targets}

    def review(self) -> Review:
        """The page's data, read afresh."""
        return review_report(self.config)

    def _source(self, entry: Entry) -> _Source:
        if (entry.source, entry.catalog) not in self.targets:
            raise ReviewError(f"is not a catalogue of {entry.source} in this project", entry.catalog)
        plan, target = self.targets[(entry.source, entry.catalog)]
        data = read_bytes(self.config.root, plan.source, self.config.settings.max_file_size, MarkdownError)
        if data is None:
            raise ReviewError("no such file; reload the page", plan.source)
        doc = load_document(decode_utf8(data, plan.source, MarkdownError), plan.source)
        return _Source(plan, target, doc, extract_units(doc, self.config.settings.front_matter_keys))

    def _entry(
        self, entry: Entry, source: _Source, saving: bool = False
    ) -> tuple[bytes | None, Catalog, Message]:
        """The catalogue as on disk and the entry of the msgid in it.

        Checking and previewing work before ``update`` has written the entry (a stand-in
        without comments is checked); saving needs it, to change nothing else.
        """
        data, current = _disk_catalog(self.config, entry.catalog)
        message = _by_msgid(current).get(entry.msgid)
        known = any(unit.msgid == entry.msgid for unit in source.extraction.units)
        if message is None and (saving or not known):
            raise ReviewError(
                "has no entry for this English yet; run 'i18n-sync update', then reload the page",
                entry.catalog,
            )
        return data, current or Catalog((), ()), message or Message(entry.msgid)

    def _allowed(self, source: _Source) -> tuple[str, ...]:
        return self.config.settings.allowed_hosts(source.target.language.tag)

    def _render(self, source: _Source, current: Catalog, translations: Mapping[str, str]) -> Rendered:
        """The document with these translations, as a render splices and guards it (English URLs)."""
        units, context = source.extraction.units, source.extraction.context
        accepted = accept_translations(
            source.target.catalog,
            units,
            translations,
            context,
            self._allowed(source),
            self.policy,
            ignores_of(current.active),
        )
        return render_accepted(source.doc, units, accepted, context, outline=source.extraction.outline)

    def _findings(
        self, source: _Source, current: Catalog, message: Message, msgstr: str
    ) -> tuple[Finding, ...]:
        if not msgstr:
            return ()
        extraction = source.extraction
        hosts = self._allowed(source)
        ignored = ignored_checks(message.comments)
        kinds = [(u.kind, u.urls) for u in extraction.units if u.msgid == message.msgid]
        found: dict[Finding, None] = {}
        for kind, urls in dict.fromkeys(kinds or [("paragraph", ())]):
            for finding in run_checks(
                message.msgid,
                msgstr,
                extraction.context,
                kind,
                urls,
                self.policy,
                ignored,
                lambda url: is_allowed_link(url, hosts),
            ):
                found[finding] = None
        return tuple(found) + self._guard_findings(source, current, message, msgstr, set(found))

    def _guard_findings(
        self, source: _Source, current: Catalog, message: Message, msgstr: str, known: Collection[Finding]
    ) -> tuple[Finding, ...]:
        """What the render's document guard says of the translation in its place."""
        if errors_of(known):
            return ()  # the render refuses it before the guard
        rendered = self._render(source, current, {**translations_of(current), message.msgid: msgstr})
        return tuple(
            finding
            for rejection in rendered.rejected
            if rejection.unit.msgid == message.msgid
            for finding in rejection.findings
            if finding not in known
        )

    def check(self, entry: Entry, msgstr: str) -> tuple[Finding, ...]:
        """Every finding of the project's checks on `msgstr` as the translation of the entry."""
        source = self._source(entry)
        _, current, message = self._entry(entry, source)
        return self._findings(source, current, message, msgstr)

    def preview(self, entry: Entry, msgstr: str) -> Preview:
        """The English and the translated document with `msgstr` in, rendered as GitHub does, sanitized."""
        source = self._source(entry)
        _, current, message = self._entry(entry, source)
        msgid = entry.msgid
        translations = {**translations_of(current), msgid: msgstr}
        if not msgstr:
            del translations[msgid]
        used = bool(msgstr) and not errors_of(self._findings(source, current, message, msgstr))
        marked = {**translations, msgid: f"{self.marker} {msgstr if used else msgid}"}
        translated = self._render(source, current, marked).text
        english = self._render(source, current, {msgid: f"{self.marker} {msgid}"}).text
        return Preview(self._html(english), self._html(translated), used)

    def _html(self, markdown: str) -> str:
        return sanitize_html(render_html(markdown), self.marker)

    def save(self, entry: Entry, msgstr: str, fuzzy: bool, digest: str) -> Saved:
        """Write one entry's msgstr (and fuzzy flag), as ``sync`` writes, unless the file changed.

        Refused (`ReviewError`) when the catalogue's bytes are not those the page
        read (`digest`), or when the translation fails an error-level check.
        """
        source = self._source(entry)
        root, catalog = self.config.root, entry.catalog
        with hold_lock(root, self.config.settings.lock_timeout):
            data, current, message = self._entry(entry, source, saving=True)
            if digest_of(data) != digest:
                raise ReviewError(
                    "changed on disk since the page read it (an editor or a sync?); nothing saved: "
                    "copy your text, reload the page and apply it again",
                    catalog,
                    conflict=True,
                )
            errors = errors_of(self._findings(source, current, message, msgstr))
            if errors:
                raise ReviewError(
                    "not saved: " + "; ".join(f"[{f.check}] {f.message}" for f in errors), catalog
                )
            updated = _edited(message, msgstr, fuzzy)
            messages = tuple(updated if m is message else m for m in current.messages)
            # Over the file as read: the other entries keep the bytes the translator's tool wrote.
            read = parse_catalog_layout(data, catalog, [])
            text = format_catalog(self.config, replace(current, messages=messages), catalog, read)
            change = FileChange(catalog, text.encode("utf-8"), "catalog", data, guarded=True)
            applied = apply_changes(root, [change])
        if applied.errors:
            raise ReviewError(str(applied.errors[0]), conflict=True)
        return Saved(catalog, digest_of(change.content), _state_of(updated), bool(applied.written))


def _edited(message: Message, msgstr: str, fuzzy: bool) -> Message:
    """The entry with its new msgstr; clearing fuzzy drops the ``#|`` English it was made from."""
    edited = replace(message, msgstr=msgstr).with_flag("fuzzy", fuzzy and bool(msgstr))
    if edited.is_fuzzy:
        return edited
    return replace(edited, previous_msgid=None, previous_msgctxt=None)
