"""Hostile review of the checks of I18N_SYNC_JOBS, SOURCE_DATE_EPOCH, the run cache's folder and
the cgroup CPU limit (commits 1288369, 531d0cc, f3e0177 and 61f57de).

The first part holds tests that fail on 61f57de because of a defect; the second part
holds tests that pass, as evidence of what was attacked and held.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from i18n_sync import api
from i18n_sync.cli import main
from i18n_sync.errors import UsageError
from i18n_sync.project import pool
from i18n_sync.project.cache import _FORMAT, CACHE_VARIABLE, RunMemo
from i18n_sync.project.pool import JOBS_VARIABLE, cgroup_cpus

SOURCE = "# Garden\n\nTools for a [small garden](https://example.org/garden).\n"
EPOCH = "SOURCE_DATE_EPOCH"


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="i18n-sync")


def project(folder: Path) -> Path:
    (folder / "content").mkdir(parents=True)
    (folder / "content" / "README.md").write_text(SOURCE, encoding="utf-8")
    (folder / "i18n-sync.toml").write_text('languages = ["de"]\n', encoding="utf-8")
    return folder


def cgroup_tree(root: Path, own: bytes, files: dict[str, bytes | None]) -> str:
    """A fake /proc/self/cgroup (bytes) and /sys/fs/cgroup files (None: a folder there)."""
    (root / "proc" / "self").mkdir(parents=True)
    (root / "proc" / "self" / "cgroup").write_bytes(own)
    for name, data in files.items():
        path = root / "sys" / "fs" / "cgroup" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is None:
            path.mkdir()
        else:
            path.write_bytes(data)
    return str(root)


def is_usage_error(result: Result, variable: str) -> bool:
    return (
        result.exit_code == 2
        and isinstance(result.exception, SystemExit)
        and f"Error: {variable}=" in result.stderr
    )


# =====================================================================================
# Part 1: DEFECTS. Each test fails on 61f57de.
# =====================================================================================


@pytest.mark.parametrize("variable", [JOBS_VARIABLE, EPOCH])
def test_a_value_of_thousands_of_digits_is_a_usage_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """int() refuses strings over 4300 digits (CPython's limit) with ValueError: the very
    traceback 1288369 says it removed ('too large an epoch ended in a traceback')."""
    root = project(tmp_path / "repo")
    monkeypatch.setenv(variable, "1" * 5000)
    result = cli("--root", str(root), "sync")
    assert is_usage_error(result, variable), repr(result.exception)


def test_init_refusing_a_malformed_variable_writes_no_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """init writes i18n-sync.toml, then its run refuses I18N_SYNC_JOBS (exit 2). Run again
    with the variable fixed, init says the file 'exists and has these languages' and makes
    no catalogue, and adopts no hand-made translation: the project is left half-initialised."""
    root = tmp_path / "repo"
    (root / "content").mkdir(parents=True)
    (root / "content" / "README.md").write_text(SOURCE, encoding="utf-8")
    monkeypatch.setenv(JOBS_VARIABLE, "abc")
    result = cli("--root", str(root), "init", "--lang", "de")
    assert is_usage_error(result, JOBS_VARIABLE)
    assert not (root / "i18n-sync.toml").exists(), "refused, yet the configuration was written"


def test_review_refuses_a_malformed_variable_before_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`review` starts, prints its address and exits 0; every page load then answers
    500 'Error: I18N_SYNC_JOBS=...' (review_report -> project_status -> execute)."""
    from i18n_sync.reports import server

    served: list[bool] = []
    monkeypatch.setattr(server.ReviewServer, "serve_forever", lambda self, *a, **k: served.append(True))
    root = project(tmp_path / "repo")
    assert cli("--root", str(root), "sync").exit_code == 0
    monkeypatch.setenv(JOBS_VARIABLE, "abc")
    result = cli("review", "--root", str(root), "--no-browser")
    assert is_usage_error(result, JOBS_VARIABLE), result.output
    assert not served


def _plant(folder: Path, project_root: Path, marker: Path) -> None:
    """A run record whose unpickling makes `marker`: what a pull request can commit. (Filed
    under no key a run computes, it is never unpickled now whatever the folder: `recalls`
    tells whether the run would have read a record there at all.)"""

    class Planted:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.mkdir, (str(marker),))

    payload = pickle.dumps(Planted())
    name = "run-" + hashlib.sha256(str(project_root.resolve()).encode()).hexdigest()[:24] + ".cache"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(_FORMAT + hashlib.sha256(payload).digest() + payload)


