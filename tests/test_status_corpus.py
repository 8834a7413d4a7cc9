"""The real awesome-rlhf English history through `status --stale`.

For each pair of English revisions (A, B): a project at A, its Turkish
catalogue pseudo-translated in full (UPPERCASE), then the English replaced by
B. The stale list must name exactly the units whose English is not in A,
those the merge matched to an old translation as fuzzy, with that old English
and the new, and the others as untranslated; nothing of A's English that B
kept may be listed. The lines must be those `update` then writes, and git
must say the catalogue was last fully in sync with A, one commit ago.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from corpus import SKIP_REASON, available, english_revisions
from helpers import FIXED_DATE, entry_lines, uppercase
from i18n_sync.cli import main
from i18n_sync.gettext.catalog import build_template
from i18n_sync.gettext.merge import merge_catalog
from i18n_sync.gettext.po import format_po, parse_po
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units

pytestmark = [pytest.mark.corpus, pytest.mark.skipif(not available(), reason=SKIP_REASON)]

SOURCE = "content/README.md"
CATALOG = "locales/tr/README.po"


def _pairs() -> list[tuple[str, str]]:
    if not available():
        return []
    names = [sample.name for sample in english_revisions()]
    return [*itertools.pairwise(names), (names[0], names[-1])]


def text_of(name: str) -> str:
    return next(sample.text for sample in english_revisions() if sample.name == name)


def msgids_of(text: str) -> list[str]:
    """The distinct msgids of a revision, in document order."""
    units = extract_units(load_document(text, SOURCE)).units
    return list(dict.fromkeys(unit.msgid for unit in units))


def invoke(root: Path, *args: str) -> Result:
    result = CliRunner().invoke(main, [*args, "--root", str(root)])
    assert result.exit_code == 0, result.output
    return result


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    command = ["git", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(command, cwd=root, env=env, check=True, capture_output=True, text=True).stdout


def po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")


def translated_project(root: Path, old: str) -> None:
    """A project at revision `old` whose Turkish catalogue translates everything (UPPERCASE)."""
    (root / "content").mkdir(parents=True)
    (root / "i18n-sync.toml").write_text('languages = ["tr"]\n', "utf-8")
    (root / SOURCE).write_bytes(old.encode("utf-8"))
    invoke(root, "update")
    catalog = parse_po((root / CATALOG).read_text("utf-8"), CATALOG)
    messages = tuple(replace(m, msgstr=uppercase(m.msgid)) for m in catalog.messages)
    (root / CATALOG).write_bytes(format_po(replace(catalog, messages=messages)).encode("utf-8"))


@pytest.mark.parametrize(("old_name", "new_name"), _pairs(), ids=lambda name: name.split(".")[1])
def test_the_stale_list_names_exactly_the_units_whose_english_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old_name: str, new_name: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    old, new = text_of(old_name), text_of(new_name)
    root = tmp_path / "project"
    translated_project(root, old)
    has_git = shutil.which("git") is not None
    if has_git:
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "A")
    (root / SOURCE).write_bytes(new.encode("utf-8"))
    if has_git:
        git(root, "commit", "-q", "-am", "B")

    # Expected, independently: B's English that A did not have, split by the merge's fuzzy matches.
    kept = set(msgids_of(old))
    changed = [msgid for msgid in msgids_of(new) if msgid not in kept]
    translated = parse_po((root / CATALOG).read_text("utf-8"), CATALOG)
    template = build_template(extract_units(load_document(new, SOURCE)).units, SOURCE, "t", None, FIXED_DATE)
    merged = {m.msgid: m for m in merge_catalog(translated, template)[0].active}
    expected = [
        ("fuzzy", msgid, merged[msgid].previous_msgid)
        if merged[msgid].is_fuzzy
        else ("untranslated", msgid, None)
        for msgid in changed
    ]

    data: dict[str, Any] = json.loads(invoke(root, "status", "--stale", "--format", "json").stdout)
    (document,) = data["languages"][0]["documents"]
    stale = document["stale"]
    assert [(u["state"], u["msgid"], u["previous_msgid"]) for u in stale] == expected
    for unit in stale:
        if unit["state"] == "fuzzy":
            # The old English is A's, and it is what the kept translation was made from.
            assert unit["previous_msgid"] in kept
            assert merged[unit["msgid"]].msgstr == uppercase(unit["previous_msgid"])
            diff = unit["diff"]
            assert "".join(p["text"] for p in diff if p["op"] != "insert") == unit["previous_msgid"]
            assert "".join(p["text"] for p in diff if p["op"] != "delete") == unit["msgid"]
    counts = document["counts"]
    assert counts["fuzzy"]["units"] + counts["untranslated"]["units"] == len(changed)
    assert counts["translated"]["units"] == len(msgids_of(new)) - len(changed)
    if (old_name, new_name) == _pairs()[-1]:
        assert any(u["state"] == "fuzzy" for u in stale)  # the replay really exercises fuzzy entries

    # The lines are those of the file `update` writes.
    invoke(root, "update")
    lines = entry_lines((root / CATALOG).read_text("utf-8"))
    assert [u["line"] for u in stale] == [lines[po_escape(u["msgid"])] for u in stale]

    if has_git:
        since = document["since"]
        assert (since["subject"], since["commits_since"], since["capped"]) == ("A", 1, False)
