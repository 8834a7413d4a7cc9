"""Translation checks: a translation is untrusted input until it is compared with its English.

A PO file comes back from a volunteer or a machine, and its text ends up in a README
that many people read. Every check parses the msgid and the msgstr with the product's
parser settings, in the document's context (reference definitions, footnotes), with the
English URLs put back in place of the ``{n}`` placeholders, and compares what the parser
found in the two (`markdown.facts.unit_facts`, each text parsed once): Markdown is never matched
with regular expressions. Links count as links even where markdown-it would refuse their URL, since
other renderers do not refuse them. ``i18n-sync check`` runs every check over every
catalogue; render and sync run them before they use a translation.

=================  =======  ==============================================================
id                 level    a finding means
=================  =======  ==============================================================
length             error    far longer than the English (refused before it is parsed)
placeholders       error    the translation uses a ``{n}`` that is not a placeholder
link-targets       error    links, images, autolinks or HTML URL attributes point elsewhere
unsafe-url         error    a ``javascript:``, ``vbscript:``, ``data:`` or ``file:`` URL,
                            however spelled, that the English does not have
html-tags          error    a raw HTML tag, comment or declaration the English does not have
html-attributes    error    an HTML attribute the English does not have on that tag
html-unit          error    in an HTML unit: an element, closing tag, event handler or
                            attribute the English lacks, a changed value (alt, title...
                            aside), or an unfinished ``<!--`` or ``<tag``: HTML text is
                            counted, not only named
block-structure    error    a heading, list, quote, code block, table row, HTML block... opened,
                            or a line break or ``|`` where the unit cannot hold one
reference-labels   error    reference links or footnote references use other labels
control-chars      error    bidi overrides/embeddings/isolates or control characters
newlines           error    a leading or trailing line feed where the English has none, or
                            the reverse
inline-code        warning  a code span changed (translators rightly translate some terms)
emphasis           warning  an emphasis or strikethrough marker left unclosed
invisible-chars    warning  zero-width characters, direction marks, soft hyphens, tabs...
=================  =======  ==============================================================

`CHECKS` is that table. A render uses no translation with an error-level finding.

Switching checks off or changing their level is the maintainer's, in the configuration:

- per project, the ``checks`` table maps a check id to ``"error"``, ``"warning"`` or
  ``"off"``: ``checks = { "inline-code" = "error" }``;
- per entry, ``checks_off`` maps a check id to the msgids it is off for.

A translator comment ``# i18n-sync: ignore inline-code emphasis`` (the translators' own
file) may explain a finding and silences a warning, never an error. ``check`` lists the
findings the configuration switched off as skipped.

``unsafe-url`` can be neither lowered nor ignored: an unsafe URL from a translation is
never rendered, whatever the configuration says. It reads URLs more suspiciously than a
browser (percent-escapes are decoded too), so a spelling no browser runs still counts.
What GitHub shows is the judge as well (`github`): ``check`` compares each translation
rendered by cmark-gfm with its English, and the whole rendered document is guarded
(`guard_document` for its blocks, `guard_shown` for what GitHub shows): a translation
is checked once more in its place, where a list item or a quote around it can change
what it means, and a unit that changes the document is named. Render runs only the
error-level checks; ``check`` runs all.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from urllib.parse import unquote

from i18n_sync.checks.github import Difference, differences, shown_in
from i18n_sync.markdown.facts import unit_facts
from i18n_sync.markdown.html import HTML_KINDS, VOID, html_facts, unfinished_markup
from i18n_sync.markdown.msgid import PLACEHOLDER, fill_placeholders
from i18n_sync.markdown.records import BlockNode, ParseContext, TextFacts
from i18n_sync.model import Message

ERROR = "error"
WARNING = "warning"
OFF = "off"
LEVELS = (ERROR, WARNING, OFF)

UNSAFE_SCHEMES = ("javascript", "vbscript", "data", "file")
NO_CONTEXT = ParseContext()

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
_IGNORE_COMMENT = re.compile(r"^\s*i18n-sync:\s*ignore\b(?P<ids>.*)$")

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


@dataclass(frozen=True, slots=True)
class Finding:
    """What one check found wrong with a translation, and how serious it is."""

    check: str
    level: str
    message: str


@dataclass(frozen=True, slots=True)
class Side:
    """The msgid or the msgstr: as written, with the URLs in place of placeholders, parsed.

    `targets` are where its links go (`_link_targets`), which every check run needs.
    """

    text: str
    filled: str
    facts: TextFacts
    targets: Counter[str]


def _nothing_allowed(url: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
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
    allowed: Callable[[str], bool] = _nothing_allowed
    shown: tuple[Difference, ...] = ()


@dataclass(frozen=True, slots=True)
class Check:
    """One row of the table: an id, a default level, a one-line explanation, the test.

    `run` yields one message per problem; a message says what is wrong and what to do.
    """

    id: str
    level: str
    explanation: str
    run: Callable[[Pair], Iterator[str]]


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


def _link_targets(facts: TextFacts) -> Counter[str]:
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


def _check_placeholders(pair: Pair) -> Iterator[str]:
    if not pair.urls:
        return  # braces are text in a unit without URLs
    numbers = sorted({int(match.group(1)) for match in PLACEHOLDER.finditer(pair.translation.text)})
    for number in numbers:
        if not 1 <= number <= len(pair.urls):
            yield f"{{{number}}} is not a placeholder of this text; use {{1}} to {{{len(pair.urls)}}}"


def _check_link_targets(pair: Pair) -> Iterator[str]:
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


def _check_unsafe_urls(pair: Pair) -> Iterator[str]:
    found = unsafe_urls(pair.translation.facts)
    if not found:
        return
    added = found - unsafe_urls(pair.english.facts)
    for url in sorted(added):
        yield f"unsafe URL '{_short(url)}'; only the English links may be used"


def _tag_names(facts: TextFacts) -> set[str]:
    return {tag.name for tag in facts.html}


def _check_html_tags(pair: Pair) -> Iterator[str]:
    if not pair.translation.facts.html:
        return
    added = _tag_names(pair.translation.facts) - _tag_names(pair.english.facts)
    if added:
        shown = ", ".join(f"<{name}>" for name in sorted(added))
        yield f"it adds HTML the English does not have: {shown}; remove it"


def _attributes(facts: TextFacts) -> set[tuple[str, str]]:
    return {(tag.name, name) for tag in facts.html for name, _ in tag.attrs}


def _check_html_attributes(pair: Pair) -> Iterator[str]:
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


def _check_html_unit(pair: Pair) -> Iterator[str]:
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


def _check_block_structure(pair: Pair) -> Iterator[str]:
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


def _check_reference_labels(pair: Pair) -> Iterator[str]:
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


def _check_control_chars(pair: Pair) -> Iterator[str]:
    for char in _new_characters(pair, _is_control):
        yield f"it holds {_char_name(char)}, which the English does not; remove it"


def _check_invisible_chars(pair: Pair) -> Iterator[str]:
    for char in _new_characters(pair, _is_invisible):
        yield f"it holds the invisible {_char_name(char)}, which the English does not; remove it"


def _check_newlines(pair: Pair) -> Iterator[str]:
    english, translation = pair.english.text, pair.translation.text
    for where, test in (("start", str.startswith), ("end", str.endswith)):
        if test(translation, "\n") and not test(english, "\n"):
            yield f"it {where}s with a line feed and the English does not; remove it"
        elif test(english, "\n") and not test(translation, "\n"):
            yield f"the English {where}s with a line feed and the translation does not; add one"


# How much longer than its English a translation may be: any language fits (German runs
# about 1.3 times the English), and a translation a thousand times as long, made only to
# keep the parsers busy, is refused before it is parsed.
_MAX_GROWTH = 5
_LENGTH_SLACK = 500


def _length_problem(msgid: str, msgstr: str) -> str | None:
    limit = _MAX_GROWTH * len(msgid) + _LENGTH_SLACK
    if len(msgstr) <= limit:
        return None
    return (
        f"it is {len(msgstr):,} characters long for {len(msgid):,} of English (at most {limit:,}); "
        "shorten it, or the maintainer switches 'length' off for this entry"
    )


def too_long_finding(msgid: str, msgstr: str, policy: Policy) -> Finding | None:
    """The ``length`` finding of a translation too long to parse safely, when the check is an error."""
    if policy.level_for("length", msgid) != ERROR:
        return None
    problem = _length_problem(msgid, msgstr)
    return Finding("length", ERROR, problem) if problem else None


def _check_length(pair: Pair) -> Iterator[str]:
    problem = _length_problem(pair.english.text, pair.translation.text)
    if problem:
        yield problem


def _check_inline_code(pair: Pair) -> Iterator[str]:
    english, translation = Counter(pair.english.facts.code), Counter(pair.translation.facts.code)
    if english != translation:
        change = _difference(english, translation, lambda code: f"`{_short(code, 40)}`")
        yield f"its inline code differs from the English ({change}); copy code unchanged"


def _check_emphasis(pair: Pair) -> Iterator[str]:
    extra = Counter(pair.translation.facts.unmatched) - Counter(pair.english.facts.unmatched)
    for marker in sorted(extra):
        yield f"an emphasis marker '{marker}' is never closed; close it or write '\\{marker}'"


def _also_on_github(
    run: Callable[[Pair], Iterator[str]], kind: str, advice: str
) -> Callable[[Pair], Iterator[str]]:
    """`run`, and when it finds nothing, what GitHub shows of that `kind` that the English lacks.

    Our parser and GitHub's disagree (autolinks, entities, raw HTML read as a browser
    reads it): a translation passes only when both see nothing new.
    """

    def combined(pair: Pair) -> Iterator[str]:
        found = list(run(pair))
        yield from found
        details = [difference.detail for difference in pair.shown if difference.kind == kind]
        if details and not found:
            yield f"on GitHub it shows {', '.join(details)}, which the English does not; {advice}"

    return combined


_URL_ADVICE = "use the {n} placeholders, and write other URLs in `backticks`"
_HTML_ADVICE = "remove it, or write '\\<' for a '<' meant as text"


CHECKS: tuple[Check, ...] = (
    Check(
        "length",
        ERROR,
        f"at most {_MAX_GROWTH} times as long as the English, plus {_LENGTH_SLACK} characters",
        _check_length,
    ),
    Check("placeholders", ERROR, "every {n} in the translation is a placeholder", _check_placeholders),
    Check(
        "link-targets",
        ERROR,
        "links, images, autolinks and HTML URL attributes point where the English ones do",
        _also_on_github(_check_link_targets, "link", _URL_ADVICE),
    ),
    Check(
        "unsafe-url",
        ERROR,
        "no javascript:, vbscript:, data: or file: URL the English lacks, whatever the spelling",
        _check_unsafe_urls,
    ),
    Check(
        "html-tags",
        ERROR,
        "no raw HTML tag, comment or declaration the English lacks",
        _also_on_github(_check_html_tags, "element", _HTML_ADVICE),
    ),
    Check(
        "html-attributes",
        ERROR,
        "no HTML attribute or attribute value the English lacks on that tag",
        _also_on_github(_check_html_attributes, "attribute", _HTML_ADVICE),
    ),
    Check(
        "html-unit",
        ERROR,
        "an HTML unit keeps the English elements, attributes and their values (readable ones aside)",
        _check_html_unit,
    ),
    Check(
        "block-structure",
        ERROR,
        "no new heading, list, quote, code block, table row or HTML block; no line break or '|' "
        "where the unit cannot hold one",
        _also_on_github(_check_block_structure, "block", "escape the character that starts it or reword"),
    ),
    Check(
        "reference-labels",
        ERROR,
        "reference links, reference images and footnote references keep the English labels",
        _check_reference_labels,
    ),
    Check(
        "control-chars",
        ERROR,
        "no bidi override, embedding or isolate and no control character the English lacks",
        _also_on_github(_check_control_chars, "bidi", "remove it (an entity such as &#x202E; counts too)"),
    ),
    Check(
        "newlines",
        ERROR,
        "a leading or trailing line feed exactly where the English has one",
        _check_newlines,
    ),
    Check("inline-code", WARNING, "code spans are copied unchanged", _check_inline_code),
    Check("emphasis", WARNING, "every emphasis or strikethrough marker added is closed", _check_emphasis),
    Check(
        "invisible-chars",
        ERROR,
        "no zero-width character, direction mark or soft hyphen the English lacks",
        _also_on_github(_check_invisible_chars, "invisible", "remove it (an entity counts too)"),
    ),
)

CHECK_IDS = tuple(check.id for check in CHECKS)
MANDATORY = frozenset({"unsafe-url"})
"""Checks that no configuration or translator comment can switch off or lower."""

_DEFAULT_LEVELS = {check.id: check.level for check in CHECKS}


# --- levels and opt-outs ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Policy:
    """The level of each check for a project: the defaults, changed by its configuration.

    `levels` are the project's (check id, level) pairs (its ``checks`` setting);
    `entries_off` the (check id, msgid) pairs it switches off for one entry only
    (``checks_off``). Both are the maintainer's: a translator cannot lower a check.
    """

    levels: tuple[tuple[str, str], ...] = ()
    entries_off: frozenset[tuple[str, str]] = frozenset()

    def level_of(self, check_id: str) -> str:
        """The level of a check in this project: error, warning or off."""
        return _levels(self.levels)[check_id]

    def level_for(self, check_id: str, msgid: str) -> str:
        """The level of a check for the entry with this msgid."""
        if self.entries_off and (check_id, msgid) in self.entries_off:
            return OFF
        return _levels(self.levels)[check_id]


@lru_cache(maxsize=8)
def _levels(levels: tuple[tuple[str, str], ...]) -> Mapping[str, str]:
    return MappingProxyType({**_DEFAULT_LEVELS, **dict(levels)})


DEFAULT_POLICY = Policy()


def _known(check_id: str, where: str) -> None:
    if check_id not in _DEFAULT_LEVELS:
        raise ValueError(f"{where} names unknown check {check_id!r}; known checks: {', '.join(CHECK_IDS)}")
    if check_id in MANDATORY:
        raise ValueError(f"check {check_id!r} cannot be lowered: an unsafe URL is never rendered")


def make_policy(
    levels: Iterable[tuple[str, str]], entries_off: Iterable[tuple[str, Iterable[str]]] = ()
) -> Policy:
    """Check a project's (check id, level) pairs and (check id, msgids) switched off per entry.

    Raise `ValueError` saying what to fix.
    """
    pairs = tuple(levels)
    for check_id, level in pairs:
        if level not in LEVELS:
            raise ValueError(f"check {check_id!r} has level {level!r}; use one of {', '.join(LEVELS)}")
        if level == ERROR and check_id in _DEFAULT_LEVELS:
            continue  # raising a check's level is always allowed, even a mandatory one's
        _known(check_id, "'checks'")
    off: set[tuple[str, str]] = set()
    for check_id, msgids in entries_off:
        _known(check_id, "'checks_off'")
        off.update((check_id, msgid) for msgid in msgids)
    return Policy(pairs, frozenset(off))


def ignored_checks(comments: Iterable[str]) -> frozenset[str]:
    """The check ids an entry's translator comments switch off (``i18n-sync: ignore a b``)."""
    ids: set[str] = set()
    for comment in comments:
        match = _IGNORE_COMMENT.match(comment)
        if match:
            ids.update(word for word in re.split(r"[\s,]+", match.group("ids")) if word)
    return frozenset(ids)


