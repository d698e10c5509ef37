"""Real `fake-smartengage` processes for the tests that go over TCP."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

SCRIPT = Path(sys.executable).parent / "fake-smartengage"
STARTUP_DEADLINE = 15.0
POLL_INTERVAL = 0.02


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    stdout_path: Path
    stderr_path: Path

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env() -> dict[str, str]:
    # A developer's FAKE_SMARTENGAGE_* settings (a --db file, say) must not leak into the test server.
    return {name: value for name, value in os.environ.items() if not name.startswith("FAKE_SMARTENGAGE_")}


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def running_server(logs: Path, *args: str) -> Iterator[Server]:
    """`fake-smartengage serve` on a free port with `args`, healthy when this yields."""
    assert SCRIPT.exists(), f"console script not installed next to the interpreter: {SCRIPT}"
    port = free_port()
    # Output goes to files, not pipes: nothing can block on a full pipe, and both can be read at any time.
    stdout_path, stderr_path = logs / "stdout.txt", logs / "stderr.txt"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [str(SCRIPT), "serve", "--port", str(port), "--log-level", "warning", *args],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=server_env(),
        )
    scheme = "https" if "--ssl-certfile" in args else "http"
    server = Server(f"{scheme}://127.0.0.1:{port}", process, stdout_path, stderr_path)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        stop(process)


def wait_until_healthy(server: Server) -> None:
    """Polls /_fake/health until it answers 200, the process dies, or the deadline passes."""
    deadline = time.monotonic() + STARTUP_DEADLINE
    last_error = "no answer yet"
    # A test server's certificate is self-signed: what is tested is that it serves https at all.
    with httpx.Client(base_url=server.url, trust_env=False, timeout=1.0, verify=False) as client:
        while True:
            if server.process.poll() is not None:
                pytest.fail(
                    f"fake-smartengage serve exited with status {server.process.returncode} before it was ready;"
                    f" stderr:\n{server.stderr()}",
                    pytrace=False,
                )
            try:
                response = client.get("/_fake/health")
                if response.status_code == 200 and response.json().get("status") == "ok":
                    return
                last_error = f"{response.status_code} {response.text}"
            except httpx.TransportError as error:
                last_error = repr(error)
            if time.monotonic() > deadline:
                stop(server.process)
                pytest.fail(
                    f"fake-smartengage serve was not healthy within {STARTUP_DEADLINE}s (last: {last_error});"
                    f" stderr:\n{server.stderr()}",
                    pytrace=False,
                )
            time.sleep(POLL_INTERVAL)


def wait_until(ready: Callable[[], bool], server: Server, what: str, timeout: float = STARTUP_DEADLINE) -> None:
    """Calls `ready` until it returns true; fails the test if the server's process exits first or
    `timeout` passes. For readiness checks other than the health route."""
    start = time.monotonic()
    while not ready():
        if server.process.poll() is not None:
            pytest.fail(
                f"the server exited with status {server.process.returncode} before {what}; stderr:\n{server.stderr()}",
                pytrace=False,
            )
        if time.monotonic() - start > timeout:
            stop(server.process)
            pytest.fail(f"not {what} within {timeout}s; stderr:\n{server.stderr()}", pytrace=False)
        time.sleep(POLL_INTERVAL)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what could point a child at the source tree or a venv."""
    skip = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONUSERBASE")
    env = {k: v for k, v in os.environ.items() if k not in skip and not k.startswith("FAKE_SMARTENGAGE_")}
    return {**env, **extra}


def make_venv(path: Path) -> Path:
    """A fresh virtualenv made by this interpreter's venv module (not the project's .venv)."""
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(path)], check=True, capture_output=True, env=clean_env())
    return path
