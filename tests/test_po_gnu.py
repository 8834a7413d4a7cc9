"""The PO reader and writer against GNU gettext 0.21 itself (msgcat, msgmerge, msgfmt, libunistring).

Every catalogue below is written by `format_po`, given to ``msgcat
[--no-wrap | --width=N]``, and must come back byte for byte, and
``msgfmt --check`` must accept it. i18n-sync writes no flag of its own, so a
new catalogue equals msgcat's output exactly. One difference is deliberate:
msgcat drops flags it does not know (``md-text``, the ``markdown-text`` that
older versions wrote), which i18n-sync keeps, since a translator or a tool put
them there; files that hold such flags are compared without them.

Tests skip when the tools are absent. Wrapped layouts are compared only with
gettext 0.21, whose line breaking comes from libunistring 1.0 (Unicode 14):
other versions break lines differently, and po.py follows that one.
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import json
import random
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from corpus import CORPUS, SKIP_REASON, available, read_text
from helpers import FIXED_DATE, uppercase
from i18n_sync.gettext import linebreak, po
from i18n_sync.gettext.catalog import build_template, new_catalog
from i18n_sync.gettext.merge import merge_catalog
from i18n_sync.locales import parse_language
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.model import Catalog, Message

TESTS = Path(__file__).parent
MALFORMED = TESTS / "fixtures" / "po"
GNU_VALID = TESTS / "fixtures" / "po-valid"  # accepted as they are, laid out by other tools
TOOLS = ("msgcat", "msgfmt", "msgmerge")
HAS_GETTEXT = all(shutil.which(tool) for tool in TOOLS)


@cache
def gettext_version() -> str:
    first = subprocess.run(["msgcat", "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"\) (\d+\.\d+(?:\.\d+)?)", first.splitlines()[0])
    return match.group(1) if match else "unknown"


needs_gettext = pytest.mark.skipif(
    not HAS_GETTEXT, reason="GNU gettext (msgcat, msgfmt, msgmerge) is not installed"
)


def widths_to_compare() -> list[int]:
    """--no-wrap with any gettext; wrapped widths only with the version po.py follows."""
    if not HAS_GETTEXT or gettext_version() != "0.21":
        return [0]
    return [0, 79, 40]


def without_markdown_flag(text: str) -> str:
    """Our file as msgcat must write it: the flags it does not know removed."""
    lines = []
    for line in text.split("\n"):
        if line.startswith("#, "):
            flags = [flag for flag in line[3:].split(", ") if flag not in ("markdown-text", "md-text")]
            if not flags:
                continue
            line = "#, " + ", ".join(flags)
        lines.append(line)
    return "\n".join(lines)


def run(*command: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(command, capture_output=True, check=False)


def assert_gnu_agrees(path: Path, width: int) -> None:
    """msgcat with the same width writes our file again, and msgfmt --check accepts it."""
    ours = path.read_bytes().decode("utf-8")
    option = "--no-wrap" if width == 0 else f"--width={width}"
    # --force-po: msgcat writes nothing for a catalogue with only a header otherwise.
    result = run("msgcat", "--force-po", option, str(path))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode("utf-8") == without_markdown_flag(ours), f"msgcat {option} {path.name}"
    checked = run("msgfmt", "--check", "-o", "/dev/null", str(path))
    assert checked.returncode == 0, checked.stderr.decode()


def write(path: Path, catalog: Catalog, width: int) -> Path:
    path.write_bytes(po.format_po(catalog, width).encode("utf-8"))
    return path


# Generated catalogues: CJK, long URLs, escapes, multi-line text, every kind of entry.

WORDS = (
    "the", "reward", "model", "RLHF", "**bold**", "`code`", "[paper]({1})", "![figure]({2})", "e.g.",
    "çalışma", "öğrenme", "İstanbul", "强化学习", "人类反馈", "的", "，", "。", "「引用」", "（括号）",
    "日本語の文章", "한국어", "😀", "👍🏻", "🇹🇷", "C++", "1,000.5", "$5", "50%", "--flag", "co-operate",
    "—", "it's", "<br>", "x/y", "a\u00a0b", "zero\u200bwidth", "\\", '"quoted"', "tab\there", "עברית־טקסט",
    "https://example.com/a/very/long/path/to/some/resource?query=1&x=2#fragment",
    "https://github.com/opendilab/awesome-RLHF/blob/main/README.md#overview-of-rlhf",
)  # fmt: skip
CJK = "强化学习从人类反馈中学习奖励模型与策略优化"


def random_text(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(rng.randint(0, words)):
        parts.append(rng.choice(WORDS))
        parts.append(rng.choice((" ", " ", " ", "", "\n")))
    return "".join(parts).strip(" ")


def translated(rng: random.Random, msgid: str) -> str:
    """A pseudo-translation that keeps msgfmt --check happy (same newlines at both ends)."""
    body = msgid.strip("\n")
    cjk = "".join(rng.choice(CJK) for _ in range(rng.randint(0, 60)))
    text = rng.choice((uppercase(body), cjk + uppercase(body), cjk, body + " " + cjk))
    head = msgid[: len(msgid) - len(msgid.lstrip("\n"))]
    tail = msgid[len(msgid.rstrip("\n")) :] if body else ""
    return head + (text or "X") + tail


def generated_catalog(seed: int, count: int = 250) -> Catalog:
    rng = random.Random(seed)
    messages: dict[tuple[str | None, str], Message] = {}
    for number in range(count):
        msgid = random_text(rng, 40) or f"entry {number}"
        msgctxt = rng.choice((None, None, None, f"section {number}"))
        msgstr = rng.choice(("", translated(rng, msgid), translated(rng, msgid)))
        fuzzy = bool(msgstr) and rng.random() < 0.2
        obsolete = bool(msgstr) and rng.random() < 0.1
        messages[(msgctxt, msgid)] = Message(
            msgid=msgid,
            msgstr=msgstr,
            msgctxt=msgctxt,
            flags=("fuzzy",) if fuzzy else (),
            comments=rng.choice(((), ("checked by a reviewer  ",), ("", "two comment lines"))),
            extracted=() if obsolete else ("Section: Papers > Overview", f"{{1}}: {rng.choice(WORDS[-2:])}"),
            references=() if obsolete else tuple(f"content/part-{n}.md" for n in range(rng.randint(1, 9))),
            previous_msgid=random_text(rng, 20) or "old" if fuzzy else None,
            obsolete=obsolete,
        )
    header = (
        ("Project-Id-Version", "README"),
        ("POT-Creation-Date", FIXED_DATE),
        ("Language", "zh_CN"),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "8bit"),
        ("Plural-Forms", "nplurals=1; plural=0;"),
        ("X-Long-Field", "a value long enough to be wrapped at any width that is not a very wide one"),
    )
    active = [m for m in messages.values() if not m.obsolete]
    obsolete_messages = [m for m in messages.values() if m.obsolete]
    return Catalog(header, (*active, *obsolete_messages), ("Chinese translation of README.md.",), ())


@needs_gettext
@pytest.mark.parametrize("width", [0, 79, 40, 20])
def test_generated_catalogues_are_written_as_msgcat_writes_them(tmp_path: Path, width: int) -> None:
    if width and gettext_version() != "0.21":
        pytest.skip(f"wrapping follows gettext 0.21; found {gettext_version()}")
    catalog = generated_catalog(seed=width)
    path = write(tmp_path / "generated.po", catalog, width)
    assert_gnu_agrees(path, width)
    assert po.parse_po(path.read_text("utf-8"), path.name) == catalog


# Every catalogue the test suite writes: fixtures, package messages, the corpus.


def suite_catalogues() -> Iterator[Path]:
    yield from sorted(TESTS.glob("fixtures/**/*.pot"))
    yield from sorted(TESTS.glob("fixtures/**/*.po"))
    yield from sorted((TESTS.parent / "src" / "i18n_sync" / "messages").glob("*.po*"))


CHECKED_IN = [path for path in suite_catalogues() if not {MALFORMED, GNU_VALID} & set(path.parents)]


@needs_gettext
@pytest.mark.parametrize("path", CHECKED_IN, ids=[str(p.relative_to(TESTS.parent)) for p in CHECKED_IN])
def test_every_checked_in_catalogue_is_written_as_msgcat_writes_it(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    assert po.format_po(po.parse_po(text, path.name)) == text
    assert_gnu_agrees(path, 0)


def corpus_revisions() -> list[Path]:
    folder = CORPUS / "awesome-rlhf"
    return [*sorted(folder.glob("en.*.md")), folder / "CONTRIBUTING.en.15f16f4.md"]


def pseudo_translate(catalog: Catalog, rng: random.Random) -> Catalog:
    messages = tuple(
        m if m.msgstr or m.obsolete else replace(m, msgstr=translated(rng, m.msgid), comments=("pseudo",))
        for m in catalog.messages
    )
    return replace(catalog, messages=messages)


@cache
def corpus_catalogues() -> tuple[tuple[str, Catalog, Catalog], ...]:
    """Each revision's template and its zh_CN catalogue, merged from the previous revision's."""
    rng = random.Random(7)
    language = parse_language("zh-CN")
    result = []
    previous: Catalog | None = None
    for path in corpus_revisions():
        doc = load_document(read_text(path), f"content/{path.name}")
        template = build_template(extract_units(doc).units, doc.path, "awesome-rlhf", None, FIXED_DATE)
        old = previous if previous is not None else new_catalog(template, language, doc.path)
        merged, _ = merge_catalog(old, template)
        previous = pseudo_translate(merged, rng)
        result.append((path.name, template, previous))
    return tuple(result)


@needs_gettext
@pytest.mark.corpus
@pytest.mark.skipif(not available(), reason=SKIP_REASON)
@pytest.mark.parametrize("width", widths_to_compare())
def test_every_corpus_revision_is_written_as_msgcat_writes_it(tmp_path: Path, width: int) -> None:
    catalogues = corpus_catalogues()
    assert len(catalogues) == 7
    fuzzy = obsolete = 0
    for name, template, catalog in catalogues:
        assert_gnu_agrees(write(tmp_path / f"{name}.pot", template, width), width)
        assert_gnu_agrees(write(tmp_path / f"{name}.po", catalog, width), width)
        fuzzy += sum(m.is_fuzzy for m in catalog.messages)
        obsolete += sum(m.obsolete for m in catalog.messages)
    # The chain of merges has produced the entries that are hardest to lay out.
    assert fuzzy and obsolete


# Catalogues written by GNU tools come back byte for byte.


@needs_gettext
@pytest.mark.parametrize("width", widths_to_compare())
def test_a_catalogue_written_by_msgmerge_is_reproduced_byte_for_byte(tmp_path: Path, width: int) -> None:
    old = generated_catalog(seed=11)
    template = replace(
        old,
        messages=tuple(
            replace(m, msgid=m.msgid.replace("the", "a"), msgstr="", flags=())
            for m in old.messages
            if not m.obsolete
        ),
    )
    write(tmp_path / "old.po", old, 0)
    write(tmp_path / "new.pot", template, 0)
    option = "--no-wrap" if width == 0 else f"--width={width}"
    result = run(
        "msgmerge", "--quiet", "--previous", option, str(tmp_path / "old.po"), str(tmp_path / "new.pot")
    )
    assert result.returncode == 0, result.stderr.decode()
    gnu = result.stdout.decode("utf-8")
    assert "#| msgid" in gnu and "#~ msgid" in gnu and "#, fuzzy" in gnu
    assert po.format_po(po.parse_po(gnu, "merged.po"), width) == gnu


ENGLISH = (
    "Reinforcement Learning from Human Feedback (RLHF) is an extension of Reinforcement Learning (RL) "
    "that includes guidance from human evaluation."
)
TURKISH = (
    "İnsan Geri Bildiriminden Pekiştirmeli Öğrenme (RLHF), insan değerlendirmesinden gelen rehberliği "
    "içeren bir Pekiştirmeli Öğrenme (RL) uzantısıdır."
)
POEDIT = f"""# Turkish translation of the README.
# Çevirmen Adı <translator@example.com>, 2024.
#
msgid ""
msgstr ""
"Project-Id-Version: awesome-rlhf\\n"
"Report-Msgid-Bugs-To: \\n"
"POT-Creation-Date: 2024-06-24 10:00+0000\\n"
"PO-Revision-Date: 2024-07-01 12:34+0300\\n"
"Last-Translator: Çevirmen Adı <translator@example.com>\\n"
"Language-Team: Turkish <tr@li.org>\\n"
"Language: tr\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"X-Generator: Poedit 3.4.2\\n"
"X-Poedit-Basepath: ..\\n"
"X-Poedit-SourceCharset: UTF-8\\n"
"X-Poedit-SearchPath-0: content\\n"

