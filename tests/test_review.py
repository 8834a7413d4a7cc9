"""The review page without a browser: ``status --format html``, the sanitizer, a session's check,
preview and save, and the server's guards (token, host, paths only from the plan)."""

from __future__ import annotations

import html
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from helpers import invoke
from i18n_sync.project.config import load_config
from i18n_sync.reports.page import Editing, format_page
from i18n_sync.reports.review import Entry, ReviewError, ReviewSession, digest_of
from i18n_sync.reports.sanitize import HERE, is_safe_link, sanitize_html
from i18n_sync.reports.server import TOKEN_HEADER, ReviewServer, start_review
from review_project import (
    HOSTILE,
    HOSTILE_MSGID,
    NEW,
    TR_PO,
    TURKISH,
    UNTRANSLATED,
    changed_lines,
    make_project,
)

MARKER = "i18nsyncTESTMARK"
SOURCE = "content/README.md"


def at(msgid: str, catalog: str = TR_PO, source: str = SOURCE) -> Entry:
    return Entry(source, catalog, msgid)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    return make_project(tmp_path / "project")


@pytest.fixture
def session(project: Path) -> ReviewSession:
    return ReviewSession(load_config(project), MARKER)


# --- status --format html ------------------------------------------------------------------------


def test_the_static_page_is_self_contained_and_escapes_translations(project: Path) -> None:
    result = invoke(project, "status", "--format", "html")
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert policy and html.unescape(policy.group(1)).startswith(
        "default-src 'none';"
    )  # no request, no script
    # No external asset: every link of the page is a fragment within it.
    assert re.findall(r'(?:src|href)="([^"]*)"', page) == [
        "#" + a for a in re.findall(r'id="(doc-\w+)"', page)
    ]
    assert "<img" not in page
    assert "Genişletmesi &lt;img src=x onerror=alert(1)&gt; kolay" in page


def _section(page: str, language: str) -> str:
    start = page.index(f'<h2><span class="tag">{language}</span>')
    end = page.find('<section class="document"', start)
    return page[start : end if end > 0 else len(page)]


def test_the_static_page_lists_stale_then_untranslated_then_findings(project: Path) -> None:
    page = invoke(project, "status", "--format", "html").stdout
    turkish = _section(page, "tr")
    stale = turkish.index("Stale: the English changed")
    untranslated = turkish.index("Untranslated <span")
    findings = turkish.index("Check findings")
    assert stale < untranslated < findings
    # The word diff of the old and the new English, and the old translation beside it.
    assert (
        "A small<ins>, fast</ins> tool that keeps translated <ins>Markdown </ins>documents in sync."
        in turkish
    )
    assert TURKISH["A small tool that keeps translated documents in sync."] in turkish
    assert UNTRANSLATED in turkish[untranslated:findings]
    assert "[html-tags]</code> error: it adds HTML the English does not have: &lt;img&gt;" in turkish
    assert "6 translated, 1 fuzzy, 1 untranslated · 75.0% of 8 units" in turkish
    chinese = _section(page, "zh-CN")
    assert chinese.count('class="unit state-untranslated"') == 8


def test_the_static_page_keeps_the_gate(project: Path) -> None:
    result = invoke(project, "status", "--format", "html", "--fail-under", "80")
    assert result.exit_code == 1
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert "below the threshold of 80%" in result.stderr


# --- the sanitizer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>a <img src=x onerror=alert(1)> b</p>", '<p>a <img src="x"> b</p>'),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="java\tscript:alert(1)" title="t">x</a>', '<a title="t">x</a>'),
        (
            '<a href="https://example.com/?a=1&amp;b=2">x</a>',
            '<a href="https://example.com/?a=1&amp;b=2">x</a>',
        ),
        ("<script>alert(1)</script><p>kept</p>", "<p>kept</p>"),
        ("<style>p{}</style><!-- note --><svg onload=alert(1)><p>x</p></svg>", "<p>x</p>"),
        ('<p style="color:red" onclick="x()">&lt;b&gt;</p>', "<p>&lt;b&gt;</p>"),
        (
            '<input type="checkbox" checked> <input type="text">',
            '<input type="checkbox" checked="" disabled=""> ',
        ),
        ("<div><p>open", "<div><p>open</p></div>"),
    ],
)
def test_the_sanitizer_keeps_only_what_is_allowed(dirty: str, clean: str) -> None:
    assert sanitize_html(dirty) == clean


