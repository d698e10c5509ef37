"""The image, built from the Dockerfile by a real engine and run as docs/guides/ci-sidecar.md says.

Every container is reached only through its port 8000 published on 127.0.0.1, as a CI job would
reach a sidecar. Without an engine (tests/engine.py says why) these tests skip; `make test` starts one.
"""

import json
import shlex
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import engine
from conftest import DEFAULT_KEY
from fake_smartengage import __version__
from test_curl_examples import FIXED, run_in_shell

ROOT = Path(__file__).parent.parent
GUIDE = (ROOT / "docs" / "guides" / "ci-sidecar.md").read_text()
DOCUMENTED_RUN = "docker run --rm -p 8000:8000 "
MAX_ADDED_BYTES = 150 * 1000 * 1000
SHOP_KEY = "test_key_docker_shop"
SHOP = {"accounts": [{"api_key": SHOP_KEY, "avatars": [{"avatar_id": 7, "brand_name": "Shop"}]}]}
# The default key's account, renamed: loaded to prove state is written, and kept.
RENAMED = {"accounts": [{"api_key": DEFAULT_KEY, "avatars": [{"avatar_id": 7, "brand_name": "Renamed"}]}]}


@pytest.fixture
def volume(image: str) -> Iterator[str]:
    """A name for a volume of the test's own, removed after the test's containers."""
    name = f"test-{uuid.uuid4().hex}"
    yield name
    engine.docker_output("volume", "rm", "--force", name)


@pytest.fixture
def containers() -> Iterator[list[engine.Container]]:
    """The containers a test starts, removed after it."""
    started: list[engine.Container] = []
    yield started
    for container in started:
        container.remove()


def documented_runs() -> list[str]:
    """The guide's `docker run` lines, as a user would paste them."""
    return [line for line in GUIDE.splitlines() if line.startswith("docker run")]


def as_test_args(line: str, image: str, pwd: Path, volume: str) -> list[str]:
    """A documented line's arguments after `docker run --rm -p 8000:8000`: the image is the test's,
    $PWD a folder of the test's, a named volume one of the test's."""
    assert line.startswith(DOCUMENTED_RUN), line
    args = shlex.split(line.removeprefix(DOCUMENTED_RUN).replace("$PWD", str(pwd)))
    named = "fake-smartengage-data:"
    args = [volume + ":" + arg.removeprefix(named) if arg.startswith(named) else arg for arg in args]
    return [image if arg == "fake-smartengage" else arg for arg in args]


def avatars(url: str, key: str) -> httpx.Response:
    return httpx.get(f"{url}/avatars/list", headers={"Authorization": f"Bearer {key}"}, trust_env=False)


def stop_exits_zero(container: engine.Container) -> None:
    # Docker kills what has not stopped after --time seconds (exit 137): exit 0 is a stop within 3 s.
    container.docker("stop", "--time", "3", container.id)
    assert container.state("ExitCode") == "0", container.logs()


@pytest.mark.parametrize(
    "line",
    [line for line in documented_runs() if line.startswith(DOCUMENTED_RUN)],
    ids=lambda line: line.removeprefix(DOCUMENTED_RUN),
)
def test_documented_docker_run_serves_as_the_guide_says(line, image, volume, containers, tmp_path):
    for folder in ("fixtures", "more-fixtures"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "shop.json").write_text(json.dumps(SHOP))
    container = engine.Container(*as_test_args(line, image, tmp_path, volume))
    containers.append(container)
    container.wait_until_healthy()

    default_replaced = ":/fixtures:" in line
    assert avatars(container.url, DEFAULT_KEY).status_code == (401 if default_replaced else 200)
    if "-fixtures:/" in line or default_replaced:
        shop = avatars(container.url, SHOP_KEY)
        assert shop.status_code == 200 and shop.json()[0]["brand_name"] == "Shop", shop.text
    if "FAKE_SMARTENGAGE_LOG_LEVEL=warning" in line:
        assert "/avatars/list" not in container.logs()
    # Writable state, even on a read-only root file system.
    with engine.harness(container.url) as fake:
        fake.load(RENAMED)
    assert avatars(container.url, DEFAULT_KEY).json()[0]["brand_name"] == "Renamed"
    stop_exits_zero(container)


def test_documented_version_line_prints_the_version(image):
    (line,) = [line for line in documented_runs() if line.endswith(" --version")]
    args = shlex.split(line.replace("fake-smartengage --version", f"{image} --version"))
    assert engine.docker_output(*args[1:]) == f"fake-smartengage {__version__}"


def test_reference_examples_answer_as_from_make_run_as_a_non_root_user(image, containers, tmp_path):
    container = engine.Container(image)
    containers.append(container)
    container.wait_until_healthy()
    assert httpx.get(f"{container.url}/_fake/health", trust_env=False).json() == {
        "status": "ok",
        "version": __version__,
    }
    # The answers docs/guides/curl-examples.md shows, which tests/test_curl_examples.py gets from `make run`.
    for (_, example), (_, answer) in zip(FIXED[::2], FIXED[1::2], strict=True):
        output = run_in_shell(["/usr/bin/bash", "--noprofile", "--norc", "-c"], container, example, tmp_path)
        assert output + "\n" == answer, example
    status = container.docker("exec", container.id, "cat", "/proc/1/status")
    uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
    assert set(uids) == {"10001"}, status  # the server, PID 1, with every uid non-root
    stop_exits_zero(container)


def test_state_on_a_volume_survives_restart_and_a_new_container(image, volume, containers):
    (line,) = [line for line in documented_runs() if "FAKE_SMARTENGAGE_DB=" in line and ":/data " in line]
    args = as_test_args(line, image, Path("/nonexistent"), volume)
    first = engine.Container(*args)
    containers.append(first)
    first.wait_until_healthy()
    with engine.harness(first.url) as fake:
        fake.load(RENAMED)

    first.docker("restart", "--time", "3", first.id)
    first.wait_until_healthy()
    assert avatars(first.url, DEFAULT_KEY).json()[0]["brand_name"] == "Renamed"
    stop_exits_zero(first)

    second = engine.Container(*args)
    containers.append(second)
    second.wait_until_healthy()
    assert avatars(second.url, DEFAULT_KEY).json()[0]["brand_name"] == "Renamed"
    stop_exits_zero(second)


def test_a_bad_variable_exits_at_once_with_one_line_in_the_logs(image, containers):
    container = engine.Container("-e", "FAKE_SMARTENGAGE_RATE_LIMIT=often", image)
    containers.append(container)
    assert container.wait() == 2
    (line,) = container.logs().splitlines()
    assert "FAKE_SMARTENGAGE_RATE_LIMIT" in line and "'often'" in line, line


def test_image_adds_at_most_150_mb_to_its_base(image):
    size = int(engine.docker_output("image", "inspect", "--format", "{{.Size}}", image))
    base = int(engine.docker_output("image", "inspect", "--format", "{{.Size}}", engine.BASE_IMAGE))
    assert size - base <= MAX_ADDED_BYTES, f"the image adds {(size - base) / 1e6:.0f} MB to {engine.BASE_IMAGE}"
