"""`fake-smartengage serve` options that only a real process shows: request logs, https, the server stack."""

import importlib.util
import signal
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from conftest import DEFAULT_KEY
from fake_smartengage import errors
from processes import SCRIPT, Server, free_port, running_server, server_env, stop, wait_until, wait_until_healthy

AUTH = {"Authorization": f"Bearer {DEFAULT_KEY}"}


def test_info_log_level_logs_one_line_per_request(tmp_path):
    with (
        running_server(tmp_path, "--log-level", "info") as server,
        httpx.Client(base_url=server.url, headers=AUTH, trust_env=False) as http,
    ):
        http.get("/avatars/list")
        http.post("/tags/add", data={"avatar_id": "123", "subscriber_id": "1", "tag": "nope"})
    output = server.stdout() + server.stderr()
    assert output.count('"GET /avatars/list HTTP/1.1" 200') == 1
    assert output.count('"POST /tags/add HTTP/1.1" 404') == 1


def test_warning_log_level_silences_requests(tmp_path):
    with (
        running_server(tmp_path) as server,  # the helper serves with --log-level warning
        httpx.Client(base_url=server.url, headers=AUTH, trust_env=False) as http,
    ):
        assert http.get("/avatars/list").status_code == 200
    assert "/avatars/list HTTP" not in server.stdout() + server.stderr()


def test_serves_https_with_a_certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    with running_server(tmp_path, "--ssl-certfile", str(cert), "--ssl-keyfile", str(key)) as server:
        assert server.url.startswith("https://")
        with httpx.Client(
            base_url=server.url, headers=AUTH, verify=ssl.create_default_context(cafile=cert), trust_env=False
        ) as http:
            response = http.get("/avatars/list")
    assert response.status_code == 200
    assert len(response.json()) == 4
    assert f"on {server.url}" in server.stdout()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_ends_the_process_with_success(tmp_path, stop_signal):
    with running_server(tmp_path) as server:
        server.process.send_signal(stop_signal)
        assert server.process.wait(timeout=5) == 0
    assert "Traceback" not in server.stderr()


def test_healthcheck_command_succeeds_against_a_running_server(tmp_path):
    with running_server(tmp_path) as server:
        port = server.url.rsplit(":", 1)[1]
        env = {**server_env(), "FAKE_SMARTENGAGE_HOST": "0.0.0.0", "FAKE_SMARTENGAGE_PORT": port}
        completed = subprocess.run([str(SCRIPT), "healthcheck"], env=env, capture_output=True, text=True, timeout=10)
    assert completed.returncode == 0, completed.stderr


def test_healthcheck_ignores_proxy_variables(tmp_path):
    # Corporate CI containers set these; a proxy cannot reach the container's own loopback.
    closed = f"http://127.0.0.1:{free_port()}"
    proxies = {name: closed for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY")}
    env = {name: value for name, value in server_env().items() if name.lower() != "no_proxy"}
    with running_server(tmp_path) as server:
        port = server.url.rsplit(":", 1)[1]
        completed = subprocess.run(
            [str(SCRIPT), "healthcheck", "--port", port],
            env={**env, **proxies},
            capture_output=True,
            text=True,
            timeout=10,
        )
    assert completed.returncode == 0, completed.stderr


def test_port_file_appears_once_the_server_accepts_connections_and_goes_when_it_stops(tmp_path):
    port_file = tmp_path / "port"
    with (tmp_path / "out.txt").open("wb") as out:
        process = subprocess.Popen(
            [str(SCRIPT), "serve", "--port", "0", "--port-file", str(port_file), "--log-level", "warning"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=server_env(),
        )
    server = Server("", process, tmp_path / "out.txt", tmp_path / "out.txt")
    try:
        wait_until(port_file.exists, server, "the port file was written")
        port = int(port_file.read_text())
        # At once, without retrying: a script that waits for the file connects the moment it appears.
        response = httpx.get(f"http://127.0.0.1:{port}/avatars/list", headers=AUTH, trust_env=False)
        assert response.status_code == 200
        assert sorted(path.name for path in tmp_path.iterdir()) == ["out.txt", "port"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    finally:
        stop(process)
    assert not port_file.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.txt"]


def test_port_zero_picks_a_free_port_named_in_the_banner_and_the_port_file(tmp_path):
    port_file = tmp_path / "port"
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", "0", "--port-file", str(port_file), "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=server_env(),
    )
    try:
        banner = process.stdout.readline()  # printed once the port is bound
        port = int(port_file.read_text())
        assert port > 0
        assert f"on http://127.0.0.1:{port}" in banner
        server = Server(f"http://127.0.0.1:{port}", process, tmp_path / "none", tmp_path / "none")
        wait_until_healthy(server)
        assert httpx.get(f"{server.url}/avatars/list", headers=AUTH, trust_env=False).status_code == 200
    finally:
        stop(process)


def test_banner_says_when_no_fixture_was_found(tmp_path):
    empty = tmp_path / "fixtures"
    empty.mkdir()
    with running_server(tmp_path, "--fixtures", str(empty)) as server:
        assert httpx.get(f"{server.url}/avatars/list", headers=AUTH, trust_env=False).status_code == 401
    assert f"no fixture files in {empty}: no accounts" in server.stdout()


def test_a_profile_is_served_and_named_in_the_banner(tmp_path):
    (tmp_path / "profile.json").write_text('{"check_order": "key-first", "error_body": "string"}')
    with running_server(tmp_path, "--profile", str(tmp_path / "profile.json")) as server:
        refused = httpx.get(f"{server.url}/nowhere", trust_env=False)
        assert (refused.status_code, refused.json()) == (401, {"error": errors.missing_api_key().message})
    assert "behaviour profile: check_order=key-first, error_body=string" in server.stdout()


def native_modules(server: Server) -> set[str]:
    """Which of uvloop and httptools the server process has loaded (their compiled modules)."""
    maps = Path(f"/proc/{server.process.pid}/maps").read_text()
    return {name for name in ("uvloop", "httptools") if f"/{name}/" in maps}


@pytest.mark.skipif(
    not Path("/proc/self/maps").exists() or not all(importlib.util.find_spec(m) for m in ("uvloop", "httptools")),
    reason="reads /proc; the fast stack is installed where it has wheels",
)
def test_serves_on_uvloop_and_httptools_by_default_and_without_them_on_request(tmp_path):
    with running_server(tmp_path) as server:
        assert native_modules(server) == {"uvloop", "httptools"}
    plain = tmp_path / "plain"
    plain.mkdir()
    with (
        running_server(plain, "--loop", "asyncio", "--http", "h11") as server,
        httpx.Client(base_url=server.url, headers=AUTH, trust_env=False) as http,
    ):
        assert native_modules(server) == set()
        assert (
            http.post("/tags/add", data={"avatar_id": "123", "subscriber_id": "1", "tag": "tags1"}).status_code == 200
        )
