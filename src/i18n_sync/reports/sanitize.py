"""Rendered Markdown → HTML that is safe to show: an allow-list of tags, attributes and URL schemes.

cmark-gfm's tagfilter only disarms a handful of tags (``<script>``, ``<iframe>``...);
an ``<img onerror=...>`` passes it. The review page shows a document only after
`sanitize_html`, and then inside a sandboxed frame without scripts, so a mistake
here still runs nothing. The lists follow what GitHub keeps of a README.

`marker` (optional) is a word the caller put at the start of one unit: where it
stands in text it becomes an empty ``<span id="i18n-sync-here">``, in an attribute
it is removed and the element gets that id, so the page can scroll there.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

HERE = "i18n-sync-here"

# fmt: off
_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li", "mark", "ol",
    "p", "picture", "pre", "q", "rp", "rt", "ruby", "s", "samp", "section", "small", "source", "span",
    "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "tt", "ul", "var",
})
# fmt: on
_VOID = frozenset({"br", "hr", "img", "input", "source"})
# Whose content is dropped with them, not shown as text.
_DROPPED = frozenset({"script", "style", "template", "textarea", "title", "noscript", "xmp", "iframe"})
# fmt: off
_ATTRIBUTES = frozenset({
    "abbr", "align", "alt", "checked", "colspan", "dir", "disabled", "height", "href", "lang", "media",
    "open", "rowspan", "scope", "span", "src", "srcset", "start", "title", "type", "valign", "width",
})
# fmt: on
_URL_ATTRIBUTES = frozenset({"href", "src", "srcset"})
_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*)\s*:")


def is_safe_link(url: str) -> bool:
    """Whether a link or image URL may stay: relative, or http(s) or mailto.

    Control and space characters, which browsers drop inside a scheme
    (``java\\tscript:``), are removed before the scheme is read.
    """
    squeezed = "".join(char for char in url if char.isprintable() and not char.isspace())
    match = _SCHEME.match(squeezed)
    return match is None or match.group(1).lower() in _SCHEMES


class _Sanitizer(HTMLParser):
    def __init__(self, marker: str) -> None:
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self.out: list[str] = []
        self.dropping = 0
        self.open: list[str] = []
        self.placed = False  # a msgid shared by several units marks them all: the first one wins

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self.dropping += tag not in _VOID
            return
        if self.dropping or tag not in _TAGS:
            return
        if tag == "input" and dict(attrs).get("type") != "checkbox":
            return  # GitHub keeps task list boxes only
        kept, marked = self.attributes(tag, attrs)
        if marked and not self.placed:
            kept.append(("id", HERE))
            self.placed = True
        text = "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in kept)
        self.out.append(f"<{tag}{text}>")
        if tag not in _VOID:
            self.open.append(tag)

    def attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> tuple[list[tuple[str, str]], bool]:
        kept: list[tuple[str, str]] = []
        marked = False
        for name, raw in attrs:
            value = raw or ""
            if self.marker and self.marker in value:
                value, marked = value.replace(self.marker + " ", "").replace(self.marker, ""), True
            if name not in _ATTRIBUTES or (name in _URL_ATTRIBUTES and not is_safe_link(value)):
                continue
            kept.append((name, value))
        if tag == "input":
            kept.append(("disabled", ""))
        return kept, marked

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and tag in _TAGS and not self.dropping:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in self.open:
            return
        while self.open:  # close what the source left open inside it
            closed = self.open.pop()
            self.out.append(f"</{closed}>")
            if closed == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.dropping:
            return
        if not self.marker or self.marker not in data:
            self.out.append(html.escape(data, quote=False))
            return
        for index, piece in enumerate(data.split(self.marker)):
            if index and not self.placed:
                self.out.append(f'<span id="{HERE}"></span>')
                self.placed = True
            self.out.append(html.escape(piece.removeprefix(" ") if index else piece, quote=False))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{tag}>" for tag in reversed(self.open))


def sanitize_html(fragment: str, marker: str = "") -> str:
    """`fragment` with only allowed tags and attributes; comments, scripts and unsafe URLs dropped."""
    sanitizer = _Sanitizer(marker)
    sanitizer.feed(fragment)
    return sanitizer.result()
