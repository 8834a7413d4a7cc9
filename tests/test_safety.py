"""Safe on disk: killed runs, failing disks, concurrent runs, hostile names, inputs that would hang.

Faults are injected at the one place that writes files: `i18n_sync.project.files` sees
a stand-in for `os` that notices each step of writing a
temporary file (create, write, fsync, chmod, close, replace) and can fail it
or report it to a parent process that kills the writer at that point.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import i18n_sync.project.files as files
import i18n_sync.project.staging as staging
import i18n_sync.project.temps as temps
import i18n_sync.project.writing as writing
from helpers import invoke
from i18n_sync.markdown.parser import MAX_INLINE_LENGTH
from i18n_sync.model import FileChange
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.files import LOCK_FILE, TEMP_PREFIX, TEMP_SUFFIX, hold_lock
from i18n_sync.project.temps import remove_stale_temps
from i18n_sync.project.writing import apply_changes

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and POSIX signals")

EPOCH = "1767225600"


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def temps_in(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob(f"{TEMP_PREFIX}*") if p.name.endswith(TEMP_SUFFIX)
    )


def source_text(paragraphs: int, verb: str) -> str:
    """A synthetic English source: headings and paragraphs with links and code."""
    parts = ["# Handbook\n\n"]
    for i in range(paragraphs):
        parts.append(
            f"## Part {i}\n\nParagraph {i} {verb} step {i} of the setup, "
            f"with a [link](https://example.org/{i}) and `code {i}`.\n\n"
        )
    return "".join(parts)


def make_project(root: Path, paragraphs: int = 3) -> Path:
    """A synced project whose English has since changed, so `sync` wants to rewrite every file."""
    (root / "content").mkdir(parents=True)
    (root / "content" / "README.md").write_text(source_text(paragraphs, "explains"), encoding="utf-8")
    assert invoke(root, "init", "--lang", "tr", "--lang", "zh-CN").exit_code == 0
    assert invoke(root, "sync").exit_code == 0
    (root / "content" / "README.md").write_text(source_text(paragraphs, "shows"), encoding="utf-8")
    return root


def synced_copy(root: Path, where: Path) -> dict[str, bytes]:
    """What a clean, uninterrupted `sync` of the project gives."""
    shutil.copytree(root, where)
    result = invoke(where, "sync")
    assert result.exit_code == 0, result.output
    return snapshot(where)


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


# --- a stand-in for os inside i18n_sync.project.files ---------------------------------------------------


class ProbedOs:
    """`os`, except that each step on a temporary file calls `on_step(name)` first.

    `chunk` makes writes short (the writer must loop), so that a writer killed
    "during a write" is killed between two of its pieces. The run cache's own
    files (in ``I18N_SYNC_CACHE_DIR``, outside the project) are written the same
    way, but a failure there is only a slower next run: their steps are not counted.
    """

    def __init__(self, on_step: Callable[[str], None], chunk: int | None = None) -> None:
        self.on_step = on_step
        self.chunk = chunk
        self.cache = os.path.realpath(os.environ.get(CACHE_VARIABLE, os.devnull))
        self.temp_fds: set[int] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def _is_temp(self, path: Any) -> bool:
        if not Path(path).name.startswith(TEMP_PREFIX):
            return False
        return not Path(os.path.realpath(path)).is_relative_to(self.cache)

    def open(self, path: Any, flags: int, *args: Any) -> int:
        if self._is_temp(path) and flags & os.O_CREAT:
            self.on_step("create")
        handle = os.open(path, flags, *args)
        if self._is_temp(path):  # created, or reopened to be flushed
            self.temp_fds.add(handle)
        return handle

    def write(self, handle: int, data: Any) -> int:
        if handle not in self.temp_fds:
            return os.write(handle, data)
        self.on_step("write")
        return os.write(handle, data[: self.chunk] if self.chunk else data)

    def fsync(self, handle: int) -> None:
        if handle in self.temp_fds:
            self.on_step("fsync")
        os.fsync(handle)

    def close(self, handle: int) -> None:
        os.close(handle)
        if handle in self.temp_fds:
            self.temp_fds.discard(handle)
            self.on_step("close")  # a failing close (NFS) has closed the file all the same

    def chmod(self, path: Any, mode: int) -> None:
        if path in self.temp_fds if isinstance(path, int) else self._is_temp(path):
            self.on_step("chmod")
        os.chmod(path, mode)

    def replace(self, source: Any, target: Any) -> None:
        if self._is_temp(source):
            self.on_step("replace")
        os.replace(source, target)


# The file system edge: every module that opens, writes, flushes or renames a file.
EDGE = (files, temps, staging, writing)


def install(probe: ProbedOs) -> None:
    """Make the file system edge (`EDGE`) use the probe (in a child process, for good)."""
    for module in EDGE:
        module.os = probe  # type: ignore[assignment]


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[str], None]], ProbedOs]:
    def patch(on_step: Callable[[str], None]) -> ProbedOs:
        stand_in = ProbedOs(on_step)
        for module in EDGE:
            monkeypatch.setattr(module, "os", stand_in)
        return stand_in

    return patch


# --- fault injection: a writer killed at random points ------------------------------------------


def run_killed(work: Callable[[], None], kill_after: int, rng: random.Random) -> int:
    """Fork a child that runs `work` with a probe reporting each write step on a pipe; SIGKILL
    it once `kill_after` steps have been reported (plus a random fraction of a millisecond).

    Returns how many steps the child reported; a child that finished first counts all of them.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            os.close(read_end)
            install(ProbedOs(lambda step: os.write(write_end, step[0].encode()), chunk=64 * 1024))
            work()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(write_end)
    seen = 0
    while seen < kill_after:
        got = os.read(read_end, kill_after - seen)
        if not got:
            break  # the child finished (or failed) first
        seen += len(got)
    time.sleep(rng.uniform(0, 0.0005))
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    while got := os.read(read_end, 4096):
        seen += len(got)
    os.close(read_end)
    assert not os.WIFEXITED(status) or os.WEXITSTATUS(status) == 0, "the writer failed by itself"
    return seen


