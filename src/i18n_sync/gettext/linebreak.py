"""Where GNU msgcat may break a line: UAX #14 as libunistring 1.0 implements it.

msgcat wraps a string with libunistring's ulc_width_linebreaks(): UAX #14
break opportunities, then the last opportunity before the width is taken.
This module is that algorithm as libunistring 1.0 implements it (the version
GNU gettext 0.21 links against), checked against the library itself in
tests/test_po_gnu.py on random text.
"""

from __future__ import annotations

import base64
import bisect
import re
import zlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import cache

# Line-break classes in libunistring's order; the first 33 index the pair table.
# fmt: off
_LB_NAMES = (
    "WJ", "GL", "B2", "BA", "BB", "HY", "CL", "CP1", "CP2", "EX", "IN", "NS", "OP1", "OP2", "QU",
    "IS", "NU", "PO", "PR", "SY", "AL", "H2", "H3", "ID1", "ID2", "JL", "JV", "JT", "HL", "RI",
    "ZWJ", "EB", "EM", "BK", "CR", "LF", "CM", "ZW", "SP",
)
# fmt: on
_LB = {name: index for index, name in enumerate(_LB_NAMES)}
_AL, _BA, _BK, _CM, _CR, _HL, _HY = (_LB[n] for n in ("AL", "BA", "BK", "CM", "CR", "HL", "HY"))
_LF, _RI, _SP, _ZW, _ZWJ = (_LB[n] for n in ("LF", "RI", "SP", "ZW", "ZWJ"))
_HL_BA = 100  # a Hebrew letter followed by a hyphen (rule LB21a), never in the table

# libunistring's unilbrk_table (UAX #14 table 7.3 with GNU's tailoring): the
# row is the class before the break, the column the class after it.
# D: break, I: break only after spaces, P: no break.
_PAIRS = (
    "PIIIIIPPPPIIIIIPIIIPIIIIIIIIIIIII",
    "PIIIIIPPPPIIIIIPIIIPIIIIIIIIIIIII",
    "PIPIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD",
    "PDDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD",
    "PIIIIIPPPPIIIIIPIIIPIIIIIIIIIIIII",
    "PDDIDIPPPPIIDDIPIDDPDDDDDDDDDDDDD",
    "PIDIDIPPPPIPDDIPDIIPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIDDIPIIIPIDDDDDDDIDIDD",
    "PIDIDIPPPPIIDDIPDIIPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD",
    "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP",
    "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP",
    "PIIIIIPPPPIIPPIPIIIPIIIIIIIIIIIII",
    "PIDIDIPPPPIIDDIPIDDPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIIDIPIIIPIDDDDDDDIDIDD",
    "PIDIDIPPPPIIIIIPIDDPIDDDDDDDIDIDD",
    "PIDIDIPPPPIIIIIPIDDPIIIIIIIIIDIII",
    "PIDIDIPPPPIIDDIPIDDPDDDDDDDDIDDDD",
    "PIDIDIPPPPIIIDIPIIIPIDDDDDDDIDIDD",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDIIDDDDD",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDDIDDDDD",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDDDDDDDI",
    "PIDIDIPPPPIIDDIPDIDPDIIDDIIDDDDDD",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDIIDDDDD",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDDIDDDDD",
    "PIDIDIPPPPIIIDIPIIIPIDDDDDDDIDIDD",
    "PIDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIIDIPIIIPIDDIIDDDIDIII",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDDDDDDDI",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDDDDDDDD",
)

