"""`check` on the process pool: each document is a job, and the report is the same bytes on one
worker and on two, errors and all, with a catalogue per document or one per language."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from helpers import invoke
from i18n_sync.project import inspect
from test_scale import make_docs
from test_status import HEADER

# Braces doubled: each is formatted with its document's number.
HOSTILE = (
    HEADER.format(code="tr").replace("{", "{{").replace("}", "}}")
    + """
msgid "Guide {number}"
msgstr "Kılavuz {number}"

msgid "See [the next guide]({{1}})."
msgstr "[Sonraki kılavuza](javascript:alert({number})) bakın."

msgid "Text {number} that nobody translated."
msgstr "Kimsenin çevirmediği `metin` {number}."
"""
)


def hostile_docs(root: Path) -> Path:
    """Twelve documents in three languages, synced; Turkish translations with findings in four."""
    root.mkdir()
    make_docs(root)
    assert invoke(root, "sync").exit_code == 0
    for number in (1, 2, 3, 4):
        folder = "part/" if number % 2 else ""
        (root / f"locales/tr/{folder}guide{number}.po").write_text(HOSTILE.format(number=number), "utf-8")
    return root


def _project(root: Path) -> Path:
    """`hostile_docs`, with a malformed Turkish catalogue, a German one not made yet, and a
    source that is not UTF-8."""
    hostile_docs(root)
    (root / "locales/tr/guide6.po").write_text('msgid "unterminated\n', "utf-8")
    os.remove(root / "locales/de/part/guide7.po")
    (root / "docs/guide8.md").write_bytes(b"# Guide 8\n\n\xff\n")
    return root


def _check(root: Path, monkeypatch: pytest.MonkeyPatch, workers: str, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("I18N_SYNC_JOBS", workers)
    result = invoke(root, "check", *args)
    return result.exit_code, result.stdout, result.stderr


def _pids_of_jobs(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Each check job writes the id of the process it ran in to `log`."""
    real = inspect._check_document

    def check_document(*args: Any) -> Any:
        with open(log, "a", encoding="utf-8") as file:
            file.write(f"{os.getpid()}\n")
        return real(*args)

    monkeypatch.setattr(inspect, "_check_document", check_document)


def test_one_worker_and_two_report_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "project")
    log = tmp_path / "pids"
    _pids_of_jobs(monkeypatch, log)
    serial = _check(root, monkeypatch, "1", "--format", "json")
    assert set(log.read_text("utf-8").split()) == {str(os.getpid())}
    log.unlink()
    parallel = _check(root, monkeypatch, "2", "--format", "json")
    pids = log.read_text("utf-8").split()
    assert len(pids) == 12 and str(os.getpid()) not in pids  # every document on a worker
    assert parallel == serial
    assert serial[0] == 1
    data = json.loads(serial[1])
    assert [error.split(":")[0] for error in data["errors"]] == ["locales/tr/guide6.po", "docs/guide8.md"]
    assert "locales/de/part/guide7.po" not in data["summary"]["catalogs"]
    assert "locales/tr/guide6.po" not in data["summary"]["catalogs"]
    assert len(data["summary"]["catalogs"]) == 12 * 3 - 5  # less guide8's three, guide6's tr, de's guide7
    unsafe = [f["path"] for f in data["findings"] if f["check"] == "unsafe-url"]
    assert unsafe == [
        "locales/tr/guide2.po",
        "locales/tr/guide4.po",
        "locales/tr/part/guide1.po",
        "locales/tr/part/guide3.po",
    ]
    assert data["summary"]["entries"] == 4 * 3
    # The table, and a run narrowed to one language, are the same on both too.
    assert _check(root, monkeypatch, "2") == _check(root, monkeypatch, "1")
    assert _check(root, monkeypatch, "2", "--lang", "tr") == _check(root, monkeypatch, "1", "--lang", "tr")


def test_one_catalogue_per_language_is_read_once_and_reported_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one catalogue per language every document's job checks its entries of the same
    file: it is read once, before the jobs, and each finding is reported once."""
    root = _project(tmp_path / "project")
    (root / "docs/guide8.md").write_text("# Guide 8\n\nText 8 that nobody translated.\n", "utf-8")
    os.remove(root / "locales/tr/guide6.po")
    moved = invoke(root, "relayout", "--template", "locales/messages.pot", "--catalog", "locales/{locale}.po")
    assert moved.exit_code == 0, moved.output
    read: list[str] = []
    real = inspect._read_catalog

    def read_catalog(config: Any, path: str, folders: Any) -> Any:
        read.append(path)
        return real(config, path, folders)

    monkeypatch.setattr(inspect, "_read_catalog", read_catalog)
    serial = _check(root, monkeypatch, "1", "--format", "json")
    assert read == ["locales/tr.po", "locales/zh_CN.po", "locales/de.po"]
    assert _check(root, monkeypatch, "2", "--format", "json") == serial
    data = json.loads(serial[1])
    assert data["summary"]["catalogs"] == ["locales/tr.po", "locales/zh_CN.po", "locales/de.po"]
    # Each document's own entry, with its inline code, once (the link entry, translated four
    # ways, was made fuzzy by the relayout: not checked).
    code = [(f["path"], f["msgid"]) for f in data["findings"] if f["check"] == "inline-code"]
    assert sorted(code) == [
        ("locales/tr.po", f"Text {number} that nobody translated.") for number in (1, 2, 3, 4)
    ]
