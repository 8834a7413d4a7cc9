"""Review probes of a remembered `status`, memo kinds (`cache.memo_kind`), and the precomputed
field checks of `cachefiles.conforms`.

Each probe warms the cache (twice, with the clock moved on: `later`, so the second report is
taken by the files' signatures alone), changes something, and compares the cached answer
with one made with the cache off. The defects the review found (fixed) come first; the
probes that held follow.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import typing
from collections import abc
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from helpers import count_executions, invoke
from i18n_sync import record as records
from i18n_sync.errors import Diagnostic, I18nSyncError
from i18n_sync.gettext.stats import Counts
from i18n_sync.project import cachefiles, inspect
from i18n_sync.project.cache import CACHE_VARIABLE, memo_kind
from i18n_sync.project.cachefiles import _check_of, conforms, load_kept, opened, seal
from i18n_sync.project.combined import RunReport
from i18n_sync.project.config import load_config
from i18n_sync.project.pruning import STAMP
from i18n_sync.reports.status import InSync, StatusReport
from test_cache_pickles import RUN_FORMAT, memo_key
from test_scale import TR, make_docs
from test_status import commit, git, needs_git, project, write

__all__ = ["project"]  # the fixture, used by name

Outcome = tuple[int, str, str]


# The table of languages every project shares (`cachedir.recall_languages`), not a project's file.
LANGUAGES = "languages.cache"


def _status(root: Path, *args: str) -> Outcome:
    result = invoke(root, "status", "--format", "json", *args)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.stdout, result.stderr


def _truth(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Outcome:
    """The report made with the cache off: what every cached one must say."""
    with monkeypatch.context() as patched:
        patched.setenv(CACHE_VARIABLE, "off")
        return _status(root, *args)


def _warm(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[Outcome, list[str]]:
    """A report made, then remembered and recalled by the files' signatures alone."""
    first = _status(root, *args)
    done = count_executions(monkeypatch)
    assert _status(root, *args) == first
    assert _status(root, *args) == first
    assert done == []  # both recalled
    return first, done


def _memo_files(folder: Path, kind: str) -> tuple[Path, Path]:
    (record,) = [f for f in folder.glob(f"{kind}-*.cache") if "-plan-" not in f.name]
    (plan,) = folder.glob(f"{kind}-plan-*.cache")
    return record, plan


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- Defect ---------------------------------------------------------------------------------------

# The reference `conforms`: the generic code before its fast path (`_check_of`), with its one
# new rule (an int is a float's value) applied everywhere. `_check_of` must agree with it and
# with `conforms` itself.
_LARGEST = 2**63


def _reference(value: object, hint: Any) -> bool:  # noqa: C901  the generic one, whole
    if hint is typing.Any or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, __import__("types").UnionType):
        return any(_reference(value, member) for member in arguments)
    if origin is not None:
        if origin is typing.Literal:
            return value in arguments
        if origin is tuple:
            if not isinstance(value, tuple):
                return False
            if len(arguments) == 2 and arguments[1] is Ellipsis:
                return all(_reference(item, arguments[0]) for item in value)
            return len(value) == len(arguments) and all(
                _reference(item, kind) for item, kind in zip(value, arguments, strict=True)
            )
        if origin in cachefiles._COLLECTIONS:
            items = typing.cast("abc.Iterable[object]", value)
            return isinstance(value, cachefiles._COLLECTIONS[origin]) and all(
                _reference(item, arguments[0]) for item in items
            )
        if origin in (dict, abc.Mapping):
            return isinstance(value, dict) and all(
                _reference(key, arguments[0]) and _reference(item, arguments[1])
                for key, item in value.items()
            )
        return False
    if hint is float and type(value) is int:
        return -_LARGEST < value < _LARGEST
    if not isinstance(hint, type) or not isinstance(value, hint):
        return False
    if records.is_record(hint) or issubclass(hint, I18nSyncError):
        made = cachefiles._fields(I18nSyncError if isinstance(value, I18nSyncError) else type(value))
        missing = object()
        return made is not None and all(
            _reference(getattr(value, name, missing), kind) for name, kind in made
        )
    if isinstance(value, int):
        return -_LARGEST < value < _LARGEST
    return hint.__module__ == "builtins"


