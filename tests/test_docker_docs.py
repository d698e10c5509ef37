"""The CI sidecar guide (docs/guides/ci-sidecar.md), and every `docker run` line of the docs, are kept honest.

The files the guide shows live under examples/ and equal its blocks; the YAML parses and
has what each CI needs; what they and the prose say about the image matches the image a real
engine built from the Dockerfile (whose `docker run` lines tests/test_container.py runs).
"""

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

import engine
from conftest import DEFAULT_KEY
from fake_smartengage import __version__
from fake_smartengage.app import create_app
from fake_smartengage.options import OPTIONS
from fake_smartengage.settings import Settings

ROOT = Path(__file__).parent.parent
SIDECAR_GUIDE = (ROOT / "docs" / "guides" / "ci-sidecar.md").read_text()
LOCAL_GUIDE = (ROOT / "docs" / "guides" / "local-development.md").read_text()
# The README and every page of the site: wherever a docker command or an image name appears.
ALL_DOCS = "\n".join(path.read_text() for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))])
REPOSITORY_FILES = "https://github.com/fake-smartengage/fake-smartengage/blob/main/"
EXAMPLES = ROOT / "examples"
FILES = ["docker-compose.yml", "github-actions.yml", "gitlab-ci.yml"]
IMAGE = f"ghcr.io/fake-smartengage/fake-smartengage:{__version__}"

CLI_VARIABLES = {option.env for option in OPTIONS}
SECOND = 1_000_000_000  # Docker gives a health check's times in nanoseconds


@pytest.fixture(scope="module")
def config(image: str) -> dict:
    """The image's configuration, as the engine that built it from the Dockerfile reports it."""
    config = yaml.safe_load(engine.docker_output("image", "inspect", "--format", "{{json .Config}}", image))
    config["Env"] = dict(pair.split("=", 1) for pair in config["Env"])
    (exposed,) = config["ExposedPorts"]
    config["Port"] = exposed.removesuffix("/tcp")
    return config


def docker_section() -> str:
    start = SIDECAR_GUIDE.index("\n## Docker\n")
    end = SIDECAR_GUIDE.find("\n## ", start + 1)
    return SIDECAR_GUIDE[start : end if end != -1 else len(SIDECAR_GUIDE)]


def blocks(language: str, text: str = ALL_DOCS) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```\n", text, re.MULTILINE | re.DOTALL)


def load(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / name).read_text())


def assert_known_variables(env: dict) -> None:
    ours = {name for name in env if name.startswith("FAKE_SMARTENGAGE_")}
    assert ours <= CLI_VARIABLES, f"variables the CLI does not know: {ours - CLI_VARIABLES}"


@pytest.mark.parametrize("name", FILES)
def test_guide_shows_each_example_file_as_it_is(name):
    shown = blocks("yaml", SIDECAR_GUIDE)
    assert (EXAMPLES / name).read_text() in shown, f"the CI sidecar guide has no yaml block equal to examples/{name}"
    assert f"[`examples/{name}`]({REPOSITORY_FILES}examples/{name})" in SIDECAR_GUIDE


@pytest.mark.parametrize("name", FILES)
def test_examples_pull_the_image_of_this_version(name):
    images = re.findall(r"ghcr\.io/\S+", (EXAMPLES / name).read_text())
    assert images and set(images) == {IMAGE}
    assert set(re.findall(r"ghcr\.io/[^\s`]+", ALL_DOCS)) == {IMAGE}


def test_compose_waits_for_the_health_check(config):
    services = load("docker-compose.yml")["services"]
    fake = services["smartengage"]
    assert fake["image"] == IMAGE
    assert fake["healthcheck"]["test"] == config["Healthcheck"]["Test"]
    assert [port.split(":")[-1] for port in fake["ports"]] == [config["Port"]]
    assert_known_variables(fake["environment"])
    app = services["app"]
    assert app["depends_on"] == {"smartengage": {"condition": "service_healthy"}}
    url = urlsplit(app["environment"]["SMARTENGAGE_BASE_URL"])
    assert (url.hostname, str(url.port)) == ("smartengage", config["Port"])  # by service name, on the container port
    assert app["environment"]["SMARTENGAGE_API_KEY"] == DEFAULT_KEY
    # The commented-out mount is the documented one.
    assert "#   - ./fixtures:/fixtures:ro" in (EXAMPLES / "docker-compose.yml").read_text()


