"""The dependency floors in pyproject.toml are real, and `pip install <source folder>` works.

The package is installed from its source folder (not editable, not from the wheel) into a
clean virtualenv with every runtime dependency at exactly its declared floor, plus the few
tools the tests import. Then the tests that exercise those dependencies run against that
install: a real `fake-smartengage serve` over TCP (uvicorn, a clean stop on signals), every body
type (python-multipart, starlette), fixture validation (pydantic), the OpenAPI document
(fastapi), the server thread (uvicorn), the dashboard's template (jinja2), all on SQLite.
"""

import json
import subprocess
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from processes import clean_env, make_venv

ROOT = Path(__file__).parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# The tests that reach the runtime dependencies the most; the whole suite would take too long.
SUBSET = [
    "test_e2e.py",
    "test_serve.py::test_stop_signal_ends_the_process_with_success",
    "test_forms.py",
    "test_seeding.py",
    "test_openapi.py",
    "test_testing_client.py",
    "test_testing_server.py",
]
# Imported by those tests besides the package itself; at the test extra's own versions.
TEST_TOOLS = {"pytest", "httpx", "anyio"}

DASHBOARD = """
import asyncio, httpx
from fake_smartengage.app import create_app
from fake_smartengage.settings import Settings

async def main():
    transport = httpx.ASGITransport(app=create_app(Settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
        answer = await client.get("/_fake/ui")
    assert "</html>" in answer.text, answer.text
    print(answer.status_code, answer.headers["content-type"])

asyncio.run(main())
"""


def floors() -> dict[str, str]:
    """Each runtime dependency's name and its >= floor."""
    found = {}
    for text in PROJECT["dependencies"]:
        requirement = Requirement(text)
        lower = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        assert len(lower) == 1, f"{text}: every runtime dependency declares one floor (>=), tested here"
        found[canonicalize_name(requirement.name)] = lower[0]
    return found


def test_the_package_works_with_every_dependency_at_its_floor(tmp_path):
    pins = [f"{name}=={version}" for name, version in floors().items()]
    tools = [
        text
        for text in PROJECT["optional-dependencies"]["test"]
        if canonicalize_name(Requirement(text).name) in TEST_TOOLS
    ]
    venv = make_venv(tmp_path / "venv")
    python = str(venv / "bin" / "python")
    env = clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", str(ROOT), *pins, *tools],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert install.returncode == 0, install.stderr

    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True, env=env, check=True
    )
    versions = {canonicalize_name(item["name"]): item["version"] for item in json.loads(listed.stdout)}
    assert {name: Version(versions[name]) for name in floors()} == {name: Version(v) for name, v in floors().items()}
    where = subprocess.run(
        [python, "-c", "import fake_smartengage; print(fake_smartengage.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), "the tests would not run the installed copy"

    # The dashboard's template (jinja2), which only the browser tests render otherwise.
    dashboard = subprocess.run([python, "-c", DASHBOARD], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert dashboard.stdout.split() == ["200", "text/html;", "charset=utf-8"], dashboard.stderr

    # From outside the checkout, so that `fake_smartengage` is the installed copy; the tests'
    # servers are that venv's `fake-smartengage` console script (tests/processes.py).
    tests = subprocess.run(
        [
            python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(ROOT),
            "--basetemp",
            str(tmp_path / "basetemp"),
            *(str(ROOT / "tests" / name) for name in SUBSET),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert tests.returncode == 0, f"with {' '.join(pins)}:\n{tests.stdout[-6000:]}\n{tests.stderr[-2000:]}"