def test_the_marker_becomes_one_anchor() -> None:
    html = f'<h2>{MARKER} Title</h2><p>{MARKER} again</p><img alt="{MARKER} alt">'
    assert (
        sanitize_html(html, MARKER) == f'<h2><span id="{HERE}"></span>Title</h2><p>again</p><img alt="alt">'
    )
    assert sanitize_html(f'<img alt="{MARKER} x">', MARKER) == f'<img alt="x" id="{HERE}">'


def test_safe_links() -> None:
    assert is_safe_link("docs/a.md") and is_safe_link("#x") and is_safe_link("mailto:a@b.c")
    assert not is_safe_link(" JavaScript:alert(1)") and not is_safe_link("data:text/html,x")


# --- a session: check, preview, save -------------------------------------------------------------


def test_the_check_is_the_projects_own(session: ReviewSession) -> None:
    ids = {finding.check for finding in session.check(at(HOSTILE_MSGID), HOSTILE)}
    assert {"html-tags", "html-attributes"} <= ids
    assert session.check(at(HOSTILE_MSGID), "Genişletmesi kolay") == ()
    # The document guard of a render: a list item opened inside a paragraph's translation.
    found = session.check(at(UNTRANSLATED), "Sunucuyu\n\n- başlatın")
    assert any(f.check == "block-structure" and f.level == "error" for f in found)


def test_only_documents_and_catalogues_of_the_plan(session: ReviewSession) -> None:
    for path in ("../../etc/passwd", "content/README.md", "/etc/hosts", "locales/tr/../tr/README.po"):
        with pytest.raises(ReviewError, match=r"is not a catalogue of content/README\.md in this project"):
            session.check(at(UNTRANSLATED, catalog=path), "x")
    for source in ("../../etc/passwd", "README.tr.md", "i18n-sync.toml", "locales/tr/README.po"):
        with pytest.raises(ReviewError, match=f"is not a catalogue of {re.escape(source)} in this project"):
            session.preview(at(UNTRANSLATED, source=source), "x")


def test_saving_changes_only_that_entry(project: Path, session: ReviewSession) -> None:
    po = project / TR_PO
    before = po.read_text(encoding="utf-8")
    saved = session.save(
        at(UNTRANSLATED), "Sunucuyu tek komutla başlatın.", False, digest_of(po.read_bytes())
    )
    after = po.read_text(encoding="utf-8")
    assert saved.state == "translated" and saved.digest == digest_of(after.encode("utf-8"))
    assert changed_lines(before, after) == ['-msgstr ""', '+msgstr "Sunucuyu tek komutla başlatın."']
    assert invoke(project, "update", "--check").exit_code == 0  # what update writes, byte for byte


def test_saving_clears_fuzzy_and_the_previous_english(project: Path, session: ReviewSession) -> None:
    po = project / TR_PO
    before = po.read_text(encoding="utf-8")
    text = "Çevrilmiş Markdown belgeleri güncel tutan küçük, hızlı bir araç."
    session.save(at(NEW), text, False, digest_of(po.read_bytes()))
    removed = [line for line in changed_lines(before, po.read_text(encoding="utf-8")) if line[0] == "-"]
    assert removed == [
        "-#, fuzzy",
        '-#| msgid "A small tool that keeps translated documents in sync."',
        '-msgstr "Çevrilmiş belgeleri güncel tutan küçük bir araç."',
    ]
    kept = session.save(at(NEW), text + " ", True, digest_of(po.read_bytes()))
    assert kept.state == "fuzzy"


