"""Options before or after the subcommand, --quiet and --verbose, JSON for every command, completion."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result
from referencing import Registry, Resource

from i18n_sync.cli import main

SOURCE = """# Garden

Tools for a [small garden](https://example.org/garden).

## Hand tools

A trowel digs small holes.
"""

GERMAN = """# Garten

Werkzeuge für einen [kleinen Garten](https://example.org/garden).

## Handwerkzeuge

Eine Kelle gräbt kleine Löcher.
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="i18n-sync")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    root = tmp_path / "repo"
    (root / "content").mkdir(parents=True)
    (root / "content" / "README.md").write_text(SOURCE, encoding="utf-8")
    (root / "i18n-sync.toml").write_text('languages = ["de", "tr"]\n', encoding="utf-8")
    return root


def validator() -> jsonschema.Draft202012Validator:
    folder = files("i18n_sync") / "reports"
    schemas = {
        name: json.loads((folder / name).read_text(encoding="utf-8"))
        for name in ("output.schema.json", "status.schema.json")
    }
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    return jsonschema.Draft202012Validator(schemas["output.schema.json"], registry=registry)


# --- options before or after the subcommand -------------------------------------------------------


def test_root_and_format_work_before_the_subcommand(project: Path) -> None:
    before = run("--root", str(project), "--format", "json", "sync", "--check")
    after = run("sync", "--check", "--root", str(project), "--format", "json")
    assert before.exit_code == after.exit_code == 1
    assert json.loads(before.stdout) == json.loads(after.stdout)
    assert "README.de.md" in json.loads(before.stdout)["pending"]


def test_the_subcommands_own_option_wins(project: Path, tmp_path: Path) -> None:
    result = run("--root", str(tmp_path / "nowhere"), "--format", "json", "sync", "--root", str(project))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["command"] == "sync"
    table = run("--format", "json", "status", "--root", str(project), "--format", "table")
    assert table.exit_code == 0 and table.stdout.startswith("LANGUAGE")


def test_text_means_each_commands_human_format(project: Path) -> None:
    assert run("--root", str(project), "sync").exit_code == 0
    table = run("--root", str(project), "--format", "text", "status")
    assert table.exit_code == 0 and table.stdout.startswith("LANGUAGE")
    markdown = run("--root", str(project), "--format", "markdown", "status")
    assert markdown.exit_code == 0 and markdown.stdout.startswith("## Translation status")


def test_a_format_the_subcommand_lacks_is_bad_usage(project: Path) -> None:
    result = run("--root", str(project), "--format", "markdown", "sync")
    assert result.exit_code == 2
    assert "'markdown' is not a format of 'sync'; use one of text, json" in result.stderr
    init = run("--root", str(project), "--format", "json", "init", "--lang", "de")
    assert init.exit_code == 2 and "it has no --format" in init.stderr


def test_quiet_prints_only_problems_and_verbose_lists_files_up_to_date(project: Path) -> None:
    quiet = run("--quiet", "--root", str(project), "sync")
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""
    assert (project / "README.de.md").is_file()
    verbose = run("sync", "--root", str(project), "-v")
    assert verbose.exit_code == 0
    assert "up to date README.de.md" in verbose.stdout and "up to date locales/README.pot" in verbose.stdout
    (project / "content" / "README.md").write_text(SOURCE + "\nOne more line.\n", encoding="utf-8")
    checked = run("-q", "sync", "--check", "--root", str(project))
    assert checked.exit_code == 1 and "would write README.de.md" in checked.stdout  # a problem: shown
    both = run("-q", "sync", "-v", "--root", str(project))
    assert both.exit_code == 2 and "--quiet and --verbose" in both.stderr


def test_quiet_hides_warnings_but_not_errors(project: Path) -> None:
    (project / "content" / "README.md").write_text(SOURCE + "\n[link]()\n", encoding="utf-8")
    (project / "locales" / "de").mkdir(parents=True)
    (project / "locales" / "de" / "README.po").write_text('msgid "x"\n', encoding="utf-8")
    result = run("--quiet", "--root", str(project), "sync")
    assert result.exit_code == 1
    assert "Error: locales/de/README.po" in result.stderr
    assert result.stdout == ""


# --- JSON for every command, one schema -------------------------------------------------------------


def outputs(project: Path) -> list[tuple[str, Any]]:
    """Every command's JSON on one project, in the states a CI job meets."""
    root = ("--root", str(project), "--format", "json")
    found = []
    for args in (
        ("sync", "--check"),
        ("extract",),
        ("update",),
        ("render",),
        ("sync",),
        ("check",),
        ("status",),
        ("status", "--stale"),
        ("badge",),
        ("badge", "--check"),
    ):
        result = run(*root, *args)
        found.append((" ".join(args), json.loads(result.stdout)))
    (project / "hand.de.md").write_text(GERMAN, encoding="utf-8")
    imported = run(*root, "import", "de", str(project / "hand.de.md"))
    found.append(("import", json.loads(imported.stdout)))
    # Warnings and errors: a catalogue that cannot be read, a translation that fails a check.
    catalog = project / "locales" / "tr" / "README.po"
    catalog.write_text(catalog.read_text(encoding="utf-8") + 'msgid "broken\n', encoding="utf-8")
    german = project / "locales" / "de" / "README.po"
    german.write_text(
        german.read_text(encoding="utf-8").replace("kleinen Garten]({1})", "kleinen Garten](javascript:x)"),
        encoding="utf-8",
    )
    for args in (("sync",), ("check",), ("status",), ("badge",)):
        result = run(*root, *args)
        assert result.exit_code == 1, (args, result.output)
        found.append((" ".join(args) + " (broken)", json.loads(result.stdout)))
    (project / "i18n-sync.toml").write_text("languages = 3\n", encoding="utf-8")
    for command in ("sync", "status", "check"):
        found.append((f"{command} (no config)", json.loads(run(*root, command).stdout)))
    return found


def test_every_json_output_validates_against_the_shipped_schema(project: Path) -> None:
    check = validator()
    found = outputs(project)
    for name, data in found:
        errors = sorted(check.iter_errors(data), key=str)
        assert not errors, f"{name}: {errors[0].message}"
        assert data["version"] == 1 and data["command"] == name.split()[0]
    commands = {data["command"] for _, data in found}
    assert commands == {"extract", "update", "render", "sync", "check", "status", "badge", "import"}


def test_diagnostics_are_objects_with_a_location(project: Path) -> None:
    by_name = dict(outputs(project))
    broken = by_name["sync (broken)"]
    error = next(d for d in broken["diagnostics"] if d["level"] == "error")
    assert error["path"] == "locales/tr/README.po" and isinstance(error["line"], int)
    where = f"{error['path']}:{error['line']}:{error['column']}: "
    assert error["text"] == broken["errors"][0] == where + error["message"]
    warning = next(d for d in broken["diagnostics"] if d["level"] == "warning")
    assert warning["path"] == "locales/de/README.po" and warning["message"]
    assert by_name["status (broken)"]["diagnostics"][0]["path"] == "locales/tr/README.po"
    failure = by_name["sync (no config)"]
    assert failure["diagnostics"][0]["path"] == "i18n-sync.toml" and failure["diagnostics"][0]["line"] == 1


def test_a_bad_schema_output_would_be_caught() -> None:
    # The schema is strict enough to notice a renamed or retyped field.
    bad = {"version": 1, "command": "sync", "errors": [], "diagnostics": ["a string"]}
    bad |= {"pending": [], "written": [], "languages": []}
    assert list(validator().iter_errors(bad))
    assert not list(validator().iter_errors(bad | {"diagnostics": []}))


# --- shell completion -------------------------------------------------------------------------------


def test_shell_completion_through_clicks_variable() -> None:
    runner = CliRunner()
    script = runner.invoke(main, [], prog_name="i18n-sync", env={"_I18N_SYNC_COMPLETE": "bash_source"})
    assert script.exit_code == 0 and "_I18N_SYNC_COMPLETE=bash_complete" in script.stdout
    env = {"_I18N_SYNC_COMPLETE": "bash_complete", "COMP_WORDS": "i18n-sync sy", "COMP_CWORD": "1"}
    words = runner.invoke(main, [], prog_name="i18n-sync", env=env)
    assert words.stdout.split() == ["plain,sync"]
    env = {"_I18N_SYNC_COMPLETE": "bash_complete", "COMP_WORDS": "i18n-sync status --fo", "COMP_CWORD": "2"}
    assert "plain,--format" in runner.invoke(main, [], prog_name="i18n-sync", env=env).stdout.split()
