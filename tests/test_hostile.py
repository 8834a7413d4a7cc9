"""Hostile translations through the whole run, judged by what GitHub shows.

The property: random hostile fragments spliced into the translations of a real document
(this repository's README) never make the synced output show, once rendered by cmark-gfm
and read by html5lib, a link, image source, element, attribute value or hidden character
that the English output does not.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from i18n_sync.checks import guard as checks_guard
from i18n_sync.checks.github import differences, shown_in, without_front_matter
from i18n_sync.cli import main
from i18n_sync.gettext.po import format_po, parse_po
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.markdown.records import Outline
from i18n_sync.project.config import load_config
from i18n_sync.project.sync import run
from i18n_sync.render.splice import render_document

REPOSITORY = Path(__file__).resolve().parents[1]
SOURCE = (REPOSITORY / "content" / "README.md").read_text(encoding="utf-8")
CONFIG = 'languages = ["tr"]\ngenerated_header = false\nlanguage_switcher = "off"\n'

# Pieces of the attacks in test_github_guard, and the characters they are made of.
FRAGMENTS = [
    "https://evil.example/x",
    "请访问https://evil.example/x获取",
    ":https://evil.example/x",
    '"https://evil.example/x"',
    "ftp://evil.example/x",
    "xmpp:spy@evil.example",
    "spy@evil.example",
    "mailto:spy@evil.example",
    "www.evil.example",
    "www.evil.example\\<img src=https://evil.example/p.png>",
    "<https://evil.example>",
    "<!-- x --!> <img src=https://evil.example/p.png> -->",
    "<!X <img src=https://evil.example/p.png>>",
    "<img src=https://evil.example/p.png>",
    '<span style="background:url(https://evil.example/t.png)">x</span>',
    '<a href="https://evil.example">x</a>',
    "<script>alert(1)</script>",
    "&#x202E;",
    "&#8238;",
    "&ZeroWidthSpace;",
    "&shy;",
    "&rlm;",
    "\u202e",
    "\u200b",
    "![x]({1})",
    "[x](https://evil.example)",
    "[x](javascript:alert(1))",
    "\n\n## Giriş\n\n",
    "\n[x]: https://evil.example\n",
    "\\",
    "|",
    "`",
]
ATOMS = st.sampled_from(
    [*FRAGMENTS, "<", ">", "&", "#", ";", ":", "/", "@", ".", "*", "_", "[", "]", "(", ")", "!", " ", "a"]
)
HOSTILE = st.lists(ATOMS, min_size=1, max_size=6).map("".join)


def _project(root: Path) -> Path:
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "content" / "README.md").write_text(SOURCE, encoding="utf-8")
    (root / "i18n-sync.toml").write_text(CONFIG, encoding="utf-8")
    return root


def _catalogue(root: Path) -> str:
    """The Turkish catalogue a first sync writes: every entry untranslated."""
    report = run(load_config(root), ("extract", "update"))
    return next(c.content.decode() for c in report.changes if c.path == "locales/tr/README.po")


def new_on_github(english: str, output: str) -> list[str]:
    english_shown = shown_in(without_front_matter(english))
    return [d.detail for d in differences(english_shown, shown_in(without_front_matter(output)))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_hostile_fragments_never_show_on_github(tmp_path_factory, data) -> None:  # type: ignore[no-untyped-def]
    root = _project(tmp_path_factory.mktemp("hostile"))
    catalog = parse_po(_catalogue(root), "README.po")
    candidates = [i for i, m in enumerate(catalog.messages) if m.msgid and not m.obsolete]
    chosen = data.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=5, unique=True))
    messages = list(catalog.messages)
    for index in chosen:
        msgid = messages[index].msgid
        at = data.draw(st.integers(0, len(msgid)))
        msgstr = msgid[:at] + data.draw(HOSTILE) + msgid[at:]
        messages[index] = dataclasses.replace(messages[index], msgstr=msgstr)
    po = root / "locales" / "tr" / "README.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(format_po(dataclasses.replace(catalog, messages=tuple(messages))), encoding="utf-8")
    report = run(load_config(root))
    assert report.errors == ()
    output = next(c.content.decode() for c in report.changes if c.path == "README.tr.md")
    # A translated heading moves its anchor, and the tool rewrites links to it, by design;
    # a link a translation makes to an anchor is the per-entry link-targets check's.
    new = [d for d in new_on_github(SOURCE, output) if not d.startswith("<a href> to '#")]
    assert new == [], output


def test_the_repository_catalogues_render_with_nothing_refused() -> None:
    report = run(load_config(REPOSITORY), ("render",))
    assert report.errors == ()
    refused = [str(d) for d in report.diagnostics if "not used" in d.message]
    assert refused == []


# --- front matter stays valid YAML --------------------------------------------------------------

YAML_VALUES = [
    "Başlık:",
    "Başlık: alt başlık",
    "- liste",
    "@kullanıcı",
    "# yorum",
    "Başlık # yorum",
    "yes",
    "No",
    "null",
    "[dizi]",
    "{sözlük}",
    "*takma",
    "&çapa",
    "!etiket",
    "%yönerge",
    "| blok",
    "> katlanmış",
    '"tırnaklı"',
    "'tek tırnak'",
    "ters\\bölü",
    "100",
    "Başlık ",
    "Sade başlık",
    "简单标题",
]


@pytest.mark.parametrize("quote", ["", "'", '"'])
@pytest.mark.parametrize("value", YAML_VALUES)
def test_a_translated_front_matter_value_stays_valid_yaml(quote: str, value: str) -> None:
    yaml = pytest.importorskip("yaml")
    source = f"---\ntitle: {quote}Hello{quote}\n---\n\n# Hi\n"
    doc = load_document(source, "doc.md")
    extraction = extract_units(doc)
    rendered = render_document(doc, extraction.units, {"Hello": value}, extraction.context)
    front = rendered.text.split("---\n")[1]
    assert yaml.safe_load(front) == {"title": value}, front


# --- symlinks and read-only files ----------------------------------------------------------------

TRANSLATED = 'msgid "Plain words here."\nmsgstr "Düz sözler burada."\n'
PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: tr\\n"\n\n'


def _small_project(tmp_path: Path) -> tuple[Path, Path]:
    """A repository with one translated paragraph, and a file outside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("Outside words.\n", encoding="utf-8")
    root = tmp_path / "repo"
    (root / "content").mkdir(parents=True)
    (root / "content" / "README.md").write_text("Plain words here.\n", encoding="utf-8")
    (root / "i18n-sync.toml").write_text(CONFIG, encoding="utf-8")
    (root / "locales" / "tr").mkdir(parents=True)
    (root / "locales" / "tr" / "README.po").write_text(PO_HEADER + TRANSLATED, encoding="utf-8")
    return root, outside