# Every code point's line-break class and display width, from libunistring
# 1.0's unilbrkprop and uc_width() (Unicode 14.0), with the classes that
# libunistring resolves at run time already resolved for UTF-8 text (AI and
# XX and SA as AL, CB as ID1, EB as ID2, which has the same table row and
# column). Runs of equal values as (varint length, class * 4 + width + 1),
# zlib-compressed, base85. tests/test_po_gnu.py regenerates and checks it.
_CHARACTER_DATA = (
    "c-rk)O^jSe5mt4-zj-s$yF31$wb$z(W{rP#?G5o-i@df*Vgh3bnR<x;MZC6VkfMMrAqxeO)1nxZAV+LJV+kS=2?0lLh!Y@AAS9&Z"
    "LN34oh~UDHIf3|z`KsQm6B`S`eGm11x~r<ItE%hO_b6mr)S{c_2EEwXqF1O#>%=sq0j}$`N(=h7L3=@u=Y6wbnR@e#nISD4lDnfW"
    "ak51>x?7asePD+%tCqH5=o#YLNiYJ*)fXeY;Gxq2E%Jv0#jTLW?ckU;ZWvC(T?lTFi)2|o6QDj2o0@tQGM>L4adf@S$;h%Dm<_{C"
    "ow2=ByeH&+8kjy-2oo4eP)H+~7mVtNaL@aDSjH$U@O*e0(lZ!4!i^Bg$~}=a!@b}oj1gN<98Tf>9yX(dvv894L+fIo>O6R<5({mW"
    "g$Pfkk~MRzW?bH%6J6B>t~q3NQwdRMFjdNhwJ|b?SzRv9s%^a|Wnh=^*&vqf7Jhwd-p3W!9>VIPefLzeXw0yCdWRiq?|rtUD!FY9"
    "A`{-L<EDa#E74xt>oAM^5Wx&GwpOn#`&KVSs;N2ElOn<mU6(pFXIkr$b%nFq=A4y#wWbjgFVTIgZrg?DL8|%&xJH<_x-a6aN@_1w"
    "7ZF(`(MYl<<qT2AxO+-R8>1$2Ml>yP)PWTpN<fa1xQE1LiM$D-Dd#%trnHI#2bt;|JLDrg?M#Rz>-e~M-HAUMthzcen}j)%oC6uG"
    "XQo!P@C2(zvzTqGMUqXV79pOaF<*V={m*{%+OLc{liaIvxr?p1uAH;(<80k=nX3+Jz>J&6eF1b?7fDB%s%wsnqh%3R!ZE5B+0Ukj"
    "8QFSI0~QmG%cmfJ6dQO>1BukCA`N~5_h#VC`<r6_MU4@Kbv-+&oS#vxIKwXTk>qXO7w_%m!{MBqo@zx;N316#)_iKJCy*&F$Jv6<"
    "T%ENGtQlF!v(;#yR#~HYreoDv#5q$Q%dxB1It~p_sJq(WO63HHL{E^&{+Rf3_?J{0<OJeu9o>eu&l#yI3D(XLaTGZ#g>D_OIf=-A"
    "5%wk-&LU>mEGJSE;C#E>Qinz$=pl)49@-ihr`I`7Q8pbY0vRcxpqb&3fD@(X8ybfHfYRYF;JK6gc{{Tl8xKuuH2*^^P{3esO7bru"
    "5CsNGoDYv3l~}o?u_+JW-r`oV8)JLHyo;%Te1UKkbKs3j<82v<L;(r8d+f9n9Z0ScY2p)k_A&#5pp|3=pF+Y2=fsSWbj2|c<O}#l"
    "@0OEwO`p=<v;JXp82s2@0nZdM*CP+(yY=7IJV=-BaWCrA*I{e%h}uWR*HElbR&b0Z?|bAvjex;`aFrK>ThHp#fbSKA){O@Ke(eZt"
    "kLr|kIL5ivCt96K;@Qg9AGFII<*ujVW4=|qLB3nGd{oeknTK~*K#1yt^pMdNS~K&x#~HX4djgpijZT3Xe?J`n9e&4qq6Gc|UkZ$v"
    "|5+mP!XFo>V15aD5?h!R&f<j6_|AEMnQwnf1pb<NTdes;u?#1?Y{VPz?<@}B`}8xJheaIYC$xaa?n_b&tk!4>`?x;Uk$$mgfG<nO"
    "^pL65D$imDPkNR+_-4vEl`3)&-&o`Jp~9M~#fP4;TJ%=5_SaRyqT*X86#zO%Iqoa+jjxOn&KdM-{m|NK-9d0Yq7}<(-Ho+i(&*h<"
    "Cm@5+N|pKpO+S1}PKHDU4$DX8pWdMz+MylVp&j~vsKxu9jriQP8-3o4JTUWheB`d9Wd+3`ytA27e*I7Q5}~p9KE?-@X9HbAD{;vz"
    "X`65=DP}|b(5B))8;sQBO{hR~utfJsW%$Tr<O)4TXji_B#RvmSMu%!~GZk;5Q?Q<v=4BM`ho<+b!Y-XRUBHbpUp`Zs<-_O<6Lgu|"
    "WTjJljILO3u5{!(UcP`q_jf^7zmdyrLD$F8Qk(_7CQ#!$XyV*Yr04o|jVlFhMd5@16bQ_6=3bV;1}BbA_R-qEX)&Kc^e+mX-B$^{"
    "gJ6*7r)c+4o<T=(ND#52>s&jEGc_ic4gkFX+CS+*Mo0C7Z()-lmrUB5zI6SjI$a~ePOg~cETkLKk!Z_EE}CL%Mco}i2_IC9YN{H^"
    ")QzQV`IF#&R55ghoylr%<6q&9sv4U^e~o`D`7r|26Mj_xXfOhOg;C*%Kq_gRMwm<Lac#Mz5z6~N-~RKkJ%}#L8DQNRC;t_As&L!J"
    "w%XI~Y)t=bn5jzfZlT?iAfFgWRuH#!e<XE-2!C5l8E{e~{Q7T1?GyEjbq&macKbhw{w=9JC4jc>-cGQtCQW5Wv6jqApmod3it^C?"
    "2?oP1Zc5XZ2K~KLN#~g>{De?%k@xD-X}x98^Wd_){WB?5XfK;O%W*~bT)(~5pBjzH?_k6L;MCp8p#Hb>Y*%d;$=ZDzxBMB3R!#T2"
    "&>7P?I&k}#PHlZa(njHF-tS2&xpfJmlb;I$gMWaiyYJOM8P=*4TmBHE9gmxAZaMzj3Oex3#J^#SlicvXN1qJ<mVyKle$#m5?#dhl"
    "GQMg3H+E^-N8y*pc^S^#7hV+*FMo`ZYBosrEMS4J$Z>k9$*cX%h}V!ktJ)?z1<VopdHIPn6JF2NJ##8oyCx1_kQWKyo04i5p)KzN"
    "*$rQBV*DB?uJ^n8vqTFQ4PHwCUCA$%(fAW(YdljL5RIKc&hfj-eB4HH_&5mu1?bERz~u76xci*-?a65$O&UI(81E*De}yJTe5-5#"
    "5e+~nY!m0RQjqE%ZweGdkOec<1dJSme-0=Z$hWjUe&JG$bp_e_=46lGH9<|AM34f<L^P6W)v~A*>%2UhVyJ*TEoQwd+CWJ_7$xS)"
    "{aD3}vCYXIY%PNJHuzS6u=kgOu!qo%)h9i+>vlQfW6(K^G3;a#`vh`goe>Mi);9&WLrVkK&v0w}6dah2fhU2^XT~j##uqpn=bVgB"
    ";J(1J&&M%d?>h4tTt(2G%U(*|Re2U87rnuV(H+j|j@y%?{z<IhU_Csil={Z_5bjO2#ZK~Z?vpXJj?+nFe226!yp@g(zjYTj7xne?"
    "n<w;7>eaAGe22o;Kb!n-%2s*}"
)

