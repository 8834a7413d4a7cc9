"""Moving a project's catalogues to another layout, every translation kept (``i18n-sync relayout``).

A layout is the pair of `template` and `catalog` patterns: a catalogue per
document (``locales/{locale}/{path}.po``) or one per language
(``locales/{locale}.po``, see `config.is_compact`). A relayout reads every
catalogue of the current layout strictly, hands each entry to the catalogue
the new layout gives its document (`seed_catalogues`), and runs the normal
pipeline with the new patterns as if the new files held those entries
(`sync.run` with seeds). So an entry whose English is current keeps its
msgstr, flags, translator comments, previous msgid and msgctxt exactly (the
merge's exact match), and an entry that is not current fares as a `sync`
would have it fare.

Where each entry goes:

- An entry of a one-document catalogue belongs to its document; an entry of a
  shared catalogue to the documents its ``#:`` references name.
- Entries of several documents that land in one catalogue with the same
  (msgctxt, msgid) become one, with the translator comments and flags of all.
  When their translations differ, the one most documents have is kept (ties:
  the first in document order; translated entries outvote fuzzy ones), the
  entry is marked fuzzy, every other translation is written into a translator
  comment, so that nothing is lost, and the conflict is reported.
- An obsolete entry that moves from a one-document catalogue into a shared one
  gets a ``#:`` reference naming its document, so that the way back puts it
  where it came from; in a one-document catalogue such references are dropped.
- An entry whose references name no document of the project (obsolete entries
  as msgmerge and `update` write them, entries of a deleted document) goes to
  the document whose entries are most like its English (`matcher`), or, when
  none is, to the first document of its old catalogue. Obsolete plural entries
  and comments after the last entry, which the tool keeps as they are, go to
  that first document too.

A new catalogue's header is that of the first old catalogue it takes entries
from; a header comment the tool wrote (``tr translation of X.``) is rewritten
to name the new catalogue's documents. An entry that moves unchanged keeps its
bytes, as an update keeps them (`layout.write_po`), and a template that serves
the same documents as before moves as it is; so a catalogue or template that
only changes its name (a new folder) keeps every byte.

Nothing is deleted but the old layout's templates and catalogues of the
project's documents and languages that parse as PO files and that the new
layout does not write again, and only after every new file is written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from i18n_sync.errors import CatalogError, ConfigError, Diagnostic, I18nSyncError, UsageError
from i18n_sync.gettext.layout import detect_width
from i18n_sync.gettext.matcher import Matcher
from i18n_sync.gettext.merge import source_of
from i18n_sync.gettext.po import Layout, parse_po
from i18n_sync.gettext.po_write import format_entry, header_entry
from i18n_sync.model import Catalog, FileChange, Message
from i18n_sync.project.combined import RunReport
from i18n_sync.project.config import Config, config_from_text, with_layout
from i18n_sync.project.files import decode_utf8, read_bytes
from i18n_sync.project.jobs import parse_catalog_layout
from i18n_sync.project.plan import SourceDocument, find_sources, plan_documents
from i18n_sync.project.sync import STEPS, run
from i18n_sync.record import record


@record
class Place:
    """One catalogue file of a layout: its path, language, documents (in document order), and
    the project name its template gives (the Project-Id-Version a new catalogue copies)."""

    path: str
    tag: str
    documents: tuple[str, ...]
    project: str


@record
class OldCatalogue:
    """A catalogue of the current layout, as read strictly."""

    place: Place
    catalog: Catalog
    layout: Layout


@record
class Conflict:
    """One English that several documents translate differently, in the new catalogue `catalog`.

    `kept` is the translation the entry keeps (marked fuzzy), that of the
    documents `keeping`; `others` are the other translations, each with its
    documents, now in the entry's translator comments. `documents` are all of
    them, in document order.
    """

    catalog: str
    msgctxt: str | None
    msgid: str
    kept: str
    keeping: tuple[str, ...]
    others: tuple[tuple[str, tuple[str, ...]], ...]
    documents: tuple[str, ...]


@record
class Seeds:
    """The new layout's catalogues before the run: PO text by path (None: start empty), and conflicts."""

    catalogues: Mapping[str, bytes | None]
    conflicts: tuple[Conflict, ...] = ()


@record
class _Piece:
    """An old entry on its way to one new catalogue, for some of its documents.

    `text` is the entry as its file had it ("" once the move changed it);
    `rank` orders pieces by document, then by place in the old file.
    """

    message: Message
    text: str
    documents: tuple[str, ...]
    rank: tuple[int, int]


