"""One similarity for every suggestion: update, translation memory and compendia.

The rule, chosen to never offer a suggestion worse than none:

- Text: the msgid's words, case-folded. Markdown punctuation, URL placeholders
  (``{1}``) and URLs written inline (as mdpo, po4a and Translate Toolkit leave
  them) are left out, so a heading that becomes a link, a changed emphasis or
  another tool's link syntax still matches fully. Each CJK character (Han,
  kana, Hangul) is a word of its own: those scripts put no spaces between
  words, and one character carries about a word's meaning.
- Words: Indel similarity over words, ``2 * LCS / (len(a) + len(b))``: the
  share of the words that survive in order. It is msgmerge's own measure
  (``fstrcmp``), taken over words instead of characters. Each word is first
  reduced to a light `stem`, so that ``Run the tests`` and ``Run the test``
  differ in no word: a changed inflection costs a translator one suffix.
- Short texts (both of at most `SHORT_WORDS` words) are also compared by
  characters, because one word added or changed weighs too much in a text of
  two: ``Basics`` → ``The basics`` keeps 1 word of 3 but 6 letters of 8. Only
  runs of at least `RUN` characters shared in order count: letters that two
  different words share by chance (``Blogs`` and ``Books``, ``Code`` and
  ``Dataset``) are no evidence. The score is the larger of the two.
- Threshold: 0.75, inclusive. Translation-memory practice (the match bands of
  CAT tools' analyses and the price grids built on them) counts a fuzzy match
  below 75% as no match, paid as new words: editing it costs about as much as
  translating. Characters are too weak a unit for longer Markdown entries:
  msgmerge's 0.6 over characters offers one paper title's translation for
  another that shares "Reinforcement Learning from Human Feedback".

Speed: nothing is scanned per query. Word candidates come from an inverted
index (word → candidates holding it, sorted by length): a candidate of ``m``
words reaches the threshold ``t`` against a query of ``n`` words only if ``m``
lies within ``[t * n / (2 - t), n * (2 - t) / t]`` and it shares at least
``k = ceil(t * n / (2 - t))`` of the query's words; it then holds one of the
query's rarest words that account for ``n - k + 1`` of its words (the prefix
filter of set-similarity joins). Character candidates of a short query are the
short candidates within the same length window over characters, filtered by
plain Indel in C (rapidfuzz), which bounds the run-counting score from above.
Only the shortlist is scored exactly. A property test checks the index against
a scan of every candidate.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from fractions import Fraction
from functools import cache

# rapidfuzz (20 ms to import) is imported by the functions that use it: a run
# whose every entry matches exactly, as most runs are, never needs it.
from i18n_sync.markdown.msgid import PLACEHOLDER

SIMILARITY_THRESHOLD = Fraction(3, 4)
"""The least similarity at which a translation is offered as a fuzzy suggestion."""
SHORT_WORDS = 4
"""Texts of at most this many words are compared by characters too."""
RUN = 3
"""The shortest run of shared characters that counts in a character comparison."""

_P, _Q = SIMILARITY_THRESHOLD.numerator, SIMILARITY_THRESHOLD.denominator
# The threshold as rapidfuzz's float cutoff, a hair low: scores are checked again exactly.
_CUTOFF = float(SIMILARITY_THRESHOLD) - 1e-9

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"


@cache
def _words() -> re.Pattern[str]:
    """A word of text not all ASCII: compiled when first wanted, as it costs 3 ms (Unicode's
    \\W, less the CJK ranges), and most runs match no text but ASCII, or none."""
    return re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")


_URL = re.compile(r"(?:https?|ftp)://[^\s<>()\[\]]+|www\.[^\s<>()\[\]]+|mailto:[^\s<>()\[\]]+", re.I)
# For `tokens_of` on ASCII text: each byte that `\w` does not match becomes a space.
_ASCII_NON_WORD_TO_SPACE = bytes(c if re.fullmatch(r"\w", chr(c)) else 32 for c in range(256))


def tokens_of(text: str) -> list[str]:
    """The case-folded words of a msgid, without URLs, URL placeholders or punctuation."""
    if "{" in text:
        text = PLACEHOLDER.sub(" ", text)
    if "://" in text or "www." in text or "mailto:" in text:
        text = _URL.sub(" ", text)
    if text.isascii():
        # The same words, twice as fast as the regular expression: in ASCII text
        # \w is [A-Za-z0-9_] and case-folding is lowering.
        return text.encode().lower().translate(_ASCII_NON_WORD_TO_SPACE).decode().split()
    return _words().findall(text.casefold())


_DOUBLED = re.compile(r"([b-df-hj-np-tv-z])\1$")


def stem(word: str) -> str:
    """A light stem of an ASCII word of four letters or more: ``tests`` and ``opening`` → ``test``, ``open``.

    Inflection costs a translator little (the translation changes in one
    suffix too), so ``Run the tests`` and ``Run the test`` should compare as
    alike. Only a plural or third-person ``s``, ``ed`` and ``ing`` and then a
    final ``e`` are stripped (``contribute``, ``contributing``: ``contribut``),
    with a doubled consonant undoubled (``getting``: ``get``); shorter words
    and other scripts are kept whole.
    """
    if len(word) < 4 or not word.isalpha() or not word.isascii():
        return word
    if word.endswith("ies") and len(word) >= 5:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    elif word.endswith("ing") and len(word) >= 6:
        word = _DOUBLED.sub(r"\1", word[:-3])
    elif word.endswith("ed") and len(word) >= 5:
        word = _DOUBLED.sub(r"\1", word[:-2])
    return word[:-1] if word.endswith("e") and len(word) >= 4 else word


class _Stems(dict[str, str]):
    """`stem`, remembered: a catalogue has few distinct words and many repeats."""

    def __missing__(self, word: str) -> str:
        found = self[word] = stem(word)
        return found


_STEMS = _Stems()


def words_of(text: str) -> list[str]:
    """The words a msgid is compared by: `tokens_of`, each reduced to its `stem`."""
    return _stems(tokens_of(text))


def _stems(tokens: list[str]) -> list[str]:
    return list(map(_STEMS.__getitem__, tokens))


def word_similarity(a: Sequence[str], b: Sequence[str]) -> Fraction:
    """Word-level Indel similarity: ``2 * LCS / (len(a) + len(b))``, 0 for two empty texts."""
    from rapidfuzz.distance import LCSseq

    total = len(a) + len(b)
    return Fraction(2 * LCSseq.similarity(a, b), total) if total else Fraction(0)


def character_similarity(a: str, b: str) -> Fraction:
    """``2 * shared / (len(a) + len(b))``, counting only runs of `RUN` or more shared characters."""
    from rapidfuzz.distance import LCSseq

    total = len(a) + len(b)
    if not total:
        return Fraction(0)
    shared = sum(
        op.src_end - op.src_start
        for op in LCSseq.opcodes(a, b)
        if op.tag == "equal" and op.src_end - op.src_start >= RUN
    )
    return Fraction(2 * shared, total)


def similarity(a: str, b: str) -> Fraction:
    """How alike two msgids are, from 0 to 1; see the module docstring."""
    tokens_a, tokens_b = tokens_of(a), tokens_of(b)
    score = word_similarity(_stems(tokens_a), _stems(tokens_b))
    if tokens_a and tokens_b and max(len(tokens_a), len(tokens_b)) <= SHORT_WORDS:
        # Characters of the words as written: stems would hide the letters that tell short texts apart.
        score = max(score, character_similarity(" ".join(tokens_a), " ".join(tokens_b)))
    return score


def is_similar(score: Fraction) -> bool:
    return score >= SIMILARITY_THRESHOLD


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

    def encode(self, words: Sequence[str]) -> str:
        return "".join(map(self.__getitem__, words))

    def encode_stems(self, tokens: Sequence[str]) -> str:
        """The coded stems of a text's tokens: `encode` of `_stems`, without the list between."""
        return "".join(map(self.__getitem__, map(_STEMS.__getitem__, tokens)))


