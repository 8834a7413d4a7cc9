"""Template + old catalogue → new catalogue, never losing a translation.

The promises are GNU msgmerge's (gettext 0.21), checked against it in
``tests/test_merge_history.py``:

- An unchanged (msgctxt, msgid) keeps its msgstr, flags and translator
  comments; references and extracted comments come from the template. A match
  among the obsolete (``#~``) entries brings the translation back.
- A new msgid without an exact match takes the translation of the most similar
  old entry, active or obsolete, marked ``fuzzy``, with the English that
  translation was made for as the previous msgid (``#| msgid``). Old entries
  may serve several new ones and still keep their own place.
- An old entry that nothing uses any more becomes obsolete, keeping its
  previous msgid when it had one; an entry used as a fuzzy source lives on in
  the fuzzy entry instead (as with msgmerge), so a reworded paragraph changes
  only its own lines in the PO file.
- The header is the old catalogue's, untouched: copying the template's
  POT-Creation-Date would rewrite a header line on every English edit.

Suggestions come from one matcher (`matcher`: its similarity, threshold and
index are documented there). A fuzzy old entry is compared through the English
its translation was made for (its previous msgid), so a chain of small edits
cannot drift into a suggestion for unrelated text. Ties go to the higher
character similarity (rapidfuzz ``fuzz.ratio``, which is what msgmerge
computes), then to active entries, then to file order.

A translation memory (`memory`), when given, serves the entries that end up
without a translation: a new msgid, or an unchanged one nobody translated yet.
Such an entry takes the memory's exact match (filled in, or fuzzy, as the
suggestion says, with a translator comment naming its file); failing that, a
new msgid takes the most similar of the old entries and the suggestions, an
old entry winning a tie, and an untranslated one the most similar suggestion,
as fuzzy with its English as the previous msgid.

Speed: exact matches are dict look-ups; the fuzzy index is built only when
some msgid has no exact match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

from i18n_sync.gettext.matcher import Matcher
from i18n_sync.gettext.memory import Memory, Suggestion
from i18n_sync.model import Catalog, Message
from i18n_sync.record import record


@record
class MergeReport:
    """How the entries of one catalogue fared in an update.

    `kept`: exact matches of active entries; `fuzzy`: new entries that took a
    similar old translation; `added`: new entries without one; `obsolete`:
    active entries that became obsolete; `revived`: obsolete entries whose
    English came back; `pruned`: obsolete entries dropped on request;
    `memory`: entries without a translation that took an exact match from the
    translation memory (similar ones count as `fuzzy`).
    """

    kept: int = 0
    added: int = 0
    obsolete: int = 0
    revived: int = 0
    fuzzy: int = 0
    pruned: int = 0
    memory: int = 0

    def __add__(self, other: MergeReport) -> MergeReport:
        # Spelled out, as `Counts.__add__`: a run sums thousands.
        return MergeReport(
            self.kept + other.kept,
            self.added + other.added,
            self.obsolete + other.obsolete,
            self.revived + other.revived,
            self.fuzzy + other.fuzzy,
            self.pruned + other.pruned,
            self.memory + other.memory,
        )


def source_of(message: Message) -> tuple[str | None, str]:
    """The (msgctxt, msgid) a message's msgstr translates: its previous one while fuzzy."""
    if message.is_fuzzy and message.previous_msgid is not None:
        return message.previous_msgctxt, message.previous_msgid
    return message.msgctxt, message.msgid


class _FuzzyIndex:
    """The old translations of one msgctxt, each searched through the English it translates."""

    def __init__(self, old: Sequence[Message], positions: list[int]) -> None:
        self.old = old
        self.positions = positions
        self.sources = [source_of(old[position])[1] for position in positions]
        self.matcher = Matcher(self.sources)

    def best(self, msgid: str) -> tuple[Fraction, int] | None:
        """(similarity, position) of the most similar old entry at or above the threshold, or None."""
        from rapidfuzz import fuzz  # here, not above: most runs never look for a similar entry

        ranked = [
            (score, fuzz.ratio(msgid, self.sources[i]), not self.old[self.positions[i]].obsolete, -i)
            for score, i in self.matcher.matches(msgid)
        ]
        if not ranked:
            return None
        best = max(ranked)
        return best[0], self.positions[-best[3]]


