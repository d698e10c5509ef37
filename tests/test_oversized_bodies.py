"""Bodies over the limit, sent over TCP by plain clients: the 413 arrives, and no client holds the server.

A server that answers before reading the body and then closes makes the kernel reset the
connection, which throws the answer away before the client reads it; so the server drains the
rest of the body first, within bounds (harness/pipeline.py). Both of uvicorn's HTTP parsers.
"""

import http.client
import socket

import pytest

from conftest import DEFAULT_KEY
from fake_smartengage import errors
from fake_smartengage.harness.pipeline import DRAIN_BYTES
from fake_smartengage.settings import MIB
from processes import running_server

SIZES_MIB = (2, 4, 8, 16)
TRIES = 3
HARNESS_LIMIT = 2 * MIB
HEADERS = {"Authorization": f"Bearer {DEFAULT_KEY}", "Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module", params=["h11", "httptools"])
def server(request, tmp_path_factory):
    logs = tmp_path_factory.mktemp(request.param)
    with running_server(logs, "--http", request.param, "--max-harness-body-bytes", str(HARNESS_LIMIT)) as server:
        yield server


def port(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


@pytest.mark.parametrize("connection", ["keep-alive", "close"])
def test_every_oversized_body_reads_its_413(server, connection):
    # urllib sends "Connection: close"; that is the case the server used to close at once.
    answers = []
    for size in SIZES_MIB:
        body = b"avatar_id=123&email=" + b"x" * (size * MIB)
        for _ in range(TRIES):
            client = http.client.HTTPConnection("127.0.0.1", port(server), timeout=30)
            try:
                client.request("POST", "/subscribers/add", body=body, headers={**HEADERS, "Connection": connection})
                response = client.getresponse()
                answers.append((size, response.status, response.read()))
            finally:
                client.close()
    assert {(size, status) for size, status, _ in answers} == {(size, 413) for size in SIZES_MIB}
    assert all(errors.body_too_large(MIB).message.encode() in body for _, _, body in answers)
    client = http.client.HTTPConnection("127.0.0.1", port(server), timeout=30)
    client.request("GET", "/avatars/list", headers=HEADERS)
    assert client.getresponse().status == 200
    client.close()


def test_an_oversized_fixture_document_reads_its_413(server):
    client = http.client.HTTPConnection("127.0.0.1", port(server), timeout=30)
    try:
        client.request(
            "POST",
            "/_fake/tenants",
            body=b"x" * (16 * MIB),
            headers={"Content-Type": "application/json", "Connection": "close"},
        )
        response = client.getresponse()
        assert (response.status, response.read()) == (413, errors.render(errors.body_too_large(HARNESS_LIMIT)).body)
    finally:
        client.close()


def test_a_client_that_keeps_sending_is_cut_off_after_the_drain_bound(server):
    with socket.create_connection(("127.0.0.1", port(server)), timeout=30) as sock:
        sock.sendall(
            b"POST /subscribers/add HTTP/1.1\r\nHost: fake\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % (1024 * MIB)
        )
        answer = _read_answer(sock)
        assert answer.startswith(b"HTTP/1.1 413 ") and b"connection: close" in answer.lower()
        sent, chunk = 0, b"x" * MIB
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            while sent < 4 * DRAIN_BYTES:  # a quarter of what was declared, and a bounded loop
                sock.sendall(chunk)
                sent += len(chunk)
    # What the server read (the limit and the bound past it), and what the sockets' buffers held.
    assert MIB + DRAIN_BYTES <= sent < MIB + DRAIN_BYTES + 32 * MIB


def test_a_client_that_stops_sending_is_cut_off_after_the_drain_time(server):
    with socket.create_connection(("127.0.0.1", port(server)), timeout=30) as sock:
        sock.sendall(b"POST /subscribers/add HTTP/1.1\r\nHost: fake\r\nContent-Length: %d\r\n\r\nx" % (2 * MIB))
        assert _read_answer(sock).startswith(b"HTTP/1.1 413 ")
        # The server closes: end of stream (the timeout only guards the test against a hang).
        assert sock.recv(1) == b""


def _read_answer(sock: socket.socket) -> bytes:
    """A whole 413 answer: its headers and its Content-Length of body."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(line for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")).split(b":")[1]
    )
    while len(body) < length:
        body += sock.recv(65536)
    return data
