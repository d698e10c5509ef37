"""A container engine for the container tests: found, or installed and started, and the image built.

`make test` runs `python tests/engine.py up` before pytest and `down` after it: `up` starts Debian's
dockerd when no engine answers (installing docker.io first when it is missing), and makes the base
image when no registry can give it; `down` stops only a dockerd that `up` started. The tests then build
the Dockerfile with `build_image()` (once per session and machine: later builds are the engine's cache),
or skip, saying why, when no engine answers.
"""

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fake_smartengage.testing import FakeSmartEngage

ROOT = Path(__file__).parent.parent
STATE = ROOT / "build" / "engine"
DOCKERD_PID = STATE / "dockerd.pid"
DOCKERD_LOG = STATE / "dockerd.log"
IMAGE = "fake-smartengage:test"
# The FROM of the Dockerfile, which the tests make from Debian's packages when no registry gives it.
BASE_IMAGE = "debian:bookworm-slim"
BASE_SUITE = "bookworm"
# The CA bundle of this system, handed to pip inside the build as the pip_ca secret (a TLS-intercepting
# proxy between the build and PyPI is trusted through it; on an ordinary network it changes nothing).
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")

# What debuerreotype does to Debian's minbase to make the official slim image: no docs, manuals or
# translations installed, no package files or indexes kept.
_SLIM_DPKG = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
"""
_SLIM_APT = {
    "docker-clean": (
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb'
        ' /var/cache/apt/*.bin || true"; };\n'
        'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb'
        ' /var/cache/apt/*.bin || true"; };\n'
        'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
    ),
    "docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
    "docker-no-languages": 'Acquire::Languages "none";\n',
    "docker-gzip-indexes": 'Acquire::GzipIndexes "true";\nAcquire::CompressionTypes::Order:: "gz";\n',
}
# The official image's sources: the release with its updates and security updates.
_SOURCES = f"""\
Types: deb
URIs: http://deb.debian.org/debian
Suites: {BASE_SUITE} {BASE_SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: {BASE_SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


class NoEngine(Exception):
    """No container engine answers here; the message says why."""


def _run(argv: list[str], **options) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, **options)


def _can_build_with_buildkit(docker: str) -> bool:
    # Docker before 23 has BuildKit inside its CLI; later CLIs build with BuildKit only through buildx.
    version = _run([docker, "version", "--format", "{{.Client.Version}}"]).stdout.strip()
    if version and int(version.split(".")[0]) < 23:
        return True
    return _run([docker, "buildx", "version"]).returncode == 0


@cache
def docker() -> str:
    """The docker CLI to drive the engine with: $DOCKER, else the first that can build with BuildKit."""
    if "DOCKER" in os.environ:
        return os.environ["DOCKER"]
    candidates = [found for found in (shutil.which("docker"), "/usr/bin/docker") if found and Path(found).exists()]
    for candidate in candidates:
        if _can_build_with_buildkit(candidate):
            return candidate
    raise NoEngine(f"no docker CLI that builds with BuildKit among {candidates or 'none found'}")


def engine_answers() -> bool:
    try:
        return _run([docker(), "info"], timeout=30).returncode == 0
    except (NoEngine, OSError, subprocess.TimeoutExpired):
        return False


# Debian's packages for the engine, the compose example, the base image, and the podman build.
_PACKAGES = {
    "dockerd": "docker.io",
    "docker-compose": "docker-compose",
    "debootstrap": "debootstrap",
    "podman": "podman",
}


def _install_packages() -> None:
    missing = [package for command, package in _PACKAGES.items() if not shutil.which(command)]
    if not missing:
        return
    print(f"engine: installing Debian's {', '.join(missing)}", flush=True)
    apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=apt)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=apt)
    docker.cache_clear()


