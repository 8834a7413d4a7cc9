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

The similarity rule, chosen to never offer a suggestion worse than none:

- Text: the msgid's words, case-folded; Markdown punctuation and URL
  placeholders (``{1}``) are left out, so a heading that becomes a link or a
  changed emphasis still matches fully. A fuzzy old entry is compared through
  the English its translation was made for (its previous msgid), so a chain of
  small edits cannot drift into a suggestion for unrelated text.
- Measure: word-level Indel similarity, ``2 * LCS / (len(a) + len(b))``: the
  share of the words that survive in order. It is msgmerge's own measure
  (``fstrcmp``), taken over words instead of characters.
- Threshold: 0.75. Translation-memory practice (the match bands of CAT tools'
  analyses and the price grids built on them) counts a fuzzy match below 75%
  as no match, paid as new words: editing it costs about as much as
  translating. Characters are too weak a unit for Markdown entries: msgmerge's
  0.6 over characters offers ``[Papers]({1})`` for ``[Turkish]({1})`` and one
  paper title's translation for another that shares "Reinforcement Learning
  from Human Feedback" (66 such suggestions over the real awesome-rlhf
  history, none of them reaching 0.75 over words). Over words, one word
  replaced in a title of two or three words gets no suggestion; in a sentence of
  four words or more it does.
- Ties go to the higher character similarity (rapidfuzz ``fuzz.ratio``, which
  is what msgmerge computes), then to active entries, then to file order.

Speed: exact matches are dict look-ups, and nothing is scanned per entry.
Fuzzy candidates come from an inverted index (word → old entries holding it,
sorted by length). An old entry of ``m`` words reaches the threshold ``t``
against a query of ``n`` words only if ``m`` lies within
``[t * n / (2 - t), n * (2 - t) / t]`` and it shares at least
``k = ceil(t * n / (2 - t))`` of the query's words; it then holds one of the
query's rarest words that account for ``n - k + 1`` of its words (the prefix
filter of set-similarity joins). Only those words' posting lists are read,
each sliced to the length window, so the shortlist misses nothing; only it is
scored, by rapidfuzz in C (``process.extract`` with Indel), with each word
coded as one character so that rapidfuzz compares short strings. A property
test checks the index against a scan of every old entry.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, LCSseq

from i18n_sync.markdown.msgid import PLACEHOLDER
from i18n_sync.model import Catalog, Message

SIMILARITY_THRESHOLD = Fraction(3, 4)
"""The least word similarity at which an old translation is offered as fuzzy."""
_P, _Q = SIMILARITY_THRESHOLD.numerator, SIMILARITY_THRESHOLD.denominator
# The threshold as rapidfuzz's float cutoff, a hair low: `best` checks it again in integers.
_CUTOFF = float(SIMILARITY_THRESHOLD) - 1e-9

_WORD = re.compile(r"\w+")
# For `words_of` on ASCII text: each byte that `_WORD` does not match becomes a space.
_ASCII_NON_WORD_TO_SPACE = bytes(c if _WORD.fullmatch(chr(c)) else 32 for c in range(256))


