"""Two versions of i18n-sync taking turns at a run: which is faster, and where the time goes.

This machine's speed moves from one minute to the next, by more than most
changes are worth: two single runs a minute apart say little. Here each round
runs the same command with each version in turn, the order reversed from one
round to the next; a slow spell slows both. Each version is a ``src`` folder (a
checkout, or a worktree of an older commit: ``git worktree add /tmp/old HEAD~3``)::

    python benchmarks/bench_turns.py /tmp/old/src src [--run first-sync] [--rounds 9] [--scratch /dev/shm]

``--run`` picks the command, on the corpus tree (`bench_scale`'s projects):

- ``first-sync`` (the default): a first sync in 21 languages (no catalogues, no
  outputs, an empty cache), on a fresh copy of the project each time;
- ``no-op``: a sync in 21 languages with nothing to do (the run memo answers); each
  version has its own copy of the project and its own cache, synced once before;
- ``render``: ``render --lang tr`` of a fully translated language in a project of two
  languages, with no cache; each version has its own copy, synced and filled once.

For each version it prints the medians of wall time, CPU time (user + system,
the workers' included) and their ratio, and where the process's own time went:

- imports: until the run's modules are imported (after the interpreter's start);
- before the pools: the command line, configuration, lock, plan and run memo;
- gaps: between one pool of workers and the next (templates, combining, planning);
- pools: the pools of workers, from the first job handed out to the last result;
- tail and writes: from the last result to the writes, and `apply_changes`;
- exit: the interpreter's start and end, and printing the report.

A run without pools (``no-op``) counts its time from the imports to the end under
"before the pools". All but the pools are time the run spends on one core: they
decide how far CPU/wall can rise. The timestamps come from wrapping `pool.map_jobs` (as `jobcache` and,
where a version has it, `merging` call it) and `apply_changes` in the measured
process (`_MEASURED`), so the versions compared must both have them. A first sync
runs two pools where a version extracts and merges in document jobs, three before.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_scale import (
    DEFAULT_CORPUS,
    TREES,
    TWENTY_ONE,
    TWO,
    Aside,
    children_clock,
    fill_catalogues,
    make_project,
    tree_files,
)

# Run in the measured process: time the stages, then run the command line as its script
# does. The module's own code is a launcher as `cli.script` tells one (no try, nothing but
# modules and functions at the top), so that a version with `program` ends as it would.
_MEASURED = """
import atexit, json, sys, time
def measure():
    start = time.perf_counter()
    marks = {}
    def mark(name):
        marks.setdefault(name, time.perf_counter() - start)
    import i18n_sync.api as api
    import i18n_sync.project.jobcache as jobcache
    import i18n_sync.project.writing as writing
    mark("imported")
    pools = [0]
    map_jobs = jobcache.map_jobs
    def timed_map(function, items, workers, *args, **kwargs):
        if items:
            pools[0] += 1
            mark(f"pool{pools[0]} start")
        results = map_jobs(function, items, workers, *args, **kwargs)
        if items:
            mark(f"pool{pools[0]} end")
        return results
    jobcache.map_jobs = timed_map
    try:  # the first two stages in one pool of document jobs, where a version has them
        import i18n_sync.project.merging as merging
        merging.map_jobs = timed_map
    except ImportError:
        pass
    apply_changes = api.apply_changes
    def timed_apply(*args, **kwargs):
        mark("apply start")
        applied = apply_changes(*args, **kwargs)
        mark("apply end")
        return applied
    api.apply_changes = writing.apply_changes = timed_apply
    def report():  # at exit: a version with `program` ends the process without returning
        mark("done")
        print("MARKS " + json.dumps(marks), file=sys.stderr)
    atexit.register(report)
    try:
        from i18n_sync.cli import program
    except ImportError:  # a version before `program`: the group, as its script ran it
        from i18n_sync.cli import main as program
    return program