@pytest.mark.parametrize("hint", [tuple[float, ...], list[float], set[float]])
def test_a_collection_of_floats_takes_whole_numbers_as_a_float_does(hint: Any) -> None:
    """Was a defect (latent: no record holds such a field yet). `conforms(90, float)` and
    `conforms((90, 1), tuple[float, int])` were True, but `conforms((90,), tuple[float, ...])`
    False: `_all_conform` checked the items of a collection of a builtins class by `isinstance`
    alone, skipping the rule for floats, where the fast path (`_check_of`) took them."""
    value = {tuple: (90,), list: [90], set: {90}}[typing.get_origin(hint)]
    assert conforms(value, hint) is _check_of(hint)(value) is _reference(value, hint) is True


def test_a_catalogue_written_during_a_report_is_not_remembered_as_current(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was a defect (a race, then remembered). The report is keyed by the bytes it read, but
    `pending` was told by reading the catalogue again after the merge ("as it is now"). A sync
    in another terminal (status takes no lock) that wrote the catalogue in between made the
    report say "not pending", remembered under the key of the old bytes: when the file had
    those again (a branch switched back, a stash), every later report recalled "not pending".
    Now `pending` is told from the bytes the merge read (`FileChange.current`)."""
    catalogue = project / "locales/tr/docs/guide.po"
    original = catalogue.read_bytes()
    real = inspect.execute

    def execute(*args: Any, **options: Any) -> Any:
        state = real(*args, **options)
        for group in state.changes.values():
            for change in group:
                if change.path == "locales/tr/docs/guide.po":
                    catalogue.write_bytes(change.content)  # a concurrent `sync` finishing
        return state

    monkeypatch.setattr(inspect, "execute", execute)
    _status(project)  # says "not pending" (true of the file by then), and is remembered
    monkeypatch.setattr(inspect, "execute", real)
    catalogue.write_bytes(original)  # back to the bytes the report was made from
    truth = _truth(project, monkeypatch)
    assert json.loads(truth[1])["languages"][0]["documents"][1]["pending_update"] is True
    recalled = _status(project)
    assert json.loads(recalled[1])["languages"][0]["documents"][1]["pending_update"] is True
    assert recalled == truth


# --- What held: the status memo -------------------------------------------------------------------


def _unfuzzied(catalogue: Path, written: Path) -> None:
    """Write to `written` the catalogue with its fuzzy flag made a comment (the entry is now
    translated): the same size; then give it the catalogue's modification time."""
    seen = catalogue.stat()
    text = catalogue.read_text("utf-8")
    changed = text.replace("#, fuzzy\n", "#  fuzzy\n")
    assert len(changed.encode()) == len(text.encode()) and changed != text
    written.write_text(changed, "utf-8")
    os.utime(written, ns=(seen.st_atime_ns, seen.st_mtime_ns))


def test_a_catalogue_changed_with_its_size_and_time_kept_is_seen(
    project: Path, monkeypatch: pytest.MonkeyPatch, later: None
) -> None:
    before, done = _warm(project, monkeypatch)
    catalogue = project / "locales/tr/README.po"
    seen = catalogue.stat()
    _unfuzzied(catalogue, catalogue)
    assert catalogue.stat().st_size == seen.st_size and catalogue.stat().st_mtime_ns == seen.st_mtime_ns
    after = _status(project)
    assert done == ["status"]
    assert after == _truth(project, monkeypatch) and after != before


def test_a_catalogue_replaced_by_another_file_of_the_same_size_and_time_is_seen(
    project: Path, monkeypatch: pytest.MonkeyPatch, later: None
) -> None:
    before, _ = _warm(project, monkeypatch)
    catalogue = project / "locales/tr/README.po"
    _unfuzzied(catalogue, project / "other.tmp")
    os.replace(project / "other.tmp", catalogue)
    after = _status(project)
    assert after == _truth(project, monkeypatch) and after != before


@pytest.mark.parametrize(
    "change",
    [
        "catalogue added",
        "catalogue deleted",
        "source added",
        "source deleted",
        "source edited",
        "language renamed",
        "gate configured",
        "config reordered",
    ],
)
def test_a_remembered_report_follows_each_change(
    project: Path, monkeypatch: pytest.MonkeyPatch, later: None, change: str
) -> None:
    before, _ = _warm(project, monkeypatch)
    config = project / "i18n-sync.toml"
    if change == "catalogue added":
        write(
            project, "locales/zh_CN/docs/guide.po", (project / "locales/zh_CN/README.po").read_text("utf-8")
        )
    elif change == "catalogue deleted":
        (project / "locales/tr/docs/guide.po").unlink()
    elif change == "source added":
        write(project, "content/more.md", "# More\n\nAnother page.\n")
    elif change == "source deleted":
        (project / "content/docs/guide.md").unlink()
    elif change == "source edited":
        write(project, "content/docs/guide.md", "# Guide\n\nRead it once.\n")
    elif change == "language renamed":
        config.write_text(config.read_text("utf-8") + '\n[language_names]\ntr = "Turkish"\n', "utf-8")
    elif change == "gate configured":
        config.write_text("fail_under = 55\n" + config.read_text("utf-8"), "utf-8")
    else:
        config.write_text('languages = ["zh-CN", "tr"]\n', "utf-8")
    after = _status(project)
    assert after == _truth(project, monkeypatch)
    assert after != before


def test_a_compendium_changed_is_seen(project: Path, monkeypatch: pytest.MonkeyPatch, later: None) -> None:
    config = project / "i18n-sync.toml"
    config.write_text('compendia = ["memory/{locale}.po"]\n' + config.read_text("utf-8"), "utf-8")
    header = '\nmsgid ""\nmsgstr ""\n"Language: tr\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    write(project, "memory/tr.po", header + '\nmsgid "Other"\nmsgstr "Başka"\n')
    before, _ = _warm(project, monkeypatch)
    write(project, "memory/tr.po", header + '\nmsgid "Read it twice."\nmsgstr "İki kez okuyun."\n')
    after = _status(project)
    assert after == _truth(project, monkeypatch) and after != before
    (project / "memory/tr.po").unlink()  # the listing changes: a compendium gone
    gone = _status(project)
    assert gone == _truth(project, monkeypatch)


@pytest.mark.parametrize(
    "args",
    [("--fail-under", "90"), ("--fail-under", "90.0"), ("--lang", "tr"), ("--lang", "zh-CN"), ("--stale",)],
)
def test_each_option_gets_its_own_report(
    project: Path, monkeypatch: pytest.MonkeyPatch, later: None, args: tuple[str, ...]
) -> None:
    _warm(project, monkeypatch)
    for _ in range(3):  # made, recalled, recalled
        assert _status(project, *args) == _truth(project, monkeypatch, *args)
    assert _status(project) == _truth(project, monkeypatch)


def test_every_language_named_is_the_whole_report(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--lang tr --lang zh-CN`` shares the whole report's key (the same `needed`): it must
    be the same report, which it is."""
    whole = _truth(project, monkeypatch)
    assert _truth(project, monkeypatch, "--lang", "zh-CN", "--lang", "tr") == whole
    _status(project)
    assert _status(project, "--lang", "zh-CN", "--lang", "tr") == whole


@needs_git
def test_since_when_follows_git_not_the_memo(
    project: Path, monkeypatch: pytest.MonkeyPatch, later: None
) -> None:
    """Remembered without git, then a repository made, then its history rewritten: no file the
    report reads changes, and each answer is git's of the moment."""
    before, done = _warm(project, monkeypatch)
    assert '"since"' not in before[1]
    git(project, "init", "-q")
    commit(project, "first")
    made = _status(project)
    assert made == _truth(project, monkeypatch) and '"first"' in made[1]
    git(project, "commit", "-q", "--amend", "-m", "renamed")
    renamed = _status(project)
    assert renamed == _truth(project, monkeypatch) and '"renamed"' in renamed[1]
    shutil.rmtree(project / ".git")
    assert _status(project) == before
    assert done == ["status"] * 2  # the two reports with the cache off: each cached one remembered


def test_a_report_after_a_sync_that_wrote_is_the_new_one(
    project: Path, monkeypatch: pytest.MonkeyPatch, later: None
) -> None:
    _warm(project, monkeypatch)
    assert invoke(project, "sync").exit_code == 0
    assert _status(project) == _truth(project, monkeypatch)
    assert invoke(project, "sync", "--lang", "tr").exit_code == 0
    write(project, "content/README.md", "# Project Title\n\nNew text.\n")
    assert invoke(project, "sync", "--lang", "tr").exit_code == 0
    for args in ((), ("--lang", "tr"), ("--lang", "zh-CN")):
        assert _status(project, *args) == _truth(project, monkeypatch, *args)


def _kept_status(folder: Path) -> tuple[Path, Any]:
    memo, _ = _memo_files(folder, "status")
    payload = opened(memo.read_bytes(), RUN_FORMAT, memo_key(memo))
    assert payload is not None
    return memo, load_kept(payload)


def _wrong_keeps(kept: Any) -> dict[str, object]:
    report: StatusReport = kept.report
    language = report.languages[0]
    document = language.documents[0]

    def with_document(changed: object) -> Any:
        return replace(kept, report=replace(report, languages=(replace(language, documents=(changed,)),)))

    key = next(iter(kept.translated))
    return {
        "report alone": report,
        "list of languages": replace(kept, report=replace(report, languages=list(report.languages))),
        "translated as set": replace(kept, translated={key: set(kept.translated[key])}),
        "translated key as list": replace(kept, translated={tuple([*key, "x"]): frozenset()}),
        "translated of ints": replace(kept, translated={key: frozenset({1})}),
        "translated as tuple pairs": replace(kept, translated=tuple(kept.translated.items())),
        "count as text": with_document(replace(document, counts=Counts("1"))),  # type: ignore[arg-type]
        "gate as bool": replace(
            kept, report=replace(report, languages=(replace(language, fail_under=True),))
        ),
        "gate too large": replace(
            kept, report=replace(report, languages=(replace(language, fail_under=2**64),))
        ),
        "since planted": with_document(replace(document, since=InSync(5))),  # type: ignore[arg-type]
        "problems of text": replace(kept, report=replace(report, problems=("x",))),
        "pending as int": with_document(replace(document, pending=1)),
    }


def test_a_planted_or_damaged_status_memo_is_a_miss(
    project: Path, monkeypatch: pytest.MonkeyPatch, run_cache: Path, later: None
) -> None:
    truth = _truth(project, monkeypatch)
    _warm(project, monkeypatch)
    memo, kept = _kept_status(run_cache)
    _, plan = _memo_files(run_cache, "status")
    key = memo_key(memo)
    wrong = _wrong_keeps(kept)
    assert [name for name, value in wrong.items() if conforms(value, inspect._KeptStatus)] == []
    # Planted right, under the key: recalled (so each plant below is read, and refused).
    done = count_executions(monkeypatch)
    memo.write_bytes(seal(RUN_FORMAT, pickle.dumps(kept, pickle.HIGHEST_PROTOCOL), key))
    assert _status(project) == truth and done == []
    run_report = RunReport((), ())
    plants: dict[str, bytes] = {
        name: seal(RUN_FORMAT, pickle.dumps(value, pickle.HIGHEST_PROTOCOL), key)
        for name, value in wrong.items()
    }
    plants["run report"] = seal(RUN_FORMAT, pickle.dumps(run_report, pickle.HIGHEST_PROTOCOL), key)
    plants["truncated"] = memo.read_bytes()[:-7]
    plants["empty"] = b""
    plants["another header"] = memo.read_bytes().replace(RUN_FORMAT, b"i18n-sync run plan 3\n", 1)
    plants["not a pickle"] = seal(RUN_FORMAT, b"\x80\x05garbage", key)
    plants["a list"] = seal(RUN_FORMAT, pickle.dumps([1, 2]), key)
    plan_bytes = plan.read_bytes()
    for name, data in plants.items():
        memo.write_bytes(data)
        assert _status(project) == truth, name
    for name, data in {
        "plan truncated": plan_bytes[:-5],
        "plan empty": b"",
        "plan flipped": plan_bytes[:-1] + bytes([plan_bytes[-1] ^ 1]),
        "plan of a run": plan_bytes.replace(b"plan 3", b"cache 3", 1),
    }.items():
        plan.write_bytes(data)
        memo.write_bytes(plants["truncated"])
        assert _status(project) == truth, name
    assert _status(project) == truth


def test_a_status_record_in_a_runs_memo_is_a_miss(
    project: Path, monkeypatch: pytest.MonkeyPatch, run_cache: Path
) -> None:
    for _ in range(2):
        assert invoke(project, "sync").exit_code == 0
    _status(project)
    _, kept = _kept_status(run_cache)
    (memo,) = [f for f in run_cache.glob("run-*.cache")]
    memo.write_bytes(seal(RUN_FORMAT, pickle.dumps(kept, pickle.HIGHEST_PROTOCOL), memo_key(memo)))
    tree = _tree(project)
    result = invoke(project, "sync")
    assert result.exit_code == 0 and _tree(project) == tree
    assert "Traceback" not in result.output


# --- What held: conforms, fast and generic --------------------------------------------------------


class _Text(str):
    pass


class _Whole(int):
    pass


_VALUES: list[object] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    2**63 - 1,
    2**63,
    -(2**63),
    10**30,
    1.5,
    float("nan"),
    "",
    "x",
    _Text("s"),
    b"",
    b"x",
    _Whole(3),
    (),
    (1,),
    (True,),
    ("a",),
    ("a", 1),
    (None,),
    (1.5,),
    (2**70,),
    [1],
    ["a"],
    {1},
    frozenset({"a"}),
    {"a": 1},
    {("a", "b"): frozenset({"c"})},
    Diagnostic("p", None, "m"),
    I18nSyncError("x"),
    Counts(1, 0, 1),
    InSync(None),
]


def _hints() -> set[Any]:
    import i18n_sync.cli
    import i18n_sync.reports.review  # noqa: F401

    found: set[Any] = {
        str,
        bytes,
        bool,
        int,
        float,
        float | None,
        bool | None,
        int | None,
        tuple[int, ...],
        tuple[bool, ...],
        tuple[str, ...] | None,
        tuple[str, int],
        dict[str, int],
        frozenset[str],
        inspect._KeptStatus,
        StatusReport,
        RunReport,
    }
    for cls in list(records._RECORDS):
        for _, kind in cachefiles._fields(cls) or ():
            try:
                hash(kind)
            except TypeError:
                continue
            found.add(kind)
    return found


def test_the_fast_checks_agree_with_the_generic_conforms() -> None:
    differences = []
    for hint in _hints():
        check = _check_of(hint)
        for value in _VALUES:
            answers = (check(value), conforms(value, hint), _reference(value, hint))
            if len(set(answers)) != 1:
                differences.append((hint, value, answers))
    assert differences == []


def test_records_with_missing_or_mutated_slots_agree(project: Path, run_cache: Path) -> None:  # noqa: C901
    """A real remembered report, each field of each record in it set to each probe value or
    taken away (a pickle can leave a slot unset): the fast check, the generic one and the
    reference agree, and only the untouched record conforms."""
    _status(project)
    _, kept = _kept_status(run_cache)
    assert conforms(kept, inspect._KeptStatus) and _reference(kept, inspect._KeptStatus)
    found: list[object] = []

    def walk(value: object) -> None:
        if records.is_record(type(value)):
            found.append(value)
            for name, _ in cachefiles._fields(type(value)) or ():
                walk(getattr(value, name))
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)

    walk(kept)
    checked = 0
    for item in found:
        cls = type(item)
        for name, _ in cachefiles._fields(cls) or ():
            for value in [*_VALUES, "<missing>"]:
                changed = object.__new__(cls)
                for other, _ in cachefiles._fields(cls) or ():
                    if other != name:
                        object.__setattr__(changed, other, getattr(item, other))
                    elif value != "<missing>":
                        object.__setattr__(changed, other, value)
                answers = (
                    cachefiles._is_record_of(cls, changed),
                    conforms(changed, cls),
                    _reference(changed, cls),
                )
                assert len(set(answers)) == 1, (cls.__name__, name, value, answers)
                checked += 1
    assert checked > 500


