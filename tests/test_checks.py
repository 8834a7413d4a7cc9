"""Translation checks: one table row per case, (msgid, msgstr, expected check ids), both ways.

The document context of every row defines the references ``[ref]`` and ``[docs]``
and the footnotes ``[^1]`` and ``[^note]``. URLs are example.org/example.net ones.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from i18n_sync.checks.compare import is_unsafe_url
from i18n_sync.checks.translation import (
    CHECK_IDS,
    CHECKS,
    DEFAULT_POLICY,
    ERROR,
    OFF,
    WARNING,
    ignored_checks,
    make_policy,
    run_checks,
)
from i18n_sync.cli import main
from i18n_sync.errors import ConfigError
from i18n_sync.markdown.records import ParseContext
from i18n_sync.project.config import load_config
from i18n_sync.project.inspect import check_project

REPOSITORY = Path(__file__).resolve().parents[1]
CONTEXT = ParseContext(references=("REF", "DOCS"), footnotes=(":1", ":note"))
DOCS = ("https://docs.example.org/guide",)
LOGO = ("https://img.example.org/logo.png",)
EN_LINK = 'Get <a href="https://example.org/get">it</a> now.'

# (msgid, msgstr, expected check ids, unit kind, URLs behind the placeholders)
Row = tuple[str, str, set[str], str, tuple[str, ...]]


def row(
    msgid: str, msgstr: str, expected: set[str], kind: str = "paragraph", urls: tuple[str, ...] = ()
) -> Row:
    return (msgid, msgstr, expected, kind, urls)


EN_HTML = '<b>Fast</b> and <img src="{1}" alt="Logo"> <a href="{2}">docs</a>'
HTML = ("html-text", ("logo.png", "docs.md"))

ROWS: dict[str, list[Row]] = {
    "length": [
        row("Plain words.", "Düz sözler, " * 40, set()),
        row("Plain words.", "Düz sözler, " * 60, {"length"}),
        row("Plain words.", "[a](b)" * 3000, {"length"}),
    ],
    "placeholders": [
        row("See [docs]({1}).", "[Belgelere]({1}) bakın.", set(), urls=DOCS),
        row("See [docs]({1}).", "[Belgelere]({2}) bakın.", {"placeholders", "link-targets"}, urls=DOCS),
        row("Use {braces} here.", "Burada {0} kullanın.", set()),  # no URLs: braces are text
    ],
    "link-targets": [
        row("See [docs]({1}).", "[Belgeler](https://docs.example.org/guide) bakın.", set(), urls=DOCS),
        row("See [docs]({1}).", "[Belgeler](https://evil.example.net/) bakın.", {"link-targets"}, urls=DOCS),
        row("See [docs]({1}).", "Belgelere bakın.", {"link-targets"}, urls=DOCS),
        row("![logo]({1})", "![logo](https://evil.example.net/x.png)", {"link-targets"}, urls=LOGO),
        row("Plain words.", "Düz <https://evil.example.net> sözler.", {"link-targets"}),
        row("Plain words.", "Düz www.evil.example.net sözler.", {"link-targets"}),
        row(EN_LINK, 'Şimdi <a href="https://example.org/get">alın</a>.', set()),
        row(EN_LINK, 'Şimdi <a href="https://evil.example.net/">alın</a>.', {"link-targets"}),
        row(
            'A <img src="https://example.org/a.png" alt="diagram"> here.',
            'Burada <img src="https://example.org/a.png" alt="şema">.',
            set(),
        ),
        # A definition leaves the paragraph in place and sends every [text][x] elsewhere.
        row("Plain words.", "[x]: https://evil.example.net\nDüz sözler.", {"link-targets"}),
    ],
    "unsafe-url": [
        row("See [docs]({1}).", "[x](javascript:alert(1)) {1}", {"unsafe-url", "link-targets"}, urls=DOCS),
        row("See [docs]({1}).", "[x](JaVaScRiPt:alert(1))", {"unsafe-url", "link-targets"}, urls=DOCS),
        row("See [docs]({1}).", "[x](java&#115;cript:alert(1))", {"unsafe-url", "link-targets"}, urls=DOCS),
        row("See [docs]({1}).", "[x](%6Aavascript:alert(1))", {"unsafe-url", "link-targets"}, urls=DOCS),
        row("See [docs]({1}).", "[x](javascript&colon;alert(1))", {"unsafe-url", "link-targets"}, urls=DOCS),
        row("See [docs]({1}).", "[x](<java script:alert(1)>)", {"unsafe-url", "link-targets"}, urls=DOCS),
        row("See [docs]({1}).", "[x](javascript\\:alert(1))", {"unsafe-url", "link-targets"}, urls=DOCS),
        row("See [docs]({1}).", "[x](vbscript:msgbox(1))", {"unsafe-url", "link-targets"}, urls=DOCS),
        row("See [docs]({1}).", "[x](file:///etc/passwd)", {"unsafe-url", "link-targets"}, urls=DOCS),
        row(
            "![logo]({1})",
            "![x](data:text/html;base64,PHNjcmlwdD4=)",
            {"unsafe-url", "link-targets"},
            urls=LOGO,
        ),
        row("Plain words.", "<javascript:alert(1)>", {"unsafe-url", "link-targets"}),
        row(EN_LINK, '<a href="java&#x09;script:alert(1)">al</a>', {"unsafe-url", "link-targets"}),
        row(EN_LINK, '<a href="java&NewLine;script:alert(1)">al</a>', {"unsafe-url", "link-targets"}),
        row(EN_LINK, '<a href="  JAVAscript:alert(1)">al</a>', {"unsafe-url", "link-targets"}),
        row(
            EN_LINK,
            '<a href="java\x01script:alert(1)">al</a>',
            {"unsafe-url", "link-targets", "control-chars"},
        ),
        row(
            'A <img src="https://example.org/a.png"> here.',
            'Burada <img src="https://example.org/a.png" srcset="a.png 1x, javascript:alert(1) 2x">.',
            {"unsafe-url", "link-targets", "html-attributes"},
        ),
        row("Plain words.", "[x]: javascript:alert(1)", {"unsafe-url", "link-targets", "block-structure"}),
        # Safe: the English has the data: image; text and code that only mention a scheme.
        row("![dot]({1})", "![nokta]({1})", set(), urls=("data:image/png;base64,iVBORw0KGgo=",)),
        row("JavaScript is a language.", "javascript: bir dildir.", set()),
        row("Never write `javascript:void(0)`.", "Asla `javascript:void(0)` yazmayın.", set()),
    ],
    "html-tags": [
        row("Press <kbd>Ctrl</kbd> now.", "Şimdi <kbd>Ctrl</kbd> tuşuna basın.", set()),
        row("Plain words.", "Düz <script>alert(1)</script> sözler.", {"html-tags"}),
        row("Plain words.", "Düz <!-- gizli --> sözler.", {"html-tags"}),
        row("Plain words.", "Düz <SCRIPT>x</SCRIPT> sözler.", {"html-tags"}),
        row("Plain words.", "<div>\nDüz sözler.\n</div>", {"html-tags", "block-structure"}),
    ],
    "html-attributes": [
        row(
            '<abbr title="HyperText Markup Language">HTML</abbr> is text.',
            '<abbr title="Hiper Metin İşaretleme Dili">HTML</abbr> metindir.',
            set(),
        ),
        row(
            EN_LINK,
            'Şimdi <a href="https://example.org/get" onclick="alert(1)">alın</a>.',
            {"html-attributes"},
        ),
        row(
            EN_LINK,
            'Şimdi <a href="https://example.org/get" style="color:red">alın</a>.',
            {"html-attributes"},
        ),
    ],
    # HTML units (the text of an HTML element, an attribute's value): raw HTML, counted.
    "html-unit": [
        row(EN_HTML, '<b>Hızlı</b> ve <img src="{1}" alt="Amblem"> <a href="{2}">belgeler</a>', set(), *HTML),
        row(
            EN_HTML,
            '<b>Hızlı</b> ve <img src="{1}" alt="Logo" onerror="alert(1)"> <a href="{2}">belgeler</a>',
            {"html-attributes", "html-unit"},
            *HTML,
        ),
        row(
            EN_HTML,
            '<b>Hızlı</b> ve <img src="{1}" alt="Logo"> <img alt="x"> <a href="{2}">belgeler</a>',
            {"html-unit"},
            *HTML,
        ),
        row(
            EN_HTML,
            '<b>Hızlı</b> ve <img src="{1}" alt="Logo"> <a href="https://evil.example">belgeler</a>',
            {"link-targets"},
            *HTML,
        ),
        row(
            EN_HTML,
            '<b>Hızlı</b> ve <img src="{1}" alt="Logo"> <a href="javascript:alert(1)">belgeler</a>',
            {"link-targets", "unsafe-url"},
            *HTML,
        ),
        row(
            EN_HTML,
            '<b>Hızlı</b></b> ve <img src="{1}" alt="Logo"> <a href="{2}">x</a>',
            {"html-unit"},
            *HTML,
        ),
        row(
            EN_HTML,
            '<b class="x">Hızlı</b> ve <img src="{1}" alt="Logo"> <a href="{2}">x</a>',
            {"html-attributes", "html-unit"},
            *HTML,
        ),
        row(
            EN_HTML,
            "<b>Hızlı</b> ve <script>alert(1)</script>",
            {"html-tags", "html-unit", "link-targets"},
            *HTML,
        ),
        row(EN_HTML, "<b>Hızlı</b> ve\nbelgeler", {"block-structure", "link-targets"}, *HTML),
        row(
            EN_HTML,
            '<b>Hızlı</b> ve <img src="{1}" alt="Logo"> <a href="{2}">x</a> <!-- y',
            {"html-unit"},
            *HTML,
        ),
        row(
            EN_HTML, '<b>Hızlı</b> ve <img src="{1}" alt="Logo"> <a href="{2}">x</a> <b', {"html-unit"}, *HTML
        ),
        row(EN_HTML, '<b>Hızlı</b> ve <img src="{1}" alt="Logo"> <a href="{2}">x < 3</a>', set(), *HTML),
        row(EN_HTML, 'Hızlı ve <img src="{1}" alt="Logo"> <a href="{2}">belgeler</a>', set(), *HTML),
        row(
            EN_HTML, '<b>Hızlı ve <img src="{1}" alt="Logo"> <a href="{2}">belgeler</a>', {"html-unit"}, *HTML
        ),
        # An attribute's value holds no markup: it is escaped where it goes.
        row("The logo", 'Amblem" onerror="alert(1)', set(), "html-attribute"),
    ],
    "block-structure": [
        row("Step 1. Do it.", "Adım 1. Yapın.", set()),
        row("Introduction", "1. Giriş", set(), kind="heading"),
        row("a \\| b", "x \\| y", set(), kind="table-cell"),
        row("a b", "x y\\", {"block-structure"}, kind="table-cell"),
        row("Path C:\\", "Yol C:\\", set(), kind="table-cell"),
        row("a b", "x y\\\\", {"block-structure"}, kind="table-cell"),
        row("Plain words.", "Düz sözler,\nikinci satırda.", set()),
        row("Plain words.", "# Düz sözler", {"block-structure"}),
        row("Plain words.", "- Düz sözler", {"block-structure"}),
        row("Plain words.", "1. Düz sözler", {"block-structure"}),
        row("Plain words.", "> Düz sözler", {"block-structure"}),
        row("Plain words.", "```\nkod\n```", {"block-structure"}),
        row("Plain words.", "    Düz sözler", {"block-structure"}),
        row("Plain words.", "Düz\n===", {"block-structure"}),
        row("Plain words.", "Bir.\n\nİki.", {"block-structure"}),
        row("Plain words.", "a | b\n--|--", {"block-structure"}),
        row("Plain words.", "***", {"block-structure"}),
        row("Plain words.", "[a]: https://example.org/", {"block-structure", "link-targets"}),
        row("Plain words.", "[^9]: dipnot", {"block-structure"}),
        row("Title", "Başlık\nikinci satır", {"block-structure"}, kind="heading"),
        row("cell", "x | y", {"block-structure"}, kind="table-cell"),
        row("cell", "x\ny", {"block-structure"}, kind="table-cell"),
    ],
    "reference-labels": [
        row("See [the docs][ref].", "[Belgelere][ref] bakın.", set()),
        row("See [ref].", "[Kaynağa][REF] bakın.", set()),
        row("A note[^1] here.", "Burada bir not[^1].", set()),
        row("See [the docs][ref].", "[Belgelere][docs] bakın.", {"reference-labels"}),
        row("See [ref].", "[Kaynak] bakın.", {"reference-labels"}),
        row("![logo][ref]", "![logo][docs]", {"reference-labels"}),
        row("A note[^1] here.", "Burada bir not[^note].", {"reference-labels"}),
        row("A note[^1] here.", "Burada bir not.", {"reference-labels"}),
    ],
    "control-chars": [
        row("Plain words.", "Düz\u202e sözler.", {"control-chars"}),
        row("Plain words.", "Düz \u2066sözler\u2069.", {"control-chars"}),
        row("Plain words.", "Düz \x1b[31m sözler.", {"control-chars"}),
        row("Mixed a\u202eb text.", "Karışık a\u202eb metin.", set()),
        row("A coder emoji.", "Bir 👨\u200d💻 kodcu.", set()),
    ],
    "newlines": [
        row("Plain words.", "Düz sözler.", set()),
        row("Plain words.\n", "Düz sözler.\n", set()),
        row("Plain words.", "Düz sözler.\n", {"newlines"}),
        row("Plain words.", "\nDüz sözler.", {"newlines"}),
        row("Plain words.\n", "Düz sözler.", {"newlines"}),
    ],
    "inline-code": [
        row("Run `pip install x` now.", "Şimdi `pip install x` çalıştırın.", set()),
        row("Run `pip install x` now.", "Şimdi `pip kur x` çalıştırın.", {"inline-code"}),
        row("Run `pip install x` now.", "Şimdi çalıştırın.", {"inline-code"}),
    ],
    "emphasis": [
        row("It is **important** here.", "Burada **önemli**.", set()),
        row("Use snake case.", "snake_case kullanın.", set()),
        row("It is **important** here.", "Burada **önemli.", {"emphasis"}),
        row("It is **important** here.", "这是**“重要”**的。", {"emphasis"}),
        row("It is ~~old~~ here.", "Burada ~~eski.", {"emphasis"}),
    ],
    "invisible-chars": [
        row("I want it.", "می\u200cخواهم.", set()),
        row("It is 10 km.", "10\u00a0km.", set()),
        row("Plain words.", "Düz\u200b sözler.", {"invisible-chars"}),
        row("Plain words.", "Düz\u200f sözler.", {"invisible-chars"}),
        row("Plain words.", "Düz\u00adsözler.", {"invisible-chars"}),
        # A tab is white space on GitHub as in the English: nothing hides behind it.
        row("Plain words.", "Düz\tsözler.", set()),
    ],
}

CASES = [
    pytest.param(*case, id=f"{check}-{index}")
    for check, cases in ROWS.items()
    for index, case in enumerate(cases)
]


@pytest.mark.parametrize(("msgid", "msgstr", "expected", "kind", "urls"), CASES)
def test_check_table(msgid: str, msgstr: str, expected: set[str], kind: str, urls: tuple[str, ...]) -> None:
    findings = run_checks(msgid, msgstr, CONTEXT, kind, urls)
    assert {finding.check for finding in findings} == expected, findings
    assert all(finding.message for finding in findings)


def test_every_check_has_a_row_that_passes_and_a_row_that_fails() -> None:
    assert set(ROWS) == set(CHECK_IDS)
    for check, cases in ROWS.items():
        assert any(not expected for _, _, expected, _, _ in cases), check
        assert any(check in expected for _, _, expected, _, _ in cases), check


def test_the_table_has_an_id_a_level_and_a_one_line_explanation_per_check() -> None:
    assert len(set(CHECK_IDS)) == len(CHECKS)
    for check in CHECKS:
        assert check.level in (ERROR, WARNING)
        assert check.explanation and "\n" not in check.explanation
    levels = {check.id: check.level for check in CHECKS}
    assert levels["inline-code"] == WARNING
    assert levels["unsafe-url"] == levels["block-structure"] == levels["link-targets"] == ERROR


def test_an_identity_translation_has_nothing_to_find() -> None:
    for cases in ROWS.values():
        for msgid, _, _, kind, urls in cases:
            assert run_checks(msgid, msgid, CONTEXT, kind, urls) == ()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " \tjava\nscript:alert(1)",
        "java&#x73;cript:alert(1)",
        "java&#0000115;cript:alert(1)",
        "%6a%61vascript:alert(1)",
        "%256Aavascript:alert(1)",
        "java\u200bscript:alert(1)",
        "vbscript:x",
        "data:text/html,x",
        "file:///etc/passwd",
        "0;url=javascript:alert(1)",
    ],
)
def test_unsafe_urls_whatever_their_spelling(url: str) -> None:
    assert is_unsafe_url(url)


@pytest.mark.parametrize(
    "url", ["https://example.org/javascript:x", "mailto:a@example.org", "#data-section", "docs/file.md", ""]
)
def test_safe_urls(url: str) -> None:
    assert not is_unsafe_url(url)


def test_a_localized_link_passes_only_where_allowed() -> None:
    msgstr = "[Makale](https://tr.example.org/wiki/Gettext)"
    urls = ("https://en.example.org/wiki/Gettext",)
    allowed = run_checks("[Article]({1})", msgstr, CONTEXT, urls=urls, allowed=lambda u: "tr.example" in u)
    assert allowed == ()
    refused = run_checks("[Article]({1})", msgstr, CONTEXT, urls=urls)
    assert [finding.check for finding in refused] == ["link-targets"]


# --- levels and opt-outs -----------------------------------------------------------------------


def test_a_project_raises_lowers_or_switches_off_a_check() -> None:
    msgid, msgstr = "Run `pip install x` now.", "Şimdi `pip kur x` çalıştırın."
    assert run_checks(msgid, msgstr)[0].level == WARNING
    assert run_checks(msgid, msgstr, policy=make_policy([("inline-code", "error")]))[0].level == ERROR
    assert run_checks(msgid, msgstr, policy=make_policy([("inline-code", "off")])) == ()
    lowered = make_policy([("html-tags", "warning")])
    assert [f.level for f in run_checks("Plain.", "Düz <b>x</b>.", policy=lowered)] == [WARNING]


def test_a_translator_comment_switches_off_a_warning_but_never_an_error() -> None:
    ignored = ignored_checks(["Kod kasıtlı olarak çevrildi.", "i18n-sync: ignore inline-code, html-tags"])
    assert ignored == {"inline-code", "html-tags"}
    found = run_checks("Run `a` now.", "Şimdi `b` <b>x</b>.", ignored=ignored)
    assert [(f.check, f.level) for f in found] == [("html-tags", ERROR)]
    assert "only the configuration's 'checks_off' can" in found[0].message
    hostile = run_checks("Plain.", "[x](javascript:alert(1))", ignored=set(CHECK_IDS))
    assert {finding.check for finding in hostile} == {"unsafe-url", "link-targets"}


def test_the_configuration_switches_a_check_off_for_one_entry_and_check_lists_it() -> None:
    policy = make_policy([], [("html-tags", ["Run `a` now."])])
    assert run_checks("Run `a` now.", "Şimdi `a` <b>x</b>.", policy=policy) == ()
    skipped = run_checks("Run `a` now.", "Şimdi `a` <b>x</b>.", policy=policy, skipped=True)
    assert [(f.check, f.level) for f in skipped] == [("html-tags", OFF)]
    other = run_checks("Other `a`.", "Başka `a` <b>x</b>.", policy=policy)
    assert [f.check for f in other] == ["html-tags"]
    with pytest.raises(ValueError, match="'unsafe-url' cannot be lowered"):
        make_policy([], [("unsafe-url", ["Run `a` now."])])


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ([("inline-cod", "error")], "unknown check 'inline-cod'"),
        ([("emphasis", "fatal")], "has level 'fatal'"),
        ([("unsafe-url", "off")], "cannot be lowered"),
        ([("unsafe-url", "warning")], "cannot be lowered"),
    ],
)
def test_bad_levels_are_refused(levels: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_policy(levels)


def test_default_policy_uses_the_table_levels() -> None:
    assert all(DEFAULT_POLICY.level_of(check.id) == check.level for check in CHECKS)


# --- this repository's own translations -----------------------------------------------------------


@pytest.mark.parametrize("language", ["tr", "zh-CN"])
def test_the_repository_translations_pass_every_check(language: str) -> None:
    # Meaningful once locales/tr and locales/zh_CN are complete; an honest translation
    # must raise no error and no warning.
    report = check_project(load_config(REPOSITORY), [language])
    assert report.errors == ()
    assert report.catalogs, f"no catalogue of {language} to check"
    assert [f"{item.path}:{item.line}: {item.finding}" for item in report.findings] == []
    assert report.checked > 0


# --- the command ---------------------------------------------------------------------------------

SOURCE = """# Project

