"""The review page as HTML: ``status --format html`` (static, no script) and the review server's page.

Every text that comes from a catalogue, a source or the configuration goes
through `html.escape`: a translation is shown as text, never as markup. The
static page carries its style inline and a Content-Security-Policy that allows
nothing else (no script, no request), so it can be kept as a CI artifact. The
server's page adds an editor to each unit and a preview pane; its script and
style are the package's ``reports/static`` files, which the server serves.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from html import escape
from importlib.resources import files
from urllib.parse import quote

from i18n_sync.checks.translation import Finding
from i18n_sync.gettext.stats import Counts, floor_percent
from i18n_sync.record import record
from i18n_sync.reports.review import Review, ReviewDocument, ReviewUnit
from i18n_sync.reports.status import DiffPart

STATIC_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
)

_SECTIONS = (
    ("fuzzy", "Stale: the English changed"),
    ("untranslated", "Untranslated"),
    ("translated", "Check findings"),
)


def static_file(name: str) -> str:
    """A file of the page's assets (``review.css``, ``review.js``, ``preview.css``)."""
    return files("i18n_sync.reports").joinpath("static", name).read_text(encoding="utf-8")


@record
class Editing:
    """What the server's page needs beyond the static one: the session's token."""

    token: str


def asset_url(name: str, token: str) -> str:
    """Where the server serves a static file; the token rides in the query, as for the page."""
    return f"/static/{name}?token={quote(token, safe='')}"


def _attr(text: str) -> str:
    return escape(text, quote=True)


def _text(text: str) -> str:
    return escape(text, quote=False)


def _percent(counts: Counts) -> str:
    return floor_percent(counts.translated, counts.total)


def _meter(counts: Counts) -> str:
    # <meter> needs no style attribute, which the server's policy would refuse.
    percent = _percent(counts)
    return (
        f'<meter min="0" max="100" low="50" high="99.9" optimum="100" value="{percent}" '
        f'title="{percent}% translated">{percent}%</meter>'
    )


def _counts_text(counts: Counts) -> str:
    return (
        f"{counts.translated} translated, {counts.fuzzy} fuzzy, {counts.untranslated} untranslated"
        f" · {_percent(counts)}% of {counts.total} units"
    )


def _overview(review: Review) -> Iterator[str]:
    yield '<section class="overview" aria-labelledby="overview-title"><h2 id="overview-title">Overview</h2>'
    yield '<table><thead><tr><th scope="col">Language</th><th scope="col">Document</th>'
    yield '<th scope="col">Progress</th><th scope="col">To do</th></tr></thead><tbody>'
    for document in review.documents:
        todo = sum(1 for unit in document.units if unit.state != "translated")
        findings = sum(len(unit.findings) for unit in document.units)
        yield (
            f'<tr><td><span class="tag">{_text(document.language)}</span> '
            f"{_text(document.language_name)}</td>"
            f'<td><a href="#{document.anchor}">{_text(document.source)}</a></td>'
            f"<td>{_meter(document.counts)} {_percent(document.counts)}%</td>"
            f"<td>{todo} unit(s), {findings} finding(s)</td></tr>"
        )
    yield "</tbody></table></section>"


def _diff(parts: Sequence[DiffPart]) -> str:
    tags = {"equal": ("", ""), "delete": ("<del>", "</del>"), "insert": ("<ins>", "</ins>")}
    return "".join(tags[p.op][0] + _text(p.text) + tags[p.op][1] for p in parts)


def _findings(findings: Sequence[Finding]) -> str:
    items = "".join(
        f'<li class="{_attr(f.level)}"><code>[{_text(f.check)}]</code> '
        f"{_text(f.level)}: {_text(f.message)}</li>"
        for f in findings
    )
    return f'<ul class="findings" aria-live="polite">{items}</ul>'


def _english(unit: ReviewUnit) -> str:
    if unit.state == "fuzzy" and unit.previous_msgid is not None:
        changed = _diff(unit.diff)
        return f'<p class="label">The English changed:</p><div class="diff" lang="en">{changed}</div>'
    return f'<p class="label">English:</p><div class="english" lang="en">{_text(unit.msgid)}</div>'


def _translation(unit: ReviewUnit, language: str, editing: Editing | None) -> str:
    if editing is None:
        if not unit.msgstr:
            return '<p class="none">No translation yet.</p>'
        return (
            f'<p class="label">Translation:</p><div class="msgstr" lang="{_attr(language)}" dir="auto">'
            f"{_text(unit.msgstr)}</div>"
        )
    return (
        f'<label class="label">Translation:<textarea lang="{_attr(language)}" dir="auto" rows="3" '
        f'spellcheck="true">{_text(unit.msgstr)}</textarea></label>'
        # Saving clears fuzzy (the translator has looked at the new English) unless kept.
        '<div class="actions">'
        '<label class="keep"><input type="checkbox" class="keep-fuzzy"> keep fuzzy</label>'
        '<button type="button" class="preview-button">Preview</button>'
        '<button type="button" class="save" title="Ctrl+Enter">Save</button>'
        '<span class="checked" aria-live="polite"></span><span class="result" role="status"></span></div>'
    )