@pytest.fixture
def recalls(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The run records each run looked in (`RunMemo.recall`): none, where the folder is refused."""
    looked: list[Path] = []
    recall = RunMemo.recall

    def spied(self: RunMemo) -> object | None:
        looked.append(self.file)
        return recall(self)

    monkeypatch.setattr(RunMemo, "recall", spied)
    return looked


def test_a_record_committed_above_the_project_folder_is_never_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recalls: list[Path]
) -> None:
    """The project in a subfolder of the git checkout (the action's `root: docs`), the cache in
    the checkout (XDG_CACHE_HOME=$GITHUB_WORKSPACE/.cache). `_inside` compares with --root,
    not the repository: the record is trusted, without a warning, and unpickled (code
    execution by a pull request). The file name needs only the CI's path, which is public."""
    repo = tmp_path / "checkout"
    (repo / ".git").mkdir(parents=True)
    docs = project(repo / "docs")
    marker = tmp_path / "PLANTED-CODE-RAN"
    monkeypatch.delenv(CACHE_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(repo / ".cache"))
    _plant(repo / ".cache" / "i18n-sync", docs, marker)
    result = cli("--root", str(docs), "sync", "--check")
    assert not marker.exists(), "a record from the repository was unpickled"
    assert not recalls, "a run looked for a record in the repository"
    assert f"{CACHE_VARIABLE}: warning: the run cache is off" in result.stderr


def test_a_cache_folder_in_a_symlink_loop_is_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Path.resolve() raises RuntimeError('Symlink loop') (Python 3.11-3.12): `_inside`,
    now also called by `cache_warning`, ends the run in a traceback instead of going on
    without the cache (predates these commits; the promise 'goes on and warns' does not hold)."""
    root = project(tmp_path / "repo")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    monkeypatch.setenv(CACHE_VARIABLE, str(loop))
    result = cli("--root", str(root), "sync")
    assert result.exit_code == 0, repr(result.exception)


@pytest.mark.parametrize(
    ("own", "files"),
    [
        # A cgroup named with a non-UTF-8 byte (mkdir takes any byte): UnicodeDecodeError.
        (b"0::/ci-\xe9t\xe9\n", {"cpu.max": b"100000 100000\n"}),
        (b"\xff\xfe\x00\x00", {}),
        # A quota of 400 digits: int/int -> OverflowError, outside the try.
        (b"0::/\n", {"cpu.max": b"1" + b"0" * 400 + b" 100000\n"}),
    ],
    ids=["latin1-cgroup-name", "binary", "huge-quota"],
)
def test_cgroup_cpus_never_raises(tmp_path: Path, own: bytes, files: dict[str, bytes | None]) -> None:
    """worker_count runs in every sync, status, badge and relayout: a raise there is a
    traceback for each of them."""
    cpus = cgroup_cpus(cgroup_tree(tmp_path, own, files))
    assert cpus is None or cpus >= 1.0


def test_a_cgroup_path_deeper_than_any_real_one_is_not_walked(tmp_path: Path) -> None:
    """A cgroup path of 4 KiB (the kernel prints up to PATH_MAX) of 2000 levels built 2000
    paths of up to 4 KiB each and tried 4000 opens, about 1 s on every command: only the
    mounts' roots are looked at for it."""
    from i18n_sync.project.pool import _cgroup_folders

    root = cgroup_tree(tmp_path, b"1:cpu:/" + b"a/" * 2044 + b"\n", {})
    base = os.path.join(root, "sys/fs/cgroup")
    assert _cgroup_folders(root) == [base, os.path.join(base, "cpu,cpuacct"), os.path.join(base, "cpu")]


# =====================================================================================
# Part 2: HELD. Attacks that the reviewed code withstood (these pass on 61f57de).
# =====================================================================================


@pytest.mark.parametrize("variable", [JOBS_VARIABLE, EPOCH])
@pytest.mark.parametrize(
    "args",
    [
        ("sync", "--format", "json"),
        ("status",),
        ("status", "--format", "html"),
        ("badge", "--check"),
        ("relayout", "--template", "locales/m.pot", "--catalog", "locales/{locale}.po", "--check"),
    ],
)
def test_held_every_command_that_reads_a_variable_refuses_it_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, args: tuple[str, ...]
) -> None:
    root = project(tmp_path / "repo")
    assert cli("--root", str(root), "sync").exit_code == 0
    monkeypatch.setenv(variable, "\u00b2")
    result = cli("--root", str(root), *args)
    assert is_usage_error(result, variable), result.output
    assert result.stdout == ""  # as for every usage error: no JSON


def test_held_import_refuses_a_malformed_epoch_and_ignores_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path / "repo")
    hand = root / "hand.de.md"
    hand.write_text("# Garten\n\nWerkzeuge.\n", encoding="utf-8")
    monkeypatch.setenv(EPOCH, "2.5")
    assert is_usage_error(cli("--root", str(root), "import", "de", str(hand), "--check"), EPOCH)
    monkeypatch.delenv(EPOCH)
    monkeypatch.setenv(JOBS_VARIABLE, "abc")  # import runs no pool: not read
    assert cli("--root", str(root), "import", "de", str(hand), "--check").exit_code == 1