# --- What held: memo kinds ------------------------------------------------------------------------


def test_memo_kinds_are_one_a_set_of_languages() -> None:
    assert memo_kind(()) == memo_kind([]) == "run"
    assert memo_kind(("de", "tr")) == memo_kind(["tr", "de"]) == memo_kind(("tr", "de", "tr"))
    kinds = {memo_kind(("de",)), memo_kind(("tr",)), memo_kind(("de", "tr"))}
    assert len(kinds) == 3 and all(kind.startswith("lang-") and len(kind) == 17 for kind in kinds)


def test_languages_in_either_order_share_a_memo(
    project: Path, monkeypatch: pytest.MonkeyPatch, run_cache: Path, later: None
) -> None:
    for _ in range(2):
        assert invoke(project, "sync", "--lang", "tr", "--lang", "zh-CN").exit_code == 0
    done = count_executions(monkeypatch)
    assert invoke(project, "sync", "--lang", "zh-CN", "--lang", "tr").exit_code == 0
    assert done == []
    kind = memo_kind(["tr", "zh-CN"])
    projects = [file for file in run_cache.iterdir() if file.name not in (STAMP, LANGUAGES)]
    names = {file.name.rsplit("-", 1)[0] for file in projects}
    assert names == {"jobs", kind, f"{kind}-plan"}


