"""A Markdown source as lines with their own line endings, so splicing keeps them."""

from __future__ import annotations

import re

from i18n_sync.errors import MarkdownError
from i18n_sync.record import record

_NEWLINE = re.compile(r"(\r\n|\r|\n)")
BOM = "\ufeff"


@record
class Document:
    """A source text split into line bodies and their endings (``""`` for none).

    A byte order mark, if the file had one, is kept aside in `bom` and given
    back by `text`; CRLF, CR and mixed endings come back exactly as they were.
    """

    path: str
    lines: tuple[str, ...]
    endings: tuple[str, ...]
    bom: str = ""

    @property
    def text(self) -> str:
        """The original text, byte for byte once encoded."""
        return self.bom + "".join(b + e for b, e in zip(self.lines, self.endings, strict=True))

    @property
    def parse_text(self) -> str:
        """The text as the parser sees it: line feeds only, no byte order mark."""
        return "".join(b + ("\n" if e else "") for b, e in zip(self.lines, self.endings, strict=True))

    @property
    def newline(self) -> str:
        """The line ending to use for new lines: the document's first one."""
        return next((e for e in self.endings if e), "\n")


def load_document(text: str, path: str) -> Document:
    """Split `text` into lines, refusing what the parser would change silently."""
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    nul = body.find("\0")
    if nul >= 0:
        line = body.count("\n", 0, nul) + 1
        raise MarkdownError("contains a NUL character, which Markdown replaces; remove it", path, line)
    pieces = _NEWLINE.split(body)  # body, ending, body, ending, ..., body
    lines, endings = pieces[0::2], [*pieces[1::2], ""]
    if len(lines) > 1 and not lines[-1]:
        lines.pop()  # the text ends with a line ending, not with an empty line
        endings.pop()
    return Document(path, tuple(lines), tuple(endings), bom)
