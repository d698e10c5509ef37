"""Network faults and lost answers, as real clients see them over real sockets, on both HTTP stacks
and over TLS: each client raises what its users catch."""

import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from conftest import DEFAULT_KEY
from fake_smartengage.app import create_app
from fake_smartengage.harness.network import GARBAGE, NoConnection
from fake_smartengage.settings import Settings
from fake_smartengage.testing import FakeSmartEngage, ServerThread
from processes import running_server

AUTH = {"Authorization": f"Bearer {DEFAULT_KEY}"}
LIST = "/avatars/list"
TIMEOUT = 0.5  # the client's: a hang outlasts it
KINDS = {
    "reset": {},
    "empty": {},
    "garbage": {},
    "truncated": {"when": "after"},
    "hang": {"delay_ms": 60000},
}


@pytest.fixture(scope="module", params=["h11", "httptools"])
def server(request: pytest.FixtureRequest) -> Iterator[ServerThread]:
    with ServerThread(http=request.param) as server:
        yield server


@pytest.fixture
def fake(server: ServerThread) -> Iterator[FakeSmartEngage]:
    with FakeSmartEngage(server.base_url) as fake:
        yield fake
        fake.clear_faults()
        fake.reset()


def _raw_get(server: ServerThread) -> tuple[bytes, BaseException | None]:
    """What a raw socket reads for GET /avatars/list until the server closes, and how it ended."""
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT) as sock:
        sock.sendall(f"GET {LIST} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {DEFAULT_KEY}\r\n\r\n".encode())
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except OSError as error:
            return received, error
        return received, None


def test_reset_is_a_tcp_reset_before_a_byte(server, fake):
    fake.fail("GET", LIST, kind="reset")
    assert isinstance(_raw_get(server)[1], ConnectionResetError)


def test_empty_closes_without_a_byte(server, fake):
    fake.fail("GET", LIST, kind="empty")
    assert _raw_get(server) == (b"", None)


def test_garbage_is_not_http_then_a_close(server, fake):
    fake.fail("GET", LIST, kind="garbage")
    assert _raw_get(server) == (GARBAGE, None)


def test_truncated_sends_the_full_length_and_half_the_body(server, fake):
    fake.fail("GET", LIST, kind="truncated", when="after")
    received, ended = _raw_get(server)
    head, _, body = received.partition(b"\r\n\r\n")
    assert ended is None and head.startswith(b"HTTP/1.1 200 OK")
    length = int(
        next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")).split(b":")[1]
    )
    assert len(body) == length // 2


def test_truncated_before_the_route_cuts_its_own_answer_of_any_status(server, fake):
    fake.fail("GET", LIST, kind="truncated", status=599)
    received, ended = _raw_get(server)
    assert ended is None and received.startswith(b"HTTP/1.1 599 \r\n")
    assert b'{"error":{"type":"api_error","mess' in received and b"Injected fault" not in received


def test_hang_sends_nothing_until_the_client_gives_up(server, fake):
    fake.fail("GET", LIST, kind="hang", delay_ms=60000)
    assert isinstance(_raw_get(server)[1], TimeoutError)


REQUESTS_ERRORS = {
    "reset": (requests.ConnectionError, "ConnectionResetError"),
    "empty": (requests.ConnectionError, "RemoteDisconnected"),
    "garbage": (requests.ConnectionError, "BadStatusLine"),
    "truncated": (requests.exceptions.ChunkedEncodingError, "IncompleteRead"),
    "hang": (requests.ConnectionError, "Read timed out"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_requests_with_urllib3_retry_sees_each_kind_and_retries_it(server, fake, kind):
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=Retry(total=0, read=0)))
    fake.fail("GET", LIST, kind=kind, **KINDS[kind])
    error, cause = REQUESTS_ERRORS[kind]
    with pytest.raises(error, match=cause):
        session.get(server.base_url + LIST, headers=AUTH, timeout=TIMEOUT)
    # A Retry that reads again (GET is idempotent) gets through the next time.
    session.mount("http://", HTTPAdapter(max_retries=Retry(total=1, read=1, connect=1, other=1, backoff_factor=0)))
    fake.fail("GET", LIST, kind=kind, **KINDS[kind])
    if kind == "truncated":  # urllib3 retries only before the body: the cut body reaches the caller
        with pytest.raises(error, match=cause):
            session.get(server.base_url + LIST, headers=AUTH, timeout=TIMEOUT)
    else:
        assert session.get(server.base_url + LIST, headers=AUTH, timeout=TIMEOUT).status_code == 200


HTTPX_ERRORS = {
    "reset": httpx.ReadError,
    "empty": httpx.RemoteProtocolError,
    "garbage": httpx.RemoteProtocolError,
    "truncated": httpx.RemoteProtocolError,
    "hang": httpx.ReadTimeout,
}


@pytest.mark.parametrize("kind", KINDS)
def test_httpx_sync_sees_each_kind(server, fake, kind):
    fake.fail("GET", LIST, kind=kind, **KINDS[kind])
    with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=TIMEOUT, trust_env=False) as http:
        with pytest.raises(HTTPX_ERRORS[kind]):
            http.get(LIST)
        assert http.get(LIST).status_code == 200  # a fault hits once: the next request goes through


