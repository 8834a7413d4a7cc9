"""Raw HTML → the stretches a reader reads, by offsets into the HTML text.

GitHub renders an HTML block as it is (sanitised), so the text inside it is never
Markdown. What a reader reads there is the text of its elements and a few attributes
(`READABLE_ATTRIBUTES`). Python's `html.parser` tokenizes the HTML (it gives each token's
source position); nothing here is matched with regular expressions.

A *run* is what stands between two block-level tags (or tags alone on their line):
text, character references and inline elements (`INLINE`), as one sentence. A run with
prose becomes one piece whose text keeps its inline markup (a ``<b>`` inside a ``<p>``
stays inside), the way a paragraph's msgid keeps its inline Markdown; the URLs of its
``href`` and ``src`` attributes are marked, to become placeholders. In a run without
prose (a row of badges), and on block-level tags, each readable attribute with letters
is a piece of its own.
The text of ``pre``, ``script``, ``style``, ``textarea`` and ``template`` is never read.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from functools import lru_cache
from html.parser import HTMLParser

from i18n_sync.markdown.records import BlockNode, HtmlTag, Mark, TextFacts
from i18n_sync.record import record

# Phrasing content: elements that stay inside the sentence around them.
INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "big", "br", "cite", "code", "data", "del", "dfn", "em",
        "font", "g-emoji", "i", "img", "ins", "kbd", "mark", "picture", "q", "s", "samp", "small",
        "source", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
    }
)  # fmt: skip
# Inline elements whose text is code, not prose (kept in the run, not counted as prose).
VERBATIM = frozenset({"code", "kbd", "samp", "tt", "var"})
# Elements whose content is never read as prose.
SKIPPED = frozenset({"pre", "script", "style", "textarea", "template", "svg", "math"})
# Elements that have no end tag.
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
READABLE_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
PLACEHOLDER_ATTRIBUTES = frozenset({"href", "src"})
HTML_KINDS = frozenset({"html-text", "html-attribute"})
"""The kinds of unit whose text is HTML: an element's text, or an attribute's value."""
HEADINGS = {f"h{level}": level for level in range(1, 7)}
_SPACE = " \t\n\r\f"


@record
class Attribute:
    """One attribute as written: `start`/`end` bound its raw value (without quotes).

    `quote` is the quote character around the value, "" when it has none; a valueless
    attribute has `start == end` at the end of its name.
    """

    name: str
    value: str
    start: int
    end: int
    quote: str


@record
class Token:
    """One token of raw HTML: `kind` is start, end, data, ref or other; `start`/`end` offsets."""

    kind: str
    start: int
    end: int
    tag: str = ""
    attributes: tuple[Attribute, ...] = ()
    self_closing: bool = False


@record
class Piece:
    """A stretch a reader reads: the text of a run (`html-text`) or an attribute value.

    `start`/`end` are offsets into the HTML; `urls` the URL attribute values inside a
    text piece, by offsets into that HTML; `quote` an attribute's quote character.
    """

    kind: str
    start: int
    end: int
    urls: tuple[Mark, ...] = ()
    quote: str = ""


@record
class HtmlHeading:
    """An ``h1``-``h6`` element closed in the same HTML: its level, text content, `id`.

    `piece` is the index (into the pieces) of its text when one text piece is all of it.
    """

    level: int
    text: str
    start: int
    piece: int | None
    id: str = ""


@record
class HtmlText:
    """What `read_html` finds: the pieces in source order and the headings."""

    pieces: tuple[Piece, ...]
    headings: tuple[HtmlHeading, ...]


class _Tokenizer(HTMLParser):
    """Collects tokens with their start offsets; a token ends where the next one starts."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = [0]
        for line in text.split("\n")[:-1]:
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)
        self.found: list[tuple[str, int, str, tuple[Attribute, ...], bool]] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], closing: bool) -> None:
        offset = self._offset()
        raw = self.get_starttag_text() or ""
        attributes = scan_attributes(raw, offset, attrs)
        self.found.append(("start", offset, tag, attributes, closing))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, True)

    def handle_endtag(self, tag: str) -> None:
        self.found.append(("end", self._offset(), tag, (), False))

    def handle_data(self, data: str) -> None:
        self.found.append(("data", self._offset(), "", (), False))

    def handle_entityref(self, name: str) -> None:
        self.found.append(("ref", self._offset(), "", (), False))

    def handle_charref(self, name: str) -> None:
        self.found.append(("ref", self._offset(), "", (), False))

    def handle_comment(self, data: str) -> None:
        self.found.append(("other", self._offset(), "", (), False))

    def handle_decl(self, decl: str) -> None:
        self.found.append(("other", self._offset(), "", (), False))

    def handle_pi(self, data: str) -> None:
        self.found.append(("other", self._offset(), "", (), False))

    def unknown_decl(self, data: str) -> None:
        self.found.append(("other", self._offset(), "", (), False))