PROHIBITED, _POSSIBLE, _MANDATORY = 1, 2, 3  # libunistring's UC_BREAK_* values
UNLIMITED = 2**31 - 1  # msgcat's INT_MAX page width for --no-wrap and --width=0


@cache
def _character_runs() -> tuple[list[int], list[int]]:
    """The start of each run of equal character data, and its value."""
    data = zlib.decompress(base64.b85decode("".join(_CHARACTER_DATA)))
    starts: list[int] = []
    values: list[int] = []
    start = index = 0
    while index < len(data):
        length = shift = 0
        while True:
            byte = data[index]
            index += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        starts.append(start)
        values.append(data[index])
        index += 1
        start += length
    return starts, values


@cache
def _character(char: str) -> tuple[int, int]:
    """A character's line-break class and display width (-1 for control characters)."""
    starts, values = _character_runs()
    value = values[bisect.bisect_right(starts, ord(char)) - 1]
    return value >> 2, (value & 3) - 1


@dataclass(slots=True)
class _BreakState:
    """What libunistring remembers while it walks a string."""

    prev: int = _BK  # class of the previous character
    last: int = _BK  # class of the last character that is not a space
    space: bool = False  # spaces since the last non-space character
    regional: int = 0  # regional indicators just before this point


def _break_before_mark(state: _BreakState) -> int:
    """A combining mark or ZWJ: attached to what precedes it, except after a space (LB9, LB10)."""
    if state.last == _BK:
        state.last, state.space = _AL, False
        return PROHIBITED
    if state.last == _ZW or state.space:
        state.last, state.space = _AL, False
        return _POSSIBLE
    return PROHIBITED