def _fuzzy_indexes(old: Sequence[Message]) -> dict[str | None, _FuzzyIndex]:
    """Every old translation, grouped by msgctxt, indexed by its English."""
    grouped: dict[str | None, list[int]] = {}
    for position, message in enumerate(old):
        if message.msgstr:
            grouped.setdefault(source_of(message)[0], []).append(position)
    return {context: _FuzzyIndex(old, positions) for context, positions in grouped.items()}


def _carry_over(new: Message, old: Message) -> Message:
    """The template's entry with the translator's work from the old one."""
    fuzzy = old.is_fuzzy
    # Built directly rather than with `replace`: this runs for every entry of every catalogue.
    return Message(
        msgid=new.msgid,
        msgstr=old.msgstr,
        msgctxt=new.msgctxt,
        flags=_merged_flags(new.flags, old.flags, fuzzy),
        comments=old.comments,
        extracted=new.extracted,
        references=new.references,
        previous_msgctxt=old.previous_msgctxt if fuzzy else None,
        previous_msgid=old.previous_msgid if fuzzy else None,
    )


def _merged_flags(new: tuple[str, ...], old: tuple[str, ...], fuzzy: bool) -> tuple[str, ...]:
    """The old flags in their order, then the template's new ones; fuzzy first, as GNU writes it.

    Keeping the file's order means a merge never rewrites a ``#,`` line it has no reason to.
    """
    if new == old:
        return new
    flags = (*old, *(f for f in new if f not in old))
    return ("fuzzy", *(f for f in flags if f != "fuzzy")) if fuzzy else flags


def _fuzzy_from(new: Message, old: Message) -> Message:
    """The template's entry with a similar old entry's translation, marked fuzzy."""
    context, source = source_of(old)
    carried = _carry_over(new, old).with_flag("fuzzy", True)
    return replace(carried, previous_msgctxt=context, previous_msgid=source)


def _make_obsolete(message: Message) -> Message:
    return replace(message, obsolete=True, extracted=(), references=())


def _exact_matches(old: Sequence[Message]) -> dict[tuple[str | None, str], int]:
    """Where each key's match is: active first, and a translated one over an empty one."""
    found: dict[tuple[str | None, str], int] = {}
    for position, message in enumerate(old):
        current = found.get(message.key)
        if current is None or _match_rank(message) < _match_rank(old[current]):
            found[message.key] = position
    return found


def _match_rank(message: Message) -> tuple[bool, bool]:
    return not message.msgstr, message.obsolete


def _from_memory(entry: Message, suggestion: Suggestion, fill: bool) -> Message:
    """The entry with a suggestion's translation: filled in, or fuzzy with its English as ``#|``.

    A translator comment names the file the translation came from, so that a
    translator can tell a filled-in entry from their own work.
    """
    comment = suggestion.comment()
    comments = entry.comments if comment in entry.comments else (*entry.comments, comment)
    previous = suggestion.previous_msgid
    if previous is None and suggestion.msgid != entry.msgid:
        previous = suggestion.msgid
    return replace(
        entry.with_flag("fuzzy", not fill),
        msgstr=suggestion.msgstr,
        comments=comments,
        previous_msgctxt=suggestion.msgctxt if previous is not None and not fill else None,
        previous_msgid=previous if not fill else None,
    )


