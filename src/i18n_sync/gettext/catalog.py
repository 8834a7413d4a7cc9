"""Units → gettext templates, and the headers of templates and catalogues."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace

from i18n_sync.errors import UsageError
from i18n_sync.gettext.po_write import COMMENT_UNWRITABLE
from i18n_sync.locales import Language
from i18n_sync.model import Catalog, Message, Unit

RETIRED_FLAGS = frozenset({"markdown-text"})
"""Flags i18n-sync once wrote on every entry and no longer does; others' flags are kept.

GNU msgcat and msgmerge drop ``markdown-text`` (it came and went with each round
trip), and Weblate's flag is ``md-text``, set once on the component.
"""

_TEMPLATE_HEADER = (
    ("Project-Id-Version", ""),
    ("Report-Msgid-Bugs-To", ""),
    ("POT-Creation-Date", ""),
    ("PO-Revision-Date", "YEAR-MO-DA HO:MI+ZONE"),
    ("Last-Translator", "FULL NAME <EMAIL@ADDRESS>"),
    ("Language-Team", "LANGUAGE <LL@li.org>"),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=UTF-8"),
    ("Content-Transfer-Encoding", "8bit"),
)


# The last second the header's four-digit year can hold: 9999-12-31 23:59:59 UTC.
_LAST_EPOCH = 253402300799


def creation_date(environ: Mapping[str, str] = os.environ) -> str:
    """Now, or `SOURCE_DATE_EPOCH` when set, in the PO header's format (UTC).

    `UsageError` for a value that is not a whole number of seconds up to the year
    9999: the reproducible-builds convention asks a tool to stop on a malformed
    one rather than quietly write the date of today.
    """
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return time.strftime("%Y-%m-%d %H:%M+0000", time.gmtime())
    digits = epoch.lstrip("0") or "0"
    # ASCII digits only (str.isdigit() also takes "²", which int() refuses), and not more
    # than the last second needs (int() refuses thousands of them).
    if not (
        epoch.isascii()
        and epoch.isdigit()
        and len(digits) <= len(str(_LAST_EPOCH))
        and int(digits) <= _LAST_EPOCH
    ):
        raise UsageError(
            f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds since 1970-01-01 UTC; "
            "set it to a whole number (the last commit's: git log -1 --format=%ct), or unset it"
        )
    return time.strftime("%Y-%m-%d %H:%M+0000", time.gmtime(int(digits)))


# What a translator must know about a unit whose text is not Markdown.
_KIND_NOTES = {
    "html-text": "HTML: translate the text (and alt, title); keep the tags as they are",
    "html-attribute": "HTML attribute value (alt, title...): plain text",
}


def _comments(unit: Unit) -> list[str]:
    comments = [_KIND_NOTES[unit.kind]] if unit.kind in _KIND_NOTES else []
    if unit.section:
        comments.append(_writable("Section: " + " > ".join(unit.section)))
    comments.extend(_writable(f"{{{number}}}: {url}") for number, url in enumerate(unit.urls, start=1))
    return comments


def _writable(comment: str) -> str:
    """A comment made from the English (a heading, a link), as a PO file can hold it.

    A control character (a heading may hold one) is spelled as an escape (``\\x85``).
    A backslash at the end (a heading "C:\\", a link ending in one) is followed by a
    space: GNU gettext reads it as joining the next line, and msgcat refuses the file.
    """
    comment = COMMENT_UNWRITABLE.sub(lambda found: ascii(found.group())[1:-1], comment)
    return comment + " " if comment.endswith("\\") else comment


def build_messages(units: Sequence[Unit], reference: str) -> tuple[Message, ...]:
    """One message per distinct msgid, in document order.

    References name the source file without line numbers, so adding a
    paragraph does not rewrite the references of every entry below it.
    """
    return build_shared_messages([(units, reference)])


def build_shared_messages(documents: Sequence[tuple[Sequence[Unit], str]]) -> tuple[Message, ...]:
    """The messages of several documents in one catalogue: identical English is one entry.

    Entries come in the order their English first appears, document after
    document; an entry names every document that uses it, in that order.
    """
    comments_of: dict[str, list[str]] = {}
    references_of: dict[str, list[str]] = {}
    for units, reference in documents:
        for unit in units:
            comments = comments_of.setdefault(unit.msgid, [])
            comments.extend(c for c in _comments(unit) if c not in comments)
            references = references_of.setdefault(unit.msgid, [])
            if reference not in references:
                references.append(reference)
    return tuple(
        Message(
            msgid=msgid,
            extracted=tuple(comments),
            references=tuple(references_of[msgid]),
        )
        for msgid, comments in comments_of.items()
    )


def build_template(
    units: Sequence[Unit], reference: str, project: str, previous: Catalog | None, date: str
) -> Catalog:
    """The template (POT) for one document.

    When the messages equal those of the `previous` template, its header is
    kept as it is, so an unchanged source rewrites nothing, not even a date.
    """
    return build_shared_template([(units, reference)], project, previous, date)


def build_shared_template(
    documents: Sequence[tuple[Sequence[Unit], str]], project: str, previous: Catalog | None, date: str
) -> Catalog:
    """The template of one or more documents (`build_shared_messages`); see `build_template`."""
    messages = build_shared_messages(documents)
    reference = documents[0][1] if len(documents) == 1 else f"{len(documents)} documents"
    if previous is not None and previous.messages == messages:
        return previous
    if previous is not None:
        return replace(previous, messages=messages).with_header("POT-Creation-Date", date)
    header = dict(_TEMPLATE_HEADER)
    header["Project-Id-Version"] = project
    header["POT-Creation-Date"] = date
    return Catalog(
        header=tuple(header.items()),
        messages=messages,
        header_comments=(
            f"Translation template for {reference}.",
            "Generated by i18n-sync; do not edit: edit the source and run 'i18n-sync extract'.",
        ),
        header_flags=("fuzzy",),
    )


def new_catalog(template: Catalog, language: Language, reference: str) -> Catalog:
    """An empty catalogue of `language` for a template."""
    catalog = Catalog(
        header=template.header,
        messages=(),
        header_comments=(f"{language.tag} translation of {reference}.",),
    )
    return catalog.with_headers(
        (
            ("Language-Team", ""),
            ("Last-Translator", ""),
            ("Language", language.code),
            ("Plural-Forms", language.plural_forms),
        )
    )


def with_language(catalog: Catalog, language: Language) -> Catalog:
    """Make sure the header names the language and its plural forms."""
    if catalog.header_value("Language") != language.code:
        catalog = catalog.with_header("Language", language.code)
    if not catalog.header_value("Plural-Forms"):
        catalog = catalog.with_header("Plural-Forms", language.plural_forms)
    return catalog


def without_retired_flags(catalog: Catalog) -> Catalog:
    """The catalogue without the flags of `RETIRED_FLAGS` (the same object when it has none)."""
    if not any(RETIRED_FLAGS.intersection(m.flags) for m in catalog.messages):
        return catalog
    messages = tuple(
        replace(m, flags=tuple(f for f in m.flags if f not in RETIRED_FLAGS))
        if RETIRED_FLAGS.intersection(m.flags)
        else m
        for m in catalog.messages
    )
    return replace(catalog, messages=messages)
