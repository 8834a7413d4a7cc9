"""What GitHub shows for a Markdown text: cmark-gfm, its own parser (the one module importing cmarkgfm)."""

from __future__ import annotations

import cmarkgfm  # type: ignore[import-untyped]
from cmarkgfm.cmark import Options  # type: ignore[import-untyped]


def render_html(text: str) -> str:
    """The HTML cmark-gfm makes of `text` with GitHub's extensions (tables, autolinks, tagfilter...).

    Raw HTML is passed through, as on GitHub before its sanitizer: the result is
    not safe to show as it is.
    """
    html: str = cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)
    return html