def test_a_file_changed_on_disk_is_not_overwritten(project: Path, session: ReviewSession) -> None:
    po = project / TR_PO
    loaded = digest_of(po.read_bytes())
    edited = po.read_text(encoding="utf-8").replace('msgstr "Kurulum"', 'msgstr "Kurulum (editor)"')
    po.write_text(edited, encoding="utf-8")
    with pytest.raises(ReviewError, match="changed on disk since the page read it") as caught:
        session.save(at(UNTRANSLATED), "Sunucuyu başlatın.", False, loaded)
    assert caught.value.conflict
    assert po.read_text(encoding="utf-8") == edited


def test_a_translation_failing_a_check_is_not_saved(project: Path, session: ReviewSession) -> None:
    po = project / TR_PO
    before = po.read_bytes()
    with pytest.raises(ReviewError, match=r"not saved: \[link-targets\]") as caught:
        session.save(at(UNTRANSLATED), '<img src=x onerror="alert(1)">', False, digest_of(before))
    assert not caught.value.conflict
    assert po.read_bytes() == before


def test_the_preview_shows_the_edit_in_place_and_never_a_refused_one(session: ReviewSession) -> None:
    preview = session.preview(at(UNTRANSLATED), "Sunucuyu tek komutla başlatın.")
    assert preview.used
    assert f'<p><span id="{HERE}"></span>Sunucuyu tek komutla başlatın.</p>' in preview.translated
    assert f'<p><span id="{HERE}"></span>{UNTRANSLATED}</p>' in preview.english
    assert "<h1>Örnek Proje</h1>" in preview.translated
    assert '<a href="https://example.com/manual">kılavuzu</a>' in preview.translated
    assert MARKER not in preview.translated + preview.english
    refused = session.preview(at(HOSTILE_MSGID), HOSTILE)
    assert not refused.used
    assert "onerror" not in refused.translated and "<img" not in refused.translated
    assert f'<li><span id="{HERE}"></span>{HOSTILE_MSGID}</li>' in refused.translated


# --- the server's guards -------------------------------------------------------------------------


