"""The hooks in .pre-commit-hooks.yaml, run by pre-commit itself on a scratch git repository.

No network: the hooks are taken from the file as they are (entry, files,
pass_filenames...) into a ``repo: local`` configuration whose entry runs this
checkout's source with the test's Python, instead of pre-commit installing the
package into an environment of its own.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None or shutil.which("git") is None,
    reason="pre-commit and git are needed to run the hooks",
)

SOURCE = """# Garden

Tools for a [small garden](https://example.org/garden).
"""


def hooks() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    return loaded


def local_config() -> str:
    """The shipped hooks as a ``repo: local`` block that runs this checkout with this Python."""
    local = []
    for hook in hooks():
        assert hook["entry"].startswith("i18n-sync ") and hook["language"] == "python"
        command = hook["entry"].removeprefix("i18n-sync ")
        local.append(hook | {"entry": f"{sys.executable} -m i18n_sync {command}", "language": "system"})
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]}, allow_unicode=True)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def pre_commit(repo: Path, *hook: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
        "SOURCE_DATE_EPOCH": "1767225600",
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never", *hook],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "content").mkdir(parents=True)
    (repo / "content" / "README.md").write_text(SOURCE, encoding="utf-8")
    (repo / "i18n-sync.toml").write_text('languages = ["de", "tr"]\n', encoding="utf-8")
    (repo / ".pre-commit-config.yaml").write_text(local_config(), encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "test@example.org")
    git(repo, "config", "user.name", "Test")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SOURCE_DATE_EPOCH": "1767225600"}
    subprocess.run([sys.executable, "-m", "i18n_sync", "sync"], cwd=repo, env=env, check=True)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "translations")
    return repo


def test_the_hooks_file_offers_sync_check_sync_and_check() -> None:
    entries = {hook["id"]: hook["entry"] for hook in hooks()}
    assert entries == {
        "i18n-sync-check": "i18n-sync sync --check",
        "i18n-sync": "i18n-sync sync",
        "i18n-sync-translations": "i18n-sync check",
    }
    assert all(hook["pass_filenames"] is False for hook in hooks())


def test_the_hooks_pass_when_everything_is_in_sync(repo: Path) -> None:
    result = pre_commit(repo, "--hook-stage", "pre-commit")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "i18n-sync sync --check" in result.stdout and "Passed" in result.stdout


def test_sync_check_fails_with_the_file_list_when_the_english_changed(repo: Path) -> None:
    (repo / "content" / "README.md").write_text(SOURCE + "\nA new paragraph.\n", encoding="utf-8")
    result = pre_commit(repo, "i18n-sync-check")
    assert result.returncode == 1
    for path in ("locales/README.pot", "locales/de/README.po", "README.de.md", "README.tr.md"):
        assert f"would write {path}" in result.stdout
    assert "run 'i18n-sync sync'" in result.stdout
    assert "README.de.md" not in (repo / "README.de.md").read_text(encoding="utf-8")  # nothing written
    fixed = pre_commit(repo, "i18n-sync")
    assert fixed.returncode == 1 and "files were modified by this hook" in fixed.stdout
    assert "A new paragraph." in (repo / "README.de.md").read_text(encoding="utf-8")
    assert pre_commit(repo, "i18n-sync-check").returncode == 0


def test_check_fails_naming_the_catalogue_line(repo: Path) -> None:
    catalog = repo / "locales" / "de" / "README.po"
    text = catalog.read_text(encoding="utf-8")
    text = text.replace('msgid "Garden"\nmsgstr ""', 'msgid "Garden"\nmsgstr "<b>Garten</b>"')
    catalog.write_text(text, encoding="utf-8")
    result = pre_commit(repo, "i18n-sync-translations")
    assert result.returncode == 1
    assert re.search(r"^locales/de/README\.po:\d+: \[[a-z-]+\] .*<b>", result.stdout, re.MULTILINE)


def test_the_readme_snippet_names_shipped_hooks() -> None:
    readme = (ROOT / "content" / "README.md").read_text(encoding="utf-8")
    section = readme.split("### pre-commit", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    config = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    named = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert named and named <= {hook["id"] for hook in hooks()}
