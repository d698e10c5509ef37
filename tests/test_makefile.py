"""The Makefile's set-up: `make run` installs what serving needs, `make test` adds the test tools, both at
the locks' versions; `make test-latest` takes the newest releases instead, in a virtualenv of its own."""

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
    """A fresh clone as far as make can tell: its Makefile, pyproject.toml and locks, and no .venv."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path)
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    return tmp_path


def _installs(lines: list[str]) -> list[str]:
    return [line.split(" install ", 1)[1] for line in lines if " pip install " in line]


def test_make_run_installs_the_serving_lock_then_the_package_alone(clone):
    assert _installs(_make(clone, "-n", "run")) == [
        "--quiet --upgrade pip",
        "--quiet --requirement requirements/serve.txt",
        "--quiet --no-deps -e .",
    ]


def test_make_test_adds_the_test_lock(clone):
    assert _installs(_make(clone, "-n", "test"))[-1] == "--quiet --requirement requirements/test.txt"


def test_make_run_after_make_test_installs_nothing(clone):
    (clone / ".venv" / "bin").mkdir(parents=True)
    _make(clone, "-t", "test")  # marks what `make test` sets up as done, as a real run leaves it
    assert _make(clone, "-n", "run") == [".venv/bin/fake-smartengage serve"]


def test_a_new_lock_is_installed_by_the_next_run(clone):
    (clone / ".venv" / "bin").mkdir(parents=True)
    _make(clone, "-t", "test")
    os.utime(clone / "requirements" / "serve.txt", ns=(0, (clone / ".venv" / ".installed").stat().st_mtime_ns + 1))
    assert "--quiet --requirement requirements/serve.txt" in _installs(_make(clone, "-n", "run"))


def test_make_test_latest_upgrades_everything_without_the_lock(clone):
    lines = _make(clone, "-n", "test-latest")
    assert "--quiet --upgrade --upgrade-strategy eager -e '.[test]'" in _installs(lines)
    assert not any("requirements/" in line or ".venv/" in line for line in lines), lines
    assert lines[-1] == ".venv-latest/bin/python -m pytest"


def test_make_docs_serves_without_mkdocs_banner(clone):
    (clone / ".venv" / "bin").mkdir(parents=True)
    _make(clone, "-t", "test")
    (serve,) = _make(clone, "-n", "docs")
    assert serve.startswith("NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs serve --dev-addr ")
