"""How much of what a reader sees of a README is inside some translation unit.

The words a reader sees are the text nodes of GitHub's rendering (cmark-gfm, raw HTML kept as
GitHub keeps it), without code (``code``, ``pre``), scripts, styles, comments and emoji short
codes; a word is a run of word characters holding a letter. A unit's words are those of its
msgid, URLs put back, rendered the same way (a Markdown unit's msgid is inline Markdown, an
HTML text unit's is inline HTML). Attribute units (``alt``, ``title``...) are not visible text
and count for nothing here. The share covered is the multiset intersection of the document's
words and the units' words over the document's words: a word counts once for each time both
hold it.

Used by the corpus test (tests/test_html_coverage.py) and the report script
(benchmarks/html_coverage.py); the only place outside ``checks/github.py`` that imports
cmarkgfm, which it needs as the reference renderer.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options

from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.markdown.msgid import fill_placeholders
from i18n_sync.model import Unit

_HIDDEN = frozenset({"code", "pre", "script", "style", "template", "textarea"})
_WORD = re.compile(r"\w+")
_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
# Units whose text is not shown as text (an attribute, YAML front matter).
_NOT_SHOWN = frozenset({"html-attribute", "front-matter"})


def render(text: str) -> str:
    """GitHub's rendering of Markdown, raw HTML kept (GitHub sanitises it, not drops it)."""
    return cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.hidden:
            while self.hidden and self.hidden.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.texts.append(data)


def visible_words(html: str) -> Counter[str]:
    """The words of rendered HTML a reader sees (see the module docstring)."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    words: Counter[str] = Counter()
    for text in collector.texts:
        text = _SHORTCODE.sub(" ", text)
        words.update(w for w in _WORD.findall(text) if any(c.isalpha() for c in w))
    return words


def unit_words(units: tuple[Unit, ...]) -> Counter[str]:
    """The visible words of the units' texts, each rendered alone."""
    words: Counter[str] = Counter()
    for unit in units:
        if unit.kind not in _NOT_SHOWN:
            words += visible_words(render(fill_placeholders(unit.msgid, unit.urls, strict=False)))
    return words


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many of a document's visible words are inside units, and the first few that are not."""

    covered: int
    total: int
    missing: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.covered / self.total if self.total else 1.0


def coverage(text: str, name: str = "README.md") -> Coverage:
    """The share of `text`'s visible words (code excluded) that some unit of it holds."""
    seen = visible_words(render(text))
    held = unit_words(extract_units(load_document(text, name)).units)
    covered = seen & held
    missing = seen - held
    return Coverage(covered.total(), seen.total(), tuple(w for w, _ in missing.most_common(12)))
