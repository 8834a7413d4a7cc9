"""Two versions of i18n-sync taking turns at a first sync: which is faster, and where the time goes.

This machine's speed moves from one minute to the next, by more than most
changes are worth: two single runs a minute apart say little. Here each round
runs a first sync in 21 languages (no catalogues, no outputs, an empty cache)
with each version in turn, on a fresh copy of the same project, the order
reversed from one round to the next; a slow spell slows both. Each version is a
``src`` folder (a checkout, or a worktree of an older commit:
``git worktree add /tmp/old HEAD~3``)::

    python benchmarks/bench_turns.py /tmp/old/src src [--rounds 9] [--scratch /dev/shm]

For each version it prints the medians of wall time, CPU time (user + system,
the workers' included) and their ratio, and where the process's own time went:

- imports: until the run's modules are imported (after the interpreter's start);
- before the pools: the command line, configuration, lock, plan and run memo;
- gaps: between one pool of workers and the next (templates, combining, planning);
- pools: the pools of workers, from the first job handed out to the last result;
- tail and writes: from the last result to the writes, and `apply_changes`;
- exit: the interpreter's start and end, and printing the report.

All but the pools are time the run spends on one core: they decide how far CPU/wall
can rise. The timestamps come from wrapping `pool.map_jobs` (as `jobcache` and,
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

from bench_scale import DEFAULT_CORPUS, TWENTY_ONE, make_project

# Run in the measured process: time the stages, then run the command line as usual.
_MEASURED = """
import json, os, sys, time
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
from i18n_sync.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print("MARKS " + json.dumps(marks), file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("versions", nargs="+", type=Path, help="src folders to compare")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--scratch", type=Path, default=None, help="where the projects go (tmpfs: /dev/shm)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    sections = args.corpus / "nodebestpractices" / "sections"
    if not sections.is_dir():
        raise SystemExit(f"no corpus at {sections}; pass --corpus PATH")
    for version in args.versions:
        if not (version / "i18n_sync").is_dir():
            raise SystemExit(f"{version} holds no i18n_sync package; give a src folder")
    with tempfile.TemporaryDirectory(dir=args.scratch) as folder:
        work = Path(folder)
        source = make_project(work / "source", sections, TWENTY_ONE)
        environ = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        for index, version in enumerate(args.versions):  # each with its bytecode, as installed
            compiled = {**environ, "PYTHONPYCACHEPREFIX": str(work / f"bytecode{index}")}
            command = [sys.executable, "-m", "compileall", "-q", str(version / "i18n_sync")]
            subprocess.run(command, env=compiled, check=True, stdout=subprocess.DEVNULL)
        runs: list[list[dict[str, float]]] = [[] for _ in args.versions]
        order = list(enumerate(args.versions))
        for _ in range(args.rounds):
            # Each round in the other order: on a real disk a run's writes are flushed
            # while the next one runs, and always going second would cost one version.
            for index, version in order:
                runs[index].append(_first_sync(work, source, version, index, environ))
            order.reverse()
        print(f"first sync of {sections} in {len(TWENTY_ONE)} languages, {args.rounds} rounds, medians (ms):")
        for version, measured in zip(args.versions, runs, strict=True):
            print(f"\n{version}")
            for name in measured[0]:
                value = statistics.median(run[name] for run in measured)
                shown = f"{value:.3f}" if name == "cpu/wall" else f"{value * 1000:.0f}"
                print(f"  {name:<16} {shown:>7}")


def _first_sync(
    work: Path, source: Path, version: Path, index: int, environ: dict[str, str]
) -> dict[str, float]:
    project, cache = work / "project", work / "cache"
    shutil.rmtree(project, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(source, project)
    child = {
        **environ,
        "PYTHONPATH": str(version.resolve()),
        "PYTHONPYCACHEPREFIX": str(work / f"bytecode{index}"),
        "I18N_SYNC_CACHE_DIR": str(cache),
    }
    before = os.times()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, "sync"], cwd=project, env=child, capture_output=True, text=True
    )
    after = os.times()
    if done.returncode != 0:
        raise SystemExit(f"{version}: sync failed ({done.returncode}):\n{done.stderr[-2000:]}")
    marks = json.loads(next(line for line in done.stderr.splitlines() if line.startswith("MARKS "))[6:])
    wall = after.elapsed - before.elapsed
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"wall": wall, "cpu": cpu, "cpu/wall": cpu / wall, **_segments(marks, wall)}


def _segments(marks: dict[str, float], wall: float) -> dict[str, float]:
    pools = sum(1 for name in marks if name.endswith(" start") and name.startswith("pool"))
    segments = {"imports": marks["imported"], "before the pools": marks["pool1 start"] - marks["imported"]}
    segments["gaps"] = sum(marks[f"pool{n + 1} start"] - marks[f"pool{n} end"] for n in range(1, pools))
    segments["pools"] = sum(marks[f"pool{n} end"] - marks[f"pool{n} start"] for n in range(1, pools + 1))
    segments["tail"] = marks["apply start"] - marks[f"pool{pools} end"]
    segments["writes"] = marks["apply end"] - marks["apply start"]
    segments["exit"] = wall - marks["apply end"]
    return segments


if __name__ == "__main__":
    main()