Read the [guide](https://example.org/guide) first.

Run `pip install project` to install it.
"""

PO_HEADER = 'msgid ""\nmsgstr ""\n"Language: tr\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'


def scratch_project(root: Path, entries: str, config: str = "") -> Path:
    (root / "content").mkdir()
    (root / "content" / "README.md").write_text(SOURCE, encoding="utf-8")
    (root / "i18n-sync.toml").write_text('languages = ["tr"]\n' + config, encoding="utf-8")
    (root / "locales" / "tr").mkdir(parents=True)
    (root / "locales" / "tr" / "README.po").write_text(PO_HEADER + entries, encoding="utf-8")
    return root


HOSTILE = """
msgid "Project"
msgstr "Proje"

msgid "Read the [guide]({1}) first."
msgstr "Önce [kılavuzu](javascript:alert(1)) okuyun."

msgid "Run `pip install project` to install it."
msgstr "Kurmak için `pip kur project` çalıştırın."
"""


def test_check_command_reports_entry_lines_and_exits_1_on_an_error(tmp_path: Path) -> None:
    root = scratch_project(tmp_path, HOSTILE)
    result = CliRunner().invoke(main, ["check", "--root", str(root)])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert "locales/tr/README.po:9: [link-targets] its link targets differ" in lines[0]
    assert lines[1].startswith("locales/tr/README.po:9: [unsafe-url] unsafe URL 'javascript:alert(1)'")
    assert lines[2].startswith("locales/tr/README.po:12: [inline-code] warning: its inline code differs")
    assert lines[-1] == "2 error(s), 1 warning(s) in 3 translated entries of 1 catalogue(s)"


def test_check_command_json_and_a_warning_only_run_exits_0(tmp_path: Path) -> None:
    entries = HOSTILE.replace("(javascript:alert(1))", "({1})")
    root = scratch_project(tmp_path, entries)
    result = CliRunner().invoke(main, ["check", "--root", str(root), "--format", "json", "--lang", "tr"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    summary = {"errors": 0, "warnings": 1, "skipped": 0, "entries": 3, "catalogs": ["locales/tr/README.po"]}
    assert data["summary"] == summary
    assert data["findings"][0]["check"] == "inline-code"
    assert data["findings"][0]["line"] == 12


def test_check_command_honours_the_config_not_the_translators_comments(tmp_path: Path) -> None:
    entries = HOSTILE.replace("(javascript:alert(1))", "({1})")
    root = scratch_project(tmp_path, entries, 'checks = { "inline-code" = "error" }\n')
    assert CliRunner().invoke(main, ["check", "--root", str(root)]).exit_code == 1
    commented = entries.replace('msgid "Run', '# i18n-sync: ignore inline-code\nmsgid "Run')
    (root / "locales" / "tr" / "README.po").write_text(PO_HEADER + commented, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--root", str(root)])
    assert result.exit_code == 1, result.output  # an error-level check: the comment only explains
    config = root / "i18n-sync.toml"
    msgid = "Run `pip install project` to install it."
    with config.open("a", encoding="utf-8") as file:
        file.write(f'checks_off = {{ "inline-code" = ["{msgid}"] }}\n')
    result = CliRunner().invoke(main, ["check", "--root", str(root)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "locales/tr/README.po:12: [inline-code] skipped (switched off in the configuration): its inline code"
    )
    summary = "0 error(s), 0 warning(s), 1 skipped by the configuration in 3 translated entries"
    assert lines[-1] == f"{summary} of 1 catalogue(s)"


def test_check_command_refuses_an_unknown_check_and_an_unconfigured_language(tmp_path: Path) -> None:
    root = scratch_project(tmp_path, HOSTILE, 'checks = { "unsafe-url" = "off" }\n')
    result = CliRunner().invoke(main, ["check", "--root", str(root)])
    assert result.exit_code == 1
    assert "i18n-sync.toml: check 'unsafe-url' cannot be lowered" in result.stderr
    result = CliRunner().invoke(main, ["check", "--root", str(root), "--lang", "de"])
    assert result.exit_code == 2
    assert "'de' is not a language of i18n-sync.toml" in result.stderr


def test_a_bad_level_in_the_config_names_its_line(tmp_path: Path) -> None:
    scratch_project(tmp_path, "", 'project = "x"\nchecks = { "emphasis" = "loud" }\n')
    with pytest.raises(ConfigError, match=r"i18n-sync.toml:3: 'checks.emphasis' must be one of"):
        load_config(tmp_path)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU msgfmt is not installed")
def test_msgfmt_check_accepts_what_the_checks_refuse(tmp_path: Path) -> None:
    # The reason this module exists: gettext's own checks see nothing wrong here.
    import subprocess

    root = scratch_project(tmp_path, HOSTILE)
    done = subprocess.run(
        ["msgfmt", "-c", "-o", "/dev/null", str(root / "locales" / "tr" / "README.po")],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert CliRunner().invoke(main, ["check", "--root", str(root)]).exit_code == 1