@dataclass(slots=True)
class _Bound:
    """What goes into one new catalogue: the old catalogues it draws from, pieces, kept texts."""

    origins: list[OldCatalogue] = field(default_factory=list)
    pieces: list[_Piece] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    trailers: list[str] = field(default_factory=list)


# --- where each entry goes (pure) -------------------------------------------------------------


def places_of(documents: Sequence[SourceDocument], project: str = "") -> list[Place]:
    """Every catalogue file a layout names for these documents (planned with it), in document order.

    `project` is the configured project name, if any.
    """
    templates: dict[str, list[SourceDocument]] = {}
    for document in documents:
        templates.setdefault(document.template, []).append(document)
    found: dict[tuple[str, str], list[SourceDocument]] = {}
    for document in documents:
        for target in document.targets:
            found.setdefault((target.language.tag, target.catalog), []).append(document)
    return [
        Place(path, tag, tuple(d.source for d in members), project or _template_name(templates, members[0]))
        for (tag, path), members in found.items()
    ]


def _template_name(templates: Mapping[str, Sequence[SourceDocument]], document: SourceDocument) -> str:
    """The project name `jobs.build_template_file` gives a template of its own."""
    members = templates[document.template]
    return members[0].name if len(members) == 1 else PurePosixPath(document.template).stem


def seed_catalogues(
    old: Sequence[OldCatalogue], new: Sequence[Place], width: int = 0, folder: str = ""
) -> Seeds:
    """The catalogues of the `new` layout, filled from the `old` ones (see the module docstring).

    `width` is the configured wrap width (0: each new catalogue takes the width
    of the first old one it draws from) for the entries the move changes;
    `folder` is the `source_root`, which a shared catalogue's header comment names.
    """
    order = {d: i for i, d in enumerate(dict.fromkeys(d for place in new for d in place.documents))}
    home = {(place.tag, d): place for place in new for d in place.documents}
    bound: dict[str, _Bound] = {}
    for rank, catalogue in enumerate(
        sorted(old, key=lambda c: min(order.get(d, 0) for d in c.place.documents))
    ):
        destinations = [home[(catalogue.place.tag, d)] for d in catalogue.place.documents]
        for place in dict.fromkeys(destinations):
            bound.setdefault(place.path, _Bound()).origins.append(catalogue)
        for path, piece in _pieces(catalogue, rank, home, set(order)):
            bound[path].pieces.append(piece)
        first = bound[destinations[0].path]
        first.kept += _spans(catalogue.layout, catalogue.layout.kept)
        first.trailers += _spans(catalogue.layout, (catalogue.layout.trailer,))
    seeds: dict[str, bytes | None] = {place.path: None for place in new}
    conflicts: list[Conflict] = []
    for place in new:
        if place.path in bound:
            text, found = _seed(place, bound[place.path], width, folder or "the sources")
            seeds[place.path] = text.encode("utf-8")
            conflicts += found
    return Seeds(seeds, tuple(conflicts))


def _seed(place: Place, bound: _Bound, width: int, folder: str) -> tuple[str, list[Conflict]]:
    """The text one new catalogue starts from, and the conflicts in it."""
    messages: list[tuple[Message, str]] = []
    conflicts = []
    for group in _by_key(bound.pieces):
        message, text, conflict = _resolve(group, place.path)
        messages.append((message, text))
        conflicts += [conflict] if conflict else []
    first = bound.origins[0]
    header = _header(first, place, folder)
    # Obsolete plural entries before comments: comments before an entry would become its own.
    extras = [*dict.fromkeys(bound.kept), *dict.fromkeys(bound.trailers)]
    return _seed_text(header, messages, extras, width, first), conflicts


def _pieces(
    catalogue: OldCatalogue, rank: int, home: Mapping[tuple[str, str], Place], sources: set[str]
) -> list[tuple[str, _Piece]]:
    """Each entry of an old catalogue, as pieces for the new catalogues of its documents."""
    layout, tag = catalogue.layout, catalogue.place.tag
    homes = _Homes(catalogue)
    found = []
    for index, (message, span) in enumerate(zip(catalogue.catalog.messages, layout.entries, strict=True)):
        by_place: dict[Place, list[str]] = {}
        for document in homes.owners(message):
            by_place.setdefault(home[(tag, document)], []).append(document)
        text = "\n".join(layout.lines[span[0] : span[1]])
        for place, documents in by_place.items():
            old_size, new_size = len(catalogue.place.documents), len(place.documents)
            moved = _moved(message, old_size, new_size, tuple(documents), sources)
            piece = _Piece(moved, text if moved == message else "", tuple(documents), (rank, index))
            found.append((place.path, piece))
    return found


