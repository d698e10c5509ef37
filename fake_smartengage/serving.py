"""The listening socket that both `fake-smartengage serve` and the in-thread test server use, and
the server that says when it accepts connections."""

import os
import socket
from collections.abc import Callable
from pathlib import Path

import uvicorn

from .errors import StartupError


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
