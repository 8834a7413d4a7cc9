"""The small frozen records that the pipeline stages hand each other (made by `record`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field, replace

from i18n_sync.record import record


@record
class Region:
    """Where a unit's text stands in its source.

    Lines are 0-based indexes into the source's lines; columns are offsets into a
    line's text without its line ending; the end column is exclusive. A person
    reads line `start_line + 1` (see `Unit.line`).
    """

    start_line: int
    start_col: int
    end_line: int
    end_col: int


@record
class Unit:
    """One translatable piece of a Markdown document.

    `msgid` is computed by `msgid.compute_msgid`; `urls[k - 1]` is the source
    text that placeholder ``{k}`` stands for. `indent` is what a continuation
    line needs in front of it to stay inside the unit's container (list item,
    block quote, footnote) when a translation breaks a line. `url_regions[k - 1]`
    is where the URL of ``{k}`` stands in the source; `autolinks` holds the
    0-based indexes of URLs that are autolinks, which links never rewrite.
    `kind` is ``paragraph``, ``heading``, ``table-cell``, ``front-matter``, or for raw
    HTML ``html-text`` (an element's text, inline tags kept) and ``html-attribute`` (an
    attribute's value as written); `quote` is the quote character around a front-matter
    or attribute value, "" when it has none.
    """

    kind: str
    msgid: str
    urls: tuple[str, ...]
    region: Region
    indent: str = ""
    section: tuple[str, ...] = ()
    quote: str = ""
    url_regions: tuple[Region, ...] = ()
    autolinks: frozenset[int] = frozenset()

    def __hash__(self) -> int:
        # Where a unit starts and its msgid tell it apart from the other units of its
        # document; hashing every field (URLs, regions, heading path) made dictionaries
        # keyed by units a noticeable part of a render. Equal units hash alike still.
        return hash((self.region.start_line, self.region.start_col, self.msgid))

    @property
    def line(self) -> int:
        """The 1-based line where the unit starts."""
        return self.region.start_line + 1

    @property
    def allows_line_breaks(self) -> bool:
        """Whether a translation may break the unit over several lines."""
        return self.kind == "paragraph"


@record
class Message:
    """One PO entry. Gettext words keep their gettext meaning.

    `comments` are translator comments (``# ``), `extracted` the ``#.``
    comments, `references` the ``#:`` items, `previous_msgid` the ``#| msgid``.
    `line` is the 1-based line of the entry's first line in the file it was
    read from, 0 when it was not read from a file.
    """

    msgid: str
    msgstr: str = ""
    msgctxt: str | None = None
    flags: tuple[str, ...] = ()
    comments: tuple[str, ...] = ()
    extracted: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    previous_msgctxt: str | None = None
    previous_msgid: str | None = None
    obsolete: bool = False
    line: int = field(default=0, compare=False)

    @property
    def key(self) -> tuple[str | None, str]:
        """The (msgctxt, msgid) pair that identifies the entry."""
        return (self.msgctxt, self.msgid)

    @property
    def is_fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def is_translated(self) -> bool:
        """Translated and not fuzzy: what a renderer may use."""
        return bool(self.msgstr) and not self.is_fuzzy and not self.obsolete

    def with_flag(self, flag: str, present: bool) -> Message:
        """Return a copy with `flag` added or removed."""
        flags = tuple(f for f in self.flags if f != flag)
        if present:
            flags = (flag, *flags) if flag == "fuzzy" else (*flags, flag)
        return replace(self, flags=flags)


@record
class Catalog:
    """A PO or POT file: its header entry and its messages in file order.

    `header` holds the header fields in their order; `header_comments` and
    `header_flags` the comments and flags written above the header entry.
    """

    header: tuple[tuple[str, str], ...]
    messages: tuple[Message, ...]
    header_comments: tuple[str, ...] = ()
    header_flags: tuple[str, ...] = ()

    def header_value(self, name: str) -> str | None:
        """Return a header field's value, or None when it is absent."""
        wanted = name.lower()
        for key, value in self.header:
            if key.lower() == wanted:
                return value
        return None

    def with_header(self, name: str, value: str) -> Catalog:
        """Return a copy with a header field set, in place or appended."""
        return self.with_headers(((name, value),))

    def with_headers(self, changes: Sequence[tuple[str, str]]) -> Catalog:
        """Return a copy with each (name, value) set in turn, in place or appended: one copy
        for them all (a docs tree in many languages starts thousands of catalogues)."""
        fields = list(self.header)
        names = [key.lower() for key, _ in fields]  # each name lowered once, not once a change
        for name, value in changes:
            wanted = name.lower()
            if wanted in names:
                index = names.index(wanted)  # the first, as the header is read
                fields[index] = (fields[index][0], value)
            else:
                fields.append((name, value))
                names.append(wanted)
        return replace(self, header=tuple(fields))

    @property
    def active(self) -> tuple[Message, ...]:
        """The messages that are not obsolete."""
        return tuple(m for m in self.messages if not m.obsolete)


@record
class FileChange:
    """A file the run wants to have these exact bytes, or, when `delete`, to be gone.

    A `guarded` change carries the bytes the run read the file as in
    `original` (None: there was no file); the writer leaves the file alone when
    it holds something else by then, because someone changed it meanwhile.
    A `current` change is one whose file the run read and found holding exactly
    `content`: the writer has nothing to do and need not read it again (a run
    over a docs tree in many languages has thousands).
    A deletion (`deletion`) has no content and is always guarded: only the
    file as it was read is ever deleted.
    """

    path: str
    content: bytes
    kind: str
    original: bytes | None = field(default=None, repr=False)
    guarded: bool = False
    current: bool = False
    delete: bool = False

    @classmethod
    def deletion(cls, path: str, kind: str, original: bytes) -> FileChange:
        """The change that deletes `path`, provided it still holds `original`."""
        return cls(path, b"", kind, original, guarded=True, delete=True)