def _break_before_other(state: _BreakState, prop: int) -> int:
    if state.last == _BK or state.prev in (_ZWJ, _HL_BA):
        return PROHIBITED
    if state.last == _ZW:
        return _POSSIBLE
    if state.last == _RI and prop == _RI:
        return _POSSIBLE if state.space or state.regional % 2 == 0 else PROHIBITED
    rule = _PAIRS[state.last][prop]
    return _POSSIBLE if rule == "D" or (rule == "I" and state.space) else PROHIBITED


def _break_before(state: _BreakState, prop: int) -> int:
    """Whether a line may break before a character of class `prop`; updates `state`."""
    if prop in (_BK, _CR, _LF):
        state.prev, state.last, state.space = prop, _BK, False
        return _MANDATORY
    if prop == _SP:
        state.space = True
        result = PROHIBITED
    elif prop == _ZW:
        state.last, state.space = _ZW, False
        result = PROHIBITED
    elif prop in (_CM, _ZWJ):
        result = _break_before_mark(state)
    else:
        result = _break_before_other(state, prop)
        state.last, state.space = prop, False
    state.prev = _HL_BA if state.prev == _HL and prop in (_HY, _BA) else prop
    return result


def line_breaks(text: str, overrides: Sequence[int], width: int, column: int) -> list[int]:
    """The indexes where msgcat starts a new line in `text` (u8_width_linebreaks).

    `overrides[i]` is `PROHIBITED` where a break before `text[i]` is not allowed,
    else 0; `column` is where the text starts on its first line.
    """
    return Breakable(text, {index for index, value in enumerate(overrides) if value}).breaks(width, column)


class Breakable:
    """A text prepared for `line_breaks` at several widths or start columns.

    Text without the classes that need the full state machine (most text)
    gets its break opportunities found once, with the work done in C
    (`_opportunities`); the rest goes through `_state_line_breaks` each time.
    Nothing is prepared for a text that fits: most strings are short.
    """

    __slots__ = ("narrow", "opportunities", "prepared", "prohibited", "text", "widths")

    def __init__(self, text: str, prohibited: Collection[int]) -> None:
        """`prohibited`: the indexes of the characters no break may precede."""
        self.text, self.prohibited = text, prohibited
        self.narrow = _is_one_column_each(text)
        self.prepared = False
        self.opportunities: list[int] | None = None
        self.widths: str | None = None

    def prepare(self) -> None:
        self.prepared = True
        classes = self.text.translate(_CLASS_CODES)
        if _SPECIAL in classes:
            return
        widths = None if self.narrow else self.text.translate(_WIDTH_CODES)
        if widths is not None and _ODD_WIDTH in widths:
            return
        self.widths = widths if widths is not None and _WIDE in widths else None
        self.opportunities = _opportunities(classes, self.prohibited)

    def breaks(self, width: int, column: int) -> list[int]:
        """`line_breaks` of the text at this width, from this column."""
        if self.narrow and len(self.text) + column <= width:
            return []  # it fits: no break anywhere
        if not self.prepared:
            self.prepare()
        if self.opportunities is None:
            return _state_line_breaks(self.text, self.prohibited, width, column)
        if self.widths is None:
            return _narrow_line_breaks(self.opportunities, len(self.text), width, column)
        return _wide_line_breaks(self.opportunities, self.widths, width, column)


def _is_one_column_each(text: str) -> bool:
    """Whether every character is one column wide, found without looking each one up."""
    return text.isprintable() and (text.isascii() or max(text) < _one_column_below())


@cache
def _one_column_below() -> str:
    """The first printable character past ASCII that is not one column wide (U+0300)."""
    return next(
        chr(point)
        for point in range(0x80, 0x110000)
        if chr(point).isprintable() and _character(chr(point))[1] != 1
    )


