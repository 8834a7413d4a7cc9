"""Compendia: other tools' catalogues (mdpo, po4a, Translate Toolkit) seed our catalogues as suggestions.

The fixtures in ``fixtures/compendium`` were made by the tools themselves from
``input.md`` (md2po 2.1, po4a 0.69, Translate Toolkit 3.20) and translated into
Turkish by hand. They keep each tool's own layout, which is not msgcat's, so
they are stored as ``.po.txt`` (test_po_gnu checks every ``.po`` against msgcat).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from markdown_it import MarkdownIt

from corpus import CORPUS, SKIP_REASON, available
from helpers import invoke
from i18n_sync.errors import CatalogError
from i18n_sync.gettext.compendium import our_msgid, our_msgstr, read_compendium, table_cells
from i18n_sync.gettext.po import parse_po
from i18n_sync.model import Message

FIXTURES = Path(__file__).parent / "fixtures" / "compendium"
TOOLS = ("mdpo", "po4a", "toolkit")

# Our msgid → the translation each tool's catalogue brings, in our form (URLs as placeholders).
BOLD = "Paketi [pip]({1}) ile kurun ve ilk çalıştırmadan önce **kısa** kılavuzu okuyun."
STRONG = "Paketi [pip]({1}) ile kurun ve ilk çalıştırmadan önce __kısa__ kılavuzu okuyun."
TITLED = 'Hataları [hata izleyicisine]({1} "Sorunlar") bildirin.'
EXPECTED = {
    "Getting started": "Başlarken",
    "Install the package with [pip]({1}) and read the __short__ guide before the first run.": {
        "mdpo": BOLD,
        "po4a": STRONG,
        "toolkit": STRONG,
    },
    "Run `tool --help` to see every option.": (
        "Tüm seçenekleri görmek için `tool --help` komutunu çalıştırın."
    ),
    'Report bugs on [the tracker]({1} "Issues").': {
        "mdpo": TITLED,
        "po4a": TITLED,
        # Translate Toolkit extracts a link title apart: the link comes without it.
        "toolkit": "Hataları [hata izleyicisine]({1}) bildirin.",
    },
    "Option": "Seçenek",
    "Meaning": "Anlamı",
    "Write nothing and exit 1 when something would change": "Hiçbir şey yazma; bir şey değişecekse 1 ile çık",
    "Print only errors": "Yalnızca hataları yazdır",
    "See <{1}> for more.": "Daha fazlası için <{1}> adresine bakın.",
    "![The status page]({1})": "![Durum sayfası]({1})",
}


def project(root: Path, compendia: str = "[]") -> Path:
    (root / "content").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "input.md", root / "content" / "README.md")
    (root / "compendia").mkdir()
    for tool in TOOLS:
        shutil.copyfile(FIXTURES / f"{tool}.po.txt", root / "compendia" / f"{tool}.po")
    assert invoke(root, "init", "--lang", "tr").exit_code == 0
    config = root / "i18n-sync.toml"
    config.write_text(
        re.sub(r"^compendia = .*$", f"compendia = {compendia}", config.read_text("utf-8"), flags=re.M)
    )
    return root


def catalog(root: Path) -> dict[str, Message]:
    path = root / "locales" / "tr" / "README.po"
    return {m.msgid: m for m in parse_po(path.read_text("utf-8"), str(path)).active}


@pytest.mark.parametrize("tool", TOOLS)
def test_every_translation_of_another_tools_catalogue_reaches_ours(tmp_path: Path, tool: str) -> None:
    root = project(tmp_path, f'["compendia/{tool}.po"]')
    result = invoke(root, "sync")
    assert result.exit_code == 0, result.output
    found = catalog(root)
    for msgid, expected in EXPECTED.items():
        translation = expected if isinstance(expected, str) else expected[tool]
        entry = found[msgid]
        assert entry.msgstr == translation, msgid
        # Suggestions only: a compendium's translation is never rendered unreviewed.
        assert entry.is_fuzzy and entry.comments == (f"translation memory: compendia/{tool}.po",)
    assert "Başlarken" not in (root / "README.tr.md").read_text("utf-8")
    # Where the other tool wrote the English differently, the translator sees how, as the previous msgid.
    install = found["Install the package with [pip]({1}) and read the __short__ guide before the first run."]
    assert install.previous_msgid is not None and "pip" in install.previous_msgid
    assert found["Getting started"].previous_msgid is None


def test_the_command_line_option_adds_a_compendium(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert invoke(root, "update", "--compendium", "compendia/mdpo.po").exit_code == 0
    assert catalog(root)["Getting started"].msgstr == "Başlarken"


def test_a_compendium_in_another_language_is_not_used(tmp_path: Path) -> None:
    root = project(tmp_path, '["compendia/*.po"]')
    for path in (root / "compendia").glob("*.po"):
        path.write_text(path.read_text("utf-8").replace('"Language: tr\\n"', '"Language: de\\n"'), "utf-8")
    assert invoke(root, "sync").exit_code == 0
    assert not catalog(root)["Getting started"].msgstr


def test_a_language_placeholder_in_the_path_picks_each_languages_file(tmp_path: Path) -> None:
    root = project(tmp_path, '["old/{locale}/*.po"]')
    (root / "old" / "tr").mkdir(parents=True)
    text = (FIXTURES / "mdpo.po.txt").read_text("utf-8").replace('"Language: tr\\n"', '""')
    (root / "old" / "tr" / "README.po").write_text(text, "utf-8")
    assert invoke(root, "sync").exit_code == 0
    assert catalog(root)["Getting started"].msgstr == "Başlarken"


def test_an_unreadable_compendium_is_a_warning_and_nothing_else(tmp_path: Path) -> None:
    root = project(tmp_path, '["compendia/broken.po", "compendia/missing.po"]')
    (root / "compendia" / "broken.po").write_text("this is not a PO file\n", "utf-8")
    result = invoke(root, "sync")
    assert result.exit_code == 0, result.output
    assert "compendia/broken.po: warning: compendium skipped: polib cannot read it" in result.output
    assert "compendia/missing.po: warning: compendium: no such file; fix 'compendia'" in result.output
    assert "Getting started" in catalog(root)


def test_a_compendium_in_another_charset_is_read_in_it(tmp_path: Path) -> None:
    root = project(tmp_path, '["compendia/latin.po"]')
    text = (
        'msgid ""\nmsgstr ""\n"Language: tr\\n"\n"Content-Type: text/plain; charset=ISO-8859-9\\n"\n\n'
        'msgid "Option"\nmsgstr "Seçenek"\n'
    )
    (root / "compendia" / "latin.po").write_bytes(text.encode("iso-8859-9"))
    assert invoke(root, "sync").exit_code == 0
    assert catalog(root)["Option"].msgstr == "Seçenek"


def test_a_compendium_outside_the_project_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path / "p", '["../elsewhere.po"]')
    result = invoke(root, "sync")
    assert result.exit_code == 1
    assert "compendium '../elsewhere.po' is outside the project" in result.output


def test_a_one_line_compendium_is_read_as_text_not_as_a_file_name(tmp_path: Path) -> None:
    # polib opens a string without a line break as a file name.
    other = tmp_path / "secret.po"
    other.write_text('msgid "Getting started"\nmsgstr "leaked"\n', "utf-8")
    with pytest.raises(CatalogError, match="polib cannot read it") as raised:
        read_compendium(str(other), "compendia/x.po")
    assert "leaked" not in str(raised.value)


@pytest.mark.parametrize(
    ("written", "ours"),
    [
        ("A [link](https://example.org/a) and <https://x.org>.", "A [link]({1}) and <{2}>."),
        ("Wrapped\nover two lines.", "Wrapped over two lines."),
        ("No link at all.", "No link at all."),
    ],
)
def test_other_tools_msgids_map_to_ours(written: str, ours: str) -> None:
    assert our_msgid(written, "x.po")[0] == ours


def test_a_translation_takes_the_placeholders_of_the_urls_it_shares_with_the_english() -> None:
    urls = ("https://a.org", "https://b.org")
    text = "[B](https://b.org) önce, sonra [A](https://a.org) ve [C](https://tr.example.org)."
    assert our_msgstr(text, urls, "x.po") == "[B]({2}) önce, sonra [A]({1}) ve [C](https://tr.example.org)."


def test_a_one_line_table_splits_into_its_cells() -> None:
    assert table_cells("| a | b | | --- | :---: | | c \\| d | e |") == ["a", "b", "c \\| d", "e"]
    assert table_cells("| not a table |") is None


# --- the real tool on a real README -------------------------------------------------------------


# Inline code, HTML tags, link destinations, URLs and link reference definitions.
NOTHING_TO_TRANSLATE = re.compile(r"`[^`]*`|<[^>]*>|\]\([^)]*\)|https?://\S+|^\[[^\]]+\]:.*")
# md2po 2.1 stops on a link with an empty destination, which the newest awesome-rlhf README has.
READMES = (
    "awesome-rlhf/en.2024-06-24.a53fe67.md",
    "nodebestpractices/README.en.fedb0bd.md",
    "wtfjs/README.en.2be9310.md",
)


def _has_toolkit_markdown() -> bool:
    try:
        import translate.convert.md2po  # noqa: F401 - needs mistletoe, an optional extra
    except ImportError:
        return False
    return True


def make_catalogue(tool: str, source: Path, output: Path) -> None:
    """The other tool's catalogue of `source`, as its documentation says to make it."""
    commands = {
        "mdpo": ["md2po", str(source), "--wrapwidth", "0", "--save", "--po-filepath", str(output)],
        "po4a": ["po4a-updatepo", "-f", "text", "-o", "markdown", "-m", str(source), "-p", str(output)],
        "toolkit": [sys.executable, "-m", "translate.convert.md2po", str(source), str(output)],
    }
    subprocess.run(
        [*commands[tool], *(["-M", "UTF-8"] if tool == "po4a" else [])], capture_output=True, check=True
    )