@pytest.mark.parametrize("kind", KINDS)
async def test_httpx_async_sees_each_kind(server, fake, kind):
    fake.fail("GET", LIST, kind=kind, **KINDS[kind])
    async with httpx.AsyncClient(base_url=server.base_url, headers=AUTH, timeout=TIMEOUT, trust_env=False) as http:
        with pytest.raises(HTTPX_ERRORS[kind]):
            await http.get(LIST)
        assert (await http.get(LIST)).status_code == 200


CURL_ERRORS = {
    "reset": (56, "Connection reset by peer"),
    "empty": (52, "Empty reply from server"),
    "garbage": (1, "HTTP/0.9"),
    "truncated": (18, "transfer closed"),
    "hang": (28, "timed out"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_curl_sees_each_kind(server, fake, kind):
    fake.fail("GET", LIST, kind=kind, **KINDS[kind])
    command = ["curl", "-sS", "--max-time", str(TIMEOUT), "-H", f"Authorization: Bearer {DEFAULT_KEY}"]
    done = subprocess.run([*command, server.base_url + LIST], capture_output=True, text=True, check=False)
    code, message = CURL_ERRORS[kind]
    assert (done.returncode, message in done.stderr) == (code, True), done.stderr


def test_a_fault_after_the_route_commits_and_the_journal_says_so(server, fake):
    tenant = fake.tenant()
    tenant.lose_answer("POST", "/subscribers/add")
    with pytest.raises(httpx.ReadError):
        tenant.client.post("/subscribers/add", data={"avatar_id": 123, "email": "lost@example.com"})
    assert [s["email"] for s in tenant.subscribers(email="lost@example.com")] == ["lost@example.com"]
    (entry,) = tenant.requests()
    assert (entry["status"], entry["fault_kind"], entry["state_changed"]) == (None, "reset", True)
    with pytest.raises(AssertionError, match=r"POST /subscribers/add -> no answer \(fault \d+, reset\)"):
        tenant.assert_called("POST", "/subscribers/add", times=2)
    tenant.delete()


def test_a_fault_before_the_route_leaves_the_state_alone(server, fake):
    tenant = fake.tenant()
    tenant.fail("POST", "/subscribers/add", kind="empty")
    with pytest.raises(httpx.RemoteProtocolError):
        tenant.client.post("/subscribers/add", data={"avatar_id": 123, "email": "never@example.com"})
    assert tenant.subscribers(email="never@example.com") == []
    assert tenant.requests()[0]["state_changed"] is False
    tenant.delete()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


# Over TLS, httpcore may read the reset as the end of the TLS stream (no response), as httpx has it.
TLS_ERRORS: dict[str, type[httpx.TransportError] | tuple[type[httpx.TransportError], ...]] = {
    **HTTPX_ERRORS,
    "reset": (httpx.ReadError, httpx.RemoteProtocolError),
}


@pytest.mark.parametrize("stack", ["h11", "httptools"])
def test_network_faults_over_tls(certificate, stack):
    cert, key = certificate
    with (
        ServerThread(http=stack, ssl_certfile=cert, ssl_keyfile=key) as server,
        FakeSmartEngage(server.base_url, verify=False) as fake,
        httpx.Client(
            base_url=server.base_url,
            headers=AUTH,
            timeout=TIMEOUT,
            verify=ssl.create_default_context(cafile=cert),
            trust_env=False,
        ) as http,
    ):
        for kind, error in TLS_ERRORS.items():
            fake.fail("GET", LIST, kind=kind, **KINDS[kind])
            with pytest.raises(httpx.TransportError) as raised:
                http.get(LIST)
            assert isinstance(raised.value, error), (kind, raised.value)
        assert http.get(LIST).status_code == 200


@pytest.mark.parametrize("stack", ["h11", "httptools"])
def test_serve_breaks_connections_and_logs_no_error(tmp_path, stack):
    with running_server(tmp_path, "--http", stack) as server, FakeSmartEngage(server.url) as fake:
        for kind in ("reset", "empty", "garbage"):
            fake.fail("GET", LIST, kind=kind)
            command = [
                "curl",
                "-sS",
                "--max-time",
                "5",
                "-H",
                f"Authorization: Bearer {DEFAULT_KEY}",
                server.url + LIST,
            ]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            assert done.returncode == CURL_ERRORS[kind][0], done.stderr
    # uvicorn says nothing of a connection a fault broke: no "returned without starting response".
    assert "ASGI" not in server.stderr() + server.stdout()


async def test_a_network_fault_in_process_raises_no_connection():
    app = create_app(Settings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://fake", headers=AUTH) as http:
        await http.post("/_fake/faults", json={"method": "GET", "path": LIST, "kind": "reset"})
        with pytest.raises(NoConnection, match="Fault 1 \\(reset\\) acts on the connection"):
            await http.get(LIST)
        assert (await http.get(LIST)).status_code == 200
        lost, _ = (await http.get("/_fake/requests")).json()[::-1]
        assert (lost["status"], lost["fault"], lost["fault_kind"]) == (None, 1, "reset")


def test_the_retries_guide_shows_the_example_the_suite_runs():
    guide = (Path(__file__).parent.parent / "docs" / "guides" / "testing-retries-and-timeouts.md").read_text()
    examples = Path(__file__).parent.parent / "examples" / "retries"
    for name in ("subscribe.py", "test_subscribe.py"):
        assert f"`{name}`:\n\n```python\n{(examples / name).read_text()}```\n" in guide, name
