"""Review of "incremental runs read the files that changed" and "current changes are not checked
again before the writes": the defects it found (fixed since), and the properties that hold.

Most tests move the run's clock on (`later`), so that the files written a moment before
count as settled and the next run takes the remembered plan's digests (`cache.quick_memo`,
`signatures.refresh`) and reads the other files lazily (`snapshot.Snapshot`).
"""

from __future__ import annotations

import hashlib
import os
import struct
import threading
from pathlib import Path

import pytest

import test_snapshot
from helpers import invoke
from i18n_sync.errors import I18nSyncError
from i18n_sync.model import FileChange
from i18n_sync.project import cache as cache_module
from i18n_sync.project import snapshot as snapshot_module
from i18n_sync.project.cache import _PLAN, CACHE_VARIABLE
from i18n_sync.project.cachefiles import read_sealed, write_sealed
from i18n_sync.project.combined import RunReport
from i18n_sync.project.config import load_config
from i18n_sync.project.signatures import MISSING
from i18n_sync.project.snapshot import ChangedError, Snapshot
from i18n_sync.project.sync import run
from i18n_sync.project.writing import apply_changes
from test_scale import COMPACT, TR, make_docs
from test_snapshot import edit, settled, without_cache

reads = test_snapshot.reads  # the fixture: the files read for the key, and those asked for later


def digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def tree(root: Path) -> dict[str, bytes]:
    """Every regular file under `root` by relative path, with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink()
    }


def outcome(root: Path, environ: dict[str, str] | None = None) -> tuple[object, ...]:
    """What a run wants and says, compared between a run with the cache and one without: the
    changes that write something (a remembered run reports none of the current ones), its
    errors and its warnings; or the error that stopped it."""
    try:
        report: RunReport = run(load_config(root), environ={**os.environ, **(environ or {})})
    except I18nSyncError as error:
        return ("stopped", str(error))
    wanted = [(change.path, change.content) for change in report.changes if not change.current]
    return (wanted, [str(e) for e in report.errors], [str(d) for d in report.diagnostics])


def changed_meanwhile(monkeypatch: pytest.MonkeyPatch, action: object) -> None:
    """Do `action` just after the run looked at the files' signatures, before any job reads."""
    real = cache_module.refresh

    def refresh(*args: object, **kw: object) -> object:
        seen = real(*args, **kw)  # type: ignore[arg-type]
        action()  # type: ignore[operator]
        return seen

    monkeypatch.setattr(cache_module, "refresh", refresh)


# --- Defects ------------------------------------------------------------------------------------