def big_files(flavour: str) -> dict[str, bytes]:
    """Two catalogues of about 1.2 MB and two READMEs of about 0.4 MB, in two versions."""
    entries = "".join(
        f'#: content/README.md:{i}\nmsgid "Paragraph {i} {flavour} step {i} of the setup."\n'
        f'msgstr "Paragraf {i}, kurulumun {i}. adımını {flavour}."\n\n'
        for i in range(9000 if flavour == "new" else 8500)
    )
    readme = "".join(f"Paragraph {i} {flavour} step {i}; " * 3 + "\n\n" for i in range(3000))
    return {
        "locales/tr/README.po": entries.encode(),
        "locales/zh_CN/README.po": entries.replace("Paragraf", "段落").encode(),
        "README.tr.md": readme.encode(),
        "README.zh-CN.md": readme.replace("Paragraph", "段落").encode(),
    }


def test_a_writer_killed_at_random_points_leaves_each_file_old_or_new(tmp_path: Path) -> None:
    old, new = big_files("old"), big_files("new")
    changes = [FileChange(path, content, "catalog") for path, content in new.items()]
    folders = {str(Path(path).parent) for path in new}
    rng = random.Random(9)

    def reset() -> None:
        for path, content in old.items():
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_bytes(content)

    reset()
    total = run_killed(lambda: apply_changes(tmp_path, changes), 10**9, rng)  # a full run: count steps
    assert snapshot(tmp_path) == new
    renames_from = total - len(new)  # the last steps are the renames
    seen_states: dict[str, int] = {"all old": 0, "all new": 0, "mixed": 0, "temp left": 0}
    trials = 120
    for trial in range(trials):
        reset()
        # Half the kills at any step, half among the renames, where old and new meet.
        point = rng.randint(1, total) if trial % 2 else rng.randint(renames_from, total)
        run_killed(lambda: apply_changes(tmp_path, changes), point, rng)
        after = {path: (tmp_path / path).read_bytes() for path in new}
        for path, content in after.items():
            assert content in (old[path], new[path]), f"trial {trial}: {path} is neither old nor new"
        leftovers = temps_in(tmp_path)
        seen_states["temp left"] += bool(leftovers)
        kind = "all old" if after == old else "all new" if after == new else "mixed"
        seen_states[kind] += 1
        assert sorted(remove_stale_temps(tmp_path, folders)) == leftovers
        assert temps_in(tmp_path) == []
    print(f"\n{trials} kills over {total} write steps: {seen_states}")