@dataclass(frozen=True, slots=True)
class MergeReport:
    """How the entries of one catalogue fared in an update.

    `kept`: exact matches of active entries; `fuzzy`: new entries that took a
    similar old translation; `added`: new entries without one; `obsolete`:
    active entries that became obsolete; `revived`: obsolete entries whose
    English came back; `pruned`: obsolete entries dropped on request.
    """

    kept: int = 0
    added: int = 0
    obsolete: int = 0
    revived: int = 0
    fuzzy: int = 0
    pruned: int = 0

    def __add__(self, other: MergeReport) -> MergeReport:
        return MergeReport(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def words_of(text: str) -> list[str]:
    """The case-folded words of a msgid, without URL placeholders or punctuation."""
    if "{" in text:
        text = PLACEHOLDER.sub(" ", text)
    if text.isascii():
        # The same words, twice as fast as the regular expression: in ASCII text
        # \w is [A-Za-z0-9_] and case-folding is lowering.
        return text.encode().lower().translate(_ASCII_NON_WORD_TO_SPACE).decode().split()
    return _WORD.findall(text.casefold())


def word_similarity(a: Sequence[str], b: Sequence[str]) -> Fraction:
    """Word-level Indel similarity: ``2 * LCS / (len(a) + len(b))``, 0 for two empty texts."""
    total = len(a) + len(b)
    return Fraction(2 * LCSseq.similarity(a, b), total) if total else Fraction(0)


def source_of(message: Message) -> tuple[str | None, str]:
    """The (msgctxt, msgid) a message's msgstr translates: its previous one while fuzzy."""
    if message.is_fuzzy and message.previous_msgid is not None:
        return message.previous_msgctxt, message.previous_msgid
    return message.msgctxt, message.msgid


class _WordCodes(dict[str, str]):
    """One character per distinct word, given out as words are first looked up.

    A msgid's words then make a short string, and rapidfuzz compares strings
    in C far faster than lists of words; since no two words share a code,
    Indel over the coded strings is Indel over the words.
    """

    def __missing__(self, word: str) -> str:
        number = len(self)
        # Surrogates are not characters; beyond them there is room for a million words.
        code = self[word] = chr(number if number < 0xD800 else number + 0x800)
        return code

    def encode(self, text: str) -> str:
        """The coded words of a msgid (`words_of`)."""
        return "".join(map(self.__getitem__, words_of(text)))


class _FuzzyIndex:
    """The old translations of one msgctxt, searchable by word similarity without a scan.

    Candidate ``i`` is the old entry at `positions[i]`, whose msgstr translates
    `sources[i]`, coded as `words[i]`. Each word's posting list holds the
    candidates that have it, sorted by length, so the length window is a slice
    (``bisect``), not a filter.
    """

    def __init__(self, old: Sequence[Message], positions: list[int], codes: _WordCodes) -> None:
        self.old = old
        self.positions = positions
        self.codes = codes
        self.sources = [source_of(old[position])[1] for position in positions]
        self.words = [codes.encode(source) for source in self.sources]
        self.lengths = [len(words) for words in self.words]
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for index in sorted(range(len(positions)), key=self.lengths.__getitem__):
            for word in set(self.words[index]):
                postings[word].append(index)
        self.postings = dict(postings)

    def shortlist(self, words: str, overlap: int, longest: int) -> set[int]:
        """Every candidate of `overlap` to `longest` words sharing `overlap` words with the query.

        Such a candidate misses fewer than ``len(words) - overlap + 1`` of the
        query's words, so it holds one of the rarest words that account for
        that many: only their posting lists are read (the prefix filter).
        """
        counts = Counter(words)
        rarest = sorted(counts, key=lambda word: len(self.postings.get(word, ())))
        found: set[int] = set()
        needed = len(words) - overlap + 1
        length = self.lengths.__getitem__
        for word in rarest:
            if word in self.postings:
                items = self.postings[word]
                start = bisect_left(items, overlap, key=length)
                found.update(items[start : bisect_right(items, longest, start, key=length)])
            needed -= counts[word]
            if needed <= 0:
                break
        return found

    def best(self, msgid: str) -> int | None:
        """The position of the most similar old entry at or above the threshold, or None."""
        words = self.codes.encode(msgid)
        if not words:
            return None
        # 2 * LCS / (a + b) >= p / q, and LCS <= b: b >= p * a / (2q - p), and likewise b <= a * (2q - p) / p.
        p, q = _P, _Q
        shortest = -(-p * len(words) // (2 * q - p))
        longest = len(words) * (2 * q - p) // p
        shortlist = sorted(self.shortlist(words, shortest, longest))
        # Indel's normalized similarity is 2 * LCS / (a + b), scored in C; `_CUTOFF` is a float,
        # so the threshold is checked again in integers.
        scored = process.extract(
            words,
            [self.words[i] for i in shortlist],
            scorer=Indel.normalized_similarity,
            score_cutoff=_CUTOFF,
            limit=None,
        )
        ranked = []
        for _, score, rank in scored:
            index = shortlist[rank]
            size = len(words) + self.lengths[index]
            common = round(score * size / 2)
            if 2 * common * q >= p * size:
                position = self.positions[index]
                similarity = Fraction(2 * common, size)
                tie_break = (fuzz.ratio(msgid, self.sources[index]), not self.old[position].obsolete, -index)
                ranked.append((similarity, tie_break, position))
        return max(ranked, key=lambda item: item[:2])[2] if ranked else None


def _fuzzy_indexes(old: Sequence[Message]) -> dict[str | None, _FuzzyIndex]:
    """Every old translation, grouped by msgctxt, indexed by its words."""
    grouped: dict[str | None, list[int]] = {}
    for position, message in enumerate(old):
        if message.msgstr:
            grouped.setdefault(source_of(message)[0], []).append(position)
    codes = _WordCodes()
    return {context: _FuzzyIndex(old, positions, codes) for context, positions in grouped.items()}


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


@dataclass(slots=True)
class _Merge:
    """One merge in progress: which old entries are used, and the counts so far."""

    old: Sequence[Message]
    used: set[int] = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)

    def exact(self, new: Message, matches: dict[tuple[str | None, str], int]) -> Message | None:
        """The new entry with its exact match's translation, or None when it has none."""
        position = matches.get(new.key)
        if position is None:
            return None
        self.used.add(position)
        previous = self.old[position]
        self.counts["revived" if previous.obsolete else "kept"] += 1
        return _carry_over(new, previous)

    def fuzzy(self, new: Message, indexes: dict[str | None, _FuzzyIndex]) -> Message:
        """The new entry with the most similar old translation as fuzzy, or as it is."""
        index = indexes.get(new.msgctxt)
        position = index.best(new.msgid) if index else None
        if position is None:
            self.counts["added"] += 1
            return new
        self.used.add(position)
        self.counts["fuzzy"] += 1
        return _fuzzy_from(new, self.old[position])

    def leftovers(self) -> list[Message]:
        """Old entries nothing used that hold a translator's work, as obsolete, in file order."""
        unused = [m for p, m in enumerate(self.old) if p not in self.used and (m.msgstr or m.comments)]
        self.counts["obsolete"] = sum(1 for m in unused if not m.obsolete)
        return [m if m.obsolete else _make_obsolete(m) for m in unused]


def merge_catalog(
    old: Catalog, template: Catalog, *, keep_obsolete: bool = True
) -> tuple[Catalog, MergeReport]:
    """Update `old` to the template's messages; see the module docstring for the rules.

    With `keep_obsolete` false, obsolete entries (old ones and new ones) are
    left out of the result; they still serve as matches in this merge.
    """
    state = _Merge(old.messages)
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
    )
    if keep_obsolete:
        messages.extend(obsolete)
    return replace(old, messages=tuple(messages)), report
