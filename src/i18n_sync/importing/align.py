"""Pairing the blocks of a hand-made translation with the English units they translate.

A translation made by hand drifts: blocks go missing, others are added, some
move, two paragraphs become one or one becomes two, some stay in English. So
the pairing is a dynamic programme over the two block sequences that may skip
a block on either side at no cost, pair one with one, two English paragraphs
with one translated paragraph (merge) or one with two (split); then a second
pass pairs skipped blocks whose cues leave no doubt, in any order (moved).

The score of a pair (`score_pair`) is additive evidence, in rough log-odds
units: positive says "the same block", negative "not the same". It adds up
the structure (same kind required; heading level, list item or not, quote
depth, indentation, table column), then the cues that survive translation:
identical text (the translator left it in English), link and image URLs
(the strongest: rarely translated; a localized copy of a URL counts half),
in-page anchors, inline code, numbers, names (Latin capitalised words, looked
up case-insensitively on the other side and weighted by rarity), the length
of the lists, and the relative length (a CJK character counting three). A
pair then gains up to `CONTEXT` when the blocks before and after it also look
alike, because translations drift in runs.

Sure or uncertain (uncertain entries become fuzzy in the catalogue):

- a one-to-one pair in order is sure when its margin is at least
  `SURE_MARGIN`: every alignment that pairs either of its blocks otherwise,
  or not at all, scores at least that much less than the best one;
- a one-to-one pair, in order or moved, is also sure when it is unrivalled:
  its score is `DECISIVE` (identical text or links) and higher than that of
  any other pairing of either block;
- merges and splits are always uncertain: where to cut is a guess.

The weights were set on hand-made fixtures (tests/fixtures/align) and checked
on the real Turkish and Chinese READMEs of the test corpus.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from i18n_sync.markdown.msgid import PLACEHOLDER
from i18n_sync.model import Unit

# Structure: what kind of block, at which depth. A heading of the same level is
# rare evidence, a paragraph of the same shape common evidence.
SAME_HEADING = 3.0
SAME_BLOCK = 1.5
OTHER_LEVEL = -1.5
OTHER_MARKER = -1.5
OTHER_QUOTE = -2.0
OTHER_WIDTH = -0.5
OTHER_CELL = -1.0
# Cues: "weight * similarity - doubt" when both blocks have some, "-missing"
# when only one has: a translation keeps links and numbers, often not code
# spans, and turns many capitalised words into words of its own.
EXACT_TEXT = 8.0
URL_CUE = (8.0, 3.0, 3.0)
CODE_CUE = (3.0, 1.0, 0.3)
NUMBER_CUE = (3.0, 1.0, 1.0)
NAME_CUE = (4.0, 0.5, 0.3)
NAME_PRIOR = 2.0
ANCHOR_BOTH = 1.0
LIST_SAME, LIST_OTHER = 0.5, -0.5
# Length: "LENGTH_BEST - LENGTH_SLOPE * |ln ratio|", never below LENGTH_FLOOR;
# LENGTH_SMOOTHING keeps very short blocks from swinging it.
LENGTH_BEST, LENGTH_SLOPE, LENGTH_FLOOR, LENGTH_SMOOTHING = 1.0, 3.0, -3.0, 12
WIDE_CHAR_LENGTH = 3
"""A CJK character says about as much as three Latin letters."""
MERGE_COST = 1.0
CONTEXT = 1.0
"""Most a pair gains when the blocks before and after both also look alike."""
CONTEXT_FULL = 4.0
"""A neighbouring pair's score that earns the full context bonus."""
# Sure or uncertain.
SURE_MARGIN = 1.0
"""A pair is sure when every other way of aligning either of its blocks scores this much less."""
DECISIVE = 6.0
"""A score only identical text or identical links reach."""
REORDER_MIN = 4.0
"""The least score for pairing blocks out of order."""

_NEG = -math.inf
_MARKER = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)")
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CODE = re.compile(r"(`+)(.+?)\1")
_SENTENCE_END = re.compile(r"[.!?:;。！？：；]\s*$")