def test_a_source_saved_during_a_run_stops_it_before_any_write(
    tmp_path: Path, later: None, run_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DEFECT (medium): `ChangedError` is an `I18nSyncError`, and `jobs.extract_source` takes
    every `I18nSyncError` for the source's own problem. A source an editor saves while the run
    works (after the look at its signature, before its extraction job reads it) is so dropped
    from the run, which goes on and writes the rest: in a compact layout, the shared template
    without that document's entries, and every catalogue merged with it. A run without the
    cache reads the new bytes, and loses nothing; ChangedError's own contract is that no job
    takes it for a problem of its file, and that the run stops."""
    root = make_docs(tmp_path, count=4)
    (root / "i18n-sync.toml").write_text(COMPACT, encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    assert invoke(root, "sync").exit_code == 0  # remembered: the plan is kept with its digests
    for jobs in run_cache.glob("jobs-*.cache"):
        jobs.unlink()  # the extractions are made again (an entry pruned, a torn job cache)
    edit(root, "docs/guide0.md")
    before = tree(root)
    source = root / "docs" / "part" / "guide3.md"
    changed_meanwhile(monkeypatch, lambda: edit(root, "docs/part/guide3.md", "\nSaved meanwhile.\n"))
    result = invoke(root, "sync")
    assert result.exit_code == 1
    assert "docs/part/guide3.md: changed while the run was reading the files" in result.output
    assert "Traceback" not in result.output
    after = tree(root)
    assert b'msgid "Guide 3"' in after["locales/messages.pot"], "the shared template lost a document"
    written = sorted(path for path in after if before.get(path) != after[path])
    assert written == ["docs/part/guide3.md"], f"the stopped run wrote {written}"
    assert source.read_text(encoding="utf-8").endswith("Saved meanwhile.\n")


def test_a_run_after_one_change_reads_no_other_source_to_look_for_switcher_markers(
    tmp_path: Path, later: None, reads: dict[str, list[str]]
) -> None:
    """DEFECT (low, speed): `names.may_show_switcher` asks the snapshot for every source's
    bytes until it finds a marker line (`Snapshot.get` reads it). In a tree whose sources
    have no marker (the common case its docstring names), a run after one change reads and
    hashes every source in this process, one `read_many` each, though the job cache answers
    every other extraction: what the snapshot was made to avoid."""
    root = make_docs(tmp_path)
    for source in root.glob("docs/**/*.md"):
        text = source.read_text(encoding="utf-8")
        source.write_text(text.replace("<!-- i18n-sync:languages -->\n\n", ""), encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    assert invoke(root, "sync").exit_code == 0  # the plan is kept with every file's digest
    reads["memo"].clear()
    reads["asked"].clear()
    edit(root, "docs/guide4.md")
    report = run(load_config(root))
    assert not report.errors
    assert reads["memo"] == ["docs/guide4.md"]
    sources = sorted(path for path in reads["asked"] if path.startswith("docs/"))
    assert sources == [], f"read for the switcher's marker alone: {sources}"


def test_a_lazy_read_does_not_go_through_a_folder_made_a_symlink_out_of_the_repository(
    tmp_path: Path,
) -> None:
    """DEFECT (low): a `Snapshot` keeps one `files.Folders` for the whole run (`_load`), though
    `Folders` is for one batch of reads: a folder is resolved once, at the first lazy read in
    it. A folder then replaced by a symlink that leads out of the repository is gone through
    by every later lazy read in it (O_NOFOLLOW guards the last part only): the file outside is
    opened, read and hashed, and handed to the job where it has the same bytes, instead of the
    run refusing it (`files.read_bytes`: a symlink out of the repository is never followed)."""
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_bytes(b"# A\n")
    (root / "docs" / "b.md").write_bytes(b"# B\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "b.md").write_bytes(b"# B\n")
    known = {"docs/a.md": digest(b"# A\n"), "docs/b.md": digest(b"# B\n")}
    files = Snapshot(root, known, {}, None, 8)
    assert files["docs/a.md"] == b"# A\n"  # the folder's place is found, and kept
    (root / "docs").rename(root / "moved")
    (root / "docs").symlink_to(outside, target_is_directory=True)
    with pytest.raises(I18nSyncError):
        files["docs/b.md"]  # a file outside the repository, read through the folder's old place


# --- Properties that hold -----------------------------------------------------------------------


EDITS = [
    ("a source edited", lambda root: edit(root, "docs/guide4.md")),
    (
        "a catalogue translated",
        lambda root: (root / "locales/tr/part/guide1.po").write_text(TR.format(number=1)),
    ),
    ("an output edited by hand", lambda root: edit(root, "site/de/guide2.md", "\nBy hand.\n")),
    ("an output deleted", lambda root: (root / "site/tr/guide6.md").unlink()),
    ("a catalogue deleted", lambda root: (root / "locales/de/guide8.po").unlink()),
    ("a template deleted", lambda root: (root / "locales/guide8.pot").unlink()),
    (
        "an output made a folder",
        lambda root: ((root / "site/tr/guide0.md").unlink(), (root / "site/tr/guide0.md").mkdir()),
    ),
    ("the folder gone again", lambda root: (root / "site/tr/guide0.md").rmdir()),
    (
        "an output made a symlink",
        lambda root: (
            (root / "site/tr/guide2.md").unlink(),
            (root / "site/tr/guide2.md").symlink_to("guide0.md"),
        ),
    ),
    ("the symlink gone again", lambda root: (root / "site/tr/guide2.md").unlink()),
    (
        "a catalogue made a FIFO",
        lambda root: ((root / "locales/tr/guide10.po").unlink(), os.mkfifo(root / "locales/tr/guide10.po")),
    ),
    ("the FIFO gone again", lambda root: (root / "locales/tr/guide10.po").unlink()),
    (
        "a source made a symlink in the repository",
        lambda root: (
            (root / "docs/guide6.md").rename(root / "docs/real6.txt"),
            (root / "docs/guide6.md").symlink_to("real6.txt"),
        ),
    ),
    (
        "the source put back",
        lambda root: (
            (root / "docs/guide6.md").unlink(),
            (root / "docs/real6.txt").rename(root / "docs/guide6.md"),
        ),
    ),
    ("every catalogue touched", lambda root: [os.utime(path) for path in root.rglob("*.po")]),
    ("an output made read-only", lambda root: os.chmod(root / "site/de/guide4.md", 0o444)),
    (
        "a source edited back",
        lambda root: (root / "docs/guide4.md").write_text(
            (root / "docs/guide4.md").read_text(encoding="utf-8").replace("\nA new paragraph.\n", ""),
            encoding="utf-8",
        ),
    ),
]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_holds_a_run_after_each_edit_wants_and_says_what_a_run_without_the_cache_does(
    tmp_path: Path, later: None, run_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edits of every kind, one after the other, each run taking the remembered plan (its
    digests, the files that changed read again): the same files wanted, errors and warnings
    as a run without the cache, and the same exit codes once written."""
    root = make_docs(tmp_path)
    assert invoke(root, "sync").exit_code == 0
    assert invoke(root, "sync").exit_code == 0
    real, refreshed = cache_module.refresh, []

    def refresh(*args: object, **kw: object) -> object:
        seen = real(*args, **kw)  # type: ignore[arg-type]
        refreshed.append(seen is not None)
        return seen

    monkeypatch.setattr(cache_module, "refresh", refresh)
    for name, change in EDITS:
        change(root)
        assert outcome(root) == outcome(root, {CACHE_VARIABLE: "off"}), name
        monkeypatch.setenv(CACHE_VARIABLE, "off")
        uncached = invoke(root, "sync", "--check").exit_code
        monkeypatch.setenv(CACHE_VARIABLE, str(run_cache))
        assert invoke(root, "sync", "--check").exit_code == uncached, name
        invoke(root, "sync", "--force")
        invoke(root, "sync")  # remembered where it can be: the next edit's run takes the plan
    assert sum(refreshed) >= len(EDITS) // 2  # the runs took the plan's digests, most of them


def test_holds_an_output_made_by_hand_is_refused_though_its_digest_is_taken_from_the_plan(
    tmp_path: Path, later: None, reads: dict[str, list[str]]
) -> None:
    """`judge_output`'s fast path takes only an output that holds the very rendering: a
    hand-made file (no header, not in the manifest) in an output's place is read and refused,
    as without the cache, and left as it is."""
    root = settled(tmp_path, reads)
    output = root / "site" / "tr" / "guide2.md"
    output.write_text("# Kılavuz 2\n\nElle yazıldı.\n", encoding="utf-8")
    edit(root, "docs/guide4.md")
    assert outcome(root) == outcome(root, {CACHE_VARIABLE: "off"})
    result = invoke(root, "sync")
    assert (
        result.exit_code == 1
        and "site/tr/guide2.md: exists and was not written by i18n-sync" in result.output
    )
    assert output.read_text(encoding="utf-8") == "# Kılavuz 2\n\nElle yazıldı.\n"


def test_holds_a_template_saved_during_a_run_stops_it_before_any_write(
    tmp_path: Path,
    later: None,
    reads: dict[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    run_cache: Path,
) -> None:
    """A template's lazy read lets `ChangedError` through (`build_template_file` catches
    `CatalogError` only): the run stops and writes nothing. (The job cache is emptied: it
    keeps each template its file holds, and the run would not read the file.)"""
    root = settled(tmp_path, reads)
    for jobs in run_cache.glob("jobs-*.cache"):
        jobs.unlink()
    edit(root, "docs/guide4.md")
    before = tree(root)
    template = root / "locales" / "guide6.pot"
    changed_meanwhile(monkeypatch, lambda: template.write_bytes(template.read_bytes() + b"\n"))
    result = invoke(root, "sync")
    assert result.exit_code == 1
    assert "locales/guide6.pot: changed while the run was reading the files" in result.output
    after = tree(root)
    assert sorted(path for path in after if before.get(path) != after[path]) == ["locales/guide6.pot"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_holds_a_lazy_read_refuses_a_symlink_a_fifo_a_folder_and_a_large_file_without_a_traceback(
    tmp_path: Path,
) -> None:
    """What stands in a file's place after its look is never followed, waited on, or read
    past the size cap: the read gives `ChangedError`, an `I18nSyncError` naming the file."""
    data = b"x" * 64
    names = ["link.md", "fifo.md", "folder.md", "large.md", "gone.md"]
    for name in names:
        (tmp_path / name).write_bytes(data)
    (tmp_path / "elsewhere.md").write_bytes(data)
    files = Snapshot(tmp_path, {name: digest(data) for name in names}, {}, 100, 0)
    (tmp_path / "link.md").unlink()
    (tmp_path / "link.md").symlink_to("elsewhere.md")  # the same bytes, through a symlink
    (tmp_path / "fifo.md").unlink()
    os.mkfifo(tmp_path / "fifo.md")
    (tmp_path / "folder.md").unlink()
    (tmp_path / "folder.md").mkdir()
    (tmp_path / "large.md").write_bytes(b"y" * 200)
    (tmp_path / "gone.md").unlink()
    for name in names:
        with pytest.raises(ChangedError) as raised:
            files[name]
        assert raised.value.path == name and "run the command again" in str(raised.value)


def test_holds_a_snapshot_is_counted_iterated_and_searched_without_reading_a_file(
    tmp_path: Path, reads: dict[str, list[str]]
) -> None:
    """Nothing but a lookup of a file's bytes reads it: not `len`, `in`, iteration, `keys`,
    truth, nor the job cache's look at its size and digests."""
    known = {f"docs/{n}.md": digest(b"x") for n in range(50)} | {"docs/gone.md": MISSING}
    files = Snapshot(tmp_path, known, {}, None, 50)  # no file is on the disk: a read would fail
    assert len(files) == 51 and bool(files) and "docs/3.md" in files and "docs/x.md" not in files
    assert sorted(files) == sorted(known) and set(files.keys()) == set(known)
    assert files.size == 50
    assert files.get("docs/gone.md") is None and files.get("docs/x.md") is None
    assert snapshot_module.present(files, "docs/3.md") and not snapshot_module.present(files, "docs/gone.md")
    assert reads["asked"] == []


def test_holds_threads_reading_one_snapshot_get_the_same_bytes(tmp_path: Path) -> None:
    contents = {f"f{n}.md": (b"%d\n" % n) * 100 for n in range(40)}
    for name, data in contents.items():
        (tmp_path / name).write_bytes(data)
    files = Snapshot(tmp_path, {name: digest(data) for name, data in contents.items()}, {}, None, 0)
    found: list[dict[str, bytes | None]] = []
    failures: list[BaseException] = []

    def read_all() -> None:
        try:
            found.append({name: files[name] for name in contents})
        except BaseException as failure:
            failures.append(failure)

    threads = [threading.Thread(target=read_all) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and len(found) == 8 and all(each == contents for each in found)


def test_holds_a_current_change_is_never_written_even_where_a_symlink_now_stands(tmp_path: Path) -> None:
    """`apply_changes` no longer checks the path of a `current` change, and writes nothing
    for one either (`_due`, `Staging` leave them out): nothing is written through a symlink
    put there since the plan's check. A change that writes is still checked."""
    target = tmp_path / "elsewhere.md"
    target.write_bytes(b"somebody's file\n")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "a.md").symlink_to(target)
    (tmp_path / "site" / "b.md").symlink_to(target)
    current = FileChange("site/a.md", b"rendered\n", "output", current=True)
    applied = apply_changes(tmp_path, [current])
    assert applied.written == () and applied.errors == () and applied.current == ("site/a.md",)
    assert target.read_bytes() == b"somebody's file\n" and (tmp_path / "site" / "a.md").is_symlink()
    with pytest.raises(I18nSyncError, match="is a symlink; refusing to write"):
        apply_changes(tmp_path, [current, FileChange("site/b.md", b"rendered\n", "output")])
    assert target.read_bytes() == b"somebody's file\n"


def _plan_file(run_cache: Path) -> Path:
    (plan,) = run_cache.glob("plan-*.cache")
    return plan


def _base_hex(root: Path) -> str:
    from i18n_sync.project.cache import _base
    from i18n_sync.project.sync import STEPS

    return _base(load_config(root), STEPS).hex()


def test_holds_a_plan_of_the_format_before_is_not_taken(
    tmp_path: Path, later: None, reads: dict[str, list[str]], run_cache: Path
) -> None:
    """A plan written by the version before (format 3: signatures, no digests) is another
    format: the run reads every file, and wants what a run without the cache wants."""
    root = settled(tmp_path, reads)
    plan = _plan_file(run_cache)
    key = _base_hex(root)
    payload = bytes(read_sealed(plan, _PLAN, 64 << 20, key) or b"")
    assert payload
    write_sealed(plan, b"i18n-sync run plan 3\n", payload, key)
    for record in run_cache.glob("run-*.cache"):
        record.unlink()
    edit(root, "docs/guide4.md")
    assert outcome(root) == outcome(root, {CACHE_VARIABLE: "off"})
    assert len(reads["memo"]) > 40  # read whole


def test_holds_a_plan_with_its_digests_cut_off_or_its_counts_wrong_gives_the_same_run(
    tmp_path: Path, later: None, reads: dict[str, list[str]], run_cache: Path
) -> None:
    """A plan of this format whose digests are missing, or whose counts do not fit what
    follows, sealed as the tool seals one: no traceback, and the run wants what a run without
    the cache wants."""
    root = settled(tmp_path, reads)
    plan = _plan_file(run_cache)
    key = _base_hex(root)
    good = bytes(read_sealed(plan, _PLAN, 64 << 20, key) or b"")
    listing = 32  # a SHA-256 (`inputs.listing_digest`)
    count, size = struct.unpack_from("<QQ", good, listing)
    assert count and size and size % count == 0  # kept with signatures, and so with digests
    start = listing + 16
    without_digests = good[: start + size] + good[start + size + 32 * count :]
    wrong_counts = [
        good[:listing] + struct.pack("<QQ", count, size - 1) + good[start:],
        good[:listing] + struct.pack("<QQ", count + 1, size) + good[start:],
        good[:listing] + struct.pack("<QQ", 2**63, 2**63) + good[start:],
        good[: start + size + 16],  # cut short in the digests
    ]
    edit(root, "docs/guide4.md")
    expected = outcome(root, {CACHE_VARIABLE: "off"})
    for payload in (without_digests, *wrong_counts):
        write_sealed(plan, _PLAN, payload, key)
        for record in run_cache.glob("run-*.cache"):
            record.unlink()
        assert outcome(root) == expected


def test_holds_a_run_remembered_after_a_lazy_run_is_the_state_on_the_disk(
    tmp_path: Path, later: None, reads: dict[str, list[str]], run_cache: Path
) -> None:
    """Edit, write, then edit back: each record the lazy runs keep answers only the state it
    was made from (its key names every file's digest), never a run over other bytes."""
    root = settled(tmp_path, reads)
    original = (root / "docs" / "guide4.md").read_bytes()
    edit(root, "docs/guide4.md")
    assert invoke(root, "sync").exit_code == 0
    assert invoke(root, "sync").exit_code == 0  # remembered with the edit
    (root / "docs" / "guide4.md").write_bytes(original)
    assert outcome(root) == outcome(root, {CACHE_VARIABLE: "off"})
    assert invoke(root, "sync").exit_code == 0
    assert invoke(root, "sync", "--check").exit_code == 0
    assert all((root / path).read_bytes() == content for path, content in without_cache(root))


def test_holds_a_report_after_each_edit_is_the_report_without_the_cache(
    tmp_path: Path, later: None, reads: dict[str, list[str]], run_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``status`` keeps a plan of its own, and takes its digests as a run does: after each
    edit it says what a report without the cache says, reading only the files that changed
    for its key."""
    root = settled(tmp_path, reads)
    assert invoke(root, "status", "--format", "json").exit_code == 0
    assert invoke(root, "status", "--format", "json").exit_code == 0  # its plan, with digests
    edits = {
        "docs/guide4.md": lambda: edit(root, "docs/guide4.md"),
        "locales/tr/part/guide1.po": lambda: (root / "locales/tr/part/guide1.po").write_text(
            TR.format(number=1)
        ),
        "locales/de/guide8.po": lambda: (root / "locales/de/guide8.po").unlink(),
    }
    for path, change in edits.items():
        change()
        reads["memo"].clear()
        cached = invoke(root, "status", "--format", "json")
        assert reads["memo"] == [path]
        monkeypatch.setenv(CACHE_VARIABLE, "off")
        uncached = invoke(root, "status", "--format", "json")
        monkeypatch.setenv(CACHE_VARIABLE, str(run_cache))
        assert (cached.exit_code, cached.output) == (uncached.exit_code, uncached.output), path