class _Homes:
    """Which documents an entry of an old catalogue belongs to."""

    def __init__(self, catalogue: OldCatalogue) -> None:
        self.catalogue = catalogue
        self.documents = catalogue.place.documents
        self.order = {document: index for index, document in enumerate(self.documents)}
        self.matcher: Matcher | None = None
        self.owners_of: list[str] = []

    def owners(self, message: Message) -> tuple[str, ...]:
        """Its document, the documents its references name, or the one whose English is most like it."""
        if len(self.documents) == 1:
            return self.documents
        named = tuple(d for d in self.documents if d in message.references)
        return named or (self.nearest(source_of(message)[1]),)

    def nearest(self, msgid: str) -> str:
        """The first document of the most similar entry that has one, else the catalogue's first."""
        if self.matcher is None:
            texts = []
            for message in self.catalogue.catalog.active:
                owner = next((d for d in self.documents if d in message.references), None)
                if owner is not None:
                    texts.append(message.msgid)
                    self.owners_of.append(owner)
            self.matcher = Matcher(texts)
        matches = self.matcher.matches(msgid)
        if not matches:
            return self.documents[0]
        best = max(matches, key=lambda m: (m[0], -self.order[self.owners_of[m[1]]], -m[1]))
        return self.owners_of[best[1]]


def _moved(
    message: Message, old_members: int, new_members: int, documents: tuple[str, ...], sources: set[str]
) -> Message:
    """An obsolete entry's references as its new catalogue needs them (see the module docstring)."""
    if not message.obsolete:
        return message  # its references come from the template
    if old_members == 1 and new_members > 1 and not message.references:
        return replace(message, references=documents)
    if old_members > 1 and new_members == 1 and any(r in sources for r in message.references):
        return replace(message, references=tuple(r for r in message.references if r not in sources))
    return message


def _spans(layout: Layout, spans: Sequence[tuple[int, int]]) -> list[str]:
    """The text of these spans of a file (the parts an update keeps as they are), empty ones left out."""
    return ["\n".join(layout.lines[start:end]) for start, end in spans if end > start]


def _by_key(pieces: Sequence[_Piece]) -> list[list[_Piece]]:
    """The pieces grouped by (msgctxt, msgid), in the order of their first piece."""
    groups: dict[tuple[str | None, str], list[_Piece]] = {}
    for piece in sorted(pieces, key=lambda p: p.rank):
        groups.setdefault(piece.message.key, []).append(piece)
    return list(groups.values())


def _resolve(pieces: Sequence[_Piece], path: str) -> tuple[Message, str, Conflict | None]:
    """One entry for the pieces of one key: see the module docstring for which translation it keeps."""
    if len(pieces) == 1:
        return pieces[0].message, pieces[0].text, None
    pool = [p for p in pieces if not p.message.obsolete] or list(pieces)
    voters = [p for p in pool if p.message.msgstr and not p.message.is_fuzzy]
    voters = voters or [p for p in pool if p.message.msgstr]
    votes: dict[str, list[_Piece]] = {}
    for piece in voters:
        votes.setdefault(piece.message.msgstr, []).append(piece)
    # A stable sort: among translations as common, the first in document order wins.
    ranking = sorted(votes, key=lambda msgstr: -sum(len(p.documents) for p in votes[msgstr]))
    base = votes[ranking[0]][0] if ranking else pool[0]
    others: dict[str, list[str]] = {}
    for piece in pieces:
        if piece.message.msgstr and piece.message.msgstr != base.message.msgstr:
            known = others.setdefault(piece.message.msgstr, [])
            known += [d for d in piece.documents if d not in known]
    comments = [*base.message.comments, *(c for p in pieces for c in p.message.comments)]
    comments += [_other_translation(msgstr, documents) for msgstr, documents in others.items()]
    flags = [*base.message.flags, *(f for p in pieces for f in p.message.flags if f != "fuzzy")]
    references = [*base.message.references, *(r for p in pool for r in p.message.references)]
    message = replace(
        base.message,
        comments=tuple(dict.fromkeys(comments)),
        flags=tuple(dict.fromkeys(flags)),
        references=tuple(dict.fromkeys(references)),
    )
    conflict = None
    if len(ranking) > 1:
        message = message.with_flag("fuzzy", True)
        keeping = tuple(d for p in votes[ranking[0]] for d in p.documents)
        listed = tuple((msgstr, tuple(documents)) for msgstr, documents in others.items())
        every = tuple(dict.fromkeys(d for p in pieces if p.message.msgstr for d in p.documents))
        conflict = Conflict(path, message.msgctxt, message.msgid, message.msgstr, keeping, listed, every)
    return message, base.text if message == base.message else "", conflict


