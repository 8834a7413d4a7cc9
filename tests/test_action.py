"""The composite GitHub Action (action.yml): its `run:` steps, run as a runner would run them.

The runner is imitated: each step's `env:` with the inputs filled in, bash,
``GITHUB_ENV`` carried from step to step, a fake ``GITHUB_STEP_SUMMARY`` file,
and the summary step run after a failure (its ``always()``). The tool is the
one on PATH (``install: false``): a wrapper that runs this checkout's source,
since installing it would need the package index.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the action's steps are bash")

SOURCE = """# Garden

Tools for a [small garden](https://example.org/garden).
"""


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return loaded


@dataclass
class Outcome:
    """What a job running the action saw: each step's exit code and output, the summary."""

    codes: dict[str, int] = field(default_factory=dict)
    output: str = ""
    summary: str = ""


def fill(value: str, inputs: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "github.action_path":
            return str(ROOT)
        assert name.startswith("inputs."), name
        return inputs[name.removeprefix("inputs.")]

    return EXPRESSION.sub(one, str(value))


def run_action(workspace: Path, tmp: Path, **given: str) -> Outcome:
    spec = action()
    inputs = {name: str(item.get("default", "")) for name, item in spec["inputs"].items()} | given
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    tool = bin_dir / "i18n-sync"
    tool.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m i18n_sync "$@"\n', encoding="utf-8")
    tool.chmod(0o755)
    github_env, summary = tmp / "github_env", tmp / "step_summary"
    github_env.write_text("", encoding="utf-8")
    summary.write_text("", encoding="utf-8")
    base = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT / "src"),
        "GITHUB_ENV": str(github_env),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp),
        "SOURCE_DATE_EPOCH": "1767225600",
    }
    outcome = Outcome()
    failed = False
    for step in spec["runs"]["steps"]:
        condition = step.get("if", "")
        if failed and "always()" not in condition:
            continue
        if "inputs.summary == 'true'" in condition and inputs["summary"] != "true":
            continue
        if "steps.install.outcome == 'success'" in condition and outcome.codes.get("install") != 0:
            continue
        carried = dict(
            line.split("=", 1) for line in github_env.read_text(encoding="utf-8").splitlines() if line
        )
        env = base | carried | {key: fill(value, inputs) for key, value in step.get("env", {}).items()}
        done = subprocess.run(
            ["bash", "-e", "-c", step["run"]], cwd=workspace, env=env, capture_output=True, text=True
        )
        outcome.codes[step.get("id", step["name"])] = done.returncode
        outcome.output += done.stdout + done.stderr
        failed = failed or done.returncode != 0
    outcome.summary = summary.read_text(encoding="utf-8")
    return outcome


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    (root / "content").mkdir(parents=True)
    (root / "content" / "README.md").write_text(SOURCE, encoding="utf-8")
    (root / "i18n-sync.toml").write_text('languages = ["de", "tr"]\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SOURCE_DATE_EPOCH": "1767225600"}
    subprocess.run([sys.executable, "-m", "i18n_sync", "sync"], cwd=root, env=env, check=True)
    return root


def test_the_action_is_composite_and_its_scripts_take_inputs_only_through_env() -> None:
    spec = action()
    assert spec["runs"]["using"] == "composite"
    assert set(spec["inputs"]) >= {"mode", "root", "version", "summary"}
    for step in spec["runs"]["steps"]:
        assert "${{" not in step["run"], f"{step['name']}: an expression in a script can inject code"
        assert step["shell"] == "bash"
        checked = subprocess.run(["bash", "-n", "-c", step["run"]], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr


def test_in_sync_the_job_passes_and_the_summary_has_the_status(workspace: Path, tmp_path: Path) -> None:
    outcome = run_action(workspace, tmp_path, install="false")
    assert set(outcome.codes.values()) == {0}, outcome.output
    assert outcome.summary.startswith("## Translation status")
    assert "\n| de | content/README.md | 0 (0 words) | 0 (0 words) | 2 (" in outcome.summary


def test_out_of_date_the_job_fails_listing_the_files_and_still_summarizes(
    workspace: Path, tmp_path: Path
) -> None:
    (workspace / "content" / "README.md").write_text(SOURCE + "\nA new paragraph.\n", encoding="utf-8")
    outcome = run_action(workspace, tmp_path, install="false")
    assert outcome.codes["Sync translations"] == 1
    assert "would write README.de.md" in outcome.output and "would write locales/README.pot" in outcome.output
    assert outcome.codes["Translation status"] == 0 and "## Translation status" in outcome.summary
    assert "A new paragraph." not in (workspace / "README.de.md").read_text(encoding="utf-8")


def test_write_mode_regenerates_and_a_folder_can_be_given(workspace: Path, tmp_path: Path) -> None:
    (workspace / "content" / "README.md").write_text(SOURCE + "\nA new paragraph.\n", encoding="utf-8")
    outcome = run_action(workspace.parent, tmp_path, install="false", mode="write", root="workspace")
    assert set(outcome.codes.values()) == {0}, outcome.output
    assert "wrote README.de.md" in outcome.output
    assert "A new paragraph." in (workspace / "README.de.md").read_text(encoding="utf-8")


def test_a_wrong_mode_and_no_summary(workspace: Path, tmp_path: Path) -> None:
    outcome = run_action(workspace, tmp_path, install="false", mode="fix", summary="false")
    assert outcome.codes["Sync translations"] == 2 and "use check or write" in outcome.output
    assert "Translation status" not in outcome.codes and outcome.summary == ""


def test_without_a_tool_on_path_the_install_step_says_so(workspace: Path, tmp_path: Path) -> None:
    spec = action()
    install = next(step for step in spec["runs"]["steps"] if step.get("id") == "install")
    env = {"PATH": "/nonexistent", "GITHUB_ENV": str(tmp_path / "env"), "I18N_SYNC_INSTALL": "false"}
    done = subprocess.run(
        [shutil.which("bash") or "bash", "-c", install["run"]], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1 and "no i18n-sync is on PATH" in done.stdout


def test_the_readme_workflow_uses_the_actions_inputs() -> None:
    readme = (ROOT / "content" / "README.md").read_text(encoding="utf-8")
    section = readme.split("### GitHub Action", 1)[1].split("\n## ", 1)[0]
    workflow = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    steps = workflow["jobs"]["i18n-sync"]["steps"]
    ours = next(step for step in steps if step["uses"].startswith("i18n-sync/i18n-sync@"))
    assert set(ours["with"]) <= set(action()["inputs"])
    assert ours["with"]["mode"] in ("check", "write")