def _sync(root: Path) -> Result:
    return CliRunner().invoke(main, ["sync", "--root", str(root)])


def test_a_source_symlinked_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    root, outside = _small_project(tmp_path)
    (root / "content" / "README.md").unlink()
    (root / "content" / "README.md").symlink_to(outside / "secret.md")
    result = _sync(root)
    assert result.exit_code == 1
    assert "content/README.md: is a symlink (or in a folder that is one) to a file outside" in result.stderr
    assert not (root / "README.tr.md").exists() and not (root / "README.md").exists()


def test_a_source_folder_symlinked_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    root, outside = _small_project(tmp_path)
    shutil.rmtree(root / "content")
    (root / "content").symlink_to(outside)
    result = _sync(root)
    assert result.exit_code == 1
    assert "content/secret.md: is a symlink (or in a folder that is one)" in result.stderr
    assert not (root / "README.tr.md").exists()


def test_a_source_symlinked_within_the_repository_is_read(tmp_path: Path) -> None:
    root, _ = _small_project(tmp_path)
    (root / "docs").mkdir()
    (root / "content" / "README.md").rename(root / "docs" / "README.md")
    (root / "content" / "README.md").symlink_to(Path("..") / "docs" / "README.md")
    result = _sync(root)
    assert result.exit_code == 0, result.output
    assert (root / "README.tr.md").read_text(encoding="utf-8") == "Düz sözler burada.\n"


def test_a_symlinked_lock_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    root, outside = _small_project(tmp_path)
    (root / ".i18n-sync.lock").symlink_to(outside / "secret.md")
    result = _sync(root)
    assert result.exit_code == 1
    assert "Error: .i18n-sync.lock: is a symlink; the tool writes its lock only to a file of its own" in (
        result.stderr
    )
    assert (outside / "secret.md").read_text(encoding="utf-8") == "Outside words.\n"
    assert not (root / "README.tr.md").exists()


def test_a_read_only_catalogue_is_reported_not_replaced(tmp_path: Path) -> None:
    root, _ = _small_project(tmp_path)
    catalogue = root / "locales" / "tr" / "README.po"
    before = catalogue.read_bytes()
    catalogue.chmod(0o444)
    result = _sync(root)
    assert result.exit_code == 1
    assert "locales/tr/README.po: is read-only, so it is left as it is; make it writable" in result.stderr
    assert catalogue.read_bytes() == before
    assert (root / "README.tr.md").read_text(
        encoding="utf-8"
    ) == "Düz sözler burada.\n"  # the rest is written
    catalogue.chmod(0o644)
    assert _sync(root).exit_code == 0
    assert catalogue.read_bytes() != before


# --- bounded cost --------------------------------------------------------------------------------


def test_the_tool_never_writes_a_catalogue_it_would_refuse_to_read(tmp_path: Path) -> None:
    root, _ = _small_project(tmp_path)
    links = "".join(f"- [Item {n}](https://example.com/a/long/path/to/page/{n})\n" for n in range(60))
    (root / "content" / "README.md").write_text(links, encoding="utf-8")
    size = len(links.encode())
    (root / "i18n-sync.toml").write_text(CONFIG + f"max_file_size = {size + 100}\n", encoding="utf-8")
    result = _sync(root)
    assert result.exit_code == 1
    assert "locales/README.pot: would be" in result.stderr
    assert f"more than max_file_size ({size + 100:,}), so the tool could not read it back" in result.stderr
    assert not (root / "locales" / "README.pot").exists()
    assert (root / "locales" / "tr" / "README.po").read_text(encoding="utf-8") == PO_HEADER + TRANSLATED


def test_a_hostile_catalogue_costs_no_bisection_per_unit(tmp_path: Path) -> None:
    # Every item turns into a task box only in place: each is found within its own item,
    # not by bisecting the whole document once per unit (which took minutes).
    items = [f"Item number {n} of the list." for n in range(300)]
    source = "".join(f"- {item}\n" for item in items)
    doc = load_document(source, "doc.md")
    extraction = extract_units(doc)
    translations = {item: "[x] " + "kelime " * 80 for item in items}
    calls = 0
    real = checks_guard.document_outline

    def counting(text: str) -> Outline:
        nonlocal calls
        calls += 1
        return real(text)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checks_guard, "document_outline", counting)
        rendered = render_document(doc, extraction.units, translations, extraction.context)
    assert rendered.text == source and len(rendered.rejected) == len(items)
    messages = {finding.message for rejection in rendered.rejected for finding in rejection.findings}
    assert messages == {
        "in the rendered document it turns a list item into a task ([ ] or [x]); write '\\[' or reword"
    }
    assert calls < 4 * len(items)  # a bisection per unit would need about 9 parses each
