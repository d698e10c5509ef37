"""The image in what users run it with: examples/docker-compose.yml under Debian's docker-compose,
`SmartEngageContainer` (Testcontainers), the pytest plugin's --smartengage-image, and podman.

Without an engine (tests/engine.py says why) these tests skip; `make test` starts one.
"""

import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

import engine
from conftest import DEFAULT_KEY

pytest_plugins = ["pytester"]

ROOT = Path(__file__).parent.parent
# What the example's app would do: one request to the fake, by the URL and key the example gives it.
APP_REQUEST = (
    "import os, urllib.request as http; "
    "request = http.Request(os.environ['SMARTENGAGE_BASE_URL'] + '/avatars/list', "
    "headers={'Authorization': 'Bearer ' + os.environ['SMARTENGAGE_API_KEY']}); "
    "print(http.urlopen(request).read().decode())"
)


@pytest.fixture(autouse=True, scope="module")
def testcontainers_settings() -> None:
    engine.testcontainers_env()


def test_compose_example_starts_the_app_once_the_fake_is_healthy(image, tmp_path):
    compose = shutil.which("docker-compose")
    if compose is None:
        pytest.fail("docker-compose is not installed: apt-get install docker-compose (make test does)")
    example = yaml.safe_load((ROOT / "examples" / "docker-compose.yml").read_text())
    services = example["services"]
    # The example as it is, but for the image (the one built here), the host port (any free one on
    # 127.0.0.1), and the app, which is yours: here, one request from a container of the same image.
    services["smartengage"] |= {"image": image, "ports": ["127.0.0.1::8000"]}
    del services["app"]["build"]
    services["app"] |= {"image": image, "entrypoint": ["python3", "-c", APP_REQUEST]}
    (tmp_path / "docker-compose.yml").write_text(yaml.safe_dump(example))
    project = ["--project-name", f"test{uuid.uuid4().hex[:12]}", "--project-directory", str(tmp_path)]
    command = [compose, "--file", str(tmp_path / "docker-compose.yml"), *project]
    try:
        up = subprocess.run(
            [*command, "up", "--no-color", "--exit-code-from", "app"], capture_output=True, text=True, timeout=120
        )
    finally:
        subprocess.run([*command, "down", "--volumes"], capture_output=True, timeout=60)
    assert up.returncode == 0, up.stdout + up.stderr
    assert '"brand_name":"SmartEngage"' in up.stdout, up.stdout


def test_smartengage_container_serves_and_hands_over_the_harness(image):
    from fake_smartengage.testing import SmartEngageContainer

    with SmartEngageContainer(image, options={"duplicates": "conflict"}) as fake:
        base_url = fake.get_base_url()
        avatars = httpx.get(
            f"{base_url}/avatars/list", headers={"Authorization": f"Bearer {fake.api_key}"}, trust_env=False
        )
        assert avatars.status_code == 200 and fake.api_key == DEFAULT_KEY
        with fake.harness.tenant({"accounts": [{"api_key": "x", "avatars": [{"avatar_id": 5}]}]}) as tenant:
            tags = tenant.client.get("/tags/list", params={"avatar_id": 5})
            assert tags.status_code == 200, tags.text
            assert [entry["path"] for entry in tenant.requests()] == ["/tags/list"]
        variables = fake.get_wrapped_container().attrs["Config"]["Env"]
        assert "FAKE_SMARTENGAGE_DUPLICATES=conflict" in variables
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base_url}/_fake/health", trust_env=False)
    with pytest.raises(ValueError, match="duplicates: invalid value 'sometimes'"):
        SmartEngageContainer(image, options={"duplicates": "sometimes"})


def test_guide_example_runs(image):
    guide = (ROOT / "docs" / "guides" / "ci-sidecar.md").read_text()
    (example,) = re.findall(r"^```python\n(.*?)^```\n", guide, re.MULTILINE | re.DOTALL)
    assert 'SmartEngageContainer("fake-smartengage"' in example
    exec(example.replace('"fake-smartengage"', repr(image)), {})


def test_plugin_runs_its_session_server_as_the_container(image, pytester):
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def smartengage_settings():
            return {"duplicates": "conflict"}
        """
    )
    pytester.makepyfile(
        f"""
        import subprocess
        from urllib.parse import urlsplit

        def test_served_by_the_container(smartengage, smartengage_server):
            assert smartengage.client.get("/avatars/list").status_code == 200
            port = urlsplit(smartengage_server.base_url).port
            running = [{engine.docker()!r}, "ps", "--filter", f"publish={{port}}", "--format", "{{{{.Image}}}}"]
            assert subprocess.run(running, capture_output=True, text=True).stdout.split()[:1] == [{image!r}]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--smartengage-image={image}")
    result.assert_outcomes(passed=1)


def test_testing_package_works_without_testcontainers(pytester):
    # testcontainers is an extra: without it, the rest of fake_smartengage.testing and the plugin work,
    # and --smartengage-image says what to install.
    pytester.makeconftest(
        """
        import sys

        sys.modules["testcontainers"] = None  # as if not installed: importing it raises ImportError
        """
    )
    pytester.makepyfile(
        """
        import pytest

        from fake_smartengage.testing import FakeSmartEngage

        def test_without(smartengage):
            assert smartengage.client.get("/avatars/list").status_code == 200
            with pytest.raises(ImportError):
                from fake_smartengage.testing import SmartEngageContainer
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    failed = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--smartengage-image=any")
    failed.assert_outcomes(errors=1)
    assert "pip install fake-smartengage[container]" in failed.stdout.str()


def test_podman_builds_and_runs_the_image(image):
    # Debian 12's podman (4.3) runs no periodic health checks without systemd: `podman healthcheck run`
    # runs the image's HEALTHCHECK once, which also proves the build kept it.
    try:
        built = engine.build_podman_image()
    except engine.NoEngine as error:
        pytest.skip(f"NO PODMAN: {error}")
    started = engine.podman("run", "-d", "-p", "127.0.0.1::8000", built)
    assert started.returncode == 0, started.stderr
    container = started.stdout.strip()
    try:
        address = engine.podman("port", container, "8000").stdout.split()[0]
        deadline = time.monotonic() + 60
        while engine.podman("healthcheck", "run", container).returncode != 0:
            assert time.monotonic() < deadline, engine.podman("logs", container).stderr
            time.sleep(0.1)
        avatars = httpx.get(
            f"http://{address}/avatars/list", headers={"Authorization": f"Bearer {DEFAULT_KEY}"}, trust_env=False
        )
        assert avatars.status_code == 200, avatars.text
        assert engine.podman("exec", container, "id", "-u").stdout.strip() == "10001"
        assert engine.podman("stop", "--time", "3", container).returncode == 0
        assert engine.podman("inspect", "--format", "{{.State.ExitCode}}", container).stdout.strip() == "0"
    finally:
        engine.podman("rm", "--force", container)
