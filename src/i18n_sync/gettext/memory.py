"""Translation memory: translations made elsewhere, offered wherever the same English appears.

A project's own catalogues of a language make its memory: every translated
entry of one document is a suggestion for the others. Compendia (other PO
files, see `compendium`) add theirs. An update consults the memory after the
catalogue's own entries: an exact match is filled in, or offered as fuzzy,
as its `Suggestion.fill` says; a similar one is offered as fuzzy with its
English as the previous msgid, as for the catalogue's own entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from i18n_sync.gettext.matcher import Matcher
from i18n_sync.model import Catalog, Message
from i18n_sync.record import record

FILL_CHOICES = ("fill", "fuzzy", "off")
"""What the `translation_memory` setting may say an exact match of the project's own memory does."""


@record
class Suggestion:
    """A translation from elsewhere: its English, its msgstr, and where it came from.

    `origin` is the file it was read from, named in the translator comment of
    an entry it fills; `fill` says whether an exact match may be filled in
    (translated, not fuzzy) or only offered as fuzzy. `previous_msgid` is the
    English as the other file wrote it, when a mapping changed it (another
    tool's inline URLs): what a translator sees as ``#| msgid``.
    """

    msgid: str
    msgstr: str
    origin: str
    msgctxt: str | None = None
    fill: bool = False
    previous_msgid: str | None = None

    def comment(self) -> str:
        """The translator comment an entry filled or suggested from here carries."""
        return f"translation memory: {self.origin}"


def suggestions_of(catalog: Catalog, origin: str, fill: bool) -> list[Suggestion]:
    """The translated (not fuzzy, not obsolete) entries of a catalogue, as suggestions."""
    return [
        Suggestion(m.msgid, m.msgstr, origin, m.msgctxt, fill) for m in catalog.messages if m.is_translated
    ]


@dataclass(slots=True)
class Memory:
    """Suggestions, searchable exactly and by similarity; built once, used for many catalogues.

    Earlier suggestions win ties, so the project's own catalogues go before
    compendia. A catalogue never takes suggestions from itself: `exclude`
    names it in each look-up.
    """

    suggestions: Sequence[Suggestion]
    _exact: dict[tuple[str | None, str], list[int]] = field(default_factory=dict)
    _matchers: dict[str | None, tuple[Matcher, list[int]]] | None = None

    def __post_init__(self) -> None:
        for index, suggestion in enumerate(self.suggestions):
            self._exact.setdefault((suggestion.msgctxt, suggestion.msgid), []).append(index)

    def __bool__(self) -> bool:
        return bool(self.suggestions)

    def exact(self, message: Message, exclude: str) -> Suggestion | None:
        """The first suggestion for exactly this (msgctxt, msgid), from another file."""
        for index in self._exact.get(message.key, ()):
            if self.suggestions[index].origin != exclude:
                return self.suggestions[index]
        return None

    def similar(self, message: Message, exclude: str) -> list[tuple[Fraction, int, Suggestion]]:
        """(similarity, -index, suggestion) for each similar suggestion from another file."""
        if self._matchers is None:
            self._matchers = self._build()
        found = self._matchers.get(message.msgctxt)
        if found is None:
            return []
        matcher, indexes = found
        return [
            (score, -indexes[i], self.suggestions[indexes[i]])
            for score, i in matcher.matches(message.msgid)
            if self.suggestions[indexes[i]].origin != exclude
        ]

    def _build(self) -> dict[str | None, tuple[Matcher, list[int]]]:
        grouped: dict[str | None, list[int]] = {}
        for index, suggestion in enumerate(self.suggestions):
            grouped.setdefault(suggestion.msgctxt, []).append(index)
        return {
            context: (Matcher([self.suggestions[i].msgid for i in indexes]), indexes)
            for context, indexes in grouped.items()
        }
