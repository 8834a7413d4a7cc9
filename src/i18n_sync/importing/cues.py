"""What alignment knows of a block, and how alike two blocks are.

A block is an extracted unit with its structure (heading level, list item,
quote depth, indentation, table column, place in its list) and the cues that
survive translation: identical text (the translator left it in English),
link and image URLs (the strongest: rarely translated; a localized copy of a
URL counts half), in-page anchors, inline code, numbers, emoji, names (Latin
capitalised words, looked up case-insensitively on the other side and
weighted by rarity), Latin words shared with the English, the shape of the
text's start (a bold lead-in, a link, an emoji) and the relative length (a
CJK character counting three).

The score of a pair (`score_pair`) is additive evidence, in rough log-odds
units: positive says "the same block", negative "not the same". `evidence`
also says how much of it identifies the block (`Evidence.identity`: links,
code, names, emoji, shared words, identical text) rather than merely fitting
its place (structure, length, numbers, list position): a pair that only fits
its place is never sure where its neighbours could take the place as well.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from i18n_sync.markdown.msgid import PLACEHOLDER
from i18n_sync.model import Unit
from i18n_sync.record import record

# Structure: what kind of block, at which depth. A heading of the same level is
# rare evidence, a paragraph of the same shape common evidence.
SAME_HEADING = 3.0
SAME_BLOCK = 1.5
OTHER_LEVEL = -2.0
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
EMOJI_CUE = (2.0, 0.5, 0.5)
NAME_CUE = (4.0, 0.5, 0.3)
NAME_PRIOR = 2.0
WORDS_CUE = 4.0
"""Most a pair gains from sharing its Latin words: a text kept in English, or an older English."""
WORDS_FROM = 0.3
"""The share of common words below which sharing words says nothing (names, cognates)."""
ANCHOR_BOTH = 1.0
LIST_SAME, LIST_OTHER = 0.5, -0.5
LIST_PLACE_SAME, LIST_PLACE_OTHER = 0.5, -1.0
"""Items of lists of the same length: the same place in it, or another."""
LEAD_SAME, LEAD_OTHER = 0.3, -1.0
"""The text starts alike (bold lead-in, link, image, emoji, code) or not."""
# Length: "LENGTH_BEST - LENGTH_SLOPE * |ln ratio|", never below LENGTH_FLOOR;
# LENGTH_SMOOTHING keeps very short blocks from swinging it.
LENGTH_BEST, LENGTH_SLOPE, LENGTH_FLOOR, LENGTH_SMOOTHING = 1.0, 3.0, -3.0, 12
WIDE_CHAR_LENGTH = 3
"""A CJK character says about as much as three Latin letters."""

_NEG = -math.inf
_MARKER = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)")
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CODE = re.compile(r"(`+)(.+?)\1")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = re.compile(r"[.!?:;。！？：；]\s*$")
_LEADS = (("**", "strong"), ("__", "strong"), ("![", "image"), ("[", "link"), ("`", "code"), ("<", "html"))


@record
class Block:
    """What alignment knows of one unit: its structure and the cues that survive translation.

    `index` is the unit's position in its document's unit list and `line` its
    1-based line. `level` is a heading's level (0 otherwise or when unknown),
    `marker` whether the block starts a list item, `column` where its list
    marker (or else its text) starts, `quotes` its block quote depth, `width`
    the columns in front of its text, `cell` a table cell's column.
    `list_length` counts the items of the list a list item belongs to and
    `list_place` is the item's place in it (from 1). `lead` names how the
    text starts (``strong``, ``link``, ``emoji``...; empty for words).
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
    emoji: tuple[str, ...] = ()
    words: frozenset[str] = frozenset()
    length: int = 0
    list_length: int = 0
    list_place: int = 0
    lead: str = ""


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


def _numbers(text: str) -> tuple[str, ...]:
    """The numbers of a text outside code, but for a leading one before any word.

    A leading number with a dot (``4.6 Tag your tests``, ``3. Run``) numbers a
    section or an item: it follows the place, which the translation may have
    changed, not the content.
    """
    plain = _CODE.sub(" ", text)
    found = [(m.start(), m.group()) for m in _NUMBER.finditer(plain)]
    if found and not _LETTER.search(plain[: found[0][0]]):
        start, number = found[0]
        if "." in number or plain[start + len(number) : start + len(number) + 1] in (".", ")"):
            found = found[1:]
    return tuple(number for _, number in found)


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So"


