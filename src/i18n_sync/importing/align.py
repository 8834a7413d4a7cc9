"""Pairing the blocks of a hand-made translation with the English units they translate.

A translation made by hand drifts: blocks go missing, others are added, some
move, two paragraphs become one or one becomes two, some stay in English. So
the pairing is a dynamic programme over the two block sequences that may pair
one block with one, two English paragraphs with one translated paragraph
(merge) or one with two (split), or leave a block unpaired at a cost (`SKIP`,
so that leaving one item out and shifting the rest by one never comes free);
then a second pass pairs skipped blocks whose cues leave no doubt, in any
order (moved). How alike two blocks are is `cues.evidence`. Runs of pairs
win because breaking one costs two skips; a pair gains nothing from how well
its neighbours fit (that pulled lists one item off towards a good run).

The programme runs in a band: blocks that share a unique URL or an identical
text are anchors, and between two anchors the path may not stray more than
`BAND` blocks from them. A 150 KB README then costs a few seconds, not a
full grid of every block against every block.

Sure or uncertain (uncertain pairs become fuzzy entries, with `Pair.why`
as the translator comment):

- an anchor (identical text or links, `DECISIVE`, better than any other
  pairing of either block) is sure;
- any other one-to-one pair in order is sure only when it scores at least
  `SURE_MIN`; when its links, if both blocks have some, are not all other
  ones; when every alignment that pairs either block otherwise, or not at
  all, scores `SURE_MARGIN` less; when it and a neighbouring pair do not fit
  as well crossed (a swap); and, within `SKIP_REACH` steps of a skip, when it
  beats every neighbouring pairing of its blocks (`RIVAL_GAP`, or less when
  its own cues identify it): where a block was added or dropped, the gap may
  have been put a block off, and the place alone proves nothing;
- merges, splits and moved blocks that are not anchors are uncertain.

The weights were set on hand-made fixtures (tests/fixtures/align) and checked
on the real translations of the test corpus (tests/data/import_sample.json).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from i18n_sync.importing.cues import (
    Block,
    Evidence,
    Weights,
    evidence,
    joined,
    make_block,
    make_blocks,
    score_pair,
    url_similarity,
)
from i18n_sync.model import Unit
from i18n_sync.record import record

__all__ = [
    "Alignment",
    "Block",
    "Pair",
    "Weights",
    "align_blocks",
    "align_units",
    "make_block",
    "make_blocks",
    "score_pair",
    "url_similarity",
]

SKIP = 0.4
"""What leaving one block unpaired costs."""
MERGE_COST = 1.0
SURE_MIN = 1.0
"""The least score of a sure pair (context included)."""
SURE_MARGIN = 1.0
"""A pair is sure only when every other way of aligning either of its blocks scores this much less."""
SWAP_GAP = 0.0
"""A pair is sure only when swapping it with a neighbouring pair scores this much less (it fits as well)."""
IDENTITY_SURE = 2.5
"""Evidence of its own (links, code, names, words) that lets a pair near a skip beat rivals by less."""
RIVAL_GAP = 1.5
"""How much better than any neighbour's pairing a pair near a skip must score."""
NEIGHBOURS = 3
"""How far away a rival is looked for."""
SKIP_REACH = 2
"""How many steps of the alignment from a skip a pair needs its cues to beat its neighbours'."""
DECISIVE = 6.0
"""A score only identical text or identical links reach."""
REORDER_MIN = 4.0
"""The least score for pairing blocks out of order."""
BAND = 10
"""How far from the anchors around it the alignment may stray, in blocks."""

_NEG = -math.inf

WHY_WEAK = "little says it translates this: it may translate an older English"
WHY_LINKS = "its links point elsewhere than the English ones"
WHY_SECTION = "its section holds a pair that does not match: the section may be another one"
WHY_MARGIN = "another alignment of these blocks scores almost as well"
WHY_SWAP = "a neighbouring block fits as well (swapped?)"
WHY_PLACE = "blocks near it were added or dropped, and only its place says it translates this"
WHY_MERGE = "two English paragraphs in one translated paragraph: where to cut is a guess"
WHY_SPLIT = "one English paragraph in two translated paragraphs"
WHY_MOVED = "found out of order, away from its place"


@record
class Pair:
    """English units paired with translated blocks, by index into each unit list.

    `how` is ``match`` (one to one, in order), ``merge`` (two English units,
    one translated block), ``split`` (one English unit, two translated
    blocks) or ``moved`` (one to one, out of order). `margin` is how much
    worse the next best alignment of these blocks scores (0 when not computed).
    `why` says, for an uncertain pair, what makes it so.
    """

    english: tuple[int, ...]
    translated: tuple[int, ...]
    how: str
    score: float
    margin: float
    sure: bool
    why: str = ""