def ignores_of(messages: Iterable[Message]) -> dict[str, frozenset[str]]:
    """For each msgid whose entry has an ``i18n-sync: ignore`` comment, the ids it names."""
    return {message.msgid: ids for message in messages if (ids := ignored_checks(message.comments))}


# --- running the checks ----------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _side(text: str, kind: str, urls: tuple[str, ...], context: ParseContext) -> Side:
    filled = fill_placeholders(text, urls, strict=False)
    facts = html_facts(filled, kind) if kind in HTML_KINDS else unit_facts(filled, kind, context)
    return Side(text, filled, facts, _link_targets(facts))


# What a unit's text is wrapped in to render it as the block it stands in.
_GITHUB_WRAPPERS = {"heading": "# {}", "table-cell": "|{}|\n|-|\n"}


def _shown_differences(
    english: str, translation: str, kind: str, allowed: Callable[[str], bool]
) -> tuple[Difference, ...]:
    """What GitHub shows of a translation, alone in its block, that it does not of the English.

    Front matter is not Markdown: GitHub shows its values as escaped text.
    """
    if kind == "front-matter":
        return ()
    wrapper = _GITHUB_WRAPPERS.get(kind, "{}")
    found = differences(shown_in(wrapper.format(english)), shown_in(wrapper.format(translation)), allowed)
    return tuple(found)