def _unit(unit: ReviewUnit, document: ReviewDocument, editing: Editing | None) -> str:
    where = f"{document.catalog}:{unit.line}"
    refs = " ".join(f"<span>{_text(ref)}</span>" for ref in unit.references)
    return (
        f'<article class="unit state-{_attr(unit.state)}" data-msgid="{_attr(unit.msgid)}">'
        f'<p class="unit-head"><span class="badge {_attr(unit.state)}">{_text(unit.state)}</span> '
        f'<code class="where">{_text(where)}</code> <span class="refs">{refs}</span></p>'
        f"{_english(unit)}{_translation(unit, document.language, editing)}{_findings(unit.findings)}"
        "</article>"
    )


def _document(document: ReviewDocument, editing: Editing | None) -> Iterator[str]:
    yield (
        f'<section class="document" id="{document.anchor}" data-catalog="{_attr(document.catalog)}" '
        f'data-digest="{_attr(document.digest)}" data-source="{_attr(document.source)}">'
    )
    yield (
        f'<h2><span class="tag">{_text(document.language)}</span> {_text(document.language_name)} · '
        f"{_text(document.source)}</h2>"
    )
    yield (
        f'<p class="summary">{_meter(document.counts)} {_text(_counts_text(document.counts))} · '
        f"<code>{_text(document.catalog)}</code></p>"
    )
    if document.pending:
        yield (
            '<p class="pending">This catalogue is not updated to the current English yet: '
            "the figures are those <code>i18n-sync update</code> will write; run it to edit new units.</p>"
        )
    if not document.units:
        yield '<p class="done">Nothing to do: every unit is translated and passes the checks.</p>'
    for state, title in _SECTIONS:
        units = [unit for unit in document.units if unit.state == state]
        if units:
            yield f'<h3>{_text(title)} <span class="count">{len(units)}</span></h3>'
            yield from (_unit(unit, document, editing) for unit in units)
    yield "</section>"


_PREVIEW = """<aside class="preview" aria-label="Preview">
<p class="preview-title">Preview, as GitHub renders it: <span id="preview-doc">select a unit</span></p>
<div class="panes">
<figure><figcaption>English</figcaption>
<iframe id="preview-en" sandbox="allow-same-origin" title="The English document"></iframe></figure>
<figure><figcaption>Translation</figcaption>
<iframe id="preview-tr" sandbox="allow-same-origin" title="The translated document"></iframe></figure>
</div></aside>"""


def _head(title: str, editing: Editing | None) -> str:
    if editing is None:
        extra = (
            f'<meta http-equiv="Content-Security-Policy" content="{_attr(STATIC_CSP)}">'
            f"<style>{static_file('review.css')}</style>"
        )
    else:
        extra = (
            f'<meta name="i18n-sync-token" content="{_attr(editing.token)}">'
            # An empty icon: the browser would otherwise ask for /favicon.ico, without the token.
            '<link rel="icon" href="data:,">'
            f'<link rel="stylesheet" href="{_attr(asset_url("review.css", editing.token))}">'
            f'<script src="{_attr(asset_url("review.js", editing.token))}" defer></script>'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="referrer" content="no-referrer"><title>{_text(title)}</title>{extra}</head>'
    )


def format_page(review: Review, title: str = "Translation status", editing: Editing | None = None) -> str:
    """The whole page: the overview, then each document's units; editors and preview with `editing`."""
    body = [_head(title, editing), f'<body class="{"review" if editing else "static"}">']
    body.append(f'<header class="top"><h1>{_text(title)}</h1></header><main>')
    if review.errors:
        items = "".join(f"<li>{_text(error)}</li>" for error in review.errors)
        body.append(f'<section class="errors"><h2>Errors</h2><ul>{items}</ul></section>')
    body += _overview(review)
    body.append('<div class="workspace"><div class="documents">')
    for document in review.documents:
        body += _document(document, editing)
    body.append("</div>")
    if editing is not None:
        body.append(_PREVIEW)
    body.append("</div></main></body></html>\n")
    return "".join(body)


def preview_page(fragment: str, token: str) -> str:
    """A preview frame's document around sanitized HTML; it may load its style and nothing else."""
    policy = "default-src 'none'; style-src 'self'; img-src https: data:; base-uri 'none'; form-action 'none'"
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_attr(policy)}">'
        f'<link rel="stylesheet" href="{_attr(asset_url("preview.css", token))}"></head>'
        f'<body><article class="markdown-body">{fragment}</article></body></html>'
    )
