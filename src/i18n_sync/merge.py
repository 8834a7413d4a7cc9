"""Template + old catalogue → new catalogue, never losing a translation."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .model import Catalog, Message


@dataclass(frozen=True, slots=True)
class MergeReport:
    """How the entries of one catalogue fared in an update."""

    kept: int = 0
    added: int = 0
    obsolete: int = 0
    revived: int = 0


def _carry_over(new: Message, old: Message) -> Message:
    """The template's entry with the translator's work from the old one."""
    flags = tuple(dict.fromkeys((*(f for f in old.flags if f not in new.flags), *new.flags)))
    if old.is_fuzzy:
        flags = ("fuzzy", *(f for f in flags if f != "fuzzy"))
    return replace(
        new,
        msgstr=old.msgstr,
        comments=old.comments,
        flags=flags,
        previous_msgctxt=old.previous_msgctxt if old.is_fuzzy else None,
        previous_msgid=old.previous_msgid if old.is_fuzzy else None,
    )


def _make_obsolete(message: Message) -> Message:
    return replace(message, obsolete=True, extracted=(), references=())


def merge_catalog(old: Catalog, template: Catalog) -> tuple[Catalog, MergeReport]:
    """Update `old` to the template's messages.

    An unchanged (msgctxt, msgid) keeps its msgstr, flags and translator
    comments and takes references and extracted comments from the template.
    A message the template no longer has becomes obsolete when it holds a
    translation or comments; an obsolete one whose English comes back is
    revived with its translation. Old obsolete entries are kept.
    """
    by_key = {message.key: message for message in old.messages}
    messages: list[Message] = []
    kept = added = revived = 0
    for new in template.messages:
        previous = by_key.get(new.key)
        if previous is None:
            messages.append(new)
            added += 1
            continue
        messages.append(_carry_over(new, previous))
        if previous.obsolete:
            revived += 1
        else:
            kept += 1
    wanted = {message.key for message in template.messages}
    leftovers = [m for m in old.messages if m.key not in wanted and (m.msgstr or m.comments)]
    obsolete = sum(1 for m in leftovers if not m.obsolete)
    messages.extend(_make_obsolete(m) for m in leftovers)
    merged = replace(old, messages=tuple(messages))
    return merged, MergeReport(kept=kept, added=added, obsolete=obsolete, revived=revived)