def _window(size: int) -> tuple[int, int]:
    """The lengths ``m`` with ``2 * min(n, m) / (n + m) >= t`` for a length ``n``."""
    p, q = _P, _Q
    return -(-p * size // (2 * q - p)), size * (2 * q - p) // p


class Matcher:
    """Texts searchable by `similarity` without a scan; candidate ``i`` is ``texts[i]``."""

    def __init__(self, texts: Sequence[str], codes: _WordCodes | None = None) -> None:
        self.texts = texts
        self.codes = codes if codes is not None else _WordCodes()
        words = [tokens_of(text) for text in texts]
        self.words = [self.codes.encode_stems(w) for w in words]
        self.lengths = [len(w) for w in self.words]
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for index in sorted(range(len(texts)), key=self.lengths.__getitem__):
            for word in set(self.words[index]):
                postings[word].append(index)
        self.postings = dict(postings)
        # Short candidates, by the length of their words joined by spaces.
        short = sorted(
            (len(joined), index, joined)
            for index, joined in ((i, " ".join(w)) for i, w in enumerate(words) if 0 < len(w) <= SHORT_WORDS)
        )
        self.short_lengths = [length for length, _, _ in short]
        self.short_indexes = [index for _, index, _ in short]
        self.short_texts = [joined for _, _, joined in short]
        self.joined = {index: joined for _, index, joined in short}

    def _by_words(self, words: str) -> set[int]:
        """Every candidate in the length window sharing enough words with the query.

        Such a candidate misses fewer than ``len(words) - overlap + 1`` of the
        query's words, so it holds one of the rarest words that account for
        that many: only their posting lists are read (the prefix filter).
        """
        overlap, longest = _window(len(words))
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

    def _by_characters(self, joined: str) -> set[int]:
        """Short candidates whose plain Indel similarity reaches the threshold (an upper bound)."""
        from rapidfuzz import process
        from rapidfuzz.distance import Indel

        shortest, longest = _window(len(joined))
        start = bisect_left(self.short_lengths, shortest)
        end = bisect_right(self.short_lengths, longest, start)
        scored = process.extract(
            joined,
            self.short_texts[start:end],
            scorer=Indel.normalized_similarity,
            score_cutoff=_CUTOFF,
            limit=None,
        )
        return {self.short_indexes[start + rank] for _, _, rank in scored}

    def matches(self, text: str) -> list[tuple[Fraction, int]]:
        """(similarity, candidate) for every candidate at or above the threshold, in no order."""
        from rapidfuzz import process
        from rapidfuzz.distance import Indel

        words = tokens_of(text)
        if not words:
            return []
        coded = self.codes.encode_stems(words)
        by_words = sorted(self._by_words(coded))
        # Scored in C first; `_CUTOFF` is a float, so the survivors are scored again exactly.
        scored = process.extract(
            coded,
            [self.words[i] for i in by_words],
            scorer=Indel.normalized_similarity,
            score_cutoff=_CUTOFF,
            limit=None,
        )
        shortlist = {by_words[rank] for _, _, rank in scored}
        joined = " ".join(words) if len(words) <= SHORT_WORDS else None
        if joined is not None:
            shortlist |= self._by_characters(joined)
        found = []
        for index in shortlist:
            score = word_similarity(coded, self.words[index])
            if joined is not None and index in self.joined:
                score = max(score, character_similarity(joined, self.joined[index]))
            if score >= SIMILARITY_THRESHOLD:
                found.append((score, index))
        return found