def has_english_link_targets(
    msgid: str, text: str, context: ParseContext, kind: str, urls: Sequence[str]
) -> bool:
    """Whether a translation (its URLs filled in) links to exactly the English targets.

    The common case, answered from the same cached parses `run_checks` makes. A msgid
    whose parse finds other links than its source did (layout normalised away can make
    a link of what was none) never takes this short cut.
    """
    english = _side(msgid, kind, tuple(urls), context).targets
    if english.total() != len(urls):
        return False
    return _side(text, kind, tuple(urls), context).targets == english


def run_checks(
    msgid: str,
    msgstr: str,
    context: ParseContext = NO_CONTEXT,
    kind: str = "paragraph",
    urls: Sequence[str] = (),
    policy: Policy = DEFAULT_POLICY,
    ignored: Collection[str] = (),
    allowed: Callable[[str], bool] = _nothing_allowed,
    errors_only: bool = False,
    skipped: bool = False,
) -> tuple[Finding, ...]:
    """Run every check that is on over one translation; return the findings in table order.

    `kind` is the unit's kind (paragraph, heading, table-cell, front-matter...), `urls`
    the English URLs behind its placeholders, `ignored` the check ids its translator
    comments ask to ignore: a warning is then left out, an error is not (only the
    configuration, through `policy`, can lower an error; the finding says so).
    `allowed` says which localized link targets the configuration allows; `errors_only`
    runs just the error-level checks (all a render needs); `skipped` runs the checks
    the configuration switched off as well, their findings at level ``off`` (``check``
    lists them). A translation equal to its msgid has nothing to find by construction.
    """
    if msgstr == msgid:
        return ()
    too_long = too_long_finding(msgid, msgstr, policy)
    if too_long is not None:  # not parsed at all: that is the point
        return (too_long,)
    urls = tuple(urls)
    english = _side(msgid, kind, urls, context)
    translation = _side(msgstr, kind, urls, context)
    # A render (`errors_only`) leaves what GitHub shows to the document guard
    # (`guard_shown`), which renders the whole document at once, for less.
    shown = () if errors_only else _shown_differences(english.filled, translation.filled, kind, allowed)
    pair = Pair(kind, urls, english, translation, allowed, shown)
    findings: list[Finding] = []
    levels = _levels(policy.levels)
    for check in CHECKS:
        level = levels[check.id] if not policy.entries_off else policy.level_for(check.id, msgid)
        if (level == OFF and not skipped) or (errors_only and level != ERROR):
            continue
        if level == WARNING and check.id in ignored:
            continue
        note = _IGNORE_REFUSED if level == ERROR and check.id in ignored else ""
        for message in check.run(pair):
            findings.append(Finding(check.id, level, message + note))
    return tuple(findings)