@dataclass(frozen=True, slots=True)
class Block:
    """What alignment knows of one unit: its structure and the cues that survive translation.

    `index` is the unit's position in its document's unit list and `line` its
    1-based line. `level` is a heading's level (0 otherwise or when unknown),
    `marker` whether the block starts a list item, `column` where its list
    marker (or else its text) starts, `quotes` its block quote depth, `width`
    the columns in front of its text, `cell` a table cell's column.
    `list_length` counts the items of the list a list item belongs to.
    """

    index: int
    line: int
    kind: str
    text: str
    level: int = 0
    marker: bool = False
    column: int = 0
    quotes: int = 0
    width: int = 0
    cell: int = -1
    urls: tuple[str, ...] = ()
    anchors: tuple[str, ...] = ()
    code: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    words: frozenset[str] = frozenset()
    length: int = 0
    list_length: int = 0


@dataclass(frozen=True, slots=True)
class Pair:
    """English units paired with translated blocks, by index into each unit list.

    `how` is ``match`` (one to one, in order), ``merge`` (two English units,
    one translated block), ``split`` (one English unit, two translated
    blocks) or ``moved`` (one to one, out of order). `margin` is how much
    worse the next best alignment of these blocks scores (0 when not computed).
    """

    english: tuple[int, ...]
    translated: tuple[int, ...]
    how: str
    score: float
    margin: float
    sure: bool


@dataclass(frozen=True, slots=True)
class Alignment:
    """The pairs in English order, and the units of each side that found no partner."""

    pairs: tuple[Pair, ...]
    unpaired_english: tuple[int, ...]
    unpaired_translated: tuple[int, ...]


# ---------------------------------------------------------------------------
# Blocks and their cues


def _prefix_shape(prefix: str) -> tuple[int, int, int, int]:
    """Heading level, list marker column (-1: none), quote depth and width of the text before a unit."""
    quotes = prefix.count(">")
    flat = prefix.replace(">", " ").expandtabs(4)
    stripped = flat.strip()
    level = len(stripped) if stripped and set(stripped) == {"#"} else 0
    if level:
        flat = flat[: flat.index("#")]
    markers = list(_MARKER.finditer(flat))
    last = markers[-1] if markers else None
    column = last.start() if last and not flat[last.end() :].strip() else -1
    return level, column, quotes, len(flat)


def _names(text: str) -> tuple[str, ...]:
    """Latin words with a capital that are not merely a sentence's first word, lower-cased.

    Names, acronyms and product words (``RLHF``, ``ChatGPT``, ``Atari``) stay
    in Latin letters in most translations; a capital that only starts a
    sentence (``The``) does not. Lower-cased, because a loanword is often
    capitalised in the translation only (German ``Release``).
    """
    found = []
    for match in _WORD.finditer(text):
        word = match.group()
        if not word.isascii() or word.lower() == word or len(word) < 2:
            continue
        before = text[max(match.start() - 8, 0) : match.start()]
        at_start = match.start() == len(before) and not before.strip(" *_([\"'`")
        starts_sentence = at_start or _SENTENCE_END.search(before) is not None
        if starts_sentence and word[1:].lower() == word[1:]:
            continue
        found.append(word.lower())
    return tuple(found)


def _latin_words(text: str) -> frozenset[str]:
    """Every Latin word of a text, lower-cased: where the other side's names are looked for."""
    return frozenset(w.lower() for w in _WORD.findall(text) if w.isascii() and len(w) > 1)