def test_a_narrowed_sync_after_whole_syncs_that_wrote_writes_what_no_cache_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, later: None
) -> None:
    """A narrowed memo now outlives whole runs: after a whole sync that changed Turkish
    files, and one that changed only others', ``sync --lang tr`` must still leave exactly
    the tree a sync without the cache leaves."""
    (tmp_path / "cached").mkdir()
    root = make_docs(tmp_path / "cached")
    for args in ((), ("--lang", "tr"), ("--lang", "tr"), ()):
        assert invoke(root, "sync", *args).exit_code == 0
    (root / "locales/tr/part/guide1.po").write_text(TR.format(number=1), "utf-8")
    (root / "docs/guide2.md").write_text("# Guide 2\n\nChanged text.\n", "utf-8")
    assert invoke(root, "sync").exit_code == 0
    for args in (("--lang", "tr"), ("--lang", "tr", "--check"), ("--check",)):
        result = invoke(root, "sync", *args)
        assert result.exit_code == 0, (args, result.output)
    with monkeypatch.context() as patched:
        patched.setenv(CACHE_VARIABLE, "off")
        tree = _tree(root)
        for args in (("--lang", "tr", "--check"), ("--check",)):
            assert invoke(root, "sync", *args).exit_code == 0, args
        assert _tree(root) == tree