def _other_translation(msgstr: str, documents: Sequence[str]) -> str:
    """The translator comment that keeps a translation the entry does not: one line, escaped."""
    escaped = msgstr.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'other translation ({", ".join(documents)}): "{escaped}"'


def _header(catalogue: OldCatalogue, place: Place, folder: str) -> tuple[Catalog, bool]:
    """The new catalogue's header (the first old one's), and whether it is that header unchanged.

    What the tool wrote for the old place, it writes for the new one: the
    header comment that names the documents, the project name of the template.
    """
    catalog, old = catalogue.catalog, catalogue.place
    if catalog.header_comments == (_header_comment(old, folder),):
        catalog = replace(catalog, header_comments=(_header_comment(place, folder),))
    if catalog.header_value("Project-Id-Version") == old.project:
        catalog = catalog.with_header("Project-Id-Version", place.project)
    return catalog, catalog == catalogue.catalog


def _header_comment(place: Place, folder: str) -> str:
    """What `jobs.process_catalogue` writes above a new catalogue's header."""
    return f"{place.tag} translation of {place.documents[0] if len(place.documents) == 1 else folder}."


def _seed_text(
    header: tuple[Catalog, bool],
    messages: Sequence[tuple[Message, str]],
    extras: Sequence[str],
    width: int,
    first: OldCatalogue,
) -> str:
    """PO text that reads as the new catalogue: unchanged entries with their bytes, active ones first."""
    widths = [width] if width > 0 else []

    def lay_out(message: Message) -> str:
        if not widths:
            widths.append(detect_width(first.catalog, first.layout))
        return format_entry(message, widths[0])

    catalog, unchanged = header
    start, end = first.layout.header
    parts = ["\n".join(first.layout.lines[start:end]) if unchanged else lay_out(header_entry(catalog))]
    ordered = [m for m in messages if not m[0].obsolete] + [m for m in messages if m[0].obsolete]
    parts += [text or lay_out(message) for message, text in ordered]
    return "\n\n".join([*parts, *extras]) + "\n"


# --- reading the old layout, running the new one ----------------------------------------------


