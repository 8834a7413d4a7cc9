"""The README's set-up commands work on a fresh machine, in the virtual environment it makes.

This copies the repository's tracked files and runs the Quick start commands
exactly as the README shows them: the first makes and activates a virtual
environment, the second installs the project and runs the main job (which
must find nothing to do on an up-to-date repository), the third installs the
test extra and starts the test suite (collection only here, so the suite does
not run itself again), in a new shell where the environment is activated again.
It needs the package index; CI has it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    text = (ROOT / "content" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.DOTALL)


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: cannot tell which files a fresh clone has")
    return [name for name in listed.stdout.decode().split("\0") if name]


def test_the_readme_shows_the_environment_and_two_commands() -> None:
    commands = quick_start_commands()
    assert len(commands) == 3
    assert "-m venv" in commands[0] and "activate" in commands[0]
    assert "i18n-sync sync" in commands[1]
    assert "pytest" in commands[2]


@pytest.mark.skipif(
    os.environ.get("I18N_SYNC_NESTED") == "1", reason="already inside a fresh-environment run"
)
def test_the_readme_commands_succeed_in_a_fresh_environment(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    for name in tracked_files():
        source = ROOT / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    env = {**os.environ, "I18N_SYNC_NESTED": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    for name in ("PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(name, None)
    # The interpreter running the tests comes first, as a user's python3 would.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    make_environment, install_and_sync, install_and_test = quick_start_commands()
    activate = make_environment.splitlines()[-1]
    first = subprocess.run(
        ["bash", "-e", "-c", f"{make_environment}\n{install_and_sync}"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
    )
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    assert (clone / ".venv").is_dir()
    assert "wrote" not in first.stdout, "the main job found work on an up-to-date repository"
    second = subprocess.run(
        ["bash", "-e", "-c", f"{activate}\n{install_and_test} --collect-only -q"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
    )
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-2000:]
    assert re.search(r"\d+ tests? collected", second.stdout)
    assert (clone / ".venv" / "bin" / "i18n-sync").is_file()  # installed where the README said