def _state_line_breaks(text: str, prohibited: Collection[int], width: int, column: int) -> list[int]:
    """`line_breaks` character by character, through libunistring's state machine."""
    state = _BreakState()
    chosen: list[int] = []
    last = -1  # where the current piece starts, if it may move to a new line
    piece = 0  # display width of the current piece
    for index, char in enumerate(text):
        prop, char_width = _character(char)
        kind = _break_before(state, prop)
        state.regional = state.regional + 1 if prop == _RI else 0
        kind = PROHIBITED if index in prohibited else kind
        if kind != PROHIBITED and last >= 0 and column + piece > width:
            chosen.append(last)
            column = 0
        if kind == _MANDATORY:
            last, column, piece = -1, 0, 0
            continue
        if kind == _POSSIBLE:
            last, column, piece = index, column + piece, 0
        piece += max(char_width, 0)
    if last >= 0 and column + piece > width:
        chosen.append(last)
    return chosen


def _narrow_line_breaks(opportunities: list[int], length: int, width: int, column: int) -> list[int]:
    """`_state_line_breaks` for text of plain classes, one column each: one step per line.

    The loop's rule, line by line: a line that starts at `start` in `column` holds
    the first opportunity after its start whatever its length, then every one
    up to the width; it ends at the last of these when another follows or the
    text goes past the width.
    """
    chosen: list[int] = []
    start, first = 0, 0  # where the line starts; the index of its first opportunity
    while first < len(opportunities):
        fits = bisect.bisect_right(opportunities, start + width - column, first) - 1
        end = max(first, fits)
        if end + 1 == len(opportunities) and length - start + column <= width:
            break
        chosen.append(opportunities[end])
        start, first, column = opportunities[end], end + 1, 0
    return chosen


def display_width(text: str) -> int:
    """The columns `text` takes, as libunistring counts them (control characters: none)."""
    if text.isascii():
        return len(text)
    return sum(max(_character(char)[1], 0) for char in text)


# The fast path of `line_breaks`. Each character's line-break class becomes one
# code character (str.translate runs in C), and so does its width. Without the
# classes that need more state than "the last class that is not a space, and
# whether spaces follow it" (marks, joiners, regional indicators, zero-width
# space, Hebrew letters before hyphens, line ends) and without zero-width or
# control characters, libunistring's decision before a character depends on
# exactly that, so only the places where a break can happen need a look: after
# a run of spaces, and next to a character whose class is not AL (AL x AL is
# never a direct break).


def _code(prop: int) -> str:
    return chr(0x30 + prop)


# The classes the fast path cannot take, and the widths it cannot: a control
# character or a zero-width one. Both become one sentinel code, found with `in`.
_SPECIAL_CLASSES = frozenset(_LB[name] for name in ("BK", "CR", "LF", "CM", "ZWJ", "RI", "ZW", "HL"))
_SPECIAL = _ODD_WIDTH = "\x00"
_WIDE = "2"


class _Codes(dict[int, str]):
    """Code point -> the code of its class (or width), each looked up once."""

    def __init__(self, field: int) -> None:
        super().__init__()
        self.field = field

    def __missing__(self, point: int) -> str:
        prop, width = _character(chr(point))
        if self.field == 0:
            code = _SPECIAL if prop in _SPECIAL_CLASSES else _code(prop)
        else:
            code = _ODD_WIDTH if width <= 0 else str(width)
        self[point] = code
        return code


_CLASS_CODES = _Codes(0)
_WIDTH_CODES = _Codes(1)
_SP_CODE = _code(_SP)


def _codes(predicate: Callable[[int], bool]) -> str:
    """The codes of the classes of the pair table that satisfy `predicate`."""
    return "".join(_code(prop) for prop in range(len(_PAIRS)) if predicate(prop))


def _never_before(after: int) -> bool:
    return all(row[after] == "P" for row in _PAIRS)


def _never_after(before: int) -> bool:
    return set(_PAIRS[before]) == {"P"}


def _is_quiet_pair(before: int, after: int) -> bool:
    return "D" not in (_PAIRS[before][after], _PAIRS[after][before])