@record
class Relayout:
    """What moving to another layout writes and deletes, and what it found on the way.

    `config` is the project in the new layout; `run` the pipeline's run in it
    (templates, catalogues and outputs to write); `edit` the configuration
    file with the new patterns; `deletions` the old layout's files.
    """

    config: Config
    run: RunReport
    edit: FileChange
    deletions: tuple[FileChange, ...]
    conflicts: tuple[Conflict, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def changes(self) -> tuple[FileChange, ...]:
        """Every change, in the order they are made: new files, the configuration, deletions."""
        return (*self.run.changes, self.edit, *self.deletions)


def plan_relayout(
    config: Config, template: str, catalog: str, environ: Mapping[str, str] = os.environ
) -> Relayout:
    """Everything moving `config`'s project to the `template` and `catalog` patterns takes; writes nothing.

    Raises `UsageError` when the patterns are the current ones or a new file is
    in the way, `ConfigError` for patterns the configuration may not hold, and
    the first problem of a catalogue, source or run (`I18nSyncError`): a
    relayout is all or nothing.
    """
    settings = config.settings
    if (template, catalog) == (settings.template, settings.catalog):
        raise UsageError(f"{config.file} has these patterns already; nothing to change")
    data = read_bytes(config.root, config.file)
    if data is None:
        raise UsageError(f"{config.file} is gone; run the command where the configuration is")
    edited = with_layout(decode_utf8(data, config.file, ConfigError), config.file, template, catalog)
    moved = config_from_text(config.root, config.file, edited)
    sources = find_sources(config)
    before = plan_documents(config, sources)
    after = plan_documents(moved, sources)
    diagnostics: list[Diagnostic] = []
    old = read_catalogues(config, places_of(before, settings.project), diagnostics)
    new = places_of(after, settings.project)
    seeds = seed_catalogues([item for item, _ in old], new, settings.wrap_width, settings.source_root)
    templates = _templates(config, before, diagnostics)
    # A template that serves the same documents as before moves as it is, its date too.
    moving = _same_documents(before, after, templates)
    report = run(moved, STEPS, environ, seeds={**moving, **seeds.catalogues})
    if report.errors:
        raise report.errors[0]
    _check_in_the_way(config, report, _layout_paths(before))
    kept = _layout_paths(after)
    catalogues = {item.place.path: content for item, content in old}
    deletions = tuple(
        FileChange.deletion(path, kind, content)
        for kind, files in (("catalog", catalogues), ("template", templates))
        for path, content in files.items()
        if path not in kept
    )
    diagnostics += report.diagnostics
    diagnostics += _conflict_diagnostics(seeds.conflicts, report)
    change = FileChange(config.file, edited.encode("utf-8"), "config", data, guarded=True)
    return Relayout(moved, report, change, deletions, seeds.conflicts, tuple(diagnostics))


def read_catalogues(
    config: Config, places: Sequence[Place], diagnostics: list[Diagnostic]
) -> list[tuple[OldCatalogue, bytes]]:
    """The catalogues at these places that exist, read strictly (`CatalogError` at the first problem),
    each with its bytes; their warnings go to `diagnostics`."""
    found = []
    for place in places:
        data = read_bytes(config.root, place.path, config.settings.max_file_size, CatalogError)
        read = parse_catalog_layout(data, place.path, diagnostics)
        if read is not None and data is not None:
            found.append((OldCatalogue(place, *read), data))
    return found


def _templates(
    config: Config, documents: Sequence[SourceDocument], diagnostics: list[Diagnostic]
) -> dict[str, bytes]:
    """The current layout's templates that exist and parse as PO files, with their bytes."""
    found = {}
    for path in dict.fromkeys(document.template for document in documents):
        data = read_bytes(config.root, path, config.settings.max_file_size, CatalogError)
        if data is None:
            continue
        try:
            read = parse_catalog_layout(data, path, [])
        except I18nSyncError as problem:
            where = problem.path or path
            diagnostics.append(Diagnostic(where, problem.line, f"not deleted: {problem.message}"))
            continue
        if read is None:
            diagnostics.append(Diagnostic(path, None, "not deleted: it is empty, not a template"))
            continue
        found[path] = data
    return found


def _same_documents(
    before: Sequence[SourceDocument], after: Sequence[SourceDocument], templates: Mapping[str, bytes]
) -> dict[str, bytes | None]:
    """Each new template that serves the documents an old one served, with that old one's bytes."""
    old: dict[str, list[str]] = {}
    for document in before:
        old.setdefault(document.template, []).append(document.source)
    new: dict[str, list[str]] = {}
    for document in after:
        new.setdefault(document.template, []).append(document.source)
    served = {tuple(sources): path for path, sources in old.items() if path in templates}
    return {path: templates[served[tuple(s)]] for path, s in new.items() if tuple(s) in served}


def _layout_paths(documents: Sequence[SourceDocument]) -> set[str]:
    """Every template and catalogue a layout names for these documents."""
    return {d.template for d in documents} | {t.catalog for d in documents for t in d.targets}


def _check_in_the_way(config: Config, report: RunReport, current: set[str]) -> None:
    """Refuse to write a template or catalogue over a file that is not the current layout's."""
    for change in report.changes:
        if change.kind not in ("template", "catalog") or change.path in current:
            continue
        found = read_bytes(config.root, change.path, config.settings.max_file_size, CatalogError)
        if found is not None and found != change.content:
            raise UsageError(
                "is in the way of the new layout: it exists and is no file of the current one; "
                "move it away, or delete it, and run the command again",
                change.path,
            )


def _conflict_diagnostics(conflicts: Sequence[Conflict], report: RunReport) -> list[Diagnostic]:
    """A warning about each conflict, at its entry's line in the new catalogue."""
    lines: dict[str, dict[tuple[str | None, str], int]] = {}
    for change in report.changes:
        if change.path in {conflict.catalog for conflict in conflicts}:
            catalog = parse_po(change.content.decode("utf-8"), change.path)
            lines[change.path] = {message.key: message.line for message in catalog.messages}
    found = []
    for conflict in conflicts:
        message = (
            f"{_listed(conflict.documents)} translate this entry differently; kept the "
            f"translation of {_listed(conflict.keeping)} and marked it fuzzy, the others are in its "
            "translator comments: choose one, then remove the fuzzy flag"
        )
        line = lines.get(conflict.catalog, {}).get((conflict.msgctxt, conflict.msgid))
        found.append(Diagnostic(conflict.catalog, line, message))
    return found


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
