"""The listening socket that both `fake-smartengage serve` and the in-thread test server use, the
server that says when it accepts connections, and its HTTP protocols, which give each request
its connection for the network faults (harness/network.py)."""

import asyncio
import importlib.util
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from .errors import StartupError
from .harness.network import CONNECTION, Connection
from .settings import HttpParser


def listening_socket(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on connections accepted from such a
    # socket, and without it every keep-alive response waits out Nagle and delayed ACK (~40 ms).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class PortFile:
    """The file `--port-file` names, published only once the server accepts connections.

    The port is written to a hidden file beside it before serving, so that a folder that cannot
    take the file stops the start-up; renaming it into place is atomic, so a script that polls for
    the file never reads half of it. Both are removed when the server stops.
    """

    def __init__(self, path: Path, port: int) -> None:
        self.path = path
        if path.is_dir():
            raise StartupError(f"{path}: cannot write the port file: it is a folder")
        self._pending = path.with_name(f".{path.name}.{os.getpid()}")
        try:
            self._pending.write_text(f"{port}\n")
        except OSError as error:
            raise StartupError(f"{path}: cannot write the port file: {error.strerror}") from None

    def publish(self) -> None:
        os.replace(self._pending, self.path)

    def remove(self) -> None:
        self._pending.unlink(missing_ok=True)
        self.path.unlink(missing_ok=True)


class Server(uvicorn.Server):
    """uvicorn's server, calling `on_listening` once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_listening: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_listening()


class _WithConnection:
    """The app, with the request's connection in its scope as the ASGI extension CONNECTION."""

    def __init__(self, app: ASGIApp, connection: Connection) -> None:
        self.app = app
        self.connection = connection

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["extensions"] = {**(scope.get("extensions") or {}), CONNECTION: self.connection}
        await self.app(scope, receive, send)


class _GivesConnection(asyncio.Protocol):
    """A uvicorn HTTP protocol that gives the app each request's connection (`_WithConnection`);
    mixed in before uvicorn's h11 or httptools protocol."""

    config: uvicorn.Config
    app: ASGIApp

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.fault_connection = Connection(transport)
        self.app = _WithConnection(self.config.loaded_app, self.fault_connection)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self.fault_connection.lost()

    def shutdown(self) -> None:
        self.fault_connection.stopping()
        super().shutdown()  # type: ignore[misc]  # uvicorn's protocols have it; asyncio.Protocol does not


class H11WithConnection(_GivesConnection, H11Protocol):
    """uvicorn's h11 protocol, giving the app each request's connection."""


def http_protocol(http: HttpParser) -> type[asyncio.Protocol]:
    """The protocol class for uvicorn's `http` setting: the stack chosen ("auto": httptools if it
    is installed, as uvicorn has it), giving the app each request's connection."""
    if http == "h11" or (http == "auto" and importlib.util.find_spec("httptools") is None):
        return H11WithConnection
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HttpToolsWithConnection(_GivesConnection, HttpToolsProtocol):
        """uvicorn's httptools protocol, giving the app each request's connection."""

    return HttpToolsWithConnection


def uvicorn_config(app: Any, *, http: HttpParser, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for our server: `options` as uvicorn takes them, and the HTTP stack."""
    return uvicorn.Config(app, http=http_protocol(http), **options)