_IGNORE_REFUSED = (
    " (a translator comment asks to ignore this check; only the configuration's 'checks_off' can)"
)


def errors_of(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The error-level findings: those that keep a translation out of the output."""
    return tuple(finding for finding in findings if finding.level == ERROR)


def format_findings(findings: Iterable[Finding]) -> str:
    """``[id] message; [id] message``: findings as one line of a report."""
    return "; ".join(f"[{finding.check}] {finding.message}" for finding in findings)


def check_messages(
    messages: Iterable[Message],
    context: ParseContext,
    kinds: Mapping[str, Collection[tuple[str, tuple[str, ...]]]],
    policy: Policy = DEFAULT_POLICY,
    allowed: Callable[[str], bool] = _nothing_allowed,
) -> Iterator[tuple[Message, Finding]]:
    """Check each translated, non-fuzzy entry against every unit that has its msgid.

    `kinds` maps a msgid to the (kind, URLs) of its units in the source; an entry whose
    msgid is not in the source any more is checked as a paragraph, with the URLs of its
    ``#. {n}: URL`` comments.
    """
    for message in messages:
        if not message.is_translated:
            continue
        ignored = ignored_checks(message.comments)
        seen: set[Finding] = set()
        for kind, urls in kinds.get(message.msgid) or (("paragraph", _comment_urls(message)),):
            found = run_checks(
                message.msgid, message.msgstr, context, kind, urls, policy, ignored, allowed, skipped=True
            )
            for finding in found:
                if finding not in seen:
                    seen.add(finding)
                    yield message, finding


_URL_COMMENT = re.compile(r"^\{(\d+)\}: (.*)$")


def _comment_urls(message: Message) -> tuple[str, ...]:
    found = {int(m.group(1)): m.group(2) for c in message.extracted if (m := _URL_COMMENT.match(c))}
    return tuple(found[number] for number in range(1, len(found) + 1) if number in found)
