"""Network faults: what a fault does to the connection itself, which no ASGI app can reach.

fake-smartengage's own server (serving.py) puts a `Connection` into the scope of every request,
as the ASGI extension CONNECTION, and a network fault acts through it: a TCP reset, a close
without a byte, a cut answer, bytes that are not HTTP, or silence. Over TLS these act on the
encrypted connection the same way. Through an in-process ASGI transport (httpx.ASGITransport) or
another server there is no connection to act on: the fault raises `NoConnection`, which
httpx's ASGI transport raises in the test that made the request, rather than answering a 500 that
would look like a bug of the fake.
"""

import asyncio
import contextlib
import socket
import struct
from collections.abc import MutableMapping
from http import HTTPStatus
from typing import Any, Literal, get_args

from .. import errors

CONNECTION = "fake_smartengage.connection"
NetworkKind = Literal["reset", "empty", "truncated", "garbage", "hang"]
NETWORK_KINDS = frozenset(get_args(NetworkKind))
# What a garbage fault sends: not HTTP (a NUL, bytes no status line starts with), then it closes.
GARBAGE = b"\x00\xff\xfe garbage from fake-smartengage: not an HTTP response \x16\x03\x01\r\n\r\n"
# How long a close waits for the client to see it (a TLS close waits for the client's answer)
# before it resets the connection: no client holds a fault open longer.
CLOSE_SECONDS = 5.0


class NoConnection(RuntimeError):
    """A network fault fired for a request that came through no connection of fake-smartengage's
    own server (an in-process ASGI transport, or another server)."""


class Connection:
    """One client connection of our server, as the faults see it: made by the protocol when the
    connection is made, told by it when the connection is lost or the server stops."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._lost = asyncio.Event()
        self._ending = asyncio.Event()  # lost, or the server is stopping: a hang ends early

    def lost(self) -> None:
        self._lost.set()
        self._ending.set()

    def stopping(self) -> None:
        self._ending.set()

    async def reset(self) -> None:
        """Closes the connection with a TCP reset (SO_LINGER 0), sending nothing more."""
        sock = self._transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._transport.abort()
        await self._lost.wait()

    async def close(self, data: bytes = b"") -> None:
        """Sends `data`, then closes the connection (a reset if the client has not left in
        CLOSE_SECONDS); returns once it is closed."""
        if data:
            self._transport.write(data)
        self._transport.close()
        try:
            async with asyncio.timeout(CLOSE_SECONDS):
                await self._lost.wait()
        except TimeoutError:
            await self.reset()

    async def hang(self, seconds: float) -> None:
        """Sends nothing for `seconds` (less if the client leaves or the server stops), then closes."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._ending.wait()
        await self.close()


async def break_connection(
    scope: MutableMapping[str, Any], fault_id: int, kind: str, *, answer: tuple[int, bytes] | None, hang_seconds: float
) -> tuple[int | None, bytes]:
    """Does a network fault's `kind` to the request's connection; the status and the body it
    sent, if any. `answer` is what a truncated fault cuts."""
    connection: Connection | None = (scope.get("extensions") or {}).get(CONNECTION)
    if connection is None:
        raise NoConnection(errors.network_fault_without_connection(fault_id, kind))
    if kind == "reset":
        await connection.reset()
    elif kind == "empty":
        await connection.close()
    elif kind == "garbage":
        await connection.close(GARBAGE)
    elif kind == "hang":
        await connection.hang(hang_seconds)
    else:  # truncated: the full Content-Length, half the body
        assert answer is not None, "a truncated fault cuts an answer: the route's, or its own status"
        status, body = answer
        cut = body[: len(body) // 2]
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:  # a status of the fault's own that HTTP names not (599)
            phrase = ""
        head = (
            f"HTTP/1.1 {status} {phrase}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        )
        await connection.close(head.encode("latin-1") + cut)
        return status, cut
    return None, b""
