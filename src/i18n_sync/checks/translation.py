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
invisible-chars    error    zero-width characters, direction marks, soft hyphens, tabs...
inline-code        warning  a code span changed (translators rightly translate some terms)
emphasis           warning  an emphasis or strikethrough marker left unclosed
=================  =======  ==============================================================

`CHECKS` is that table; each row runs a comparison from `checks.compare`, and this module
holds the table, the levels and opt-outs, and runs the checks. A render uses no translation
with an error-level finding.

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

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType

from i18n_sync.checks.compare import (
    LENGTH_SLACK,
    MAX_GROWTH,
    Pair,
    Side,
    check_block_structure,
    check_control_chars,
    check_emphasis,
    check_html_attributes,
    check_html_tags,
    check_html_unit,
    check_inline_code,
    check_invisible_chars,
    check_length,
    check_link_targets,
    check_newlines,
    check_placeholders,
    check_reference_labels,
    check_unsafe_urls,
    length_problem,
    link_targets,
    nothing_allowed,
)
from i18n_sync.checks.github import Difference, differences, shown_in
from i18n_sync.markdown.facts import unit_facts
from i18n_sync.markdown.html import HTML_KINDS, html_facts
from i18n_sync.markdown.msgid import fill_placeholders
from i18n_sync.markdown.records import ParseContext
from i18n_sync.model import Message
from i18n_sync.record import record

ERROR = "error"
WARNING = "warning"
OFF = "off"
LEVELS = (ERROR, WARNING, OFF)

NO_CONTEXT = ParseContext()

_IGNORE_COMMENT = re.compile(r"^\s*i18n-sync:\s*ignore\b(?P<ids>.*)$")


@record
class Finding:
    """What one check found wrong with a translation, and how serious it is."""

    check: str
    level: str
    message: str


# --- the table -------------------------------------------------------------------------------


@record
class Check:
    """One row of the table: an id, a default level, a one-line explanation, the test.

    `run` yields one message per problem; a message says what is wrong and what to do.
    """

    id: str
    level: str
    explanation: str
    run: Callable[[Pair], Iterator[str]]


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
        f"at most {MAX_GROWTH} times as long as the English, plus {LENGTH_SLACK} characters",
        check_length,
    ),
    Check("placeholders", ERROR, "every {n} in the translation is a placeholder", check_placeholders),
    Check(
        "link-targets",
        ERROR,
        "links, images, autolinks and HTML URL attributes point where the English ones do",
        _also_on_github(check_link_targets, "link", _URL_ADVICE),
    ),
    Check(
        "unsafe-url",
        ERROR,
        "no javascript:, vbscript:, data: or file: URL the English lacks, whatever the spelling",
        check_unsafe_urls,
    ),
    Check(
        "html-tags",
        ERROR,
        "no raw HTML tag, comment or declaration the English lacks",
        _also_on_github(check_html_tags, "element", _HTML_ADVICE),
    ),
    Check(
        "html-attributes",
        ERROR,
        "no HTML attribute or attribute value the English lacks on that tag",
        _also_on_github(check_html_attributes, "attribute", _HTML_ADVICE),
    ),
    Check(
        "html-unit",
        ERROR,
        "an HTML unit keeps the English elements, attributes and their values (readable ones aside)",
        check_html_unit,
    ),
    Check(
        "block-structure",
        ERROR,
        "no new heading, list, quote, code block, table row or HTML block; no line break or '|' "
        "where the unit cannot hold one",
        _also_on_github(check_block_structure, "block", "escape the character that starts it or reword"),
    ),
    Check(
        "reference-labels",
        ERROR,
        "reference links, reference images and footnote references keep the English labels",
        check_reference_labels,
    ),
    Check(
        "control-chars",
        ERROR,
        "no bidi override, embedding or isolate and no control character the English lacks",
        _also_on_github(check_control_chars, "bidi", "remove it (an entity such as &#x202E; counts too)"),
    ),
    Check(
        "newlines",
        ERROR,
        "a leading or trailing line feed exactly where the English has one",
        check_newlines,
    ),
    Check("inline-code", WARNING, "code spans are copied unchanged", check_inline_code),
    Check("emphasis", WARNING, "every emphasis or strikethrough marker added is closed", check_emphasis),
    Check(
        "invisible-chars",
        ERROR,
        "no zero-width character, direction mark or soft hyphen the English lacks",
        _also_on_github(check_invisible_chars, "invisible", "remove it (an entity counts too)"),
    ),
)

CHECK_IDS = tuple(check.id for check in CHECKS)
MANDATORY = frozenset({"unsafe-url"})
"""Checks that no configuration or translator comment can switch off or lower."""

_DEFAULT_LEVELS = {check.id: check.level for check in CHECKS}


# --- levels and opt-outs ---------------------------------------------------------------------


@record
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


def too_long_finding(msgid: str, msgstr: str, policy: Policy) -> Finding | None:
    """The ``length`` finding of a translation too long to parse safely, when the check is an error."""
    if policy.level_for("length", msgid) != ERROR:
        return None
    problem = length_problem(msgid, msgstr)
    return Finding("length", ERROR, problem) if problem else None


@lru_cache(maxsize=4096)
def _side(text: str, kind: str, urls: tuple[str, ...], context: ParseContext) -> Side:
    filled = fill_placeholders(text, urls, strict=False)
    facts = html_facts(filled, kind) if kind in HTML_KINDS else unit_facts(filled, kind, context)
    return Side(text, filled, facts, link_targets(facts))


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
    allowed: Callable[[str], bool] = nothing_allowed,
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
    allowed: Callable[[str], bool] = nothing_allowed,
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
