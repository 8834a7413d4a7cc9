"""A small project for the review page's tests: Turkish half done, with one stale, one untranslated
and one hostile entry; Chinese not started. The catalogues are what ``sync`` and ``update`` wrote."""

from __future__ import annotations

import difflib
from pathlib import Path

from helpers import invoke

README = """# Sample Project

A small tool that keeps translated documents in sync.

## Install

Run the installer and read the [manual](https://example.com/manual) first.

## Usage

Start the server with one command.

- Fast to learn
- Easy to extend
"""

OLD = "A small tool that keeps translated documents in sync."
NEW = "A small, fast tool that keeps translated Markdown documents in sync."
UNTRANSLATED = "Start the server with one command."
HOSTILE_MSGID = "Easy to extend"
HOSTILE = "Genişletmesi <img src=x onerror=alert(1)> kolay"

TURKISH = {
    "Sample Project": "Örnek Proje",
    OLD: "Çevrilmiş belgeleri güncel tutan küçük bir araç.",
    "Install": "Kurulum",
    "Run the installer and read the [manual]({1}) first.": (
        "Kurucuyu çalıştırın ve önce [kılavuzu]({1}) okuyun."
    ),
    "Usage": "Kullanım",
    "Fast to learn": "Öğrenmesi hızlı",
    HOSTILE_MSGID: HOSTILE,
}

TR_PO = "locales/tr/README.po"


def make_project(root: Path) -> Path:
    """Write the project under `root` and bring its catalogues to the state above."""
    (root / "content").mkdir(parents=True)
    (root / "i18n-sync.toml").write_text('languages = ["tr", "zh-CN"]\n', encoding="utf-8")
    (root / "content/README.md").write_text(README, encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    po = root / TR_PO
    text = po.read_text(encoding="utf-8")
    for msgid, msgstr in TURKISH.items():
        escaped = msgstr.replace('"', '\\"')
        text = text.replace(f'msgid "{msgid}"\nmsgstr ""', f'msgid "{msgid}"\nmsgstr "{escaped}"')
    po.write_text(text, encoding="utf-8")
    (root / "content/README.md").write_text(README.replace(OLD, NEW), encoding="utf-8")
    result = invoke(root, "update")
    assert result.exit_code == 0, result.output
    return root


def changed_lines(before: str, after: str) -> list[str]:
    """The lines of a unified diff that were removed or added."""
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
