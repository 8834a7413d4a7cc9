"""Whole-process costs of a docs tree, as ratios against the bare parse of the same files.

The input is a docs tree (``--tree``, see `tree_files`): every English file
of ``nodebestpractices/sections`` in the shared corpus (the default), or every
CommonMark spec example as a file of its own. It is copied into a temporary
project; nothing in the checkout is touched. Each measurement is one whole
process, as a user would run it, and reports wall time and CPU time (user +
system of the child):

- floor: a process that imports markdown-it-py and parses every file once,
  configured as the tool's parser is (GFM, front matter);
- start-up: ``i18n-sync --version``;
- first sync with 2 and with 21 languages (no catalogues, no outputs, no
  cache of the project's; the latter taking turns with the floor), then a no-op sync of each
  (the median is a run the run memo answers), taking turns with start-up;
- the first sync after one that wrote files (the job cache answers), and a
  sync, then ``status``, after one paragraph was added to one document, in 21
  languages; then ``status --documents`` with the project made a git checkout
  (a report its memo answers, and the since-when section git answers);
- ``render --lang tr`` of a fully translated language (every msgstr filled),
  with no cache of the project's, taking turns with the floor. The cache's table
  of languages stays (``languages.cache``): every project on the machine shares
  it, and any earlier run of the same version leaves it;
- 16 times the files (the tree copied into 16 folders): CPU of a first
  sync with 2 languages against the same with one copy.

Every child runs with its bytecode written once, ahead of the measurements,
to a folder of the scratch space (``PYTHONPYCACHEPREFIX``): an installed
tool has it, as the floor's markdown-it-py has, while an environment with
``PYTHONDONTWRITEBYTECODE`` would make each of our processes compile the
package again (about 0.15 s, more than half the floor).

Every figure is printed as a ratio to the floor, or to start-up, measured in
the same run; the issue's targets are printed beside them. Run from the
repository root, in the environment where i18n-sync is installed::

    python benchmarks/bench_scale.py [--tree commonmark] [--corpus PATH] [--repeat 3] [--scratch /dev/shm]

``--scratch`` puts the projects on another file system: a first run writes
thousands of files, and creating a file costs far more on a disk (ext4,
with its journal) than in memory (tmpfs).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TREES = ("sections", "commonmark")
DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
TWO = ("tr", "zh-CN")
TWENTY_ONE = (
    *TWO,
    *("de", "fr", "es", "it", "pt-BR", "ru", "ja", "ko", "zh-TW", "pl", "nl", "sv", "cs", "uk"),
    *("ar", "he", "id", "vi", "eu"),
)
FLOOR = """
import sys
from pathlib import Path
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.gfm import gfm_plugin
parser = MarkdownIt("commonmark").use(gfm_plugin).use(front_matter_plugin)
for path in sorted(Path(sys.argv[1]).rglob("*.md")):
    parser.parse(path.read_text(encoding="utf-8"))