# After a run of spaces, a break is allowed where the table says D or I: everywhere
# but before the classes no break ever precedes, after the ones no break ever follows
# (opening brackets), and a few pairs besides. The patterns start with a literal or
# a character set, which the regular expression engine scans for quickly.
_SPACE_ENDS = re.compile(f"{_SP_CODE}+(?=[^{_SP_CODE}{_codes(_never_before)}])")
_NOT_AFTER_SPACES = frozenset(
    (_code(before), _code(after))
    for before in range(len(_PAIRS))
    for after in range(len(_PAIRS))
    if _PAIRS[before][after] == "P" and not _never_before(after)
)
_SPACES_AFTER_SOME = re.compile(
    f"[{''.join(sorted({before for before, _ in _NOT_AFTER_SPACES}))}]{_SP_CODE}+"
)
# Between neighbours, only D: never between two "quiet" classes (letters, digits,
# quotes...), so only the neighbours of the other characters need a look.
_QUIET = ""
for _prop in (_AL, *(_LB[name] for name in ("NU", "QU", "CP1", "GL", "WJ"))):
    if all(_is_quiet_pair(_prop, ord(other) - 0x30) for other in _QUIET + _code(_prop)):
        _QUIET += _code(_prop)
_QUIET_PROPS = [ord(code) - 0x30 for code in _QUIET]
_LOUD_PROPS = [prop for prop in range(len(_PAIRS)) if _code(prop) not in _QUIET]
# A direct break before a loud class (after a class that is not a space: a space
# is in no pair of `_DIRECT`); and after a loud class, before a quiet one (before a
# loud one, the first pattern finds it). Both start with a set of characters, which
# the regular expression engine scans for quickly.
_DIRECT_BEFORE = re.compile(
    f"[{_codes(lambda b: b in _LOUD_PROPS and any(row[b] == 'D' for row in _PAIRS))}]"
)
_DIRECT_AFTER = re.compile(
    f"[{_codes(lambda a: a in _LOUD_PROPS and any(_PAIRS[a][q] == 'D' for q in _QUIET_PROPS))}](?=[{_QUIET}])"
)
_DIRECT = frozenset(
    _code(before) + _code(after)
    for before in range(len(_PAIRS))
    for after in range(len(_PAIRS))
    if _PAIRS[before][after] == "D"
)
_MATCH_END = re.Match.end
_MATCH_START = re.Match.start


def _opportunities(classes: str, prohibited: Collection[int]) -> list[int]:
    """Where a line may break in text of these class codes, in order."""
    found = list(map(_MATCH_END, _SPACE_ENDS.finditer(classes)))
    if found and found[0] == len(classes) - len(classes.lstrip(_SP_CODE)):
        del found[0]  # after spaces at the start: no break before the first character
    unwanted = {
        match.end()
        for match in _SPACES_AFTER_SOME.finditer(classes)
        if (classes[match.start()], classes[match.end() : match.end() + 1]) in _NOT_AFTER_SPACES
    }
    direct = [
        i for i in map(_MATCH_START, _DIRECT_BEFORE.finditer(classes)) if classes[i - 1 : i + 1] in _DIRECT
    ]
    direct += [
        i for i in map(_MATCH_END, _DIRECT_AFTER.finditer(classes)) if classes[i - 1 : i + 1] in _DIRECT
    ]
    if direct:
        # No index is in both: a break after spaces has a space before it, and a space
        # is in no pair of `_DIRECT`. Two sorted runs: sorting merges them in C.
        found += direct
        found.sort()
    if unwanted or prohibited:
        unwanted.update(prohibited)
        return [index for index in found if index not in unwanted]
    return found


def _wide_line_breaks(opportunities: list[int], widths: str, width: int, column: int) -> list[int]:
    """`_state_line_breaks` for text of plain classes, some characters two columns wide:
    the same loop, one step per opportunity. `widths` holds a width code per character."""
    chosen: list[int] = []
    last = -1
    start = 0
    for index in opportunities:
        piece = index - start + widths.count(_WIDE, start, index)
        if last >= 0 and column + piece > width:
            chosen.append(last)
            column = 0
        last, column, start = index, column + piece, index
    piece = len(widths) - start + widths.count(_WIDE, start)
    if last >= 0 and column + piece > width:
        chosen.append(last)
    return chosen