@pytest.fixture
def server(project: Path) -> Iterator[ReviewServer]:
    running = start_review(load_config(project))
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def _request(
    url: str, data: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    body = None if data is None else json.dumps(data).encode("utf-8")
    request = urllib.request.Request(url, body, {"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_the_server_listens_on_loopback_and_wants_its_token(server: ReviewServer) -> None:
    assert server.server_address[0] == "127.0.0.1" and server.port > 0
    base = f"http://127.0.0.1:{server.port}"
    assert _request(server.url)[0] == 200
    assert _request(base + "/")[0] == 403
    assert _request(base + "/?token=wrong")[0] == 403
    assert _request(base + "/static/review.js")[0] == 403
    entry = {"source": SOURCE, "catalog": TR_PO, "msgid": UNTRANSLATED, "msgstr": "x"}
    assert _request(base + "/api/check", entry)[0] == 403
    assert _request(base + "/api/check", entry, {TOKEN_HEADER: "wrong"})[0] == 403
    status, body = _request(base + "/api/check", entry, {TOKEN_HEADER: server.token})
    assert status == 200 and json.loads(body) == {"findings": []}
    # Another site's page cannot use it, even knowing the token (it would not).
    evil = {TOKEN_HEADER: server.token, "Origin": "http://evil.example"}
    assert _request(base + "/api/check", entry, evil)[0] == 403
    rebound = {TOKEN_HEADER: server.token, "Host": "evil.example"}
    assert _request(base + "/api/check", entry, rebound)[0] == 403


def test_the_server_reads_and_writes_only_the_plans_catalogues(server: ReviewServer, project: Path) -> None:
    base = f"http://127.0.0.1:{server.port}"
    headers = {TOKEN_HEADER: server.token}
    for path in ("../secret.po", str(project.parent / "secret.po"), "i18n-sync.toml"):
        entry = {"source": SOURCE, "catalog": path, "msgid": "x", "msgstr": "y", "fuzzy": False, "digest": ""}
        status, body = _request(base + "/api/save", entry, headers)
        assert status == 422 and "is not a catalogue of content/README.md" in json.loads(body)["error"]
    status, body = _request(base + "/api/check", {"catalog": TR_PO, "msgid": "x", "msgstr": "y"}, headers)
    assert status == 400 and json.loads(body) == {"error": "'source' must be a string"}
    assert not (project.parent / "secret.po").exists()
    assert _request(f"{base}/static/../i18n-sync.toml?token={server.token}")[0] == 404


def test_the_editing_page_shows_translations_as_text(session: ReviewSession) -> None:
    review = session.review()
    hostile = '</textarea><script>alert(1)</script>" onfocus="alert(2)'
    document = review.documents[0]
    units = tuple(replace(u, msgstr=hostile, msgid=hostile) for u in document.units)
    page = format_page(replace(review, documents=(replace(document, units=units),)), editing=Editing("t"))
    assert page.count("<script") == 1  # the page's own script, from the server
    assert '<script src="/static/review.js?token=t" defer></script>' in page
    assert "<textarea" in page and "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'data-msgid="&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot; onfocus=&quot;' in page


# --- the command ---------------------------------------------------------------------------------


def _ignore_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as for a job a script starts in the background


@pytest.mark.parametrize("started", [None, _ignore_ctrl_c], ids=["in-a-terminal", "sigint-ignored"])
def test_the_review_command_prints_its_address_and_stops_on_ctrl_c(
    project: Path, started: Callable[[], None] | None
) -> None:
    command = [sys.executable, "-m", "i18n_sync", "review", "--no-browser", "--root", str(project)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=started
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.fullmatch(r"Review page: (http://127\.0\.0\.1:\d+/\?token=[\w-]{20,})\n", first)
        assert match, first
        status, page = _request(match.group(1))
        assert status == 200 and "<title>Translation review: project</title>" in page
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=60)
    assert process.returncode == 0 and "Traceback" not in errors


def test_a_busy_port_is_a_clear_error(project: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke(project, "review", "--no-browser", "--port", str(port))
    assert result.exit_code == 1
    assert f"Error: cannot listen on 127.0.0.1:{port}: " in result.stderr
    assert "pick another port with --port" in result.stderr


def test_before_update_an_entry_is_checked_and_previewed_but_not_saved(
    project: Path, session: ReviewSession
) -> None:
    source = project / "content/README.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    preview = session.preview(at("A new paragraph."), "Yeni bir paragraf.")
    assert f'<p><span id="{HERE}"></span>Yeni bir paragraf.</p>' in preview.translated
    assert session.check(at("A new paragraph."), "<b>Yeni</b>")[0].check == "html-tags"
    with pytest.raises(ReviewError, match="run 'i18n-sync update', then reload the page"):
        session.save(at("A new paragraph."), "Yeni", False, digest_of((project / TR_PO).read_bytes()))
    with pytest.raises(ReviewError, match="has no entry for this English yet"):
        session.check(at("Not in the document."), "x")


def test_a_translator_comment_cannot_switch_an_error_off_as_in_a_render(project: Path) -> None:
    po = project / TR_PO
    entry = f'#. Section: Sample Project > Usage\n#: content/README.md\nmsgid "{UNTRANSLATED}"'
    text = po.read_text(encoding="utf-8")
    assert entry in text
    po.write_text(text.replace(entry, "# i18n-sync: ignore block-structure\n" + entry), encoding="utf-8")
    session = ReviewSession(load_config(project), MARKER)
    # Only the maintainer lowers a check (the configuration's 'checks_off'), as in a render.
    (finding,) = session.check(at(UNTRANSLATED), "Sunucuyu\n\n- başlatın")
    assert finding.check == "block-structure" and finding.level == "error"
    assert "only the configuration's 'checks_off' can" in finding.message
