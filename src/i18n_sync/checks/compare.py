"""What each translation check compares: the English and its translation, side by side.

`checks.translation` holds the table of checks (`CHECKS`), their levels, the policy that
changes them, and runs them; the comparisons its rows run are here. They change for
different reasons: a row's level or a project's opt-out is configuration, a comparison
changes when a new way to slip something past a reader turns up.

Each comparison takes a `Pair`, the msgid and the msgstr as the product's parser reads
them in the document's context (`Side`), and yields one message per problem that says
what is wrong and what to do. None knows its check id or its level: its row gives both.
Markdown is never matched with regular expressions, and URLs are read more suspiciously
than a browser reads them (`is_unsafe_url`): a spelling no browser runs still counts.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from urllib.parse import unquote

from i18n_sync.checks.github import Difference
from i18n_sync.markdown.html import VOID, unfinished_markup
from i18n_sync.markdown.msgid import PLACEHOLDER
from i18n_sync.markdown.records import BlockNode, TextFacts
from i18n_sync.record import record

UNSAFE_SCHEMES = ("javascript", "vbscript", "data", "file")

# Attribute values a browser shows as text and never fetches: a translator may change them.
_PROSE_ATTRIBUTES = frozenset({"alt", "title", "aria-label", "aria-description", "placeholder", "label"})
# Attributes whose value is where a link, an image or a form goes.
_URL_ATTRIBUTES = frozenset(
    {"href", "src", "srcset", "action", "formaction", "poster", "cite", "data", "background", "xlink:href"}
)
# After normalizing: an unsafe scheme at the start, or after a separator (srcset lists,
# ``url(...)`` in styles, ``0;url=...`` in refresh headers).
_UNSAFE = re.compile(r"(?:^|[,;(=])['\"]?(?:" + "|".join(UNSAFE_SCHEMES) + r"):")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")

# Bidi embeddings, overrides and isolates: text that reads differently than it is stored.
_BIDI_CONTROLS = frozenset(chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
# Zero-width (non-)joiners are part of writing Persian, Indic scripts and emoji sequences.
_JOINERS = frozenset("\u200c\u200d")

# The kinds of unit whose text is Markdown that stands as one block.
_BLOCK_UNITS = frozenset({"paragraph", "heading", "table-cell"})

_BLOCK_NAMES = {
    "heading": "a heading",
    "bullet_list": "a list",
    "ordered_list": "a list",
    "list_item": "a list item",
    "blockquote": "a block quote",
    "alert": "an alert",
    "fence": "a code block",
    "code_block": "an indented code block",
    "html_block": "an HTML block",
    "table": "a table",
    "tr": "a table row",
    "th": "a table cell",
    "td": "a table cell",
    "hr": "a thematic break",
    "footnote_block": "a footnote",
    "footnote": "a footnote",
    "front_matter": "front matter",
    "paragraph": "a paragraph",
}


@record
class Side:
    """The msgid or the msgstr: as written, with the URLs in place of placeholders, parsed.

    `targets` are where its links go (`link_targets`), which every check run needs.
    """

    text: str
    filled: str
    facts: TextFacts
    targets: Counter[str]


def nothing_allowed(url: str) -> bool:
    """The default `Pair.allowed`: no link target but the English ones."""
    return False


@record
class Pair:
    """A translation to check: the unit's kind and URLs, the English and the translation.

    `allowed` says whether a link target the English does not have is a localized
    page the configuration lets this language link to instead. `shown` is what GitHub
    shows of the translation that it does not show of the English (`github.differences`).
    """

    kind: str
    urls: tuple[str, ...]
    english: Side
    translation: Side
    allowed: Callable[[str], bool] = nothing_allowed
    shown: tuple[Difference, ...] = ()


# --- normalizing what a browser would read ----------------------------------------------------


def _normalize_url(value: str) -> str:
    """Undo every encoding a browser or a Markdown renderer might undo, then some.

    Entities and percent-escapes are decoded until nothing changes (bounded), then
    whitespace, control and format characters and backslashes are dropped and the
    text lower-cased: ``JaVa&#115;cr%69pt :`` reads ``javascript:``.
    """
    text = value
    for _ in range(8):
        decoded = unquote(html.unescape(text))
        if decoded == text:
            break
        text = decoded
    kept = (c for c in text if c != "\\" and not c.isspace() and unicodedata.category(c)[0] != "C")
    return "".join(kept).lower()


def is_unsafe_url(value: str) -> bool:
    """Whether a URL (or an attribute value) could run script or reach local files."""
    if value.isprintable() and not any(char in value for char in "&%\\ "):
        # Nothing to decode or drop: what `_normalize_url` returns for such a value.
        return bool(_UNSAFE.search(value.lower()))
    return bool(_UNSAFE.search(_normalize_url(value)))


def unsafe_urls(facts: TextFacts) -> Counter[str]:
    """The unsafe URLs of a text: links, definitions, and every non-prose HTML attribute."""
    values = [
        *facts.links,
        *(href for _, href in facts.definitions),
        *(value for tag in facts.html for name, value in tag.attrs if name not in _PROSE_ATTRIBUTES),
    ]
    return Counter(value for value in values if is_unsafe_url(value))


def link_targets(facts: TextFacts) -> Counter[str]:
    """Where a text's links go: links, images, autolinks, HTML URL attributes, and definitions.

    A definition a translation makes would send every reference link with its label
    elsewhere, in the whole document.
    """
    html_urls = (value for tag in facts.html for name, value in tag.attrs if name in _URL_ATTRIBUTES)
    return Counter([*facts.links, *html_urls, *(href for _, href in facts.definitions)])


# --- the checks ------------------------------------------------------------------------------


def _difference(english: Counter[str], translation: Counter[str], show: Callable[[str], str]) -> str:
    missing = [show(item) for item in sorted((english - translation).elements())]
    added = [show(item) for item in sorted((translation - english).elements())]
    parts = [f"{', '.join(missing)} missing"] if missing else []
    parts += [f"{', '.join(added)} added"] if added else []
    return "; ".join(parts)


def _short(text: str, limit: int = 60) -> str:
    """Text fit for a one-line report: invisible characters spelled out, long text cut."""
    shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def check_placeholders(pair: Pair) -> Iterator[str]:
    if not pair.urls:
        return  # braces are text in a unit without URLs
    numbers = sorted({int(match.group(1)) for match in PLACEHOLDER.finditer(pair.translation.text)})
    for number in numbers:
        if not 1 <= number <= len(pair.urls):
            yield f"{{{number}}} is not a placeholder of this text; use {{1}} to {{{len(pair.urls)}}}"


def check_link_targets(pair: Pair) -> Iterator[str]:
    english, translation = pair.english.targets, pair.translation.targets
    if english == translation:
        return
    # An allowed localized link stands in for one English target.
    localized = Counter({url: n for url, n in (translation - english).items() if pair.allowed(url)})
    translation -= localized
    missing = english - translation
    if translation - english or missing.total() != localized.total():
        change = _difference(english, translation, lambda url: _short(url) or "(empty)")
        yield f"its link targets differ from the English ones ({change}); use the {{n}} placeholders"


def check_unsafe_urls(pair: Pair) -> Iterator[str]:
    found = unsafe_urls(pair.translation.facts)
    if not found:
        return
    added = found - unsafe_urls(pair.english.facts)
    for url in sorted(added):
        yield f"unsafe URL '{_short(url)}'; only the English links may be used"


def _tag_names(facts: TextFacts) -> set[str]:
    return {tag.name for tag in facts.html}


def check_html_tags(pair: Pair) -> Iterator[str]:
    if not pair.translation.facts.html:
        return
    added = _tag_names(pair.translation.facts) - _tag_names(pair.english.facts)
    if added:
        shown = ", ".join(f"<{name}>" for name in sorted(added))
        yield f"it adds HTML the English does not have: {shown}; remove it"


def _attributes(facts: TextFacts) -> set[tuple[str, str]]:
    return {(tag.name, name) for tag in facts.html for name, _ in tag.attrs}


def check_html_attributes(pair: Pair) -> Iterator[str]:
    if not pair.translation.facts.html:
        return
    added = _attributes(pair.translation.facts) - _attributes(pair.english.facts)
    if added:
        shown = ", ".join(f"{name} on <{tag}>" for tag, name in sorted(added))
        yield f"it adds HTML attributes the English does not have: {shown}; remove them"


def _html_elements(facts: TextFacts) -> Counter[str]:
    return Counter(("/" if tag.closing else "") + tag.name for tag in facts.html)


def _open_elements(facts: TextFacts) -> Counter[str]:
    """Start tags minus end tags per element (void ones aside): what a text leaves open or closes."""
    balance: Counter[str] = Counter()
    for tag in facts.html:
        if tag.name not in VOID and tag.name[0].isalpha():
            balance[tag.name] += -1 if tag.closing else 1
    return Counter({name: count for name, count in balance.items() if count})


def _fixed_attributes(facts: TextFacts) -> Counter[tuple[str, str, str]]:
    """Each tag's attributes, with the value of those a reader does not read (class, id, style...).

    Event handlers and URL attributes are left to their own findings.
    """
    return Counter(
        (tag.name, name, "" if name in _PROSE_ATTRIBUTES else value)
        for tag in facts.html
        for name, value in tag.attrs
        if not name.startswith("on") and name not in _URL_ATTRIBUTES  # reported by their own checks
    )


def check_html_unit(pair: Pair) -> Iterator[str]:
    """An HTML unit's translation: no element, attribute, event handler or value the English lacks.

    Its text is raw HTML that no Markdown parser looks at again: counted, not only named,
    so that a second ``<img>`` or an extra ``</b>`` that closes the wrong element is refused.
    """
    if pair.kind != "html-text":
        return
    if unfinished_markup(pair.translation.filled) > unfinished_markup(pair.english.filled):
        yield "it opens a tag or a comment it does not finish; write < as &lt;"
    english, translation = pair.english.facts, pair.translation.facts
    added = _html_elements(translation) - _html_elements(english)
    if added:
        shown = ", ".join(f"<{name}>" for name in sorted(added.elements()))
        yield f"it adds HTML elements the English does not have: {shown}; keep the English tags"
    if _open_elements(translation) != _open_elements(english):
        yield "it leaves an element open or closes one the English does not; keep each tag with its end"
    handlers = {name for tag in translation.html for name, _ in tag.attrs if name.startswith("on")}
    if handlers - {name for tag in english.html for name, _ in tag.attrs}:
        yield f"it adds event handlers ({', '.join(sorted(handlers))}); remove them"
    changed = _fixed_attributes(translation) - _fixed_attributes(english)
    if changed:
        shown = ", ".join(f"{name}={value!r} on <{tag}>" for tag, name, value in sorted(changed.elements()))
        yield f"it adds or changes HTML attributes: {_short(shown, 120)}; keep the English ones"


def describe_blocks(english: Sequence[BlockNode], translation: Sequence[BlockNode]) -> str:
    """Say how two block skeletons differ, and what to do about it (the guard says it too)."""
    english_kinds = Counter(node.kind for node in english)
    translation_kinds = Counter(node.kind for node in translation)
    for node in translation:
        if translation_kinds[node.kind] > english_kinds[node.kind]:
            name = _BLOCK_NAMES.get(node.kind, node.kind)
            return f"it makes {name} the English does not have; escape the character that starts it or reword"
    for node in english:
        if english_kinds[node.kind] > translation_kinds[node.kind]:
            name = _BLOCK_NAMES.get(node.kind, node.kind)
            return f"it loses {name} the English has; keep the English layout"
    for old, new in zip(english, translation, strict=False):
        if new.detail == "task" and old.detail != "task":
            return "it turns a list item into a task ([ ] or [x]); write '\\[' or reword"
    return (
        "its blocks differ from the English (nesting, task box, alert or blank line); keep the English layout"
    )


def check_block_structure(pair: Pair) -> Iterator[str]:
    text, english = pair.translation.filled, pair.english.filled
    if "\n" in text and pair.kind != "paragraph":
        yield f"a {pair.kind} cannot hold a line break"
    elif pair.kind == "table-cell" and _UNESCAPED_PIPE.search(text):
        yield "a table cell cannot hold an unescaped '|'; write '\\|'"
    elif pair.kind == "table-cell" and text.endswith("\\") and not english.endswith("\\"):
        # In its row the cell may be followed by '|' at once, and markdown-it and GitHub
        # take any backslash before a '|' as escaping it, even an escaped backslash.
        # An English cell that ends so has padding after it, which the splice keeps.
        yield "a table cell cannot end with a backslash: it would escape the '|' after it; reword"
    elif pair.kind in _BLOCK_UNITS and pair.english.facts.blocks != pair.translation.facts.blocks:
        yield describe_blocks(pair.english.facts.blocks, pair.translation.facts.blocks)


def check_reference_labels(pair: Pair) -> Iterator[str]:
    if pair.english.facts.labels == pair.translation.facts.labels:
        return
    english, translation = Counter(pair.english.facts.labels), Counter(pair.translation.facts.labels)
    if english != translation:
        change = _difference(english, translation, lambda label: f"[{label}]")
        yield f"its reference links or footnotes differ from the English ({change}); keep the labels"


def _is_control(char: str) -> bool:
    return char in _BIDI_CONTROLS or (unicodedata.category(char) == "Cc" and char not in "\n\t")


def _is_invisible(char: str) -> bool:
    if _is_control(char) or char in _JOINERS:
        return False
    return unicodedata.category(char) in ("Cf", "Zl", "Zp", "Co", "Cs")


def _new_characters(pair: Pair, wanted: Callable[[str], bool]) -> list[str]:
    if pair.translation.text.isprintable():
        return []  # every control and invisible character is unprintable, tabs included
    return sorted(char for char in set(pair.translation.text) - set(pair.english.text) if wanted(char))


def _char_name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'control character')}"


def check_control_chars(pair: Pair) -> Iterator[str]:
    for char in _new_characters(pair, _is_control):
        yield f"it holds {_char_name(char)}, which the English does not; remove it"


def check_invisible_chars(pair: Pair) -> Iterator[str]:
    for char in _new_characters(pair, _is_invisible):
        yield f"it holds the invisible {_char_name(char)}, which the English does not; remove it"


def check_newlines(pair: Pair) -> Iterator[str]:
    english, translation = pair.english.text, pair.translation.text
    for where, test in (("start", str.startswith), ("end", str.endswith)):
        if test(translation, "\n") and not test(english, "\n"):
            yield f"it {where}s with a line feed and the English does not; remove it"
        elif test(english, "\n") and not test(translation, "\n"):
            yield f"the English {where}s with a line feed and the translation does not; add one"


# How much longer than its English a translation may be: any language fits (German runs
# about 1.3 times the English), and a translation a thousand times as long, made only to
# keep the parsers busy, is refused before it is parsed.
MAX_GROWTH = 5
LENGTH_SLACK = 500


def length_problem(msgid: str, msgstr: str) -> str | None:
    """What is wrong with a translation too long for its English, or None; it needs no parse."""
    limit = MAX_GROWTH * len(msgid) + LENGTH_SLACK
    if len(msgstr) <= limit:
        return None
    return (
        f"it is {len(msgstr):,} characters long for {len(msgid):,} of English (at most {limit:,}); "
        "shorten it, or the maintainer switches 'length' off for this entry"
    )


def check_length(pair: Pair) -> Iterator[str]:
    problem = length_problem(pair.english.text, pair.translation.text)
    if problem:
        yield problem


def check_inline_code(pair: Pair) -> Iterator[str]:
    english, translation = Counter(pair.english.facts.code), Counter(pair.translation.facts.code)
    if english != translation:
        change = _difference(english, translation, lambda code: f"`{_short(code, 40)}`")
        yield f"its inline code differs from the English ({change}); copy code unchanged"


def check_emphasis(pair: Pair) -> Iterator[str]:
    extra = Counter(pair.translation.facts.unmatched) - Counter(pair.english.facts.unmatched)
    for marker in sorted(extra):
        yield f"an emphasis marker '{marker}' is never closed; close it or write '\\{marker}'"
