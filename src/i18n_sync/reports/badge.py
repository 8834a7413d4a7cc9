"""One small SVG badge per language: its name and how much is translated, coloured by level.

Deterministic bytes: the same counts always give the same file, so
``writing.apply_changes`` rewrites a badge only when its figure changes. The
layout is shields.io's flat style; text widths are estimated from a small
table (no font is read), so a badge looks the same on every machine.
"""

from __future__ import annotations

import unicodedata
from html import escape
from posixpath import join

from i18n_sync.gettext.stats import Counts
from i18n_sync.model import FileChange
from i18n_sync.reports.status import StatusReport

# (least whole percent, colour): shields.io's named colours, best first.
LEVELS = (
    (100, "#4c1"),
    (90, "#97ca00"),
    (75, "#a4a61d"),
    (50, "#dfb317"),
    (25, "#fe7d37"),
    (0, "#e05d44"),
)
_LABEL_COLOUR = "#555"
_HEIGHT = 20
_PADDING = 6  # pixels either side of a text
# Approximate advance widths at Verdana 11px, the font the badge asks for.
_NARROW = frozenset("fijlrt!'.,:;|()[]{} ")
_WIDE = frozenset("mwMW@%")


def text_width(text: str) -> int:
    """The estimated width of a text in pixels: East Asian wide characters take a full em."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        if unicodedata.east_asian_width(char) in "WF":
            width += 11
        elif char in _NARROW:
            width += 4
        elif char in _WIDE or char.isupper():
            width += 9
        else:
            width += 7
    return width


def colour_of(counts: Counts) -> str:
    """The badge colour for a language's counts, by the percent shown."""
    shown = float(counts.shown_percent)
    return next(colour for least, colour in LEVELS if shown >= least)


def badge_svg(label: str, counts: Counts) -> str:
    """The SVG of one badge: `label` on grey, the percent translated (by units) on the level colour."""
    value = counts.shown_percent + "%"
    left, right = text_width(label) + 2 * _PADDING, text_width(value) + 2 * _PADDING
    total = left + right
    title = escape(f"{label}: {value} translated", quote=True)
    label_text, value_text = escape(label), escape(value)
    # Text is laid out at ten times the size and scaled by 0.1 (shields' way to get sharp text),
    # so the centres of the two boxes are in tenths of a pixel: whole numbers.
    label_x, value_x = left * 5, left * 10 + right * 5
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{_HEIGHT}" '
        f'role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="{_HEIGHT}" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="{_HEIGHT}" fill="{_LABEL_COLOUR}"/>'
        f'<rect x="{left}" width="{right}" height="{_HEIGHT}" fill="{colour_of(counts)}"/>'
        f'<rect width="{total}" height="{_HEIGHT}" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        'font-size="110" transform="scale(.1)">'
        f'<text x="{label_x}" y="150" fill="#010101" fill-opacity=".3">{label_text}</text>'
        f'<text x="{label_x}" y="140">{label_text}</text>'
        f'<text x="{value_x}" y="150" fill="#010101" fill-opacity=".3">{value_text}</text>'
        f'<text x="{value_x}" y="140">{value_text}</text>'
        "</g></svg>\n"
    )


def badge_path(directory: str, tag: str) -> str:
    """Where a language's badge goes: ``<directory>/<tag>.svg``, repository-relative."""
    folder = directory.strip("/").removeprefix("./")
    return join(folder, f"{tag}.svg") if folder and folder != "." else f"{tag}.svg"


def badge_files(report: StatusReport, directory: str) -> tuple[FileChange, ...]:
    """One badge per language of the report, counted over all its documents."""
    return tuple(
        FileChange(
            badge_path(directory, language.tag), badge_svg(language.name, language.totals).encode(), "badge"
        )
        for language in report.languages
    )