def test_a_sync_killed_while_writing_is_repaired_by_the_next_run(tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo", paragraphs=120)
    expected = synced_copy(root, tmp_path / "clean")
    before = snapshot(root)
    rng = random.Random(11)

    def sync() -> None:
        result = invoke(root, "sync")
        assert result.exit_code == 0, result.output

    def restore() -> None:
        for path, content in before.items():
            (root / path).write_bytes(content)

    total = run_killed(sync, 10**9, rng)
    assert snapshot(root) == expected
    for trial in range(12):
        restore()
        run_killed(sync, rng.randint(1, total), rng)
        now = snapshot(root)
        for path, content in now.items():
            if not files.is_own_file(Path(path).name):
                assert content in (before[path], expected[path]), f"trial {trial}: {path} is mixed"
        leftovers = temps_in(root)
        result = invoke(root, "sync")  # takes over the dead run's lock, removes its temporary files
        assert result.exit_code == 0, result.output
        for leftover in leftovers:
            assert f"removed {leftover}, a temporary file left by an interrupted run" in result.stderr
        assert snapshot(root) == expected


# --- injected disk errors -----------------------------------------------------------------------


class FailAt:
    """Fail the `nth` time `step` happens, with `code`."""

    def __init__(self, step: str, code: int, nth: int) -> None:
        self.step, self.code, self.nth, self.count = step, code, nth, 0

    def __call__(self, step: str) -> None:
        if step == self.step:
            self.count += 1
            if self.count == self.nth:
                raise OSError(self.code, os.strerror(self.code))


CASES = [
    ("create", errno.EACCES, 1),  # permission denied on the folder
    ("create", errno.EROFS, 2),  # read-only file system
    ("create", errno.ENOSPC, 1),  # no inodes left
    ("write", errno.ENOSPC, 1),
    ("write", errno.ENOSPC, 4),
    ("write", errno.EIO, 6),
    ("write", errno.EDQUOT, 3),
    ("fsync", errno.EIO, 1),
    ("fsync", errno.ENOSPC, 5),
    ("close", errno.EIO, 2),
    ("chmod", errno.EPERM, 1),
    ("replace", errno.EACCES, 1),
    ("replace", errno.EROFS, 1),
    ("replace", errno.EIO, 3),
]


@pytest.mark.parametrize(
    ("step", "code", "nth"), CASES, ids=[f"{s}-{errno.errorcode[c]}-{n}" for s, c, n in CASES]
)
def test_a_failing_write_step_changes_nothing_and_says_so(
    tmp_path: Path, probe: Callable[[Callable[[str], None]], ProbedOs], step: str, code: int, nth: int
) -> None:
    root = make_project(tmp_path / "repo")
    expected = synced_copy(root, tmp_path / "clean")
    pending = [
        line.removeprefix("would write ") for line in invoke(root, "sync", "--check").output.splitlines()
    ]
    pending = [p for p in pending if p in expected]
    assert len(pending) == 6  # template, English output, two catalogues, two outputs
    before = snapshot(root)
    fault = FailAt(step, code, nth)
    probe(fault)
    result = invoke(root, "sync")
    assert result.exit_code == 1
    message = f": cannot write: {os.strerror(code)}; the file is unchanged\n"
    if step == "fsync":
        # Every file is flushed at once, so the nth flush may be any file's, and the others
        # still run; none is renamed all the same.
        assert fault.count >= nth, "the fault was not reached"
        failed = result.stderr.removeprefix("Error: ").removesuffix(message)
        assert failed in pending and result.stderr == f"Error: {failed}{message}"
    else:
        assert fault.count == nth, "the fault was not reached"
        # The template and catalogues are written while the outputs are rendered
        # (staging.Staging), so theirs are the first files made; renames keep the run's order.
        outputs = [path for path in pending if path.endswith(".md")]
        made = [path for path in pending if path not in outputs] + outputs
        order = pending if step == "replace" else made
        assert result.stderr == f"Error: {order[nth - 1]}{message}"
    assert temps_in(root) == []
    assert not (root / LOCK_FILE).exists()
    after = snapshot(root)
    # Every temporary file is written before the first rename, so only a failing
    # rename can come after other files were replaced; the failing one never is.
    replaced = pending[: nth - 1] if step == "replace" else []
    for path, content in after.items():
        assert content == (expected[path] if path in replaced else before[path]), path
    assert after.keys() == before.keys()


def test_a_folder_that_cannot_be_created_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "repo")
    config = root / "i18n-sync.toml"
    config.write_text(config.read_text().replace('"zh-CN"]', '"zh-CN", "pt-BR"]'), encoding="utf-8")
    before = snapshot(root)
    real_mkdir = os.mkdir

    def mkdir(path: Any, *args: Any, **kwargs: Any) -> None:  # what Path.mkdir and os.makedirs call
        # No new folder in locales/: neither pt_BR nor the folder of the tool's own it would be
        # written whole in.
        if os.path.basename(os.path.dirname(path)) == "locales":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    result = invoke(root, "sync")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "Error: locales/pt_BR/README.po: cannot write: Permission denied; the file is unchanged\n"
    )
    assert snapshot(root) == before
    assert temps_in(root) == []