@pytest.mark.parametrize("variable", [JOBS_VARIABLE, EPOCH])
def test_held_the_api_raises_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    config = api.load_project(project(tmp_path / "repo"))
    monkeypatch.setenv(variable, "-1")
    for call in (lambda: api.sync(config, check=True), lambda: api.status(config, history=False)):
        with pytest.raises(UsageError, match=variable):
            call()


def _warned(result: Result) -> int:
    return result.stderr.count(f"{CACHE_VARIABLE}: warning: the run cache is off")


def test_a_cache_folder_spelt_another_way_by_the_file_system_is_still_inside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recalls: list[Path]
) -> None:
    """Where case is ignored (macOS, Windows), ``.../REPO/.cache`` is the repository's folder,
    which `Path.resolve` spells as given: the folders are compared by device and inode. The
    file system here keeps case, so it is made to answer as one that ignores it."""
    root = project(tmp_path / "repo")
    (root / ".cache").mkdir()
    marker = tmp_path / "PLANTED-CODE-RAN"
    _plant(root / ".cache", root, marker)
    real_stat = os.stat

    def ignoring_case(path: object, *args: object, **kwargs: object) -> os.stat_result:
        spelt = os.fspath(path)  # type: ignore[call-overload]
        return real_stat(spelt.replace(f"{os.sep}REPO", f"{os.sep}repo"), *args, **kwargs)

    monkeypatch.setattr(os, "stat", ignoring_case)
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "REPO" / ".cache"))
    result = cli("--root", str(root), "sync")
    assert result.exit_code == 0 and _warned(result) == 1, result.output
    assert not marker.exists() and not recalls


def test_a_cache_folder_reached_through_a_bind_mount_is_still_inside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recalls: list[Path]
) -> None:
    """The repository mounted a second time elsewhere (a container's volume): another path to
    the same folder. Needs the right to mount, which only some machines give a test."""
    import subprocess

    root = project(tmp_path / "repo")
    (root / ".cache").mkdir()
    alias = tmp_path / "mounted"
    alias.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(root), str(alias)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("this machine does not let a test bind-mount a folder")
    try:
        marker = tmp_path / "PLANTED-CODE-RAN"
        _plant(root / ".cache", root, marker)
        monkeypatch.setenv(CACHE_VARIABLE, str(alias / ".cache"))
        result = cli("--root", str(root), "sync")
        assert result.exit_code == 0 and _warned(result) == 1, result.output
        assert not marker.exists() and not recalls
    finally:
        subprocess.run(["umount", str(alias)], check=False)


def test_held_a_cache_symlink_outside_leading_into_the_repository_is_refused_and_warned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recalls: list[Path]
) -> None:
    root = project(tmp_path / "repo")
    (root / ".cache").mkdir()
    link = tmp_path / "outside-cache"
    link.symlink_to(root / ".cache")
    marker = tmp_path / "PLANTED-CODE-RAN"
    _plant(root / ".cache", root, marker)
    monkeypatch.setenv(CACHE_VARIABLE, str(link))
    for args in (("sync",), ("sync", "--check"), ("sync", "--lang", "de")):
        result = cli("--root", str(root), *args)
        assert result.exit_code == 0 and _warned(result) == 1, result.output
    assert not marker.exists() and not recalls