@pytest.mark.parametrize("narrowed", [(), ("--lang", "tr")])
def test_a_sync_after_a_status_writes_what_a_sync_without_the_cache_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, narrowed: tuple[str, ...]
) -> None:
    """The report's merges go into the job cache a sync shares: the sync after it writes the
    same bytes as one with the cache off (from scratch, and after an edit)."""
    (tmp_path / "cached").mkdir()
    (tmp_path / "plain").mkdir()
    cached = make_docs(tmp_path / "cached")
    plain = make_docs(tmp_path / "plain")
    for step in range(2):
        assert invoke(cached, "status", *narrowed).exit_code in (0, 1)
        assert invoke(cached, "sync", *narrowed).exit_code == 0
        with monkeypatch.context() as patched:
            patched.setenv(CACHE_VARIABLE, "off")
            assert invoke(plain, "sync", *narrowed).exit_code == 0
        assert _tree(cached) == _tree(plain), step
        for root in (cached, plain):
            guide = root / "docs/guide4.md"
            guide.write_text(guide.read_text("utf-8") + "\nA new paragraph.\n", "utf-8")
            po = root / "locales/tr/part/guide3.po"
            if po.exists():
                po.write_text(po.read_text("utf-8").replace('msgstr ""\n\n', 'msgstr "X"\n\n', 1), "utf-8")