@record
class Alignment:
    """The pairs in English order, and the units of each side that found no partner."""

    pairs: tuple[Pair, ...]
    unpaired_english: tuple[int, ...]
    unpaired_translated: tuple[int, ...]


# ---------------------------------------------------------------------------
# Anchors and the band


def _keys(block: Block) -> Iterator[str]:
    """What may identify a block on both sides: each URL, and its whole text."""
    yield from ("url " + url for url in block.urls)
    yield "text " + block.text


def _candidates(english: Sequence[Block], translated: Sequence[Block]) -> list[tuple[int, int]]:
    """Pairs whose blocks share a key that no other block of either side has."""
    english_keys = Counter(key for block in english for key in set(_keys(block)))
    where: dict[str, int] = {}
    for block in english:
        for key in _keys(block):
            if english_keys[key] == 1:
                where[key] = block.index
    translated_keys = Counter(key for block in translated for key in set(_keys(block)))
    found: set[tuple[int, int]] = set()
    for position, block in enumerate(translated):
        for key in _keys(block):
            if translated_keys[key] == 1 and key in where and english[where[key]].kind == block.kind:
                found.add((where[key], position))
    by_english = Counter(i for i, _ in found)
    by_translated = Counter(j for _, j in found)
    return sorted((i, j) for i, j in found if by_english[i] == 1 and by_translated[j] == 1)