def tokenize(text: str) -> tuple[Token, ...]:
    """The tokens of raw HTML, each with the offsets of its source text."""
    tokenizer = _Tokenizer(text)
    tokenizer.feed(text)
    tokenizer.close()
    found = tokenizer.found
    ends = [start for _, start, _, _, _ in found[1:]] + [len(text)]
    return tuple(
        Token(kind, start, end, tag, attributes, closing)
        for (kind, start, tag, attributes, closing), end in zip(found, ends, strict=True)
    )


def scan_attributes(
    raw: str, offset: int, expected: Sequence[tuple[str, str | None]]
) -> tuple[Attribute, ...]:
    """Where each attribute of a start tag stands, by the HTML tokenizer's attribute states.

    `raw` is the tag's text, found at `offset`; `expected` is what `html.parser` read. When
    the two readings disagree on a name or a value, no position is trusted: ().
    """
    found: list[Attribute] = []
    position = _skip(raw, 1, _SPACE + "/>", until=True)  # past the tag name
    while True:
        position = _skip(raw, position, _SPACE + "/")
        if position >= len(raw) or raw[position] == ">":
            break
        attribute, position = _scan_attribute(raw, position)
        found.append(attribute)
    agreed = len(found) == len(expected) and all(
        attribute.name == name and html.unescape(attribute.value) == (value or "")
        for attribute, (name, value) in zip(found, expected, strict=True)
    )
    return tuple(_moved(attribute, offset) for attribute in found) if agreed else ()


def _skip(raw: str, position: int, chars: str, until: bool = False) -> int:
    """The first position from `position` whose character is not in `chars` (or is, `until`)."""
    while position < len(raw) and (raw[position] in chars) != until:
        position += 1
    return position


def _scan_attribute(raw: str, position: int) -> tuple[Attribute, int]:
    """The attribute whose name starts at `position` (a first "=" belongs to the name), and its end."""
    name_end = _skip(raw, position + 1, _SPACE + "/>=", until=True)
    name = raw[position:name_end].lower()
    equals = _skip(raw, name_end, _SPACE)
    if equals >= len(raw) or raw[equals] != "=":
        return Attribute(name, "", name_end, name_end, ""), name_end
    start = _skip(raw, equals + 1, _SPACE)
    quote = raw[start] if start < len(raw) and raw[start] in "\"'" else ""
    start += len(quote)
    if quote:
        end = raw.find(quote, start)
        end = len(raw) if end < 0 else end
    else:
        end = _skip(raw, start, _SPACE + ">", until=True)
    return Attribute(name, raw[start:end], start, end, quote), end + len(quote)


def _moved(attribute: Attribute, offset: int) -> Attribute:
    start, end = attribute.start + offset, attribute.end + offset
    return Attribute(attribute.name, attribute.value, start, end, attribute.quote)


