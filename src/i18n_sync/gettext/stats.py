"""Counting translated, fuzzy, untranslated and obsolete entries: one place for every report."""

from __future__ import annotations

import re
from dataclasses import fields
from fractions import Fraction
from functools import lru_cache

from i18n_sync.model import Catalog, Message
from i18n_sync.record import record

_WORD = re.compile(r"\{\d+\}|\S+")


@record
class Counts:
    """Entries and English words of a catalogue, by state."""

    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    obsolete: int = 0
    translated_words: int = 0
    fuzzy_words: int = 0
    untranslated_words: int = 0
    obsolete_words: int = 0

    def __add__(self, other: Counts) -> Counts:
        # Spelled out: a run sums thousands, and a loop over the fields cost four times as much.
        return Counts(
            self.translated + other.translated,
            self.fuzzy + other.fuzzy,
            self.untranslated + other.untranslated,
            self.obsolete + other.obsolete,
            self.translated_words + other.translated_words,
            self.fuzzy_words + other.fuzzy_words,
            self.untranslated_words + other.untranslated_words,
            self.obsolete_words + other.obsolete_words,
        )

    @property
    def total(self) -> int:
        """Active entries: what a complete translation must cover."""
        return self.translated + self.fuzzy + self.untranslated

    @property
    def percent(self) -> float:
        """Share of active entries translated, 100 for an empty catalogue."""
        return 100.0 * self.translated / self.total if self.total else 100.0

    @property
    def shown_percent(self) -> str:
        """The share of active entries translated as shown everywhere (`floor_percent`): "80.7"."""
        return floor_percent(self.translated, self.total)

    @property
    def total_words(self) -> int:
        """English words of the active entries."""
        return self.translated_words + self.fuzzy_words + self.untranslated_words

    def is_below(self, threshold: float) -> bool:
        """Whether the share translated by entries is below `threshold` percent (exact, no rounding)."""
        # Compared in integers: 99.99% must not pass a threshold of 100 through float rounding.
        if threshold <= 0:  # the default: nothing is below it (and a run asks for every output)
            return False
        return self.total > 0 and Fraction(100 * self.translated, self.total) < Fraction(str(threshold))


def floor_percent(part: int, whole: int) -> str:
    """``part / whole`` in percent, rounded down to one decimal; "100.0" for nothing.

    The one rounding of a percentage wherever the tool shows one (text, JSON,
    badge, notice), so a figure reads the same everywhere. Rounded down and in
    integers, so that only a complete translation ever shows 100.0.
    """
    if not whole:
        return "100.0"
    tenths = 1000 * part // whole
    return f"{tenths // 10}.{tenths % 10}"


@lru_cache(maxsize=1 << 16)  # a docs tree in 21 languages counts each msgid 42 times
def count_words(text: str) -> int:
    """English words in a msgid; a placeholder is not a word."""
    return sum(1 for word in _WORD.findall(text) if not word.startswith("{"))


def is_kept_in_english(message: Message) -> bool:
    """Whether a translator kept the unit in English on purpose: msgstr equal to msgid.

    Such an entry is translated (no work to do; render keeps the English). When
    the English changes, the update makes it fuzzy with the old English as its
    previous msgid, and then its msgstr equals that previous msgid.
    """
    if message.is_fuzzy:
        return message.previous_msgid is not None and message.msgstr == message.previous_msgid
    return bool(message.msgstr) and message.msgstr == message.msgid


_COUNTS = tuple(f.name for f in fields(Counts))


def _state(message: Message) -> str:
    if message.obsolete:
        return "obsolete"
    if not message.msgstr:
        return "untranslated"
    return "fuzzy" if message.is_fuzzy else "translated"


def count_messages(catalog: Catalog) -> Counts:
    """Count a catalogue's entries and their English words by state."""
    totals = dict.fromkeys(_COUNTS, 0)
    for message in catalog.messages:
        state = _state(message)
        totals[state] += 1
        totals[state + "_words"] += count_words(message.msgid)
    return Counts(**totals)
