"""Second review of the quick exit (`cli.program`, 8b1d56e).

Each test runs a script in a process of its own (the quick exit ends the process it
runs in) and fails on 8b1d56e for the reason its docstring gives. Each passes where
`program` takes the normal exit (`script._quick_exit_status` made to return None).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _script(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `code` as a script file (``python script.py``: its module is ``__main__``, as in a
    wrapper script, a CI step's helper or a GitHub Action's entry point), on this checkout."""
    script = cwd / "script.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
    env["I18N_SYNC_CACHE_DIR"] = "off"
    env.pop("PYTHONINSPECT", None)
    return subprocess.run(
        [sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


# --- the frame rule: "main code" is not "nothing left to run" ------------------------------------


def test_main_code_that_catches_the_exit_goes_on(tmp_path: Path) -> None:
    """A script that runs several commands at module level and catches each one's SystemExit
    (a CI helper, a GitHub Action entry point that writes a step summary after the check) is
    the process's main code: every frame from program's caller out is a ``<module>`` frame of
    ``__main__``, so `_only_main_code` says yes and the first command ends the whole process
    with os._exit. The frame rule cannot see the ``try``: the second command, the ``except``
    body and everything after never run, and the script's status is the first command's."""
    done = _script(
        """
        from i18n_sync.cli import program
        for args in (["--version"], ["nonsense"]):
            try:
                program(args)
            except SystemExit as exit:
                print("command ended with", exit.code)
        print("script went on")
        """,
        tmp_path,
    )
    assert "i18n-sync, version" in done.stdout, done.stderr
    assert "command ended with 0" in done.stdout, "the caller's except block never ran:\n" + done.stdout
    assert "command ended with 2" in done.stdout, done.stdout
    assert done.stdout.endswith("script went on\n"), done.stdout


def test_a_finally_block_of_main_code_runs(tmp_path: Path) -> None:
    """``try: program() finally: cleanup()`` at module level: a normal exit unwinds the frame
    and runs the cleanup (here it records that it ran, say removing a generated config);
    the quick exit ends the process inside the ``try``."""
    marker = tmp_path / "cleaned-up"
    done = _script(
        f"""
        from i18n_sync.cli import program
        try:
            program(["--version"])
        finally:
            open({str(marker)!r}, "w").close()
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "i18n-sync, version" in done.stdout
    assert marker.exists(), "the script's finally block never ran"


def test_a_file_main_code_left_open_keeps_what_was_written(tmp_path: Path) -> None:
    """A script that opened a log file at module level and did not close it: a normal exit
    closes (and so flushes) it as the interpreter frees the module's globals; the quick exit
    skips that teardown, and what was written, still in the file's buffer, is lost."""
    log = tmp_path / "run.log"
    done = _script(
        f"""
        from i18n_sync.cli import program
        log = open({str(log)!r}, "w")
        log.write("run started\\n")
        program(["--version"])
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert log.read_text(encoding="utf-8") == "run started\n", "the log's buffered line was lost"


# --- the status ------------------------------------------------------------------------------------


def test_an_unhashable_stdout_keeps_the_commands_status(tmp_path: Path) -> None:
    """`_flushed` puts the standard streams in a dict (`dict.fromkeys`) to flush each once.
    A `sys.stdout` replaced by an object that cannot be hashed (a dataclass tee: `eq=True`
    sets ``__hash__`` to None) makes that raise TypeError inside the ``except SystemExit``
    of `program`: the process ends with status 1 and a traceback instead of the command's
    status 0 (after the exit handlers ran). A normal exit hashes no stream."""
    done = _script(
        """
        import sys
        from dataclasses import dataclass
        from i18n_sync.cli import program

        @dataclass
        class Tee:
            streams: list
            def write(self, text):
                for stream in self.streams:
                    stream.write(text)
                return len(text)
            def flush(self):
                for stream in self.streams:
                    stream.flush()

        sys.stdout = Tee([sys.__stdout__])
        program(["--version"])
        """,
        tmp_path,
    )
    assert "i18n-sync, version" in done.stdout, done.stderr
    assert "TypeError" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr


# --- a ^C while the command line's modules load ------------------------------------------------


def test_an_interrupt_while_the_modules_load_ends_as_an_interrupted_command(tmp_path: Path) -> None:
    """``i18n-sync`` imports a tenth of a second of modules before click takes over: a ^C then
    printed the traceback of the import it stopped. It now ends as a ^C during a command
    does, click's "Aborted!" and status 1. (The ^C is raised by an import hook, at the
    import of the run's module, for the test to be sure when it comes.)"""
    done = _script(
        """
        import sys
        from importlib.abc import MetaPathFinder

        class Interrupt(MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name == "i18n_sync.project.sync":
                    raise KeyboardInterrupt
                return None

        sys.meta_path.insert(0, Interrupt())
        from i18n_sync.cli import program
        program(["--version"])
        """,
        tmp_path,
    )
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "\nAborted!\n")


def test_the_command_lines_modules_load_with_the_program_not_the_package(tmp_path: Path) -> None:
    """`i18n_sync.cli` itself imports none of them (the script imports it to start `program`),
    and what it names is there when asked for."""
    done = _script(
        """
        import sys
        import i18n_sync.cli as cli
        print(sorted(name for name in sys.modules if name.startswith("i18n_sync.")))
        print(callable(cli.main), callable(cli.terminal_style), "i18n_sync.cli.group" in sys.modules)
        """,
        tmp_path,
    )
    assert done.stdout == "['i18n_sync.cli']\nTrue True True\n", done.stderr