# --- two runs at once ---------------------------------------------------------------------------


def start_sync(root: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "i18n_sync", "sync", "--root", str(root)]
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out, err


def wrote(output: str) -> list[str]:
    return [line.removeprefix("wrote ") for line in output.splitlines() if line.startswith("wrote ")]


def test_two_syncs_started_together_run_one_after_the_other(tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo")
    expected = synced_copy(root, tmp_path / "clean")
    pending = [
        line.removeprefix("would write ") for line in invoke(root, "sync", "--check").output.splitlines()
    ]
    with hold_lock(root, 1):  # so that both are sure to find the lock taken
        first, second = start_sync(root), start_sync(root)
        for process in (first, second):
            assert process.stderr is not None
            line = process.stderr.readline()
            assert line == f"waiting for another i18n-sync run (pid {os.getpid()}) to finish\n"
    (out1, _), (out2, _) = finish(first), finish(second)
    # Whichever got the lock first did the work; the other found everything up to date.
    assert sorted([len(wrote(out1)), len(wrote(out2))]) == [0, 6]
    assert sorted(wrote(out1) + wrote(out2)) == sorted(p for p in pending if p in expected)
    assert snapshot(root) == expected


# Runs `i18n-sync ARGS`, but stops between computing and writing until told to go on:
# the window in which a second run, unlocked, would write first and then be overwritten.
PAUSING_SYNC = """
import sys
import i18n_sync.api as api
import i18n_sync.cli as cli
compute = api.run
def run_then_pause(*args, **kwargs):
    report = compute(*args, **kwargs)
    print("computed", file=sys.stderr, flush=True)
    sys.stdin.readline()
    return report
api.run = run_then_pause
cli.main(args=sys.argv[1:], prog_name="i18n-sync")
"""


def test_a_run_that_waited_is_not_overwritten_by_the_one_it_waited_for(tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo")
    assert invoke(root, "sync").exit_code == 0
    # A translation typed into the catalogue: the first run's job is to render it.
    catalog = root / "locales" / "tr" / "README.po"
    catalog.write_bytes(catalog.read_bytes().replace(b'"Handbook"\nmsgstr ""', b'"Handbook"\nmsgstr "Kitap"'))
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    first = subprocess.Popen(
        [sys.executable, "-c", PAUSING_SYNC, "sync", "--root", str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert first.stdin is not None and first.stderr is not None
    assert first.stderr.readline() == "computed\n"  # it has read the old English and holds the lock
    newer = source_text(3, "shows") + "A paragraph added while the first run works.\n"
    (root / "content" / "README.md").write_text(newer, encoding="utf-8")
    expected = synced_copy(root, tmp_path / "expected")
    second = start_sync(root)
    assert second.stderr is not None
    assert second.stderr.readline() == f"waiting for another i18n-sync run (pid {first.pid}) to finish\n"
    first.stdin.write("go\n")
    first.stdin.close()
    assert first.wait(timeout=120) == 0
    out2, _ = finish(second)
    assert "wrote locales/tr/README.po" in out2
    assert snapshot(root) == expected
    assert "A paragraph added while" in (root / "README.tr.md").read_text(encoding="utf-8")
    assert "Kitap" in (root / "README.tr.md").read_text(encoding="utf-8")


# --- hostile language codes and paths -----------------------------------------------------------

HOSTILE_LANGUAGES = [
    "..",
    "/etc/passwd",
    "tr/../../x",
    "tr\\..\\..\\x",
    "C:\\tr",
    "tr\x00",
    "tr\n",
    "tr\u202e",
    "ｔｒ",  # full-width letters
    "t" * 300,
    "CON",
    "nul",
    "com1",
    "tr:stream",
    "tr ",
    "",
]


def toml(value: str) -> str:
    return json.dumps(value)  # a JSON string is a TOML basic string


def whole_tree(path: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(path).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(path.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture(scope="module")
def synced_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("template") / "repo"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        make_project(root)
        assert invoke(root, "sync").exit_code == 0
    return root


@pytest.fixture
def repo(tmp_path: Path, synced_template: Path) -> Path:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "victim.md").write_text("a file outside the repository\n")
    shutil.copytree(synced_template, tmp_path / "repo")
    return tmp_path / "repo"


def set_key(root: Path, key: str, value: str) -> None:
    config = root / "i18n-sync.toml"
    text = re.sub(rf"^{key} = .*$", lambda _: f"{key} = {value}", config.read_text(), flags=re.MULTILINE)
    config.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("code", HOSTILE_LANGUAGES, ids=[repr(c)[:20] for c in HOSTILE_LANGUAGES])
def test_a_hostile_language_code_is_refused_before_any_file_is_touched(repo: Path, code: str) -> None:
    set_key(repo, "languages", f'["tr", {toml(code)}]')
    (repo / "content" / "README.md").write_text("# Changed\n", encoding="utf-8")
    before = whole_tree(repo.parent)
    result = invoke(repo, "sync")
    assert result.exit_code == 1
    assert re.fullmatch(
        r"Error: i18n-sync.toml:\d+: .* is not a language (code like 'tr', 'zh-CN' or 'pt-BR'|known to the "
        r"Unicode CLDR); fix 'languages'\n",
        result.stderr,
        re.DOTALL,
    ), result.stderr
    assert whole_tree(repo.parent) == before


@pytest.mark.parametrize("code", HOSTILE_LANGUAGES, ids=[repr(c)[:20] for c in HOSTILE_LANGUAGES])
def test_init_refuses_a_hostile_language_code(tmp_path: Path, code: str) -> None:
    result = invoke(tmp_path, "init", "--lang", code)
    assert result.exit_code == 2
    assert "Invalid value for '--lang'" in result.stderr
    assert list(tmp_path.iterdir()) == []


def _symlink(path: str, to: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        target = root / path
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
        target.symlink_to(root.parent / to)

    return setup


def _source(name: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        (root / "content" / name).write_text("# Other\n", encoding="utf-8")

    return setup


def _keys(**values: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        for key, value in values.items():
            set_key(root, key, toml(value) if not value.startswith("[") else value)

    return setup


def _both(first: Callable[[Path], None], second: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        first(root)
        second(root)

    return setup


HOSTILE_SETUPS: list[tuple[str, Callable[[Path], None], str]] = [
    ("output ..", _keys(output="../{path}.{lang}.md"), r"\.\./README\.tr\.md: leaves the repository"),
    ("output absolute", _keys(output="/tmp/{path}.{lang}.md"), r"/tmp/README\.tr\.md: is an absolute path"),
    ("catalog ..", _keys(catalog="locales/{locale}/../../../{path}.po"), r"leaves the repository"),
    ("template backslash", _keys(template="..\\{path}.pot"), r"contains '\\\\'"),
    ("output NUL", _keys(output="{path}.{lang}\x00.md"), r"contains a control character"),
    ("output newline", _keys(output="{path}\n.{lang}.md"), r"contains a control character"),
    ("output stream", _keys(output="{path}.{lang}.md:stream"), r"contains ':'"),
    ("output CON", _keys(output="CON/{path}.{lang}.md"), r"uses the device name 'CON'"),
    ("output full-width CON", _keys(output="ＣＯＮ/{path}.{lang}.md"), r"uses the device name 'CON'"),
    ("output full-width ..", _keys(output="．．/{path}.{lang}.md"), r"leaves the repository"),
    ("output 300 chars", _keys(output="{path}.{lang}." + "x" * 300 + ".md"), r"longer than 255 bytes"),
    ("output trailing dot", _keys(output="{path}.{lang}."), r"ends with a dot"),
    ("source_output ..", _keys(source_output="../{path}.md"), r"leaves the repository"),
    ("sources ..", _keys(sources='["../**/*.md"]'), r"must stay inside the repository"),
    ("sources absolute", _keys(sources='["/etc/*.md"]'), r"must stay inside the repository"),
    ("sources match nothing", _keys(sources='["docs/**/*.md"]'), r"no source file matches docs/\*\*/\*\.md"),
    (
        "a source is a file the tool writes",
        _keys(template="content/{path}.md"),
        r"the source content/README\.md is also a file the tool writes",
    ),
    ("source_root ..", _keys(source_root=".."), r"'source_root' must be a folder inside the repository"),
    ("source_root elsewhere", _keys(source_root="docs"), r"content/README\.md is not inside source_root"),
    (
        "symlinked output",
        _symlink("README.tr.md", "outside/victim.md"),
        r"README\.tr\.md: is a symlink; refusing",
    ),
    (
        "symlinked catalogue",
        _symlink("locales/tr/README.po", "outside/victim.md"),
        r"README\.po: is a symlink",
    ),
    ("symlinked folder", _symlink("locales/tr", "outside"), r"in a folder outside the repository"),
    (
        "source symlinked out of the repository",
        _symlink("content/README.md", "outside/victim.md"),
        r"content/README\.md: is a symlink .* to a file outside the repository",
    ),
    ("source CON.md", _source("CON.md"), r"uses the device name 'CON'"),
    ("source with colon", _source("a:b.md"), r"contains ':'"),
    ("source with newline", _source("a\nb.md"), r"contains a control character"),
    ("source name too long", _source("n" * 252 + ".md"), r"longer than 255 bytes"),
    ("sources differing by case", _source("readme.md"), r"differs from .* only by case"),
    (
        "two sources, one name",
        _both(_source("README"), _keys(sources='["content/*"]')),
        r"two documents would write locales/README\.pot",
    ),
]


@pytest.mark.parametrize(
    ("setup", "message"), [case[1:] for case in HOSTILE_SETUPS], ids=[case[0] for case in HOSTILE_SETUPS]
)
def test_a_hostile_path_is_refused_before_any_file_is_touched(
    repo: Path, setup: Callable[[Path], None], message: str
) -> None:
    setup(repo)
    (repo / "content" / "README.md").write_text("# Changed\n", encoding="utf-8")  # so there is work to do
    before = whole_tree(repo.parent)
    result = invoke(repo, "sync")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert re.search(message, result.stderr), result.stderr
    assert whole_tree(repo.parent) == before
    assert not (repo / LOCK_FILE).exists()


# --- inputs that would keep the parser busy -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Quadratic in markdown-it-py: 220 000 characters of it take seconds, 880 000 a minute.
        (
            "Intro.\n\n" + "a <![CDATA[" * 20_000 + "\n",
            r"README\.md:3: this block's text is 220,000 characters",
        ),
        ("Intro.\n\n" + "x" * (MAX_INLINE_LENGTH + 1) + "\n", r"README\.md:3: this block's text is 100,001"),
        ("> " * 5000 + "deep\n", r"README\.md:1: blocks are nested more than 20 levels deep"),
        ("- " * 5000 + "deep\n", r"README\.md:1: blocks are nested more than 20 levels deep"),
    ],
    ids=["unclosed CDATA", "one huge paragraph", "deep quotes", "deep lists"],
)
def test_input_that_would_keep_the_parser_busy_is_refused(repo: Path, text: str, message: str) -> None:
    (repo / "content" / "README.md").write_text(text, encoding="utf-8")
    before = whole_tree(repo)
    result = invoke(repo, "sync")
    assert result.exit_code == 1
    assert re.search("Error: content/" + message, result.stderr), result.stderr
    assert whole_tree(repo) == before


def test_the_longest_paragraph_allowed_still_parses(repo: Path) -> None:
    words = ("word " * (MAX_INLINE_LENGTH // 5))[: MAX_INLINE_LENGTH - 1] + ".\n"
    (repo / "content" / "README.md").write_text(words, encoding="utf-8")
    assert invoke(repo, "sync").exit_code == 0


def test_a_translation_too_long_to_parse_fails_its_language_only(repo: Path) -> None:
    catalog = repo / "locales" / "tr" / "README.po"
    text = catalog.read_text(encoding="utf-8")
    lines = text.split("\n")
    msgid = lines.index('msgid "Handbook"')
    line = max(i for i in range(msgid) if not lines[i]) + 2  # the entry starts after a blank line
    catalog.write_text(
        text.replace('"Handbook"\nmsgstr ""', '"Handbook"\nmsgstr "' + "a <![CDATA[" * 10_000 + '"')
    )
    (repo / "content" / "README.md").write_text(source_text(3, "tells"), encoding="utf-8")
    result = invoke(repo, "sync")
    assert result.exit_code == 1
    assert f"Error: locales/tr/README.po:{line}: this translation is 110,000 characters long" in result.stderr
    assert "wrote README.zh-CN.md" in result.output
    assert "wrote README.tr.md" not in result.output


def test_a_catalogue_over_the_size_cap_fails_its_language_only(repo: Path) -> None:
    set_key(repo, "max_file_size", "30000")
    catalog = repo / "locales" / "tr" / "README.po"
    catalog.write_bytes(catalog.read_bytes() + b"# padding\n" * 4000)
    (repo / "content" / "README.md").write_text(source_text(3, "tells"), encoding="utf-8")
    result = invoke(repo, "sync")
    assert result.exit_code == 1
    assert re.search(
        r"Error: locales/tr/README.po: is [\d,]+ bytes, more than max_file_size \(30,000\)", result.stderr
    )
    assert "wrote locales/zh_CN/README.po" in result.output
    assert "wrote locales/tr/README.po" not in result.output