def _effective_length(text: str) -> int:
    return sum(WIDE_CHAR_LENGTH if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _bare_text(unit: Unit) -> str:
    """The msgid without placeholders: what the cues read."""
    return PLACEHOLDER.sub(" ", unit.msgid) if unit.urls else unit.msgid


def make_block(index: int, unit: Unit, prefix: str) -> Block:
    """Describe a unit for alignment; `prefix` is its first line's text before the unit."""
    level, column, quotes, width = _prefix_shape(prefix)
    if unit.kind == "table-cell":
        level, column, width = 0, -1, 0
    text = _bare_text(unit)
    return Block(
        index=index,
        line=unit.line,
        kind=unit.kind,
        text=unit.msgid,
        level=level if unit.kind == "heading" else 0,
        marker=column >= 0,
        column=column if column >= 0 else width,
        quotes=quotes,
        width=width,
        cell=prefix.count("|") if unit.kind == "table-cell" else -1,
        urls=tuple(url for url in unit.urls if not url.startswith("#")),
        anchors=tuple(url for url in unit.urls if url.startswith("#")),
        code=tuple(m.group(2).strip() for m in _CODE.finditer(text)),
        numbers=tuple(_NUMBER.findall(_CODE.sub(" ", text))),
        names=_names(text),
        words=_latin_words(text),
        length=_effective_length(text),
    )


def _list_lengths(blocks: Sequence[Block]) -> list[int]:
    """How many items each list item's list has (0 for blocks that start no item).

    Lists are told apart by the column of their marker: a block at a smaller
    column closes the deeper lists, as Markdown's indentation does.
    """
    members: list[list[int]] = []
    open_lists: dict[int, list[int]] = {}
    for position, block in enumerate(blocks):
        column = block.column
        for width in [w for w in open_lists if w > column or (not block.marker and w >= column)]:
            del open_lists[width]
        if block.marker:
            group = open_lists.setdefault(column, [])
            if not group:
                members.append(group)
            group.append(position)
    lengths = [0] * len(blocks)
    for group in members:
        for position in group:
            lengths[position] = len(group)
    return lengths


def make_blocks(units: Sequence[Unit], prefixes: Sequence[str]) -> tuple[Block, ...]:
    """Describe a document's units for alignment, in document order."""
    pairs = enumerate(zip(units, prefixes, strict=True))
    blocks = [make_block(index, unit, prefix) for index, (unit, prefix) in pairs]
    lengths = _list_lengths(blocks)
    return tuple(replace(block, list_length=length) for block, length in zip(blocks, lengths, strict=True))


def _joined(first: Block, second: Block) -> Block:
    """Two blocks read as one: the cues of a merged or split paragraph."""
    return replace(
        first,
        text=first.text + "\n" + second.text,
        urls=first.urls + second.urls,
        anchors=first.anchors + second.anchors,
        code=first.code + second.code,
        numbers=first.numbers + second.numbers,
        names=first.names + second.names,
        words=first.words | second.words,
        length=first.length + second.length,
    )


# ---------------------------------------------------------------------------
# Scoring


class Weights:
    """Inverse document frequencies: a name every block has says little.

    Also remembers each token list's counts and weight, since every block is
    scored against every block of the other side.
    """

    def __init__(self, blocks: Iterable[Block]) -> None:
        counts: Counter[str] = Counter()
        total = 0
        for block in blocks:
            total += 1
            counts.update(set(block.names) | set(block.numbers) | set(block.code))
        self._counts = counts
        self._total = max(total, 1)
        self._bags: dict[tuple[str, ...], tuple[Counter[str], float]] = {}

    def of(self, token: str) -> float:
        """The weight of one token."""
        return math.log(1 + self._total / max(self._counts[token], 1))

    def bag(self, tokens: tuple[str, ...]) -> tuple[Counter[str], float]:
        """The tokens counted, and their total weight."""
        found = self._bags.get(tokens)
        if found is None:
            found = self._bags[tokens] = (Counter(tokens), sum(self.of(t) for t in tokens))
        return found


def _dice(a: tuple[str, ...], b: tuple[str, ...], weights: Weights) -> float:
    """Weighted Dice similarity of two multisets, 0 to 1."""
    bag_a, total_a = weights.bag(a)
    bag_b, total_b = weights.bag(b)
    if total_a + total_b == 0:
        return 0.0
    common = sum(weights.of(t) * min(n, bag_b[t]) for t, n in bag_a.items() if t in bag_b)
    return 2 * common / (total_a + total_b)


def _cue(a: tuple[str, ...], b: tuple[str, ...], cue: tuple[float, float, float], weights: Weights) -> float:
    weight, doubt, missing = cue
    if not a and not b:
        return 0.0
    if not a or not b:
        return -missing
    return weight * _dice(a, b, weights) - doubt


def _name_cue(english: Block, translated: Block, weights: Weights) -> float:
    """How many of either side's names the other side's text has, weighted by rarity.

    `NAME_PRIOR` is added to the total, so that one common name found on
    both sides (``RLHF`` in every other block) says less than one rare name.
    """
    weight, doubt, missing = NAME_CUE
    if not english.names and not translated.names:
        return 0.0
    found = sum(weights.of(n) for n in english.names if n in translated.words)
    found += sum(weights.of(n) for n in translated.names if n in english.words)
    if not found:
        return -missing if not (english.names and translated.names) else -doubt
    total = weights.bag(english.names)[1] + weights.bag(translated.names)[1] + NAME_PRIOR
    return weight * found / total - doubt


def _structure(english: Block, translated: Block) -> float:
    if english.kind == "heading":
        if english.level and translated.level and english.level != translated.level:
            return SAME_HEADING + OTHER_LEVEL * abs(english.level - translated.level)
        return SAME_HEADING
    score = SAME_BLOCK
    if english.marker != translated.marker:
        score += OTHER_MARKER
    if english.quotes != translated.quotes:
        score += OTHER_QUOTE
    score += OTHER_WIDTH * min(abs(english.width - translated.width) // 2, 3)
    if english.cell != translated.cell:
        score += OTHER_CELL
    return score


def _length(english: Block, translated: Block) -> float:
    ratio = (translated.length + LENGTH_SMOOTHING) / (english.length + LENGTH_SMOOTHING)
    return max(LENGTH_BEST - LENGTH_SLOPE * abs(math.log(ratio)), LENGTH_FLOOR)


def _list_cue(english: Block, translated: Block) -> float:
    if not (english.list_length and translated.list_length):
        return 0.0
    return LIST_SAME if english.list_length == translated.list_length else LIST_OTHER


def _url_key(url: str) -> str:
    """The last path segment of a URL without its extension: what survives a moved or localized copy."""
    path = url.split("#")[0].split("?")[0].rstrip("/")
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()


def url_similarity(english: Sequence[str], translated: Sequence[str]) -> float:
    """Dice similarity of two URL lists, 0 to 1.

    Identical URLs count fully; a remaining pair whose last path segments
    look alike (``CONTRIBUTING.md`` and ``CONTRIBUTING_TU.md``, an image
    moved to another folder) counts half: translators localize links.
    """
    if english == translated:
        return 1.0
    common = Counter(english) & Counter(translated)
    rest_e = list((Counter(english) - common).elements())
    rest_t = list((Counter(translated) - common).elements())
    partial = 0.0
    for url in rest_e:
        key = _url_key(url)
        alike = next((other for other in rest_t if _alike(key, _url_key(other))), None)
        if alike is not None:
            rest_t.remove(alike)
            partial += 0.5
    return 2 * (sum(common.values()) + partial) / (len(english) + len(translated))


def _alike(a: str, b: str) -> bool:
    return bool(a and b) and (a.startswith(b) or b.startswith(a))


def _links(english: Block, translated: Block) -> float:
    weight, doubt, missing = URL_CUE
    if english.urls and translated.urls:
        score = weight * url_similarity(english.urls, translated.urls) - doubt
    else:
        score = -missing if english.urls or translated.urls else 0.0
    if english.anchors and translated.anchors:
        # Translators rename anchors, so their presence counts, and their identity.
        same = set(english.anchors) & set(translated.anchors)
        score += ANCHOR_BOTH * (1 + len(same) / len(set(english.anchors)))
    return score


def score_pair(english: Block, translated: Block, weights: Weights) -> float:
    """Evidence that `translated` is a translation of `english`; -inf when the kinds differ."""
    if english.kind != translated.kind:
        return _NEG
    if english.text == translated.text:
        return _structure(english, translated) + EXACT_TEXT + _links(english, translated)
    return (
        _structure(english, translated)
        + _links(english, translated)
        + _cue(english.code, translated.code, CODE_CUE, weights)
        + _cue(english.numbers, translated.numbers, NUMBER_CUE, weights)
        + _name_cue(english, translated, weights)
        + _length(english, translated)
        + _list_cue(english, translated)
    )


def _with_context(raw: list[list[float]]) -> list[list[float]]:
    """Add to each pair's score the evidence of its neighbours.

    A heading whose following paragraph pairs with the paragraph after the
    other heading is more likely the right heading: translations drift in
    blocks, and runs of pairs are the rule.
    """
    rows, columns = len(raw), len(raw[0]) if raw else 0

    def weight(i: int, j: int) -> float:
        if 0 <= i < rows and 0 <= j < columns:
            return min(max(raw[i][j], 0.0), CONTEXT_FULL) / CONTEXT_FULL
        return 0.0

    return [
        [
            score + CONTEXT * (weight(i - 1, j - 1) + weight(i + 1, j + 1)) / 2 if score > _NEG else score
            for j, score in enumerate(row)
        ]
        for i, row in enumerate(raw)
    ]


def _can_join(first: Block, second: Block) -> bool:
    """Whether two neighbouring paragraphs could have been one: same container, no new item."""
    return (
        first.kind == second.kind == "paragraph"
        and not second.marker
        and first.quotes == second.quotes
        and second.index == first.index + 1
    )


# ---------------------------------------------------------------------------
# The dynamic programme


@dataclass(slots=True)
class _Grid:
    """Pair scores and the forward and backward tables of the programme.

    `forward[i][j]` is the best score aligning English[:i] with translated[:j],
    `backward[i][j]` the best aligning English[i:] with translated[j:].
    """

    english: Sequence[Block]
    translated: Sequence[Block]
    weights: Weights
    scores: list[list[float]]
    forward: list[list[float]]
    backward: list[list[float]]
    joined: dict[tuple[str, int, int], float] = field(default_factory=dict)

    def merge_score(self, i: int, j: int) -> float:
        """English i and i+1 into translated j."""
        e, t = self.english, self.translated
        if i + 1 >= len(e) or t[j].kind != "paragraph" or not _can_join(e[i], e[i + 1]):
            return _NEG
        key = ("merge", i, j)
        if key not in self.joined:
            self.joined[key] = score_pair(_joined(e[i], e[i + 1]), t[j], self.weights) - MERGE_COST
        return self.joined[key]

    def split_score(self, i: int, j: int) -> float:
        """English i into translated j and j+1."""
        e, t = self.english, self.translated
        if j + 1 >= len(t) or e[i].kind != "paragraph" or not _can_join(t[j], t[j + 1]):
            return _NEG
        key = ("split", i, j)
        if key not in self.joined:
            self.joined[key] = score_pair(e[i], _joined(t[j], t[j + 1]), self.weights) - MERGE_COST
        return self.joined[key]


def _steps(grid: _Grid, i: int, j: int) -> Iterable[tuple[float, int, int, str]]:
    """The moves into cell (i, j): (score gained, English used, translated used, how)."""
    if i:
        yield 0.0, 1, 0, "skip"
    if j:
        yield 0.0, 0, 1, "skip"
    if i and j:
        yield grid.scores[i - 1][j - 1], 1, 1, "match"
    if i > 1 and j:
        yield grid.merge_score(i - 2, j - 1), 2, 1, "merge"
    if i and j > 1:
        yield grid.split_score(i - 1, j - 2), 1, 2, "split"


def _fill_forward(grid: _Grid) -> list[list[tuple[int, int, str]]]:
    n, m = len(grid.english), len(grid.translated)
    moves: list[list[tuple[int, int, str]]] = [[(0, 0, "")] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        row = grid.forward[i]
        for j in range(m + 1):
            if not (i or j):
                continue
            best, move = _NEG, (0, 0, "")
            for gain, di, dj, how in _steps(grid, i, j):
                total = grid.forward[i - di][j - dj] + gain
                if total > best:
                    best, move = total, (di, dj, how)
            row[j] = best
            moves[i][j] = move
    return moves


def _fill_backward(grid: _Grid) -> None:
    n, m = len(grid.english), len(grid.translated)
    back = grid.backward
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            best = _NEG
            if i < n:
                best = max(best, back[i + 1][j])
            if j < m:
                best = max(best, back[i][j + 1])
            if i < n and j < m:
                best = max(best, back[i + 1][j + 1] + grid.scores[i][j])
                best = max(best, back[i + 2][j + 1] + grid.merge_score(i, j) if i + 1 < n else _NEG)
                best = max(best, back[i + 1][j + 2] + grid.split_score(i, j) if j + 1 < m else _NEG)
            back[i][j] = best


def _margin(grid: _Grid, i: int, j: int) -> float:
    """How much worse the best alignment without the pair (i, j) scores.

    The alternatives: English i paired with another translated block or with
    none, translated j paired with another English unit or with none.
    """
    best = grid.forward[len(grid.english)][len(grid.translated)]
    forward, backward, scores = grid.forward, grid.backward, grid.scores
    rival = _NEG
    for other in range(len(grid.translated) + 1):
        rival = max(rival, forward[i][other] + backward[i + 1][other])
        if other < len(grid.translated) and other != j:
            rival = max(rival, forward[i][other] + scores[i][other] + backward[i + 1][other + 1])
    for other in range(len(grid.english) + 1):
        rival = max(rival, forward[other][j] + backward[other][j + 1])
        if other < len(grid.english) and other != i:
            rival = max(rival, forward[other][j] + scores[other][j] + backward[other + 1][j + 1])
    return best - rival


def _trace(grid: _Grid, moves: list[list[tuple[int, int, str]]]) -> list[Pair]:
    pairs: list[Pair] = []
    i, j = len(grid.english), len(grid.translated)
    while i or j:
        di, dj, how = moves[i][j]
        i, j = i - di, j - dj
        if how == "match":
            margin = _margin(grid, i, j)
            pairs.append(Pair((i,), (j,), how, grid.scores[i][j], margin, margin >= SURE_MARGIN))
        elif how == "merge":
            pairs.append(Pair((i, i + 1), (j,), how, grid.merge_score(i, j), 0.0, False))
        elif how == "split":
            pairs.append(Pair((i,), (j, j + 1), how, grid.split_score(i, j), 0.0, False))
    pairs.reverse()
    return pairs


def _moved_pairs(grid: _Grid, english: Sequence[int], translated: Sequence[int]) -> list[Pair]:
    """Pair blocks that the ordered pass skipped when their cues leave no doubt, best first."""
    candidates = sorted(
        ((grid.scores[i][j], i, j) for i in english for j in translated if grid.scores[i][j] >= REORDER_MIN),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    used_e: set[int] = set()
    used_t: set[int] = set()
    pairs = []
    for score, i, j in candidates:
        if i in used_e or j in used_t:
            continue
        used_e.add(i)
        used_t.add(j)
        pairs.append(Pair((i,), (j,), "moved", score, 0.0, False))
    return pairs


def _is_unrivalled(grid: _Grid, i: int, j: int) -> bool:
    """Whether the pair scores decisively and better than any other pairing of either block."""
    score = grid.scores[i][j]
    if score < DECISIVE:
        return False
    row = grid.scores[i]
    column = (scores[j] for scores in grid.scores)
    return (
        sum(1 for other in row if other >= score) == 1 and sum(1 for other in column if other >= score) == 1
    )


def _settle(grid: _Grid, pair: Pair) -> Pair:
    """Call a one-to-one pair sure when its margin is wide or its blocks have no rival.

    The margin alone would doubt two identical blocks that swapped places:
    each ordered alignment of them scores the same.
    """
    if pair.how not in ("match", "moved") or pair.sure:
        return pair
    if _is_unrivalled(grid, pair.english[0], pair.translated[0]):
        return replace(pair, sure=True)
    return pair


def align_blocks(english: Sequence[Block], translated: Sequence[Block]) -> Alignment:
    """Align two documents' blocks: ordered pairs first, then blocks that moved."""
    weights = Weights((*english, *translated))
    n, m = len(english), len(translated)
    grid = _Grid(
        english,
        translated,
        weights,
        scores=_with_context([[score_pair(e, t, weights) for t in translated] for e in english]),
        forward=[[0.0] * (m + 1) for _ in range(n + 1)],
        backward=[[0.0] * (m + 2) for _ in range(n + 2)],
    )
    moves = _fill_forward(grid)
    _fill_backward(grid)
    pairs = _trace(grid, moves)
    paired_e = {i for pair in pairs for i in pair.english}
    paired_t = {j for pair in pairs for j in pair.translated}
    pairs += _moved_pairs(
        grid, [i for i in range(n) if i not in paired_e], [j for j in range(m) if j not in paired_t]
    )
    pairs = sorted((_settle(grid, pair) for pair in pairs), key=lambda pair: pair.english)
    paired_e = {i for pair in pairs for i in pair.english}
    paired_t = {j for pair in pairs for j in pair.translated}
    return Alignment(
        tuple(pairs),
        tuple(i for i in range(n) if i not in paired_e),
        tuple(j for j in range(m) if j not in paired_t),
    )


def align_units(
    english: Sequence[Unit],
    english_prefixes: Sequence[str],
    translated: Sequence[Unit],
    translated_prefixes: Sequence[str],
) -> Alignment:
    """Align the units of an English document with those of its translation.

    A prefix is the text in front of a unit on its first line (list markers,
    quote marks, heading hashes): the only structure a `Unit` does not carry.
    """
    return align_blocks(make_blocks(english, english_prefixes), make_blocks(translated, translated_prefixes))
