"""The ``i18n-sync`` program ends its process quickly, and as a normal exit would (`cli.program`)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import docs_project


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `command` in a process of its own, without the run cache."""
    env = {**os.environ, "I18N_SYNC_CACHE_DIR": "off"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _python(code: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a Python process of its own, with `args` as its arguments."""
    return _run([sys.executable, "-c", textwrap.dedent(code), *args], cwd)


# A normal exit runs the exit handlers, then tears the interpreter down, which it tells
# audit hooks; an exit that skips the teardown runs the handlers only.
_PROBES = """
    import atexit, os, sys
    from i18n_sync.cli import program

    def heard(event, args, write=os.write):  # bound now: the teardown empties the modules
        if event == "cpython.PyInterpreterState_Clear":
            write(2, b"torn down\\n")

    sys.addaudithook(heard)
    atexit.register(lambda: sys.stderr.write("exit handler\\n"))
"""


def test_a_command_ends_without_the_teardown_but_with_the_exit_handlers(tmp_path: Path) -> None:
    done = _python(_PROBES + "    program()\n", docs_project(tmp_path), "sync")
    assert done.returncode == 0, done.stderr
    assert "exit handler" in done.stderr
    assert "torn down" not in done.stderr
    assert (tmp_path / "locales" / "tr" / "page39.po").is_file()


@pytest.mark.parametrize(
    ("args", "status"), [(["--version"], 0), (["nonsense"], 2), (["sync", "--check"], 1)]
)
def test_the_status_is_the_commands(tmp_path: Path, args: list[str], status: int) -> None:
    """0 for success, 2 for a usage error, 1 for a check that fails (nothing synced yet)."""
    done = _python(_PROBES + "    program()\n", docs_project(tmp_path), *args)
    assert done.returncode == status, done.stderr
    assert "exit handler" in done.stderr
    assert "torn down" not in done.stderr


def test_everything_printed_reaches_a_pipe(tmp_path: Path) -> None:
    """Output still in a buffer when the process ends is flushed first: all of a long report,
    and what an exit handler prints to a pipe, which Python buffers."""
    project = docs_project(tmp_path)
    late = (
        _PROBES
        + """
    atexit.register(lambda: print("printed at exit"))
    program()
    """
    )
    _python(late, project, "sync")
    done = _python(late, project, "status", "--format", "json", "--documents")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count('"docs/page') >= 40
    assert done.stdout.endswith("}\nprinted at exit\n")
    assert "torn down" not in done.stderr


def test_a_thread_still_running_gets_the_normal_exit(tmp_path: Path) -> None:
    """A normal exit waits for every thread that is not a daemon: so does the program. The
    thread is still waiting when the program decides how to end, whatever the machine's speed:
    it waits for that decision. (Set up in a function: the script stays a launcher.)"""
    marker = tmp_path / "thread-finished"
    code = (
        _PROBES
        + f"""
    import threading
    import i18n_sync.cli.script as module
    def start():
        decided = threading.Event()
        judge = module._quick_exit_status
        def judged(*args):
            try:
                return judge(*args)
            finally:
                decided.set()
        module._quick_exit_status = judged
        def late():
            decided.wait(60)
            open({str(marker)!r}, "w").close()
        threading.Thread(target=late).start()
    start()
    program(["--version"])
    """
    )
    done = _python(code, docs_project(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "exit handler" in done.stderr
    assert "torn down" in done.stderr  # the normal exit, with its teardown
    assert marker.exists()


def test_an_exit_with_a_message_gets_the_normal_exit(tmp_path: Path) -> None:
    """`SystemExit` with a message, not a status: Python prints it and exits with 1."""
    code = (
        _PROBES
        + """
    import i18n_sync.cli.script as module
    def stops(*args, **kwargs):
        raise SystemExit("stopped here")
    module.main = stops
    program([])
    """
    )
    done = _python(code, tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("stopped here\n")
    assert "Traceback" not in done.stderr
    assert "torn down" in done.stderr


def test_a_stream_that_cannot_be_flushed_gets_the_normal_exit(tmp_path: Path) -> None:
    """A reader that went away after the command: the normal exit reports it, and its status
    says so (120). (One that goes away while the command prints is click's to handle.)"""
    code = (
        _PROBES
        + """
    import i18n_sync.cli.script as module
    class Gone:
        gone = False
        def write(self, text):
            return len(text)
        def flush(self):
            if Gone.gone:
                raise BrokenPipeError(32, "Broken pipe")
    command = module.main
    def then_gone(*args, **kwargs):
        try:
            command(*args, **kwargs)
        finally:
            Gone.gone = True
    module.main = then_gone
    sys.stdout = Gone()
    program(["--version"])
    """
    )
    done = _python(code, tmp_path)
    assert done.returncode == 120, done.stderr
    assert "BrokenPipeError" in done.stderr
    assert "torn down" in done.stderr


def test_python_dash_m_runs_the_program(tmp_path: Path) -> None:
    """``python -m i18n_sync`` is the program, ended at once (as runpy runs it for ``-m``)."""
    done = _run([sys.executable, "-m", "i18n_sync", "--version"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("i18n-sync, version ")
    as_dash_m = (
        _PROBES
        + """
    import runpy
    sys.argv = ["i18n_sync", "--version"]
    runpy._run_module_as_main("i18n_sync")
    """
    )
    done = _python(as_dash_m, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("i18n-sync, version ")
    assert "exit handler" in done.stderr
    assert "torn down" not in done.stderr


def test_the_script_pip_writes_ends_at_once(tmp_path: Path) -> None:
    """The ``i18n-sync`` script as pip and uv write it (console-scripts entry point) is a
    launcher: nothing after the command is left to run."""
    script = tmp_path / "i18n-sync"
    launcher = """
    import re
    import sys
    from i18n_sync.cli import program
    if __name__ == "__main__":
        sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
        sys.exit(program())
    """
    hook = _PROBES.replace("    from i18n_sync.cli import program\n", "")
    script.write_text(textwrap.dedent(hook) + textwrap.dedent(launcher), encoding="utf-8")
    done = _run([sys.executable, str(script), "--version"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("i18n-sync, version ")
    assert "exit handler" in done.stderr
    assert "torn down" not in done.stderr


@pytest.mark.parametrize(
    "before",
    [
        "sys.settrace(lambda *args: None)",  # a debugger, or coverage
        "sys.setprofile(lambda *args: None)",  # a profiler
        "os.environ['PYTHONINSPECT'] = '1'",  # python -i, asked for on the way
    ],
)
def test_a_tracer_a_profiler_or_an_inspection_gets_the_normal_exit(tmp_path: Path, before: str) -> None:
    """Each takes over once the command is done, as it always did."""
    done = _python(_PROBES + f"    {before}\n    program(['--version'])\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "torn down" in done.stderr


def test_a_status_out_of_range_gets_the_normal_exit(tmp_path: Path) -> None:
    """Python reduces it as the system does (300: 44); `os._exit` would refuse a large one."""
    code = (
        _PROBES
        + """
    import i18n_sync.cli.script as module
    def stops(*args, **kwargs):
        raise SystemExit(300)
    module.main = stops
    program([])
    """
    )
    done = _python(code, tmp_path)
    assert done.returncode == 300 % 256
    assert "torn down" in done.stderr


def test_a_caller_in_the_same_process_gets_the_exit_back(tmp_path: Path) -> None:
    """Called from other code (a wrapper, a test), the program raises `SystemExit` as click does,
    and the process goes on."""
    code = (
        _PROBES
        + """
    def wrapper():
        program(["--version"])
    try:
        wrapper()
    except SystemExit as done:
        print("the caller got", done.code)
    """
    )
    done = _python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("the caller got 0\n")
    assert "torn down" in done.stderr