@dataclass(slots=True)
class _Merge:
    """One merge in progress: which old entries are used, and the counts so far.

    `memory` holds the suggestions from elsewhere, `origin` the catalogue's own
    file, whose suggestions the memory leaves out.
    """

    old: Sequence[Message]
    memory: Memory | None = None
    origin: str = ""
    used: set[int] = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)

    def exact(self, new: Message, matches: dict[tuple[str | None, str], int]) -> Message | None:
        """The new entry with its exact match's translation, or None when it has none.

        An exact match without a translation takes one from the memory when it has one.
        """
        position = matches.get(new.key)
        if position is None:
            return None
        self.used.add(position)
        previous = self.old[position]
        carried = _carry_over(new, previous)
        if not carried.msgstr and self.memory:
            suggestion = self.memory.exact(new, self.origin)
            if suggestion is not None:
                self.counts["memory"] += 1
                return _from_memory(carried, suggestion, suggestion.fill)
            suggestion = self.similar_suggestion(new, None)
            if suggestion is not None:
                self.counts["fuzzy"] += 1
                return _from_memory(carried, suggestion, fill=False)
        self.counts["revived" if previous.obsolete else "kept"] += 1
        return carried

    def fuzzy(self, new: Message, indexes: dict[str | None, _FuzzyIndex]) -> Message:
        """The new entry with an exact suggestion or the most similar translation, or as it is."""
        suggestion = self.memory.exact(new, self.origin) if self.memory else None
        if suggestion is not None:
            self.counts["memory"] += 1
            return _from_memory(new, suggestion, suggestion.fill)
        index = indexes.get(new.msgctxt)
        found = index.best(new.msgid) if index else None
        similar = self.similar_suggestion(new, found[0] if found else None)
        if similar is not None:
            self.counts["fuzzy"] += 1
            return _from_memory(new, similar, fill=False)
        if found is None:
            self.counts["added"] += 1
            return new
        self.used.add(found[1])
        self.counts["fuzzy"] += 1
        return _fuzzy_from(new, self.old[found[1]])

    def similar_suggestion(self, new: Message, beaten: Fraction | None) -> Suggestion | None:
        """The memory's most similar suggestion, when it is more similar than `beaten`."""
        if not self.memory:
            return None
        from rapidfuzz import fuzz

        ranked = [
            (score, fuzz.ratio(new.msgid, suggestion.msgid), rank, suggestion)
            for score, rank, suggestion in self.memory.similar(new, self.origin)
            if beaten is None or score > beaten
        ]
        return max(ranked, key=lambda item: item[:3])[3] if ranked else None

    def leftovers(self) -> list[Message]:
        """Old entries nothing used that hold a translator's work, as obsolete, in file order."""
        unused = [m for p, m in enumerate(self.old) if p not in self.used and (m.msgstr or m.comments)]
        self.counts["obsolete"] = sum(1 for m in unused if not m.obsolete)
        return [m if m.obsolete else _make_obsolete(m) for m in unused]


def merge_catalog(
    old: Catalog,
    template: Catalog,
    *,
    keep_obsolete: bool = True,
    memory: Memory | None = None,
    origin: str = "",
) -> tuple[Catalog, MergeReport]:
    """Update `old` to the template's messages; see the module docstring for the rules.

    With `keep_obsolete` false, obsolete entries (old ones and new ones) are
    left out of the result; they still serve as matches in this merge.
    `memory` offers translations from elsewhere; its suggestions from `origin`
    (the catalogue's own file) are left out.
    """
    state = _Merge(old.messages, memory, origin)
    matches = _exact_matches(old.messages)
    merged = [state.exact(new, matches) for new in template.messages]
    # Built only when some msgid has no exact match: most updates need no index at all.
    indexes = _fuzzy_indexes(old.messages) if any(m is None for m in merged) else {}
    messages = [
        m if m is not None else state.fuzzy(new, indexes)
        for m, new in zip(merged, template.messages, strict=True)
    ]
    obsolete = state.leftovers()
    counts = state.counts
    report = MergeReport(
        kept=counts["kept"],
        added=counts["added"],
        obsolete=counts["obsolete"],
        revived=counts["revived"],
        fuzzy=counts["fuzzy"],
        pruned=0 if keep_obsolete else len(obsolete),
        memory=counts["memory"],
    )
    if keep_obsolete:
        messages.extend(obsolete)
    return replace(old, messages=tuple(messages)), report
