"""The CI sidecar guide (docs/guides/ci-sidecar.md), and every `docker run` line of the docs, are kept honest.

The files the guide shows live under examples/ and equal its blocks; the YAML parses and
has what each CI needs; every `docker run` line uses flags, variables, paths and arguments the
image and the CLI accept; what the prose says about the image matches the Dockerfile. (The
`docker run` line with a fixture mount is also run, in tests/test_docker_recipe.py.)
"""

import os
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from conftest import DEFAULT_KEY
from dockerfile import cli_variables, env_pairs, healthcheck_command, parse, parse_docker_run, stages
from fake_smartengage import __version__
from fake_smartengage.app import create_app
from fake_smartengage.cli import parse_args
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

FINAL = stages(parse((ROOT / "Dockerfile").read_text()))[-1]
ENV = {key: value for i in FINAL.instructions if i.keyword == "ENV" for key, value in env_pairs(i).items()}
(HEALTHCHECK,) = [i for i in FINAL.instructions if i.keyword == "HEALTHCHECK"]
(EXPOSED,) = [i.rest for i in FINAL.instructions if i.keyword == "EXPOSE"]
(WORKDIR,) = [i.rest for i in FINAL.instructions if i.keyword == "WORKDIR"]
(USER,) = [i.rest for i in FINAL.instructions if i.keyword == "USER"]


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
    assert ours <= cli_variables(), f"variables the CLI does not know: {ours - cli_variables()}"


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


def test_compose_waits_for_the_health_check():
    services = load("docker-compose.yml")["services"]
    fake = services["smartengage"]
    assert fake["image"] == IMAGE
    assert fake["healthcheck"]["test"] == ["CMD", *healthcheck_command(HEALTHCHECK)]
    assert [port.split(":")[-1] for port in fake["ports"]] == [EXPOSED]
    assert_known_variables(fake["environment"])
    app = services["app"]
    assert app["depends_on"] == {"smartengage": {"condition": "service_healthy"}}
    url = urlsplit(app["environment"]["SMARTENGAGE_BASE_URL"])
    assert (url.hostname, str(url.port)) == ("smartengage", EXPOSED)  # by service name, on the container port
    assert app["environment"]["SMARTENGAGE_API_KEY"] == DEFAULT_KEY
    # The commented-out mount is the documented one.
    assert "#   - ./fixtures:/fixtures:ro" in (EXAMPLES / "docker-compose.yml").read_text()


def test_github_actions_service_has_health_options():
    workflow = load("github-actions.yml")
    assert workflow[True] == ["push", "pull_request"]  # YAML 1.1 reads the key `on` as true
    (job,) = workflow["jobs"].values()
    service = job["services"]["smartengage"]
    assert service["image"] == IMAGE
    assert_known_variables(service["env"])
    options = shlex.split(service["options"])
    assert shlex.split(options[options.index("--health-cmd") + 1]) == healthcheck_command(HEALTHCHECK)
    assert {"--health-interval", "--health-timeout", "--health-retries"} <= set(options)
    (host_port, container_port) = str(service["ports"][0]).split(":")
    assert container_port == EXPOSED
    url = urlsplit(job["env"]["SMARTENGAGE_BASE_URL"])
    assert (url.hostname, str(url.port)) == ("localhost", host_port)  # the steps run on the runner
    assert any(step.get("uses", "").startswith("actions/checkout@") for step in job["steps"])


def test_gitlab_service_is_reached_by_its_alias():
    (job,) = load("gitlab-ci.yml").values()
    (service,) = job["services"]
    assert service["name"] == IMAGE
    assert_known_variables(service["variables"])
    url = urlsplit(job["variables"]["SMARTENGAGE_BASE_URL"])
    assert (url.hostname, str(url.port)) == (service["alias"], EXPOSED)
    assert job["script"]


def docker_runs() -> list[str]:
    return [
        line
        for block in blocks("sh")
        for line in block.replace("\\\n", " ").splitlines()
        if line.startswith("docker run")
    ]


def test_documented_docker_run_lines_use_what_the_image_and_cli_support(monkeypatch):
    builds = {line for block in blocks("sh") for line in block.splitlines() if line.startswith("docker build")}
    (build,) = builds  # every page builds the image the same way
    tag = build.split("-t ")[1].split()[0]
    assert build.endswith(" .")
    runs = docker_runs()
    assert len(runs) >= 5
    for line in runs:
        run = parse_docker_run(line, {"PWD": "/home/me/project"})
        assert run.image == tag, line
        assert all(container == EXPOSED for _, container in run.ports), line
        assert_known_variables(run.env)
        fixtures = run.env.get("FAKE_SMARTENGAGE_FIXTURES") or ENV["FAKE_SMARTENGAGE_FIXTURES"]
        for _, target, options in run.volumes:
            # Mounted where the image reads fixtures or where its user may write.
            assert target in fixtures.split(":") or target == WORKDIR, line
            assert options in ("", "ro"), line
            if target == WORKDIR:
                assert "ro" not in options and run.env["FAKE_SMARTENGAGE_DB"].startswith(WORKDIR + "/"), line
        # The variables and the arguments are ones the CLI accepts (the image's ENTRYPOINT is the CLI).
        for name in list(os.environ):
            if name.startswith("FAKE_SMARTENGAGE_"):
                monkeypatch.delenv(name)
        for name, value in {**ENV, **run.env}.items():
            monkeypatch.setenv(name, value)
        argv = run.args or ["serve"]
        if argv == ["--version"]:
            with pytest.raises(SystemExit) as exited:
                parse_args(argv)
            assert exited.value.code == 0
        else:
            command, settings = parse_args(argv)
            assert command == "serve" and settings.host == "0.0.0.0" and str(settings.port) == EXPOSED


def test_guide_describes_the_dockerfile():
    section = docker_section()
    sentence = re.search(r"The image sets(.*?)\.\s", section, re.DOTALL).group(1)
    said = dict(re.findall(r"`(FAKE_SMARTENGAGE_[A-Z_]+)=([^`]+)`", sentence))
    assert said == {key: value for key, value in ENV.items() if key.startswith("FAKE_SMARTENGAGE_")}
    assert f"(uid {USER.split(':')[0]})" in section
    assert f"`{WORKDIR}` is the only" in section
    flags = HEALTHCHECK.flags
    assert (flags["interval"], flags["start-period"], flags["start-interval"]) == ("10s", "30s", "1s")
    assert "every second for up to 30 s" in section and "runs\n  every 10 s" in section


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