measure()(sys.argv[1:])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("versions", nargs="+", type=Path, help="src folders to compare")
    parser.add_argument("--run", choices=("first-sync", "no-op", "render"), default="first-sync")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--scratch", type=Path, default=None, help="where the projects go (tmpfs: /dev/shm)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--tree", choices=TREES, default="sections", help="the docs tree (see bench_scale)")
    args = parser.parse_args()
    files = tree_files(args.corpus, args.tree)
    name = f"the {args.tree} tree of {args.corpus}"
    for version in args.versions:
        if not (version / "i18n_sync").is_dir():
            raise SystemExit(f"{version} holds no i18n_sync package; give a src folder")
    with tempfile.TemporaryDirectory(dir=args.scratch) as folder:
        work = Path(folder)
        environ = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        for index, version in enumerate(args.versions):  # each with its bytecode, as installed
            compiled = {**environ, "PYTHONPYCACHEPREFIX": str(work / f"bytecode{index}")}
            command = [sys.executable, "-m", "compileall", "-q", str(version / "i18n_sync")]
            subprocess.run(command, env=compiled, check=True, stdout=subprocess.DEVNULL)
        turns = [_Turn(work, index, version, environ) for index, version in enumerate(args.versions)]
        title = _prepare(args.run, turns, work, files, name)
        runs: list[list[dict[str, float]]] = [[] for _ in args.versions]
        order = list(enumerate(turns))
        for _ in range(args.rounds):
            # Each round in the other order: on a real disk a run's writes are flushed
            # while the next one runs, and always going second would cost one version.
            for index, turn in order:
                runs[index].append(turn.measured(args.run))
            order.reverse()
        print(f"{title}, {args.rounds} rounds, medians (ms):")
        for version, measured in zip(args.versions, runs, strict=True):
            print(f"\n{version}")
            for name in measured[0]:
                value = statistics.median(run[name] for run in measured)
                shown = f"{value:.3f}" if name == "cpu/wall" else f"{value * 1000:.0f}"
                print(f"  {name:<16} {shown:>7}")


class _Turn:
    """One version's project, cache and environment, and its measured runs."""

    def __init__(self, work: Path, index: int, version: Path, environ: dict[str, str]) -> None:
        self.version, self.source = version, work / "source"
        self.project, self.cache = work / f"project{index}", work / f"cache{index}"
        self.aside = Aside(work / f"aside{index}")
        self.environ = {
            **environ,
            "PYTHONPATH": str(version.resolve()),
            "PYTHONPYCACHEPREFIX": str(work / f"bytecode{index}"),
            "I18N_SYNC_CACHE_DIR": str(self.cache),
        }

    def measured(self, run: str) -> dict[str, float]:
        # The last run's files are moved aside, not deleted (`bench_scale.Aside` says why).
        if run == "first-sync":  # a fresh copy, no cache
            self.aside.move(self.project)
            shutil.copytree(self.source, self.project)
        if run != "no-op":
            self.aside.move(self.cache)
        command = ["render", "--lang", "tr"] if run == "render" else ["sync"]
        before = children_clock()
        done = self.command(_MEASURED, command)
        after = children_clock()
        marks = json.loads(next(line for line in done.stderr.splitlines() if line.startswith("MARKS "))[6:])
        wall, cpu = after[0] - before[0], after[1] - before[1]
        return {"wall": wall, "cpu": cpu, "cpu/wall": cpu / wall, **_segments(marks, wall)}

    def command(self, script: str, arguments: list[str]) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-c", script, *arguments],
            cwd=self.project,
            env=self.environ,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(
                f"{self.version}: {' '.join(arguments)} failed ({done.returncode}):\n{done.stderr[-2000:]}"
            )
        return done


_CLI = "import sys\nfrom i18n_sync.cli import main\nmain(sys.argv[1:])"


def _prepare(run: str, turns: list[_Turn], work: Path, files: list[tuple[str, bytes]], name: str) -> str:
    """Make the projects `run` starts from; what is measured, to print above the figures."""
    if run == "render":
        source = make_project(work / "source", files, TWO)
        for turn in turns:
            shutil.copytree(source, turn.project)
            turn.command(_CLI, ["sync"])
            fill_catalogues(turn.project / "locales" / "tr")
        return f"render --lang tr of {name}, every entry translated, no cache"
    source = make_project(work / "source", files, TWENTY_ONE)
    if run == "no-op":
        for turn in turns:
            shutil.copytree(source, turn.project)
            turn.command(_CLI, ["sync"])
            turn.command(_CLI, ["sync"])  # the first sync after one that wrote: the memo from now on
        return f"no-op sync of {name} in {len(TWENTY_ONE)} languages"
    return f"first sync of {name} in {len(TWENTY_ONE)} languages"


def _segments(marks: dict[str, float], wall: float) -> dict[str, float]:
    pools = sum(1 for name in marks if name.endswith(" start") and name.startswith("pool"))
    if not pools:  # a run the memo answers: no jobs, no writes
        segments = dict.fromkeys(("gaps", "pools", "tail", "writes"), 0.0)
        return {
            "imports": marks["imported"],
            "before the pools": marks["done"] - marks["imported"],
            **segments,
            "exit": wall - marks["done"],
        }
    segments = {"imports": marks["imported"], "before the pools": marks["pool1 start"] - marks["imported"]}
    segments["gaps"] = sum(marks[f"pool{n + 1} start"] - marks[f"pool{n} end"] for n in range(1, pools))
    segments["pools"] = sum(marks[f"pool{n} end"] - marks[f"pool{n} start"] for n in range(1, pools + 1))
    segments["tail"] = marks["apply start"] - marks[f"pool{pools} end"]
    segments["writes"] = marks["apply end"] - marks["apply start"]
    segments["exit"] = wall - marks["apply end"]
    return segments


if __name__ == "__main__":
    main()