"""


@dataclass(frozen=True, slots=True)
class Cost:
    """One process: wall and CPU seconds (median over the repeats)."""

    wall: float
    cpu: float

    @property
    def parallelism(self) -> float:
        return self.cpu / self.wall if self.wall else 0.0


def measure(command: Sequence[str], cwd: Path, repeat: int, prepare: object = None) -> Cost:
    """Run `command` `repeat` times; the median wall and CPU time of the child."""
    return alternately([(command, cwd, prepare)], repeat)[0]


def alternately(runs: Sequence[tuple[Sequence[str], Path, object]], repeat: int) -> list[Cost]:
    """Each of `runs` (command, folder, prepare) `repeat` times, taking turns: a machine that is
    slower for a while slows each of them alike, and their ratio holds."""
    walls: list[list[float]] = [[] for _ in runs]
    cpus: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for index, (command, cwd, prepare) in enumerate(runs):
            if callable(prepare):
                prepare()
            before = children_clock()
            done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
            after = children_clock()
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
            walls[index].append(after[0] - before[0])
            cpus[index].append(after[1] - before[1])
    return [Cost(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus, strict=True)]


def _projects_cache(cache: Path) -> list[Path]:
    """The cache's files but the table of languages (`cache.recall_languages`), which every
    project shares and any earlier run of the same version on the machine leaves."""
    return [path for path in cache.glob("*") if path.name != "languages.cache"]


class Aside:
    """A folder where the files of the last run go before the next, moved and not deleted,
    until the scratch space goes at the end.

    On ext4 without a journal (as the development VM mounts its disk), the kernel makes
    each new file skip, one by one, the inodes freed in the last minutes
    (``recently_deleted`` in its inode allocator, seen with ``perf``): a first run right
    after the last one's 4,000 files were deleted paid for that deletion in system time,
    and took twice as long.
    """

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.folder, self.count = folder, 0

    def move(self, *paths: Path) -> None:
        for path in paths:
            if path.exists():
                path.rename(self.folder / str(self.count))
                self.count += 1


def _in_git(project: Path) -> bool:
    """Make `project` a git checkout of one commit (its files as they are); False without git."""
    git = shutil.which("git")
    if git is None:
        print("no git: the row of status in a git checkout is left out")
        return False
    who = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    for command in (["init", "-q"], ["add", "-A"], [*who, "commit", "-q", "-m", "the tree"]):
        subprocess.run([git, *command], cwd=project, check=True, stdout=subprocess.DEVNULL)
    return True


def _warmed(command: Sequence[str], cwd: Path, repeat: int) -> Cost:
    """`measure` of a command run once before, unmeasured: the figure of one its memo answers."""
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return measure(command, cwd, repeat)


def children_clock() -> tuple[float, float]:
    """The time now and the CPU time of the waited-for children so far, in seconds, to the
    microsecond where the system tells it (`resource.getrusage`): `os.times` counts both in
    clock ticks, 10 ms on Linux, which is 3% of a render of the CommonMark examples, 9% of
    the floor beside it, and moved a cpu/wall of 1.6 by 0.03 either way."""
    try:
        import resource
    except ImportError:  # Windows: clock ticks it is
        times = os.times()
        return time.perf_counter(), times.children_user + times.children_system
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), usage.ru_utime + usage.ru_stime


def compile_package(folder: Path) -> None:
    """Give the children the package's bytecode, in `folder`, as an installed tool has it."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(folder)
    import i18n_sync

    package = Path(i18n_sync.__file__).parent
    command = [sys.executable, "-m", "compileall", "-q", str(package)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def tree_files(corpus: Path, tree: str) -> list[tuple[str, bytes]]:
    """The English files of a corpus tree, each as (path under ``docs/``, bytes).

    ``sections``: every English file of ``nodebestpractices/sections`` (``x.md``,
    not the hand-made translation beside it, ``x.japanese.md``).
    ``commonmark``: each example of the CommonMark 0.31.2 spec as a file of its
    own, in a folder per section of the spec (``tabs/example-0001.md``): 652
    small documents, many without a word to translate, where the cost of each
    file written counts more than the cost of parsing.
    """
    if tree == "commonmark":
        spec = corpus / "commonmark" / "commonmark-0.31.2.json"
        if not spec.is_file():
            raise SystemExit(f"no corpus at {spec}; pass --corpus PATH")
        files = []
        for case in json.loads(spec.read_text(encoding="utf-8")):
            folder = re.sub(r"[^a-z0-9]+", "-", case["section"].lower()).strip("-")
            files.append((f"{folder}/example-{case['example']:04d}.md", case["markdown"].encode("utf-8")))
        return files
    sections = corpus / "nodebestpractices" / "sections"
    if not sections.is_dir():
        raise SystemExit(f"no corpus at {sections}; pass --corpus PATH")
    return [
        (path.relative_to(sections).as_posix(), path.read_bytes())
        for path in sorted(sections.rglob("*.md"))
        if path.name.count(".") == 1  # x.japanese.md: a hand-made translation, not a source
    ]


def make_project(
    root: Path, files: Sequence[tuple[str, bytes]], languages: Sequence[str], copies: int = 1
) -> Path:
    """A project whose English sources are `files` (`tree_files`), `copies` times."""
    if root.exists():
        shutil.rmtree(root)
    for copy in range(copies):
        base = root / "docs" / (f"copy{copy}" if copies > 1 else "")
        for name, data in files:
            target = base / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    tags = ", ".join(f'"{tag}"' for tag in languages)
    (root / "i18n-sync.toml").write_text(
        f"languages = [{tags}]\n"
        'sources = ["docs/**/*.md"]\n'
        'source_root = "docs"\n'
        'template = "locales/{path}.pot"\n'
        'catalog = "locales/{locale}/{path}.po"\n'
        'output = "site/{lang}/{path}.md"\n'
        'source_output = ""\n',
        encoding="utf-8",
    )
    return root


def fill_catalogues(folder: Path) -> int:
    """Translate every entry of every catalogue under `folder` with its own msgid."""
    from dataclasses import replace

    from i18n_sync.gettext.po import format_po, parse_po

    filled = 0
    for path in sorted(folder.rglob("*.po")):
        catalog = parse_po(path.read_text(encoding="utf-8"), str(path))
        messages = []
        for message in catalog.messages:
            if message.msgid and not message.obsolete:
                message = replace(message, msgstr=message.msgid).with_flag("fuzzy", False)
                filled += 1
            messages.append(message)
        text = format_po(replace(catalog, messages=tuple(messages)), 0, str(path))
        path.write_text(text, encoding="utf-8")
    return filled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tree", choices=TREES, default="sections", help="the docs tree (`tree_files`)")
    parser.add_argument(
        "--scratch", type=Path, default=None, help="where the projects go (default: the temporary folder)"
    )
    args = parser.parse_args()
    files = tree_files(args.corpus, args.tree)
    tool = [sys.executable, "-m", "i18n_sync"]
    with tempfile.TemporaryDirectory(dir=args.scratch) as scratch:
        work = Path(scratch)
        cache = work / "cache"
        os.environ["I18N_SYNC_CACHE_DIR"] = str(cache)  # the children's cache, emptied for cold runs
        compile_package(work / "bytecode")
        two = make_project(work / "two", files, TWO)
        many = make_project(work / "many", files, TWENTY_ONE)
        count = sum(1 for _ in (two / "docs").rglob("*.md"))
        size = sum(p.stat().st_size for p in (two / "docs").rglob("*.md"))
        print(f"input: {count} English files, {size / 1e6:.2f} MB, the {args.tree} tree of {args.corpus}")
        print(f"scratch: {work} ({_file_system(work)})")
        print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
        parse = [sys.executable, "-c", FLOOR, str(two / "docs")]
        # Short processes, and what they are compared with, take turns, five times at least.
        short = max(args.repeat, 5)
        floor, startup = alternately([(parse, work, None), ([*tool, "--version"], work, None)], short)

        aside = Aside(work / "aside")

        def wipe(project: Path) -> object:
            """A first run: no catalogues, no outputs, no cache of the project's."""
            return lambda: aside.move(project / "locales", project / "site", *_projects_cache(cache))

        def forget() -> None:
            """No cache of the project's: every job is run."""
            aside.move(*_projects_cache(cache))

        def run_memo_only() -> None:
            """The run memo forgotten, the job cache kept: the first run after a sync that wrote files."""
            for record in cache.glob("run-*"):
                record.unlink()

        edits = iter(range(10**6))

        def edit_one() -> None:
            """One paragraph added to one document: the common change."""
            source = next(iter(sorted((many / "docs").rglob("*.md"))))
            with source.open("a", encoding="utf-8") as file:
                file.write(f"\nOne more paragraph, number {next(edits)}.\n")

        first_two = measure([*tool, "sync"], two, args.repeat, wipe(two))
        version = ([*tool, "--version"], work, None)
        noop_two, startup_two = alternately([([*tool, "sync"], two, None), version], short)
        # Taking turns with the floor, as the render does: a floor measured minutes before (the
        # first row) was 0.11 s in one run and 0.17 s in the next, on the same machine.
        first_many, floor_first = alternately(
            [([*tool, "sync"], many, wipe(many)), (parse, work, None)], args.repeat
        )
        noop_many, startup_many = alternately([([*tool, "sync"], many, None), version], short)
        after_many = measure([*tool, "sync"], many, args.repeat, run_memo_only)
        edit_many = measure([*tool, "sync"], many, args.repeat, edit_one)
        status_many = measure([*tool, "status"], many, args.repeat, edit_one)
        history_many = _warmed([*tool, "status", "--documents"], many, args.repeat) if _in_git(many) else None
        filled = fill_catalogues(two / "locales" / "tr")
        render_one, floor_beside = alternately(
            [([*tool, "render", "--lang", "tr"], two, forget), (parse, work, None)], short
        )
        big = make_project(work / "big", files, TWO, copies=16)
        first_big = measure([*tool, "sync"], big, 1, wipe(big))
        first_one = measure([*tool, "sync"], two, 1, wipe(two))

    rows = [
        ("floor: bare parse of every file", floor, None),
        ("i18n-sync --version", startup, None),
        ("first sync, 2 languages", first_two, None),
        ("i18n-sync --version, taking turns with the no-op sync below", startup_two, None),
        ("no-op sync, 2 languages", noop_two, ("start-up", startup_two, 2.0)),
        ("floor, measured again taking turns with the first sync below", floor_first, None),
        ("first sync, 21 languages", first_many, ("floor", floor_first, 20.0)),
        ("i18n-sync --version, taking turns with the no-op sync below", startup_many, None),
        ("no-op sync, 21 languages", noop_many, ("start-up", startup_many, 2.0)),
        ("sync after a sync that wrote, 21 languages", after_many, ("start-up", startup, None)),
        ("sync after one document changed, 21 languages", edit_many, ("start-up", startup, None)),
        ("status after one document changed, 21 languages", status_many, ("start-up", startup, None)),
        ("floor, measured again taking turns with render", floor_beside, None),
        (
            f"render --lang tr, fully translated ({filled} entries), no cache of the project's",
            render_one,
            ("floor", floor_beside, 3.0),
        ),
    ]
    if history_many is not None:
        label = "status --documents in a git checkout, 21 languages"
        before_render = rows.index(("floor, measured again taking turns with render", floor_beside, None))
        rows.insert(before_render, (label, history_many, ("start-up", startup, None)))
    print(f"\n{'process':<66} {'wall s':>7} {'cpu s':>7} {'cpu/wall':>8}  ratio (target)")
    for label, cost, against in rows:
        ratio = ""
        if against is not None:
            name, base, target = against
            value = cost.wall / base.wall
            ratio = f"{value:5.1f}x {name} wall"
            if target is not None:
                ratio += f" (<= {target:g}x): {'OK' if value <= target else 'over'}"
        else:
            ratio = f"{cost.wall / floor.wall:5.1f}x floor wall"
        print(f"{label:<66} {cost.wall:7.2f} {cost.cpu:7.2f} {cost.parallelism:8.2f}  {ratio}")
    print(
        f"first sync, 21 languages: cpu/wall {first_many.parallelism:.2f} (target >= 1.6 on 2 cores): "
        f"{'OK' if first_many.parallelism >= 1.6 else 'under'}"
    )
    growth = first_big.cpu / first_one.cpu
    print(
        f"16 times the files: {growth:.1f} times the CPU (target <= 17): {'OK' if growth <= 17 else 'over'}"
    )


def _file_system(path: Path) -> str:
    """The type of the file system holding `path` (ext4, tmpfs, ...), from /proc/mounts where there is one."""
    try:
        mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return "unknown file system"
    real = str(path.resolve())
    best = max(
        (m for m in mounts if real == m[1] or real.startswith(m[1].rstrip("/") + "/")),
        key=lambda m: len(m[1]),
        default=None,
    )
    return best[2] if best else "unknown file system"


if __name__ == "__main__":
    main()