def test_a_status_between_syncs_keeps_each_memo(
    project: Path, monkeypatch: pytest.MonkeyPatch, run_cache: Path, later: None
) -> None:
    for _ in range(2):
        assert invoke(project, "sync").exit_code == 0
    _status(project)
    _status(project)
    done = count_executions(monkeypatch)
    assert invoke(project, "sync").exit_code == 0
    _status(project)
    assert invoke(project, "sync", "--lang", "tr").exit_code == 0
    assert invoke(project, "sync", "--lang", "tr").exit_code == 0
    _status(project)
    assert done == ["sync"]  # the first narrowed sync only
    projects = [file for file in run_cache.iterdir() if file.name not in (STAMP, LANGUAGES)]
    names = {file.name.rsplit("-", 1)[0] for file in projects}
    assert names == {
        "run",
        "plan",
        "jobs",
        "status",
        "status-plan",
        f"{memo_kind(['tr'])}",
        f"{memo_kind(['tr'])}-plan",
    }


def test_the_api_and_the_report_files_agree(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`api.status` with an int gate remembers a report whose gate is an int (a float field):
    read back, it conforms and is the same report."""
    from i18n_sync import api

    config = load_config(project)
    first = api.status(config, fail_under=50, history=False)
    again = api.status(config, fail_under=50, history=False)
    assert again == first and again.languages[0].fail_under == 50
    assert api.status(config, fail_under=50.0, history=False) == first


# --- What held: a random walk of syncs, narrowed syncs and reports, against the cache off -------

_COMMANDS: list[tuple[str, ...]] = [
    ("sync",),
    ("sync", "--lang", "tr"),
    ("sync", "--lang", "de", "--lang", "tr"),
    ("sync", "--lang", "tr", "--lang", "de"),
    ("update", "--lang", "tr"),
    ("sync", "--check"),
    ("sync", "--lang", "tr", "--check"),
    ("status", "--format", "json", "--stale"),
    ("status", "--format", "json", "--lang", "tr"),
    ("status", "--fail-under", "10"),
]


def _edit_both(roots: tuple[Path, Path], number: int) -> str:
    kind = number % 5
    for root in roots:
        if kind == 0:
            (root / "locales/tr/part/guide1.po").parent.mkdir(parents=True, exist_ok=True)
            (root / "locales/tr/part/guide1.po").write_text(TR.format(number=1), "utf-8")
        elif kind == 1:
            page = root / "docs/guide2.md"
            page.write_text(page.read_text("utf-8") + f"\nParagraph {number}.\n", "utf-8")
        elif kind == 2:
            po = root / "locales/zh_CN/guide0.po"
            if po.exists():
                po.write_text(po.read_text("utf-8").replace('msgstr ""\n\n', 'msgstr "指南"\n\n', 1), "utf-8")
        elif kind == 3:
            toml = root / "i18n-sync.toml"
            toml.write_text(toml.read_text("utf-8") + f"# {number}\n", "utf-8")
        else:
            page = root / f"docs/extra{number}.md"
            page.write_text(f"# Extra {number}\n\nMore words.\n", "utf-8")
    return ["tr catalogue", "source", "zh catalogue", "config", "new source"][kind]


@pytest.mark.parametrize("threshold", ["", "publish_threshold_by_language = { zh-CN = 30 }\n"])
def test_a_walk_of_commands_says_and_writes_what_the_cache_off_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, later: None, threshold: str
) -> None:
    import random

    roots = (tmp_path / "cached" / "p", tmp_path / "plain" / "p")
    for root in roots:
        root.mkdir(parents=True)
        make_docs(root, count=6)
        if threshold:
            toml = root / "i18n-sync.toml"
            toml.write_text(threshold + toml.read_text("utf-8"), "utf-8")
    chooser = random.Random(20260101)
    done = count_executions(monkeypatch)
    recalled = 0
    for step in range(70):
        if step % 5 == 4:
            _edit_both(roots, step)
        command = chooser.choice(_COMMANDS)
        for _ in range(chooser.choice((1, 2))):  # the same again, often: a memo's turn
            count = len(done)
            cached = invoke(roots[0], *command)
            recalled += len(done) == count
            with monkeypatch.context() as patched:
                patched.setenv(CACHE_VARIABLE, "off")
                plain = invoke(roots[1], *command)
            said = [
                (r.exit_code, r.stdout.replace(str(root), "ROOT"), r.stderr.replace(str(root), "ROOT"))
                for r, root in ((cached, roots[0]), (plain, roots[1]))
            ]
            assert said[0] == said[1], (step, command)
            assert _tree(roots[0]) == _tree(roots[1]), (step, command)
    assert recalled >= 20  # the memos answered often: the walk tested them


@pytest.mark.parametrize("synced", [False, True])
def test_another_day_gives_the_same_report(
    project: Path, monkeypatch: pytest.MonkeyPatch, later: None, synced: bool
) -> None:
    """SOURCE_DATE_EPOCH is not in the key: a report must not depend on it (a catalogue that
    is current stays so whatever the date; a pending one is pending either way)."""
    if synced:
        assert invoke(project, "sync").exit_code == 0
    _warm(project, monkeypatch)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1864000000")
    assert _status(project) == _truth(project, monkeypatch)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert _status(project) == _truth(project, monkeypatch)


def test_a_report_narrowed_to_some_languages_keeps_a_memo_of_its_own(
    project: Path, monkeypatch: pytest.MonkeyPatch, run_cache: Path, later: None
) -> None:
    """Was slow: every report had one memo, so ``status --lang tr`` (a CI job per language)
    replaced the whole report's, as ``sync --lang`` did a whole run's, and the whole report
    after it merged again. Each set of languages now keeps its own."""
    _warm(project, monkeypatch)
    done = count_executions(monkeypatch)
    for _ in range(2):
        _status(project, "--lang", "tr")
        _status(project)
    assert done == ["status"]  # the narrowed report, the first time
    assert len([f for f in run_cache.glob("status-*") if "-plan-" not in f.name]) == 2


def test_a_cache_inside_the_repository_is_refused_by_a_report_too(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = project / ".cache"
    monkeypatch.setenv(CACHE_VARIABLE, str(inside))
    truth = _truth(project, monkeypatch)
    assert _status(project) == truth and _status(project) == truth
    assert not inside.exists()