def test_github_actions_service_has_health_options(config):
    workflow = load("github-actions.yml")
    assert workflow[True] == ["push", "pull_request"]  # YAML 1.1 reads the key `on` as true
    (job,) = workflow["jobs"].values()
    service = job["services"]["smartengage"]
    assert service["image"] == IMAGE
    assert_known_variables(service["env"])
    options = shlex.split(service["options"])
    assert ["CMD", *shlex.split(options[options.index("--health-cmd") + 1])] == config["Healthcheck"]["Test"]
    assert {"--health-interval", "--health-timeout", "--health-retries"} <= set(options)
    (host_port, container_port) = str(service["ports"][0]).split(":")
    assert container_port == config["Port"]
    url = urlsplit(job["env"]["SMARTENGAGE_BASE_URL"])
    assert (url.hostname, str(url.port)) == ("localhost", host_port)  # the steps run on the runner
    assert any(step.get("uses", "").startswith("actions/checkout@") for step in job["steps"])


def test_gitlab_service_is_reached_by_its_alias(config):
    (job,) = load("gitlab-ci.yml").values()
    (service,) = job["services"]
    assert service["name"] == IMAGE
    assert_known_variables(service["variables"])
    url = urlsplit(job["variables"]["SMARTENGAGE_BASE_URL"])
    assert (url.hostname, str(url.port)) == (service["alias"], config["Port"])
    assert job["script"]


def test_documented_docker_builds_are_one_and_the_same():
    builds = {line for block in blocks("sh") for line in block.splitlines() if "docker build" in line}
    # Every page builds the image the same way, with BuildKit (Docker before 23 needs the variable).
    assert builds == {"DOCKER_BUILDKIT=1 docker build -t fake-smartengage ."}


def test_guide_describes_the_image(config):
    section = docker_section()
    sentence = re.search(r"The image sets(.*?)\.\s", section, re.DOTALL).group(1)
    said = dict(re.findall(r"`(FAKE_SMARTENGAGE_[A-Z_]+)=([^`]+)`", sentence))
    assert said == {key: value for key, value in config["Env"].items() if key.startswith("FAKE_SMARTENGAGE_")}
    assert f"(uid {config['User'].split(':')[0]})" in section
    assert f"`{config['WorkingDir']}` is the only" in section
    assert config["Healthcheck"]["Interval"] == 2 * SECOND and "It checks every 2 s" in section


async def test_an_empty_fixture_folder_serves_no_accounts(tmp_path):
    # "An empty folder mounted on /fixtures starts a server with no accounts."
    app = create_app(Settings(fixtures=(tmp_path,)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fake") as client:
        answer = await client.get("/avatars/list", headers={"Authorization": f"Bearer {DEFAULT_KEY}"})
    assert answer.status_code == 401


def test_local_development_url_is_where_make_run_serves():
    (line,) = [
        line
        for block in blocks("sh", LOCAL_GUIDE)
        for line in block.splitlines()
        if line.startswith("SMARTENGAGE_BASE_URL=")
    ]
    url = urlsplit(line.split()[0].split("=", 1)[1])
    assert (url.hostname, url.port) == (Settings().host, Settings().port)
    assert f"SMARTENGAGE_API_KEY={DEFAULT_KEY}" in line


def test_checking_guide_shows_the_drift_workflow_as_it_is():
    guide = (ROOT / "docs" / "guides" / "checking-against-the-real-service.md").read_text()
    name = "smartengage-drift.yml"
    assert (EXAMPLES / name).read_text() in blocks("yaml", guide), (
        f"the guide has no yaml block equal to examples/{name}"
    )
    assert f"[`examples/{name}`]({REPOSITORY_FILES}examples/{name})" in guide