AVAILABLE = {
    "mdpo": shutil.which("md2po") is not None,
    "po4a": shutil.which("po4a-updatepo") is not None,
    "toolkit": _has_toolkit_markdown(),
}


def code_blocks(text: str) -> list[str]:
    """Every fenced or indented code block, without white space: other tools extract them, we never do."""
    return [
        "".join(token.content.split())
        for token in MarkdownIt("commonmark").parse(text)
        if token.type in ("fence", "code_block")
    ]


@pytest.mark.corpus
@pytest.mark.skipif(not available(), reason=SKIP_REASON)
@pytest.mark.parametrize("readme", READMES)
@pytest.mark.parametrize("tool", TOOLS)
def test_a_catalogue_made_by_another_tool_on_a_real_readme_migrates(
    tmp_path: Path, tool: str, readme: str
) -> None:
    """The tool's catalogue of a corpus README, every entry translated: at least 95% reach our catalogue.

    Entries that are no unit of ours are not counted: code blocks, and text that
    is only code, HTML, URLs or numbers (nothing to translate).
    """
    if not AVAILABLE[tool]:
        pytest.skip(f"{tool} is not installed")
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    shutil.copyfile(CORPUS / readme, root / "content" / "README.md")
    make_catalogue(tool, root / "content" / "README.md", root / "theirs.po")
    theirs = polib.pofile(str(root / "theirs.po"))
    theirs.metadata["Language"] = "tr"
    for entry in theirs:
        entry.msgstr = "ÇEVİRİ: " + entry.msgid  # keeps the URLs as the tool wrote them
        entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
    theirs.save(str(root / "theirs.po"))
    assert invoke(root, "init", "--lang", "tr").exit_code == 0
    result = invoke(root, "sync", "--compendium", "theirs.po")
    assert result.exit_code == 0, result.output
    ours = {m.msgstr for m in catalog(root).values()}
    _, suggestions = read_compendium((root / "theirs.po").read_text("utf-8"), "theirs.po")
    # Each translation with the English as the tool wrote it (the previous msgid, when ours differs).
    offered = {s.msgstr: s.previous_msgid or s.msgid for s in suggestions}
    blocks = "\0".join(code_blocks((root / "content" / "README.md").read_text("utf-8")))
    units = {
        translation
        for translation, msgid in offered.items()
        if any(c.isalpha() for c in NOTHING_TO_TRANSLATE.sub(" ", msgid))
        and "".join(msgid.split()) not in blocks
    }
    reached = {t for t in offered if t in ours}
    rate = len(reached & units) / len(units)
    print(
        f"{tool} migration, {readme}: {len(reached)} of {len(offered)} translations reach our catalogue; "
        f"of the {len(units)} that are units of ours, {len(reached & units)} ({rate:.1%})"
    )
    assert rate >= 0.95, sorted(units - reached)[:20]