def _start_dockerd() -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    with DOCKERD_LOG.open("w") as log:
        process = subprocess.Popen(["dockerd"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    DOCKERD_PID.write_text(str(process.pid))
    deadline = time.monotonic() + 60
    while not engine_answers():
        if process.poll() is not None or time.monotonic() > deadline:
            stop()
            raise NoEngine(f"dockerd did not start: {DOCKERD_LOG.read_text()[-2000:]}")
        time.sleep(0.5)


def _make_base_image() -> None:
    """debian:bookworm-slim from Debian's packages: debootstrap's minbase, slimmed as the official one."""
    if _run([docker(), "image", "inspect", BASE_IMAGE]).returncode == 0:
        return
    if _run([docker(), "pull", BASE_IMAGE]).returncode == 0:
        return
    print(f"engine: no registry gives {BASE_IMAGE}; making it with debootstrap (about a minute)", flush=True)
    with tempfile.TemporaryDirectory(prefix="base-image-") as work:
        rootfs = Path(work) / "rootfs"
        subprocess.run(
            ["debootstrap", "--variant=minbase", BASE_SUITE, str(rootfs), "http://deb.debian.org/debian"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (rootfs / "etc/dpkg/dpkg.cfg.d/docker").write_text(_SLIM_DPKG)
        for name, text in _SLIM_APT.items():
            (rootfs / "etc/apt/apt.conf.d" / name).write_text(text)
        (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
        (rootfs / "etc/apt/sources.list.d/debian.sources").write_text(_SOURCES)
        # What the excludes above would have kept out, and what debootstrap leaves behind.
        removed = ["var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*", "var/log/*.log"]
        removed += ["usr/share/man/*", "usr/share/info/*", "usr/share/locale/*", "usr/share/groff/*"]
        subprocess.run(["sh", "-c", f"cd {rootfs} && rm -rf {' '.join(removed)}"], check=True)
        subprocess.run(
            ["sh", "-c", f"cd {rootfs} && find usr/share/doc -mindepth 2 ! -name copyright ! -type d -delete"],
            check=True,
        )
        tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        imported = _run([docker(), "import", "--change", 'CMD ["bash"]', "-", BASE_IMAGE], stdin=tar.stdout)
        tar.wait()
        if imported.returncode != 0:
            raise NoEngine(f"docker import failed: {imported.stderr}")


def up() -> None:
    """An engine answering, and the base image in it; NoEngine says why not."""
    if os.geteuid() == 0:
        _install_packages()
    if not engine_answers():
        if os.geteuid() != 0:
            raise NoEngine("no engine answers, and only root can install and start dockerd")
        _start_dockerd()
    _make_base_image()


def stop() -> None:
    """Stops the dockerd that up() started, if any; an engine found running is left alone."""
    if not DOCKERD_PID.exists():
        return
    pid = int(DOCKERD_PID.read_text())
    DOCKERD_PID.unlink()
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)


@cache
def build_image() -> str:
    """The Dockerfile built into IMAGE; one build per machine at a time (xdist workers share the cache)."""
    if not engine_answers():
        raise NoEngine("no container engine answers (`make test` starts one: python tests/engine.py up)")
    STATE.mkdir(parents=True, exist_ok=True)
    command = [docker(), "build", "--quiet", "--tag", IMAGE]
    if CA_BUNDLE.exists():
        command += ["--secret", f"id=pip_ca,src={CA_BUNDLE}"]
    with (STATE / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = _run([*command, str(ROOT)], env={**os.environ, "DOCKER_BUILDKIT": "1"})
    if built.returncode != 0:
        raise RuntimeError(f"docker build failed:\n{built.stderr}")
    return IMAGE


if __name__ == "__main__":
    commands = {"up": up, "down": stop}
    if sys.argv[1:] not in ([name] for name in commands):
        sys.exit("usage: python tests/engine.py up|down")
    try:
        commands[sys.argv[1]]()
    except (NoEngine, subprocess.CalledProcessError, OSError) as error:
        banner = "!" * 100
        print(f"{banner}\nmake test: NO CONTAINER ENGINE: {error}", flush=True)
        print("The container tests (tests/test_container*.py, tests/test_docker_docs.py) will be SKIPPED.", flush=True)
        print(banner, flush=True)


PODMAN_IMAGE = "localhost/fake-smartengage:podman"
PODMAN_ENV = {**os.environ, "CONTAINERS_CONF": str(ROOT / "tests" / "podman-containers.conf")}


def podman(*args: str) -> subprocess.CompletedProcess:
    return _run(["podman", *args], env=PODMAN_ENV)


def build_podman_image() -> str:
    """The Dockerfile built by podman into PODMAN_IMAGE, on the base Docker has (podman has no registry
    either). --format docker: podman's default (OCI) has no HEALTHCHECK and drops the Dockerfile's."""
    if not shutil.which("podman"):
        raise NoEngine("podman is not installed (`make test` installs it as root: apt-get install podman)")
    if podman("image", "exists", BASE_IMAGE).returncode != 0:
        saved = subprocess.Popen([docker(), "save", BASE_IMAGE], stdout=subprocess.PIPE)
        loaded = _run(["podman", "load"], stdin=saved.stdout, env=PODMAN_ENV)
        saved.wait()
        if loaded.returncode != 0:
            raise RuntimeError(f"podman load of {BASE_IMAGE}: {loaded.stderr}")
    command = ["build", "--format", "docker", "--quiet", "--tag", PODMAN_IMAGE]
    if CA_BUNDLE.exists():
        command += ["--secret", f"id=pip_ca,src={CA_BUNDLE}"]
    built = podman(*command, str(ROOT))
    if built.returncode != 0:
        raise RuntimeError(f"podman build failed:\n{built.stderr}")
    return PODMAN_IMAGE


class Container:
    """A container of the test image, its port 8000 published on 127.0.0.1 (`docker run -d ARGS`)."""

    def __init__(self, *args: str) -> None:
        started = _run([docker(), "run", "-d", "-p", "127.0.0.1::8000", *args])
        if started.returncode != 0:
            raise RuntimeError(f"docker run {' '.join(args)}: {started.stderr}")
        self.id = started.stdout.strip()

    def docker(self, *args: str) -> str:
        return docker_output(*args)

    def state(self, field: str) -> str:
        return self.docker("inspect", "--format", f"{{{{.State.{field}}}}}", self.id)

    @property
    def url(self) -> str:
        return f"http://{self.docker('port', self.id, '8000').splitlines()[0]}"

    def logs(self) -> str:
        completed = _run([docker(), "logs", self.id])
        return completed.stdout + completed.stderr

    def wait_until_healthy(self, timeout: float = 60) -> None:
        """Until Docker's own HEALTHCHECK reports healthy; fails with the logs if it stops or times out."""
        deadline = time.monotonic() + timeout
        while (health := self.state("Health.Status")) != "healthy":
            if self.state("Running") != "true" or health == "unhealthy" or time.monotonic() > deadline:
                raise AssertionError(f"not healthy ({health}); logs:\n{self.logs()}")
            time.sleep(0.1)

    def wait(self) -> int:
        """The exit status, once the container has stopped."""
        return int(self.docker("wait", self.id))

    def remove(self) -> None:
        _run([docker(), "rm", "--force", "--volumes", self.id])


def docker_output(*args: str) -> str:
    completed = _run([docker(), *args])
    if completed.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)}: {completed.stderr}")
    return completed.stdout.strip()


def harness(url: str) -> "FakeSmartEngage":
    from fake_smartengage.testing import FakeSmartEngage

    return FakeSmartEngage(url)


# testcontainers-python on these machines: the Ryuk image (its reaper) cannot be pulled, and the marker
# file /.dockerenv at the root makes it believe it runs inside a container. Read when it is imported.
TESTCONTAINERS_ENV = {"TESTCONTAINERS_RYUK_DISABLED": "true", "TESTCONTAINERS_CONNECTION_MODE": "docker_host"}


def testcontainers_env() -> None:
    """TESTCONTAINERS_ENV in this process (unless set already), before testcontainers is imported."""
    for name, value in TESTCONTAINERS_ENV.items():
        os.environ.setdefault(name, value)
