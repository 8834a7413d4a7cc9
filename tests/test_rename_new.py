"""`temps.rename_new`: a new file goes into place only where nothing stands, in one step."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from helpers import invoke, linux_only, temps_in, without_rename_new
from i18n_sync.project import temps, writing
from i18n_sync.project.temps import rename_new, write_temp
from test_scale import make_docs


def _temp(folder: Path, content: bytes = b"new\n") -> str:
    return write_temp(folder / "target.po", content)


@linux_only
def test_a_missing_file_is_renamed_into_place(tmp_path: Path) -> None:
    temp = _temp(tmp_path)
    assert rename_new(temp, str(tmp_path / "target.po")) is True
    assert (tmp_path / "target.po").read_bytes() == b"new\n"
    assert not os.path.lexists(temp)


@linux_only
@pytest.mark.parametrize("standing", ["file", "empty file", "folder", "symlink", "dangling symlink", "fifo"])
def test_whatever_stands_at_the_name_is_left_with_the_temporary_file(tmp_path: Path, standing: str) -> None:
    target = tmp_path / "target.po"
    temp = _temp(tmp_path)
    if standing == "file":
        target.write_bytes(b"mine\n")
    elif standing == "empty file":
        target.write_bytes(b"")
    elif standing == "folder":
        target.mkdir()
    elif standing == "symlink":
        (tmp_path / "other").write_bytes(b"other\n")
        target.symlink_to("other")
    elif standing == "dangling symlink":
        target.symlink_to("nowhere")
    else:
        os.mkfifo(target)
    assert rename_new(temp, str(target)) is False
    assert os.path.lexists(temp)  # the caller's to discard
    if standing == "file":
        assert target.read_bytes() == b"mine\n"
    elif standing == "symlink":
        assert os.readlink(target) == "other" and (tmp_path / "other").read_bytes() == b"other\n"
    elif standing == "dangling symlink":
        assert os.readlink(target) == "nowhere" and not (tmp_path / "nowhere").exists()


@linux_only
def test_another_failure_is_an_os_error_naming_the_target(tmp_path: Path) -> None:
    temp = _temp(tmp_path)
    target = tmp_path / "gone" / "target.po"
    with pytest.raises(FileNotFoundError) as raised:
        rename_new(temp, str(target))
    assert raised.value.errno == errno.ENOENT and raised.value.filename == str(target)


def test_without_renameat2_nothing_is_done(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    without_rename_new(monkeypatch)
    temp = _temp(tmp_path)
    assert rename_new(temp, str(tmp_path / "target.po")) is None
    assert os.path.lexists(temp) and not (tmp_path / "target.po").exists()


@pytest.mark.parametrize("code", [errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM])
def test_a_file_system_that_refuses_the_flag_leaves_the_rename_to_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    """NFS, an old kernel, a sandbox: the call fails as unsupported; nothing was done, and a run
    still writes its catalogues, after a look."""
    calls: list[bytes] = []

    def refusing(*args: object) -> int:
        calls.append(args[3])  # type: ignore[arg-type]
        return -1

    monkeypatch.setattr(temps, "_load_renameat2", lambda: (refusing, lambda: code))
    temp = _temp(tmp_path)
    assert rename_new(temp, str(tmp_path / "target.po")) is None
    assert os.path.lexists(temp) and not (tmp_path / "target.po").exists()
    (tmp_path / "project").mkdir()
    root = make_docs(tmp_path / "project", count=12)
    outcome = invoke(root, "sync")
    assert outcome.exit_code == 0, outcome.output
    assert (root / "locales" / "tr" / "guide0.po").is_file()
    assert any(path.endswith(b"/locales") for path in calls)  # written whole: the folder renamed
    assert not temps_in(root)


@linux_only
def test_a_first_run_renames_its_new_catalogues_without_a_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No lstat of a new catalogue before its rename: the one-step rename is the look."""
    looked: list[str] = []
    real = writing._appeared

    def watched(path: str, folders: object) -> bool | None:
        looked.append(path)
        return real(path, folders)  # type: ignore[arg-type]

    monkeypatch.setattr(writing, "_appeared", watched)
    root = make_docs(tmp_path, count=12)
    outcome = invoke(root, "sync")
    assert outcome.exit_code == 0, outcome.output
    assert (root / "locales" / "tr" / "guide0.po").is_file()
    assert looked == []
    without_rename_new(monkeypatch)
    for catalogue in (root / "locales").rglob("*.po"):
        catalogue.unlink()
    assert invoke(root, "sync").exit_code == 0
    assert "locales/tr/guide0.po" in looked  # where it cannot, each is looked at first