def _has_letters(text: str) -> bool:
    """Whether text has letters a translator could translate; emoji short codes do not count."""
    words = []
    for word in text.split():
        if not (len(word) > 2 and word[0] == word[-1] == ":"):
            words.append(word)
    return any(char.isalpha() for word in words for char in word)


class _Reader:
    """Walks the tokens once: runs, skipped elements, headings."""

    def __init__(self, text: str, tokens: Sequence[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.pieces: list[Piece] = []
        self.headings: list[HtmlHeading] = []
        self.run: list[Token] = []
        self.skipping: list[str] = []
        self.heading: tuple[Token, int, list[str]] | None = None

    def read(self) -> HtmlText:
        for token in self.tokens:
            self._take(token)
        self._flush()
        return HtmlText(tuple(self.pieces), tuple(self.headings))

    def _take(self, token: Token) -> None:
        if self.skipping:
            if token.kind == "end" and token.tag == self.skipping[-1]:
                self.skipping.pop()
            elif token.kind == "start" and token.tag in SKIPPED and not token.self_closing:
                self.skipping.append(token.tag)
            return
        if self.heading is not None and token.kind in ("data", "ref"):
            raw = self.text[token.start : token.end]
            self.heading[2].append(html.unescape(raw))
        if token.kind in ("data", "ref") or (token.tag in INLINE and not self._alone(token)):
            self.run.append(token)
            return
        self._flush()
        if token.kind == "start":
            self._block_start(token)
        elif token.kind == "end" and token.tag in HEADINGS:
            self._heading_end(token)

    def _alone(self, token: Token) -> bool:
        """Whether a tag stands alone on its line: layout, a block boundary like a block tag.

        Joining it to the text that follows could change the HTML block's kind, which
        its first line decides (a tag alone on it starts a block; with text, a paragraph).
        """
        line_start = self.text.rfind("\n", 0, token.start) + 1
        line_end = self.text.find("\n", token.end)
        after = self.text[token.end : len(self.text) if line_end < 0 else line_end]
        return not self.text[line_start : token.start].strip(_SPACE) and not after.strip(_SPACE)

    def _block_start(self, token: Token) -> None:
        self.pieces.extend(_attribute_pieces(self.text, token))
        if token.tag in SKIPPED and not token.self_closing:
            self.skipping.append(token.tag)
        elif token.tag in HEADINGS and not token.self_closing:
            self.heading = (token, len(self.pieces), [])

    def _heading_end(self, token: Token) -> None:
        if self.heading is None or self.heading[0].tag != token.tag:
            return
        opener, first, texts = self.heading
        self.heading = None
        ident = next((a.value for a in opener.attributes if a.name == "id"), "")
        text = "".join(texts).strip(_SPACE)
        texts_pieces = [i for i in range(first, len(self.pieces)) if self.pieces[i].kind == "html-text"]
        piece = texts_pieces[0] if len(texts_pieces) == 1 else None
        if piece is not None:
            shown = text_content(self.text[self.pieces[piece].start : self.pieces[piece].end])
            piece = piece if shown.split() == text.split() else None  # text outside it: no anchor from it
        self.headings.append(HtmlHeading(HEADINGS[token.tag], text, opener.start, piece, ident))

    def _flush(self) -> None:
        run, self.run = self.run, []
        self.pieces.extend(_run_pieces(self.text, run))


def _run_pieces(text: str, run: Sequence[Token]) -> Iterator[Piece]:
    """The text piece of a run with prose, or else the readable attributes of its tags."""
    prose = []
    verbatim = 0
    for token in run:
        if token.kind in ("start", "end") and token.tag in VERBATIM and not token.self_closing:
            verbatim += 1 if token.kind == "start" else -1 if verbatim else 0
        elif token.kind == "data" and not verbatim:
            prose.append(text[token.start : token.end])
    if not _has_letters(" ".join(prose)):
        for token in run:
            yield from _attribute_pieces(text, token)
        return
    start, end = run[0].start, run[-1].end
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    urls = tuple(
        Mark("url", attribute.start - start, attribute.end - start)
        for token in run
        for attribute in token.attributes
        if attribute.name in PLACEHOLDER_ATTRIBUTES and attribute.end > attribute.start
    )
    yield Piece("html-text", start, end, urls)


def _attribute_pieces(text: str, token: Token) -> Iterator[Piece]:
    for attribute in token.attributes:
        if attribute.name in READABLE_ATTRIBUTES and _has_letters(html.unescape(attribute.value)):
            yield Piece("html-attribute", attribute.start, attribute.end, quote=attribute.quote)


@lru_cache(maxsize=4096)
def read_html(text: str) -> HtmlText:
    """The pieces of raw HTML a reader reads, and its headings (see the module docstring).

    Cached: the same snippets (``<br/>``, a badge, a contributor's cell) recur in and
    across documents, and the catalogue, status and import stages read them all again.
    """
    return _Reader(text, tokenize(text)).read()


def url_marks(text: str) -> tuple[Mark, ...]:
    """The ``href`` and ``src`` values of an HTML text, in order, by offsets into it."""
    return tuple(
        Mark("url", attribute.start, attribute.end)
        for token in tokenize(text)
        for attribute in token.attributes
        if attribute.name in PLACEHOLDER_ATTRIBUTES and attribute.end > attribute.start
    )


def text_content(text: str) -> str:
    """What a browser shows of an HTML text: its text, references decoded, no markup."""
    return "".join(
        html.unescape(text[token.start : token.end])
        for token in tokenize(text)
        if token.kind in ("data", "ref")
    )


def unfinished_markup(text: str) -> int:
    """How many ``<`` of an HTML text start markup the tokenizer could not finish.

    `html.parser` reads an unclosed ``<!--``, ``<b`` or ``<script`` at the end as text; a
    browser reads it as the start of a comment or a tag, which swallows what follows in
    the document. A ``<`` before a space, a digit or ``=`` is text for both.
    """
    count = 0
    for token in tokenize(text):
        if token.kind != "data":
            continue
        for index in range(token.start, token.end):
            if text[index] == "<":
                following = text[index + 1 : index + 2]
                count += not following or following in "!/?" or (following.isascii() and following.isalpha())
    return count


def escape_attribute(value: str, quote: str) -> str:
    """An attribute value, written as HTML wants it between `quote` (added when "")."""
    if quote == "'":
        return value.replace("'", "&#39;")
    escaped = value.replace('"', "&quot;")
    return escaped if quote else f'"{escaped}"'


class _TagCollector(HTMLParser):
    """Collects tags, attribute values decoded; unlike `_Tokenizer`, no offsets (the checks need none)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[HtmlTag] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(HtmlTag(tag, tuple((name, value or "") for name, value in attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(HtmlTag(tag, closing=True))

    def handle_comment(self, data: str) -> None:
        self.tags.append(HtmlTag("!--"))

    def handle_decl(self, decl: str) -> None:
        self.tags.append(HtmlTag("!"))

    def unknown_decl(self, data: str) -> None:
        self.tags.append(HtmlTag("!"))

    def handle_pi(self, data: str) -> None:
        self.tags.append(HtmlTag("?"))


def html_tags(text: str) -> tuple[HtmlTag, ...]:
    """The tags of a piece of raw HTML, as Python's HTML parser reads them."""
    collector = _TagCollector()
    collector.feed(text)
    collector.close()
    return tuple(collector.tags)


_HTML_UNIT = (BlockNode("html_unit", 0),)


def html_facts(text: str, kind: str) -> TextFacts:
    """What an HTML unit's text holds, for the checks: its tags (with attributes).

    An attribute value holds no markup: whatever it says is escaped where it goes.
    """
    tags: tuple[HtmlTag, ...] = html_tags(text) if kind == "html-text" else ()
    return TextFacts(blocks=_HTML_UNIT, html=tags)
