"""What GitHub shows: Markdown rendered by cmark-gfm, read as a browser reads HTML.

A README is read on GitHub, so a translation is judged by what GitHub renders from it,
not by what our own parser (markdown-it, which extracts and splices) makes of it: the two
disagree on autolinks (cmark-gfm links ``ftp://``, ``xmpp:``, URLs glued to CJK text...),
on raw HTML, on entities. `render_html` is GitHub's rendering (cmark-gfm with GitHub's
extensions, raw HTML kept as GitHub's parser emits it before its sanitizer); `shown_in`
reads that HTML with a WHATWG parser (html5lib, which reads ``--!>``, ``<!X`` or a
half-open tag as a browser does) and says what a reader's browser gets from it: elements,
attributes with their values, and invisible or bidi characters after entity decoding.

Most HTML that cmark-gfm makes holds no raw HTML at all: then every ``<`` in it starts
a tag cmark-gfm wrote itself, in one closed grammar (double-quoted values, text escaped),
which `_read_own_html` reads exactly at a fraction of html5lib's cost. Whether raw HTML
is present is asked of cmark-gfm itself: its safe mode replaces each piece of raw HTML
(and each unsafe URL) with a placeholder, so a text whose safe and unsafe renderings are
equal has none. Anything else goes to html5lib.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from typing import Any

from cmarkgfm import cmark
from cmarkgfm.cmark import Options

from i18n_sync.record import record

# GitHub renders raw HTML (its sanitizer runs afterwards) and footnotes.
_GITHUB_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
_SAFE_OPTIONS = Options.CMARK_OPT_FOOTNOTES

# Attribute values a browser shows as text (or that name a heading): a translation may change them.
PROSE_ATTRIBUTES = frozenset(
    {"alt", "title", "aria-label", "aria-description", "placeholder", "label", "summary"}
)
# Attributes whose value is where a link goes or what a browser fetches.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "srcset", "action", "formaction", "poster", "cite", "data", "background", "xlink:href"}
)
# Bidi embeddings, overrides and isolates: text that reads differently than it is stored.
_BIDI = frozenset(chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
# Zero-width (non-)joiners are part of writing Persian, Indic scripts and emoji sequences.
_JOINERS = frozenset("\u200c\u200d")

# One tag as cmark-gfm writes it: `<name attr="value" flag>`, `</name>`, `<name />`.
_OWN_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)((?: [a-z][a-z0-9-]*(?:="[^"<>]*")?)*) ?/?>')
_OWN_ATTRIBUTE = re.compile(r' ([a-z][a-z0-9-]*)(?:="([^"]*)")?')


# YAML front matter, which GitHub shows as a table of escaped text, not as Markdown.
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?:.*?\r?\n)??---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def without_front_matter(text: str) -> str:
    """The Markdown of a document: its text after the front matter, if it has one."""
    match = _FRONT_MATTER.match(text)
    return text[match.end() :] if match else text


_EXTENSIONS = ("table", "strikethrough", "autolink", "tagfilter", "tasklist")


@cache
def _extensions() -> tuple[Any, ...]:
    cmark.core_extensions_ensure_registered()
    return tuple(cmark.find_syntax_extension(name) for name in _EXTENSIONS)


def _render_twice(text: str) -> tuple[str, str]:
    """`text` parsed once by cmark-gfm, rendered as GitHub does and in safe mode.

    Safe mode writes a placeholder for each piece of raw HTML and leaves out unsafe
    URLs: the two renderings are equal only when there is neither. A text without a
    '<' has no raw HTML, and its URLs are read as they are: it is rendered once.
    """
    parser = cmark.parser_new(options=_GITHUB_OPTIONS)
    try:
        for extension in _extensions():
            cmark.parser_attach_syntax_extension(parser, extension)
        cmark.parser_feed(parser, text)
        root = cmark.parser_finish(parser)
        extensions = cmark.parser_get_syntax_extensions(parser)
        github = cmark.render_html(root, options=_GITHUB_OPTIONS, extensions=extensions)
        safe = github
        if "<" in text:
            safe = cmark.render_html(root, options=_SAFE_OPTIONS, extensions=extensions)
    finally:
        cmark.parser_free(parser)
    return str(github), str(safe)


def render_html(text: str) -> str:
    """The HTML GitHub's Markdown parser (cmark-gfm, GitHub's extensions) makes of `text`.

    Extensions: table, strikethrough, autolink, tagfilter, tasklist; footnotes on; raw
    HTML kept (GitHub sanitizes it afterwards, which this does not imitate).
    """
    return _render_twice(text)[0]


def is_hidden_character(char: str) -> bool:
    """Whether a character changes or hides what a reader sees: controls, bidi, zero-width...

    Line feeds, tabs and carriage returns are whitespace; joiners are writing.
    """
    if char in _JOINERS or char in "\n\t\r":
        return False
    return char in _BIDI or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs")


def is_bidi_or_control(char: str) -> bool:
    """Whether a hidden character reorders text (bidi) or is a control character."""
    return char in _BIDI or (unicodedata.category(char) == "Cc" and char not in "\n\t\r")


@record
class Shown:
    """What a browser gets from some HTML, as sets, for comparing a translation with its English.

    `elements` are element names, ``!--`` for a comment; `attributes` are (element,
    attribute, value), the value ``*`` for a prose attribute (`PROSE_ATTRIBUTES`), which
    a translation may change; `characters` the hidden characters (`is_hidden_character`)
    of its text and attribute values, entities decoded.
    """

    elements: frozenset[str]
    attributes: frozenset[tuple[str, str, str]]
    characters: frozenset[str]

    def links(self) -> frozenset[str]:
        """Where its links go and what it fetches: every value of a URL attribute."""
        return frozenset(value for _, name, value in self.attributes if name in URL_ATTRIBUTES)


class _Collector:
    def __init__(self) -> None:
        self.elements: set[str] = set()
        self.attributes: set[tuple[str, str, str]] = set()
        self.characters: set[str] = set()

    def text(self, text: str) -> None:
        if not text.isprintable():  # every hidden character is unprintable (so are line feeds)
            self.characters.update(char for char in set(text) if is_hidden_character(char))

    def element(self, name: str, attributes: Iterable[tuple[str, str]]) -> None:
        self.elements.add(name)
        for attribute, value in attributes:
            self.text(value)
            self.attributes.add((name, attribute, "*" if attribute in PROSE_ATTRIBUTES else value))

    def shown(self) -> Shown:
        return Shown(frozenset(self.elements), frozenset(self.attributes), frozenset(self.characters))


def _read_own_html(rendered: str) -> Shown | None:
    """Read HTML that cmark-gfm wrote without raw HTML; None if anything is not in its grammar."""
    tags = _OWN_TAG.findall(rendered)
    text = _OWN_TAG.sub("", rendered)
    if "<" in text or ">" in text:
        return None
    found = _Collector()
    found.text(html.unescape(text) if "&" in text else text)
    for closing, name, attributes in tags:
        if not closing:
            pairs = _OWN_ATTRIBUTE.findall(attributes) if attributes else ()
            found.element(name, ((key, html.unescape(value)) for key, value in pairs))
    return found.shown()


def _read_html(rendered: str) -> Shown:
    """Read any HTML as a browser does (html5lib: the WHATWG parsing algorithm)."""
    # Imported on first use: html5lib brings http.client and ssl along (a fifth of the
    # tool's start-up), and most documents never need it (`_read_own_html` does).
    import html5lib

    root = html5lib.parseFragment(rendered, container="div", treebuilder="etree", namespaceHTMLElements=False)
    found = _Collector()
    found.text(root.text or "")
    for node in root.iter():  # iterative: a hostile text can nest elements thousands deep
        if node is root:
            continue
        tag = node.tag
        if not isinstance(tag, str):  # a comment: html5lib's etree gives it a function as tag
            found.elements.add("!--")
        else:
            found.element(tag.rsplit("}", 1)[-1].lower(), sorted(node.attrib.items()))
        found.text(node.text or "")
        found.text(node.tail or "")
    return found.shown()


@lru_cache(maxsize=4096)
def shown_in(text: str) -> Shown:
    """What GitHub shows of a Markdown text: `render_html`, read as a browser reads it."""
    rendered, safe = _render_twice(text)
    if rendered == safe:  # no raw HTML: only tags cmark-gfm wrote
        own = _read_own_html(rendered)
        if own is not None:
            return own
    return _read_html(rendered)


@record
class Difference:
    """One thing a translation's rendering shows that the English one does not.

    `kind` is ``link``, ``element``, ``block`` (an element Markdown makes for a block),
    ``attribute``, ``bidi`` or ``invisible``; `detail`
    says it for a person.
    """

    kind: str
    detail: str


def _describe_attribute(element: str, name: str, value: str) -> Difference:
    shown = value if len(value) <= 60 else value[:59] + "…"
    if name in URL_ATTRIBUTES:
        what = "an image from" if (element, name) == ("img", "src") else f"<{element} {name}> to"
        return Difference("link", f"{what} '{_printable(shown)}'")
    # A task box's or a table cell's attributes come with the block Markdown made.
    kind = "block" if element in _BLOCKS and name != "style" else "attribute"
    return Difference(kind, f'{name}="{_printable(shown)}" on <{element}>')


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


# Elements Markdown makes for blocks: a new one is a change of the block structure.
_BLOCKS = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "hr", "input"}
    | {"table", "thead", "tbody", "tr", "th", "td", "section", "sup", "div"}
)
# Elements Markdown itself makes for emphasis and code, harmless wherever they appear, and
# links and images, which are judged by where they go (their URL attributes).
_FORMATTING = frozenset({"em", "strong", "del", "code", "br", "p", "a", "img"})


def differences(
    english: Shown, translation: Shown, allowed: Callable[[str], bool] | None = None
) -> list[Difference]:
    """What `translation` shows that `english` does not, in a fixed order.

    `allowed(url)` says whether a link the English lacks is a localized page the
    configuration allows instead (only ``href`` values).
    """
    found = []
    for name in sorted(translation.elements - english.elements - _FORMATTING):
        kind = "block" if name in _BLOCKS else "element"
        found.append(Difference(kind, "a comment" if name == "!--" else f"<{name}>"))
    for element, name, value in sorted(translation.attributes - english.attributes):
        if value == "*" or (name == "href" and allowed is not None and allowed(value)):
            continue  # text a translation may change, or a localized page it may link to
        found.append(_describe_attribute(element, name, value))
    for char in sorted(translation.characters - english.characters):
        kind = "bidi" if is_bidi_or_control(char) else "invisible"
        name = unicodedata.name(char, "control character")
        found.append(Difference(kind, f"U+{ord(char):04X} {name}"))
    return found