def _chain(candidates: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of candidates in order on both sides (longest increasing subsequence)."""
    tails: list[int] = []
    tail_at: list[int] = []
    before = [-1] * len(candidates)
    for index, (_, j) in enumerate(candidates):
        place = bisect_left(tails, j)
        if place == len(tails):
            tails.append(j)
            tail_at.append(index)
        else:
            tails[place] = j
            tail_at[place] = index
        before[index] = tail_at[place - 1] if place else -1
    chain = []
    index = tail_at[-1] if tail_at else -1
    while index >= 0:
        chain.append(candidates[index])
        index = before[index]
    return chain[::-1]


def _band(anchors: list[tuple[int, int]], n: int, m: int) -> tuple[list[int], list[int]]:
    """For each row of the programme, the first and last column the path may pass through."""
    points = [(0, 0), *((p for i, j in anchors for p in ((i, j), (i + 1, j + 1)))), (n, m)]
    rows = [i for i, _ in points]
    low, high = [], []
    for i in range(n + 1):
        before = points[bisect_right(rows, i) - 1]
        after = points[bisect_left(rows, i)]
        low.append(max(before[1] - BAND, 0))
        high.append(min(after[1] + BAND, m))
    return low, high


# ---------------------------------------------------------------------------
# The dynamic programme


@dataclass(slots=True)
class _Grid:
    """Pair evidence, computed when first asked for, and the tables of the programme.

    `forward[i][j]` is the best score aligning English[:i] with translated[:j],
    `backward[i][j]` the best aligning English[i:] with translated[j:]; both
    are -inf outside the band (`low[i]` to `high[i]`).
    """

    english: Sequence[Block]
    translated: Sequence[Block]
    weights: Weights
    low: list[int]
    high: list[int]
    forward: list[list[float]]
    backward: list[list[float]]
    raws: dict[tuple[int, int], Evidence] = field(default_factory=dict)
    pairs_of_blocks: dict[tuple[str, int], Block] = field(default_factory=dict)
    joined: dict[tuple[str, int, int], float] = field(default_factory=dict)

    def raw(self, i: int, j: int) -> Evidence:
        """The evidence of English i and translated j alone."""
        found = self.raws.get((i, j))
        if found is None:
            found = self.raws[i, j] = evidence(self.english[i], self.translated[j], self.weights)
        return found

    def score(self, i: int, j: int) -> float:
        """The score of English i with translated j."""
        return self.raw(i, j).score

    def merge_score(self, i: int, j: int) -> float:
        """English i and i+1 into translated j."""
        e, t = self.english, self.translated
        if i + 1 >= len(e) or t[j].kind != "paragraph" or not _can_join(e[i], e[i + 1]):
            return _NEG
        key = ("merge", i, j)
        if key not in self.joined:
            self.joined[key] = score_pair(self._joined("english", i), t[j], self.weights) - MERGE_COST
        return self.joined[key]

    def split_score(self, i: int, j: int) -> float:
        """English i into translated j and j+1."""
        e, t = self.english, self.translated
        if j + 1 >= len(t) or e[i].kind != "paragraph" or not _can_join(t[j], t[j + 1]):
            return _NEG
        key = ("split", i, j)
        if key not in self.joined:
            self.joined[key] = score_pair(e[i], self._joined("translated", j), self.weights) - MERGE_COST
        return self.joined[key]

    def _joined(self, side: str, index: int) -> Block:
        """Block `index` of one side read together with the next one (built once)."""
        found = self.pairs_of_blocks.get((side, index))
        if found is None:
            blocks = self.english if side == "english" else self.translated
            found = self.pairs_of_blocks[side, index] = joined(blocks[index], blocks[index + 1])
        return found


def _can_join(first: Block, second: Block) -> bool:
    """Whether two neighbouring paragraphs could have been one: same container, no new item."""
    return (
        first.kind == second.kind == "paragraph"
        and not second.marker
        and first.quotes == second.quotes
        and second.index == first.index + 1
    )


_Move = tuple[int, int, str]
_START: _Move = (0, 0, "")


def _best_step(grid: _Grid, i: int, j: int) -> tuple[float, _Move]:
    """The best way into cell (i, j) of the forward table."""
    forward = grid.forward
    best, move = _NEG, _START
    if i and forward[i - 1][j] - SKIP > best:
        best, move = forward[i - 1][j] - SKIP, (1, 0, "skip-english")
    if j and forward[i][j - 1] - SKIP > best:
        best, move = forward[i][j - 1] - SKIP, (0, 1, "skip-translated")
    if i and j and forward[i - 1][j - 1] > _NEG:
        total = forward[i - 1][j - 1] + grid.score(i - 1, j - 1)
        if total > best:
            best, move = total, (1, 1, "match")
    if i > 1 and j and forward[i - 2][j - 1] > _NEG:
        total = forward[i - 2][j - 1] + grid.merge_score(i - 2, j - 1)
        if total > best:
            best, move = total, (2, 1, "merge")
    if i and j > 1 and forward[i - 1][j - 2] > _NEG:
        total = forward[i - 1][j - 2] + grid.split_score(i - 1, j - 2)
        if total > best:
            best, move = total, (1, 2, "split")
    return best, move


def _fill_forward(grid: _Grid) -> dict[tuple[int, int], _Move]:
    moves: dict[tuple[int, int], _Move] = {}
    for i in range(len(grid.english) + 1):
        row = grid.forward[i]
        for j in range(grid.low[i], grid.high[i] + 1):
            if i or j:
                row[j], moves[i, j] = _best_step(grid, i, j)
    return moves


def _fill_backward(grid: _Grid) -> None:
    n, m = len(grid.english), len(grid.translated)
    back = grid.backward
    back[n][m] = 0.0
    for i in range(n, -1, -1):
        for j in range(grid.high[i], grid.low[i] - 1, -1):
            if i == n and j == m:
                continue
            best = max(back[i + 1][j], back[i][j + 1]) - SKIP
            if i < n and j < m:
                if back[i + 1][j + 1] > _NEG:
                    best = max(best, back[i + 1][j + 1] + grid.score(i, j))
                if back[i + 2][j + 1] > _NEG:
                    best = max(best, back[i + 2][j + 1] + grid.merge_score(i, j))
                if back[i + 1][j + 2] > _NEG:
                    best = max(best, back[i + 1][j + 2] + grid.split_score(i, j))
            back[i][j] = best


def _margin(grid: _Grid, i: int, j: int) -> float:
    """How much worse the best alignment without the pair (i, j) scores.

    The alternatives: English i paired with another translated block or with
    none, translated j paired with another English unit or with none.
    """
    n, m = len(grid.english), len(grid.translated)
    forward, backward = grid.forward, grid.backward
    rival = _NEG
    for other in range(grid.low[i], grid.high[i] + 1):
        rival = max(rival, forward[i][other] - SKIP + backward[i + 1][other])
        if other < m and other != j and forward[i][other] > _NEG and backward[i + 1][other + 1] > _NEG:
            rival = max(rival, forward[i][other] + grid.score(i, other) + backward[i + 1][other + 1])
    for other in range(n + 1):
        if not grid.low[other] <= j <= grid.high[other]:
            continue
        rival = max(rival, forward[other][j] - SKIP + backward[other][j + 1])
        if other < n and other != i and forward[other][j] > _NEG and backward[other + 1][j + 1] > _NEG:
            rival = max(rival, forward[other][j] + grid.score(other, j) + backward[other + 1][j + 1])
    return forward[n][m] - rival


def _path(grid: _Grid, moves: dict[tuple[int, int], _Move]) -> list[tuple[str, int, int]]:
    """The best alignment's steps in order: (how, English index, translated index)."""
    steps = []
    i, j = len(grid.english), len(grid.translated)
    while i or j:
        di, dj, how = moves[i, j]
        i, j = i - di, j - dj
        steps.append((how, i, j))
    return steps[::-1]


# ---------------------------------------------------------------------------
# Sure or uncertain


def _is_unrivalled(grid: _Grid, i: int, j: int) -> bool:
    """Whether the pair scores decisively and better than any other pairing of either block nearby."""
    score = grid.raw(i, j).score
    if score < DECISIVE:
        return False
    columns = range(max(grid.low[i] - BAND, 0), min(grid.high[i + 1] + BAND, len(grid.translated)))
    if any(grid.raw(i, other).score >= score for other in columns if other != j):
        return False
    rows = range(max(i - 3 * BAND, 0), min(i + 3 * BAND, len(grid.english)))
    return not any(grid.raw(other, j).score >= score for other in rows if other != i)


def _near_skips(grid: _Grid, steps: list[tuple[str, int, int]], anchors: set[int]) -> set[int]:
    """The English indices of matches within `SKIP_REACH` steps of a skip, no anchor between.

    Where a block was added or dropped, the alignment may have put the gap a
    block too early or too late: the pairs there are only as good as their cues.
    A gap moves only across blocks of the skipped block's kind: a pair of
    another kind (a heading beside a dropped paragraph) ends the reach.
    """
    near: set[int] = set()
    for index, (how, i, j) in enumerate(steps):
        if not how.startswith("skip"):
            continue
        kind = grid.english[i].kind if how == "skip-english" else grid.translated[j].kind
        for direction in (-1, 1):
            for other in range(index + direction, index + direction * (SKIP_REACH + 1), direction):
                if not 0 <= other < len(steps):
                    break
                step, e, _ = steps[other]
                if step == "match" and (e in anchors or grid.english[e].kind != kind):
                    break
                if step == "match":
                    near.add(e)
    return near


def _best_rival(grid: _Grid, i: int, j: int, taken: _Taken) -> float:
    """The best raw score of a neighbouring pairing of English i or translated j.

    Blocks that an anchor holds are no rivals: they are spoken for.
    """
    n, m = len(grid.english), len(grid.translated)
    rival = _NEG
    for other in range(max(j - NEIGHBOURS, 0), min(j + NEIGHBOURS + 1, m)):
        if other != j and other not in taken.translated:
            rival = max(rival, grid.raw(i, other).score)
    for other in range(max(i - NEIGHBOURS, 0), min(i + NEIGHBOURS + 1, n)):
        if other != i and other not in taken.english:
            rival = max(rival, grid.raw(other, j).score)
    return rival


def _swapped(grid: _Grid, i: int, j: int, matched: dict[int, int], taken: _Taken) -> bool:
    """Whether the pair and a neighbouring pair of the alignment fit as well the other way round."""
    for other in (i - 1, i + 1):
        k = matched.get(other)
        if k is None or abs(k - j) != 1 or other in taken.english:
            continue
        kept = grid.raw(i, j).score + grid.raw(other, k).score
        crossed = grid.raw(i, k).score + grid.raw(other, j).score
        if crossed > _NEG and kept - crossed <= SWAP_GAP:
            return True
    return False


def _beats_neighbours(grid: _Grid, i: int, j: int, taken: _Taken) -> bool:
    """Whether the pair scores better than any neighbouring pairing: by `RIVAL_GAP`, or at all
    when its own cues identify it (`IDENTITY_SURE`)."""
    own = grid.raw(i, j)
    gap = own.score - _best_rival(grid, i, j, taken)
    return gap >= RIVAL_GAP or (gap > 0 and own.identity >= IDENTITY_SURE)


@record
class _Taken:
    """The blocks of each side that anchors hold."""

    english: frozenset[int]
    translated: frozenset[int]


def _doubt(grid: _Grid, pair: tuple[int, int], margin: float, matched: dict[int, int], taken: _Taken) -> str:
    """Why the match is uncertain whatever its neighbours are; empty when nothing is against it."""
    i, j = pair
    if grid.score(i, j) < SURE_MIN:
        return WHY_WEAK
    english, translated = grid.english[i], grid.translated[j]
    if english.urls and translated.urls and not url_similarity(english.urls, translated.urls):
        return WHY_LINKS
    if margin < SURE_MARGIN:
        return WHY_MARGIN
    if _swapped(grid, i, j, matched, taken):
        return WHY_SWAP
    return ""


def _doubt_sections(
    grid: _Grid, steps: list[tuple[str, int, int]], why: dict[int, str], anchors: set[int]
) -> None:
    """Doubt what only its place supports in a section where some pair is contradicted.

    A section is a heading's pair and the pairs after it up to the next
    heading's. When one of them has links that disagree or almost no score, the
    section may be another one altogether (a translation of an older English
    whose sections moved), so its heading and the pairs without cues of their
    own are no surer than their place.
    """
    sections: list[list[int]] = [[]]
    for how, i, _ in steps:
        if how == "match":
            if grid.english[i].kind == "heading":
                sections.append([])
            sections[-1].append(i)
    matched = {i: j for how, i, j in steps if how == "match"}
    for section in sections:
        if not any(why[i] in (WHY_WEAK, WHY_LINKS) for i in section):
            continue
        for i in section:
            if not why[i] and i not in anchors and grid.raw(i, matched[i]).identity < IDENTITY_SURE:
                why[i] = WHY_SECTION


def _ordered_pairs(grid: _Grid, steps: list[tuple[str, int, int]]) -> list[Pair]:
    """The pairs of the best alignment, sure or not.

    Anchors are sure. Other matches are sure when nothing is against them
    (`_doubt`); a match near a skip must also beat every neighbouring pairing
    of its blocks, except with the blocks that sure pairs hold: first those far
    from any skip, then, round by round, those near one that won.
    """
    # A pair with evidence against it holds its place in the programme, but is no pair.
    steps = [
        ("skip-english", i, j) if how == "match" and grid.raw(i, j).score < 0 else (how, i, j)
        for how, i, j in steps
    ]
    matched = {i: j for how, i, j in steps if how == "match"}
    anchors = {i for i, j in matched.items() if _is_unrivalled(grid, i, j)}
    near = _near_skips(grid, steps, anchors)
    taken = _Taken(frozenset(anchors), frozenset(matched[i] for i in anchors))
    margins = {i: _margin(grid, i, j) for i, j in matched.items()}
    why = {
        i: "" if i in anchors else _doubt(grid, (i, j), margins[i], matched, taken)
        for i, j in matched.items()
    }
    settled = {i for i in matched if not why[i] and i not in near}
    waiting = sorted(i for i in near if not why[i])
    while waiting:
        taken = _Taken(frozenset(settled), frozenset(matched[i] for i in settled))
        winners = [i for i in waiting if _beats_neighbours(grid, i, matched[i], taken)]
        if not winners:
            break
        settled.update(winners)
        waiting = [i for i in waiting if i not in settled]
    for i in waiting:
        why[i] = WHY_PLACE
    _doubt_sections(grid, steps, why, anchors)
    pairs = []
    for how, i, j in steps:
        if how == "match":
            pairs.append(Pair((i,), (j,), how, grid.score(i, j), margins[i], not why[i], why[i]))
        elif how == "merge":
            pairs.append(Pair((i, i + 1), (j,), how, grid.merge_score(i, j), 0.0, False, WHY_MERGE))
        elif how == "split":
            pairs.append(Pair((i,), (j, j + 1), how, grid.split_score(i, j), 0.0, False, WHY_SPLIT))
    return pairs


def _moved_pairs(grid: _Grid, english: Sequence[int], translated: Sequence[int]) -> list[Pair]:
    """Pair blocks that the ordered pass skipped when their cues leave no doubt, best first."""
    candidates = sorted(
        (
            (score, i, j)
            for i in english
            for j in translated
            if (score := grid.raw(i, j).score) >= REORDER_MIN
        ),
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
        sure = _is_unrivalled(grid, i, j)
        pairs.append(Pair((i,), (j,), "moved", score, 0.0, sure, "" if sure else WHY_MOVED))
    return pairs


def align_blocks(english: Sequence[Block], translated: Sequence[Block]) -> Alignment:
    """Align two documents' blocks: ordered pairs first, then blocks that moved."""
    n, m = len(english), len(translated)
    low, high = _band(_chain(_candidates(english, translated)), n, m)
    grid = _Grid(
        english,
        translated,
        Weights((*english, *translated)),
        low,
        high,
        forward=[[_NEG] * (m + 1) for _ in range(n + 1)],
        backward=[[_NEG] * (m + 2) for _ in range(n + 2)],
    )
    grid.forward[0][0] = 0.0
    moves = _fill_forward(grid)
    _fill_backward(grid)
    pairs = _ordered_pairs(grid, _path(grid, moves))
    paired_e = {i for pair in pairs for i in pair.english}
    paired_t = {j for pair in pairs for j in pair.translated}
    pairs += _moved_pairs(
        grid, [i for i in range(n) if i not in paired_e], [j for j in range(m) if j not in paired_t]
    )
    pairs.sort(key=lambda pair: pair.english)
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