def test_held_the_repository_reached_through_a_symlink_and_a_cache_not_made_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = project(tmp_path / "real")
    via = tmp_path / "via"
    via.symlink_to(real)
    monkeypatch.setenv(CACHE_VARIABLE, str(real / "not" / "made" / "yet"))
    result = cli("--root", str(via), "sync")
    assert result.exit_code == 0 and _warned(result) == 1
    assert not (real / "not").exists()
    monkeypatch.chdir(real / "content")  # relative, resolved against the current folder
    monkeypatch.setenv(CACHE_VARIABLE, "../.cache")
    assert _warned(cli("--root", str(via), "sync")) == 1
    monkeypatch.chdir(tmp_path)  # relative, current folder outside the repository: used, silently
    monkeypatch.setenv(CACHE_VARIABLE, "elsewhere")
    result = cli("--root", str(via), "sync")
    assert _warned(result) == 0 and (tmp_path / "elsewhere").is_dir()


def test_held_the_warning_in_json_validates_and_quiet_hides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from test_cli_options import validator

    root = project(tmp_path / "repo")
    monkeypatch.setenv(CACHE_VARIABLE, str(root / ".cache"))
    for args in (("sync",), ("sync", "--check"), ("sync", "--lang", "de")):
        result = cli("--root", str(root), "--format", "json", *args)
        data = json.loads(result.stdout)
        assert not list(validator().iter_errors(data))
        assert [d["path"] for d in data["diagnostics"]].count(CACHE_VARIABLE) == 1
    assert cli("--root", str(root), "--quiet", "sync").stderr == ""


@pytest.mark.parametrize(
    ("own", "files", "cpus"),
    [
        (b"", {"cpu.max": b"200000 100000\n"}, 2.0),  # empty: the mount's root still counts
        (b"garbage\n\n0:/\n::\n", {"cpu.max": b" 50000\t 100000 \n"}, 0.5),
        (b"0::/a b/c\r\n", {"a b/c/cpu.max": b"100000 100000"}, 1.0),  # spaces, CRLF
        (b"0::/a\x00b\n", {"cpu.max": b"100000 100000"}, 1.0),  # NUL: open's ValueError caught
        (b"0::/../../../etc\n1:cpu:/../..\n", {}, None),
        (b"0::/\n", {"cpu.max": None}, None),  # a folder where the file should be
        (b"1:cpu:/\n", {"cpu/cpu.cfs_quota_us": b"5000", "cpu/cpu.cfs_period_us": None}, None),
        (b"0::/\n", {"cpu.max": b"1" * 5000 + b" 100000"}, None),  # over int's digit limit
        (b"0::/\n", {"cpu.max": "\u0663 1".encode()}, None),  # non-ASCII digit
        (
            b"1:cpu,cpuacct:/x\n0::/y\n",
            {
                "cpu,cpuacct/x/cpu.cfs_quota_us": b"150000",
                "cpu,cpuacct/x/cpu.cfs_period_us": b"100000",
                "y/cpu.max": b"max 100000",
            },
            1.5,
        ),  # hybrid
    ],
)
def test_held_odd_cgroup_trees(
    tmp_path: Path, own: bytes, files: dict[str, bytes | None], cpus: float | None
) -> None:
    assert cgroup_cpus(cgroup_tree(tmp_path, own, files)) == cpus


def test_held_cgroup_reads_stay_under_the_root_and_unreadable_files_are_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    root = cgroup_tree(tmp_path / "r", b"0::/../x/../../y\n4:cpu,cpuacct:/../../z\n", {})
    opened: list[str] = []
    real_open = builtins.open

    def spying(file: str, *args: object, **kwargs: object) -> object:
        opened.append(os.path.realpath(file))
        if file.endswith("cpu.max"):
            raise PermissionError(13, "denied", file)
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", spying)
    assert cgroup_cpus(root) is None
    allowed = (os.path.join(root, "sys/fs/cgroup"), os.path.join(root, "proc/self/cgroup"))
    assert opened and all(path.startswith(allowed) for path in opened)


def test_held_worker_count_is_never_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pool.worker_count({}) >= 1
    monkeypatch.setattr(pool, "cgroup_cpus", lambda: 1e-300)
    assert pool.worker_count({}) == 1
