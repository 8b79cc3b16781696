"""docs/retrain-example/feedback_demo.py: where the run's report goes. The default is under var/
(ignored by git), a relative --out works, and files git tracks are replaced only when asked."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "docs" / "retrain-example" / "feedback_demo.py"


@pytest.fixture(scope="module")
def demo():
    spec = importlib.util.spec_from_file_location("feedback_demo", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["feedback_demo"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("feedback_demo", None)


@pytest.fixture
def git_repo():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and the repository's .git")


@pytest.fixture
def run_dir(tmp_path):
    run = tmp_path / "reports" / "run-00001"
    run.mkdir(parents=True)
    for name in ("report.html", "roc.png", "summary.json", "model.skops"):
        (run / name).write_bytes(b"x")
    return run


def test_the_default_is_ignored_by_git(demo, git_repo):
    default = demo.DEFAULT_OUT
    assert default.relative_to(REPO).parts[0] == "var"
    ignored = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", str(default / "report.html")])
    assert ignored.returncode == 0
    assert demo.output_folder(default) == default


def test_tracked_files_are_replaced_only_when_asked(demo, git_repo, monkeypatch):
    monkeypatch.chdir(REPO)
    tracked = Path("docs/retrain-example/run")
    assert demo.tracked_files(tracked.resolve())
    with pytest.raises(SystemExit, match="--replace-tracked"):
        demo.output_folder(tracked)
    assert demo.output_folder(tracked, replace_tracked=True) == REPO / tracked


def test_a_relative_out_is_taken_from_the_current_folder(demo, run_dir, tmp_path, monkeypatch):
    work = tmp_path / "elsewhere"
    work.mkdir()
    monkeypatch.chdir(work)
    folder = demo.output_folder(Path("var/demo-run"))
    assert folder == work / "var" / "demo-run"
    (folder).mkdir(parents=True)
    (folder / "old.txt").write_text("from an earlier run")
    shown = demo.copy_report(run_dir, folder)
    assert shown == "var/demo-run/report.html"
    assert sorted(p.name for p in folder.iterdir()) == ["report.html", "roc.png", "summary.json"]


def test_an_out_outside_the_current_folder_is_shown_in_full(demo, run_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    folder = demo.output_folder(tmp_path / "out")
    assert demo.copy_report(run_dir, folder) == str(tmp_path / "out" / "report.html")