#. Section: Overview
#: content/README.md
#, markdown-text
msgid "{ENGLISH}"
msgstr "{TURKISH}"
"""


@needs_gettext
@pytest.mark.parametrize("width", widths_to_compare())
def test_a_poedit_style_catalogue_written_by_msgcat_is_reproduced_byte_for_byte(
    tmp_path: Path, width: int
) -> None:
    (tmp_path / "poedit.po").write_text(POEDIT, "utf-8")
    option = "--no-wrap" if width == 0 else f"--width={width}"
    gnu = run("msgcat", option, str(tmp_path / "poedit.po")).stdout.decode("utf-8")
    assert (f'msgid "{ENGLISH}"' in gnu) == (width == 0)  # msgcat wrapped it, or not
    assert '"X-Poedit-SearchPath-0: content\\n"' in gnu
    assert po.format_po(po.parse_po(gnu, "poedit.po"), width) == gnu


# Everything msgfmt accepts that a strict reader might not, read as msgcat reads it.
ODD = MALFORMED / "unusual-but-valid.po"


@needs_gettext
def test_unusual_but_valid_syntax_is_read_as_msgcat_reads_it() -> None:
    result = run("msgcat", "--no-wrap", str(ODD))
    assert result.returncode == 0, result.stderr.decode()
    ours = po.format_po(po.parse_po(ODD.read_bytes().decode("utf-8"), ODD.name))
    assert without_markdown_flag(ours) == result.stdout.decode("utf-8")


# The reader's decisions, side by side with msgfmt's.


@needs_gettext
@pytest.mark.parametrize("case", sorted(p.name for p in MALFORMED.iterdir() if p.is_dir()))
def test_msgfmt_verdict_on_each_malformed_catalogue_is_the_one_recorded(case: str) -> None:
    """Where msgfmt accepts a file that i18n-sync refuses, expected.json says why."""
    recorded = json.loads((MALFORMED / case / "expected.json").read_text("utf-8"))
    result = run("msgfmt", "--check-format", "-o", "/dev/null", str(MALFORMED / case / "input.po"))
    assert ("rejects" if result.returncode else "accepts") == recorded["msgfmt"]
    assert (recorded["msgfmt"] == "accepts") <= ("why" in recorded)


@needs_gettext
def test_msgfmt_rejects_a_byte_order_mark_that_i18n_sync_accepts(tmp_path: Path) -> None:
    text = po.format_po(generated_catalog(seed=3, count=3))
    (tmp_path / "bom.po").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert run("msgfmt", "-o", "/dev/null", str(tmp_path / "bom.po")).returncode == 1
    catalog, warnings = po.parse_po_with_warnings("\ufeff" + text, "bom.po")
    assert po.format_po(catalog) == text and len(warnings) == 1


# Line breaking against libunistring, the library msgcat 0.21 calls.


@cache
def libunistring() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("unistring")
    if name is None:
        return None
    library = ctypes.CDLL(name)
    version = ctypes.c_int.in_dll(library, "_libunistring_version").value
    return library if version >> 8 == 0x0100 else None  # 1.0.x, as gettext 0.21 uses here


needs_libunistring = pytest.mark.skipif(
    libunistring() is None, reason="libunistring 1.0 (the library msgcat 0.21 wraps with) is not installed"
)


def library_table() -> tuple[list[int], list[str]]:
    """libunistring's line-break class of every code point (its private table), and its pair table.

    The layout is libunistring 1.0's lbrkprop.h: 15 ints, 2048 ints, then bytes.
    """
    library = libunistring()
    assert library is not None
    pairs = (ctypes.c_ubyte * (33 * 33)).in_dll(library, "libunistring_unilbrk_table")
    base = ctypes.addressof(ctypes.c_int.in_dll(library, "libunistring_unilbrkprop"))
    level1 = (ctypes.c_int * 15).from_address(base)
    level2 = (ctypes.c_int * 2048).from_address(base + 15 * 4)
    level3 = ctypes.cast(base + (15 + 2048) * 4, ctypes.POINTER(ctypes.c_ubyte))
    classes = []
    for code in range(0x110000):
        value = 42  # LBP_XX
        first = level1[code >> 16] if code >> 16 < 15 else -1
        second = level2[first + ((code >> 7) & 511)] if first >= 0 else -1
        if second >= 0:
            value = level3[second + (code & 127)]
        classes.append(value)
    rows = ["".join(" DIP"[pairs[row * 33 + column]] for column in range(33)) for row in range(33)]
    return classes, rows


# libunistring's enum values (lbrktables.h) for the classes po.py resolves or renames.
_LIBRARY_NAMES = {
    33: "BK", 34: "CR", 35: "LF", 36: "CM", 37: "ZW", 38: "SP", 39: "ID1", 40: "AL", 41: "AL", 42: "AL",
}  # fmt: skip


def library_character_data() -> bytes:
    """What linebreak._CHARACTER_DATA must decode to, built from the installed libunistring."""
    library = libunistring()
    assert library is not None
    library.uc_width.argtypes = [ctypes.c_uint32, ctypes.c_char_p]
    classes, _ = library_table()
    encoded = bytearray()
    start = 0
    values = []
    for code, value in enumerate(classes):
        name = _LIBRARY_NAMES.get(value) or linebreak._LB_NAMES[value]
        name = "ID2" if name == "EB" else name  # same row and column in the pair table
        values.append(linebreak._LB[name] * 4 + library.uc_width(code, b"UTF-8") + 1)
    for code in range(1, len(values) + 1):
        if code == len(values) or values[code] != values[start]:
            length = code - start
            while length >= 0x80:
                encoded.append(length & 0x7F | 0x80)
                length >>= 7
            encoded += bytes((length, values[start]))
            start = code
    return bytes(encoded)


@needs_libunistring
def test_the_embedded_character_table_is_libunistrings() -> None:
    _, rows = library_table()
    assert tuple(rows) == linebreak._PAIRS
    ours = zlib.decompress(base64.b85decode("".join(linebreak._CHARACTER_DATA)))
    assert ours == library_character_data(), "regenerate with: python tests/test_po_gnu.py"


@needs_libunistring
def test_line_breaks_match_libunistring_on_random_text() -> None:
    library = libunistring()
    assert library is not None
    rng = random.Random(5)
    pool = [*"".join(WORDS), *CJK, "\u2028", "\u0301", "\u200d", "\u3000", *"!?)]}>、。」"]
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 50)))
        overrides = [rng.choice((0, 0, 0, 1)) for _ in text]
        width, column = rng.randint(1, 30), rng.randint(0, 10)
        data = text.encode("utf-8")
        byte_overrides = b"".join(
            bytes((o,)) + bytes(len(c.encode("utf-8")) - 1) for c, o in zip(text, overrides, strict=True)
        )
        breaks = ctypes.create_string_buffer(len(data))
        library.u8_width_linebreaks_v2(
            data, ctypes.c_size_t(len(data)), width, column, 0, byte_overrides, b"UTF-8", breaks
        )
        starts = [len(text[:i].encode("utf-8")) for i in range(len(text))]
        expected = [i for i, start in enumerate(starts) if breaks.raw[start] == 2]  # UC_BREAK_POSSIBLE
        assert linebreak.line_breaks(text, overrides, width, column) == expected, (text, width, column)


def test_the_fast_line_breaking_agrees_with_the_state_machine() -> None:
    """Text of plain classes skips the character loop; both must choose the same breaks."""
    rng = random.Random(14)
    pool = [*(chr(c) for c in range(0x20, 0x7F)), *CJK, *"éüğışçÂÊ«»“”—–…、。「」（）￥€", "  ", "-", "\t"]
    plain = 0
    for _ in range(5000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 80)))
        overrides = [rng.choice((0, 0, 0, 0, 1)) for _ in text]
        width, column = rng.randint(1, 40), rng.randint(0, 10)
        prohibited = {index for index, value in enumerate(overrides) if value}
        expected = linebreak._state_line_breaks(text, prohibited, width, column)
        assert linebreak.line_breaks(text, overrides, width, column) == expected, (text, width, column)
        plain += linebreak._SPECIAL not in text.translate(linebreak._CLASS_CODES)
    assert plain > 4000  # the fast path was taken


if __name__ == "__main__":
    # Print linebreak._CHARACTER_DATA as it should read for the installed libunistring.
    blob = base64.b85encode(zlib.compress(library_character_data(), 9)).decode("ascii")
    print("_CHARACTER_DATA = (")
    for index in range(0, len(blob), 100):
        print(f'    "{blob[index : index + 100]}"')
    print(")")
