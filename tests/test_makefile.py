"""The Makefile's set-up: `make run` installs what serving needs, `make test` adds the test tools."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def _make(folder: Path, *args: str) -> list[str]:
    # Not the flags of a `make test` this suite may be running under.
    env = {name: value for name, value in os.environ.items() if name not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    completed = subprocess.run(["make", *args], cwd=folder, env=env, capture_output=True, text=True, check=True)
    return completed.stdout.splitlines()


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A fresh clone as far as make can tell: its Makefile and pyproject.toml, and no .venv."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path)
    return tmp_path


def test_make_run_installs_the_package_without_the_test_tools(clone):
    installs = [line for line in _make(clone, "-n", "run") if "pip install" in line]
    assert any(line.endswith(" -e .") for line in installs), installs
    assert not any("[test]" in line for line in installs), installs


def test_make_test_adds_the_test_tools(clone):
    assert any(line.endswith(" -e '.[test]'") for line in _make(clone, "-n", "test"))


def test_make_run_after_make_test_installs_nothing(clone):
    (clone / ".venv" / "bin").mkdir(parents=True)
    _make(clone, "-t", "test")  # marks what `make test` sets up as done, as a real run leaves it
    assert _make(clone, "-n", "run") == [".venv/bin/fake-smartengage serve"]
