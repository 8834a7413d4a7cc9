"""A run after one change reads the files that changed, and the others only when asked for.

The remembered plan keeps each file's digest beside its signature (`cache.quick_memo`,
`signatures.refresh`): a run whose listing is the same reads the files whose signatures
changed, takes the others' digests from the plan, and reads one of those only when a job
asks for it (`snapshot.Snapshot`), checking that it still has the digest the run's key was
made from. These tests move the run's clock on (`later`), so that the files written a
moment before count as settled.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync.errors import I18nSyncError
from i18n_sync.project import cache as cache_module
from i18n_sync.project import memory as memory_module
from i18n_sync.project import signatures
from i18n_sync.project import snapshot as snapshot_module
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.config import load_config
from i18n_sync.project.signatures import MISSING
from i18n_sync.project.snapshot import ChangedError, Snapshot, holds, present
from i18n_sync.project.sync import run
from test_job_cache import synced
from test_scale import report_bytes


def without_cache(root: Path) -> list[tuple[str, bytes]]:
    """What a run without the cache would want written (its environment read now: the date)."""
    return report_bytes(run(load_config(root), environ={**os.environ, CACHE_VARIABLE: "off"}))


def digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The files read for the run's key (`memo`: `signatures.read_many`) and those a job asked
    for later (`asked`: `snapshot.read_many`)."""
    seen: dict[str, list[str]] = {"memo": [], "asked": []}
    for module, name in ((signatures, "memo"), (snapshot_module, "asked")):
        real = module.read_many

        def read_many(
            root: Path, relatives: object, *args: object, real: object = real, name: str = name, **kw: object
        ) -> object:
            relatives = list(relatives)  # type: ignore[call-overload]
            seen[name].extend(relatives)
            return real(root, relatives, *args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(module, "read_many", read_many)
    return seen


def settled(tmp_path: Path, reads: dict[str, list[str]]) -> Path:
    """A synced docs tree whose plan is kept with every file's signature and digest."""
    root = synced(tmp_path)
    assert invoke(root, "sync").exit_code == 0  # reads every file, keeps the plan
    reads["memo"].clear()
    reads["asked"].clear()
    return root


def edit(root: Path, path: str, text: str = "\nA new paragraph.\n") -> None:
    with (root / path).open("a", encoding="utf-8") as file:
        file.write(text)


def test_a_run_after_one_change_reads_that_file_and_what_its_jobs_ask_for(
    tmp_path: Path, later: None, reads: dict[str, list[str]]
) -> None:
    root = settled(tmp_path, reads)
    edit(root, "docs/guide4.md")
    report = run(load_config(root))
    assert reads["memo"] == ["docs/guide4.md"]
    # The outputs of the other documents are rendered as they are: told by their digests, not read.
    outputs = {path for path in reads["asked"] if path.startswith("site/")}
    assert outputs <= {f"site/{tag}/guide4.md" for tag in ("tr", "de", "zh-CN")}
    assert not report.errors
    assert report_bytes(report) == without_cache(root)


def test_the_files_a_run_wrote_are_read_again_by_the_next_and_the_rest_are_not(
    tmp_path: Path, later: None, reads: dict[str, list[str]]
) -> None:
    root = settled(tmp_path, reads)
    edit(root, "docs/part/guide1.md")
    assert invoke(root, "sync").exit_code == 0
    written = {"locales/part/guide1.pot", "locales/tr/part/guide1.po", "site/tr/part/guide1.md"}
    assert all((root / path).is_file() for path in written)
    reads["memo"].clear()
    edit(root, "docs/guide6.md")
    assert invoke(root, "sync").exit_code == 0
    # The remembered plan is the one before both edits: the files the first edit's run wrote
    # have other signatures now, and are read; the others are not.
    assert "docs/guide6.md" in reads["memo"] and "docs/part/guide1.md" in reads["memo"]
    assert "locales/tr/guide0.po" not in reads["memo"] and "site/de/guide0.md" not in reads["memo"]
    assert invoke(root, "sync", "--check").exit_code == 0
    assert all((root / path).read_bytes() == content for path, content in without_cache(root))


def test_a_file_changed_after_its_look_stops_the_run_and_keeps_nothing_made_of_it(
    tmp_path: Path, later: None, reads: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch, run_cache: Path
) -> None:
    root = settled(tmp_path, reads)
    for jobs in run_cache.glob("jobs-*.cache"):
        jobs.unlink()  # every job runs again, and reads its files when it asks for them
    edit(root, "docs/guide4.md")
    catalogue = root / "locales" / "tr" / "guide0.po"
    before = catalogue.read_bytes()
    real = cache_module.refresh

    def refresh(*args: object, **kw: object) -> object:
        seen = real(*args, **kw)  # type: ignore[arg-type]
        # An editor saves the catalogue after the run looked at it, before a job reads it.
        catalogue.write_bytes(before.replace(b'msgstr ""\n\n', b'msgstr ""\n\n# a comment\n', 1))
        return seen

    monkeypatch.setattr(cache_module, "refresh", refresh)
    result = invoke(root, "sync")
    assert result.exit_code == 1
    assert "locales/tr/guide0.po" in result.output
    assert "changed while the run was reading the files; run the command again" in result.output
    assert "Traceback" not in result.output
    monkeypatch.setattr(cache_module, "refresh", real)
    # The next run takes the catalogue as it is now, and nothing the stopped run made.
    assert invoke(root, "sync").exit_code == 0
    assert all((root / path).read_bytes() == content for path, content in without_cache(root))
    assert b"# a comment" in catalogue.read_bytes()


def test_a_snapshot_reads_a_file_when_asked_and_checks_its_digest(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_bytes(b"# A\n")
    (tmp_path / "docs" / "b.md").write_bytes(b"# B\n")
    known = {"docs/a.md": digest(b"# A\n"), "docs/b.md": digest(b"# B, before\n"), "docs/gone.md": MISSING}
    files = Snapshot(tmp_path, known, {"docs/read.md": b"read"}, None, 12)
    assert files["docs/read.md"] == b"read"  # read already: as read
    assert files["docs/a.md"] == b"# A\n"
    assert files["docs/gone.md"] is None  # missing when looked at: missing for the whole run
    with pytest.raises(ChangedError) as raised:
        files["docs/b.md"]
    assert isinstance(raised.value, I18nSyncError) and raised.value.path == "docs/b.md"
    assert "run the command again" in str(raised.value)
    with pytest.raises(KeyError):
        files["docs/other.md"]
    assert "docs/a.md" in files and "docs/other.md" not in files
    assert sorted(files) == ["docs/a.md", "docs/b.md", "docs/gone.md"] and len(files) == 3
    assert files.size == 12


def test_a_snapshot_tells_whether_a_file_holds_bytes_without_reading_it(
    tmp_path: Path, reads: dict[str, list[str]]
) -> None:
    known = {"out.md": digest(b"rendered"), "new.md": MISSING}
    files = Snapshot(tmp_path, known, {}, None, 0)  # no file is on the disk: none may be read
    assert holds(files, "out.md", b"rendered") is True
    assert holds(files, "out.md", b"other") is False
    assert holds(files, "new.md", b"") is False
    assert holds(files, "elsewhere.md", b"x") is None
    assert present(files, "out.md") and not present(files, "new.md") and present(files, "elsewhere.md")
    assert reads["asked"] == []
    plain = {"a": b"x", "b": None}
    assert (
        holds(plain, "a", b"x") is True
        and holds(plain, "b", b"x") is False
        and holds(plain, "c", b"") is None
    )
    assert present(plain, "a") and not present(plain, "b") and present(plain, "c")


def test_a_catalogue_that_changed_meanwhile_makes_no_memory(tmp_path: Path) -> None:
    (tmp_path / "i18n-sync.toml").write_text('languages = ["tr"]\n', encoding="utf-8")
    (tmp_path / "x.po").write_bytes(b'msgid ""\nmsgstr ""\n')
    config = load_config(tmp_path)
    files = Snapshot(tmp_path, {"x.po": digest(b"before")}, {}, None, 0)
    with pytest.raises(ChangedError):
        memory_module.catalogue_suggestions(config, "x.po", seeds=files)


def test_a_plan_kept_without_signatures_is_read_whole_as_before(
    tmp_path: Path, reads: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Files written a moment before are not settled: the plan is kept without their signatures
    # and digests, and the next run reads every file (`quick_memo`), as it did before. (The
    # clock is put back, so that no file is settled however long the test takes.)
    monkeypatch.setattr(signatures, "_clock", lambda: 0)
    root = settled(tmp_path, reads)
    edit(root, "docs/guide4.md")
    report = run(load_config(root))
    assert len(reads["memo"]) > 40 and not report.errors
    assert report_bytes(report) == without_cache(root)


def test_a_run_whose_record_is_gone_takes_the_digests_from_the_plan(
    tmp_path: Path, later: None, reads: dict[str, list[str]], run_cache: Path
) -> None:
    # A run after one that wrote files, or whose record was pruned: every file as the plan
    # found it, and no record to answer. The run plans and runs its jobs (the job cache has
    # them), reading no file for its key.
    root = settled(tmp_path, reads)
    for record in run_cache.glob("run-*.cache"):
        record.unlink()
    report = run(load_config(root))
    assert reads["memo"] == []
    assert not any(path.startswith("site/") for path in reads["asked"])
    assert report.changes and all(change.current for change in report.changes) and not report.errors
    assert report_bytes(report) == without_cache(root)
    assert list(run_cache.glob("run-*.cache"))  # remembered again: the next run reads nothing
    reads["asked"].clear()
    assert run(load_config(root)).changes == () and reads == {"memo": [], "asked": []}


def test_a_run_after_one_change_reads_no_other_documents_template(
    tmp_path: Path, later: None, reads: dict[str, list[str]], run_cache: Path
) -> None:
    # The job cache keeps each template its file holds (`jobcache.template_file`), by the
    # file's digest and its documents': only the edited document's is built, and read, again.
    root = settled(tmp_path, reads)
    edit(root, "docs/guide4.md")
    report = run(load_config(root))
    assert sorted(path for path in reads["asked"] if path.endswith(".pot")) == ["locales/guide4.pot"]
    assert report_bytes(report) == without_cache(root)
    # Without the job cache, every template is read again to be built (in this process).
    for jobs in run_cache.glob("jobs-*.cache"):
        jobs.unlink()
    reads["asked"].clear()
    edit(root, "docs/guide4.md", "\nOne more.\n")
    assert report_bytes(run(load_config(root), workers=1)) == without_cache(root)
    assert len([path for path in reads["asked"] if path.endswith(".pot")]) == 12


def test_each_file_is_looked_at_once_after_a_change(
    tmp_path: Path, later: None, reads: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The look for the first changed file (`signatures.first_change`) and the look at the
    # rest (`signatures.refresh`) share the files: those before the change are not looked
    # at twice.
    root = settled(tmp_path, reads)
    catalogue = sorted((root / "locales").rglob("*.po"))[-1]
    catalogue.write_bytes(catalogue.read_bytes() + b"\n# A comment.\n")
    looked: list[object] = []
    real = signatures._signature_of
    monkeypatch.setattr(signatures, "_signature_of", lambda status: looked.append(status) or real(status))
    report = run(load_config(root))
    assert reads["memo"] == [catalogue.relative_to(root).as_posix()]
    files = sum(1 for path in root.rglob("*") if path.is_file() and "cache" not in path.parts)
    # Each file once; the changed one three times: found changed, looked at again by the
    # look at the rest, and read (its signature then). Looked at from the first file on,
    # the files before it would be looked at twice: some 60 more.
    assert len(looked) == files + 2
    assert report_bytes(report) == without_cache(root)