def _emoji(text: str) -> tuple[str, ...]:
    """The pictographs of a text (``🔗``, ``✔``): translators keep them."""
    return tuple(char for char in text if ord(char) > 0x2000 and _is_emoji(char))


def _lead(text: str) -> str:
    """How a text starts: a bold lead-in, a link, an image, code, HTML, an emoji, or words ("")."""
    stripped = text.lstrip()
    for start, name in _LEADS:
        if stripped.startswith(start):
            return name
    return "emoji" if stripped and _is_emoji(stripped[0]) else ""


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
        numbers=_numbers(text),
        names=_names(text),
        emoji=_emoji(text),
        words=_latin_words(text),
        length=_effective_length(text),
        lead=_lead(unit.msgid),
    )


def _list_places(blocks: Sequence[Block]) -> list[tuple[int, int]]:
    """How many items each list item's list has and its place in it ((0, 0) for other blocks).

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
    places = [(0, 0)] * len(blocks)
    for group in members:
        for place, position in enumerate(group, 1):
            places[position] = (len(group), place)
    return places


def make_blocks(units: Sequence[Unit], prefixes: Sequence[str]) -> tuple[Block, ...]:
    """Describe a document's units for alignment, in document order."""
    pairs = enumerate(zip(units, prefixes, strict=True))
    blocks = [make_block(index, unit, prefix) for index, (unit, prefix) in pairs]
    places = _list_places(blocks)
    return tuple(
        replace(block, list_length=length, list_place=place)
        for block, (length, place) in zip(blocks, places, strict=True)
    )


def joined(first: Block, second: Block) -> Block:
    """Two blocks read as one: the cues of a merged or split paragraph."""
    return replace(
        first,
        text=first.text + "\n" + second.text,
        urls=first.urls + second.urls,
        anchors=first.anchors + second.anchors,
        code=first.code + second.code,
        numbers=first.numbers + second.numbers,
        names=first.names + second.names,
        emoji=first.emoji + second.emoji,
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
            counts.update(set(block.names) | set(block.numbers) | set(block.code) | set(block.emoji))
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
    """Lists of the same length, and the same place in them: a list translated item by item."""
    if not (english.list_length and translated.list_length):
        return 0.0
    if english.list_length != translated.list_length:
        return LIST_OTHER
    same_place = english.list_place == translated.list_place
    return LIST_SAME + (LIST_PLACE_SAME if same_place else LIST_PLACE_OTHER)


def _lead_cue(english: Block, translated: Block) -> float:
    return LEAD_SAME if english.lead == translated.lead else LEAD_OTHER


def _words_cue(english: Block, translated: Block) -> float:
    """Latin words in common, beyond what names and cognates share: the same text, in English."""
    if not english.words or not translated.words:
        return 0.0
    share = 2 * len(english.words & translated.words) / (len(english.words) + len(translated.words))
    return WORDS_CUE * max(share - WORDS_FROM, 0.0) / (1 - WORDS_FROM)


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


def is_localized_copy(english: str, translated: str) -> bool:
    """Whether a translated URL looks like a localized copy of an English one (same last segment, or a
    suffix of it: ``CONTRIBUTING_TU.md`` for ``CONTRIBUTING.md``)."""
    return _alike(_url_key(english), _url_key(translated))


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


@record
class Evidence:
    """A pair's score, and the part of it that identifies the block rather than fits its place."""

    score: float
    identity: float


def evidence(english: Block, translated: Block, weights: Weights) -> Evidence:
    """Evidence that `translated` is a translation of `english`; -inf when the kinds differ."""
    if english.kind != translated.kind:
        return Evidence(_NEG, _NEG)
    links = _links(english, translated)
    if english.text == translated.text:
        return Evidence(_structure(english, translated) + EXACT_TEXT + links, EXACT_TEXT + links)
    identity = (
        links
        + _cue(english.code, translated.code, CODE_CUE, weights)
        + _cue(english.emoji, translated.emoji, EMOJI_CUE, weights)
        + _name_cue(english, translated, weights)
        + _words_cue(english, translated)
    )
    place = (
        _structure(english, translated)
        + _cue(english.numbers, translated.numbers, NUMBER_CUE, weights)
        + _length(english, translated)
        + _list_cue(english, translated)
        + _lead_cue(english, translated)
    )
    return Evidence(identity + place, identity)


def score_pair(english: Block, translated: Block, weights: Weights) -> float:
    """Evidence that `translated` is a translation of `english`; -inf when the kinds differ."""
    return evidence(english, translated, weights).score
