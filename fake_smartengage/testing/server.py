"""A real fake-smartengage server in a background thread of this process, for tests.

    with ServerThread() as server:          # the default app, on 127.0.0.1 and a free port
        httpx.get(f"{server.base_url}/avatars/list", headers=...)

The socket is bound before the thread starts, so the port is known at once; `start()` returns
once `/_fake/health` answers, and fails with the reason if the server thread dies first or the
deadline passes. Any HTTP client can reach the server, a subprocess included.
"""

import http.client
import ssl
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from ..settings import HttpParser

STARTUP_TIMEOUT = 15.0
SHUTDOWN_TIMEOUT = 10.0
_POLL_INTERVAL = 0.01


class ServerError(RuntimeError):
    """The server did not start, or did not stop."""


class ServerThread:
    """uvicorn serving `app` (default: `create_app(Settings())`) from a daemon thread, with the
    HTTP stack `http` ("h11", "httptools", or "auto": httptools if installed), over https with
    `ssl_certfile` (and `ssl_keyfile`)."""

    def __init__(
        self,
        app: Any = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = STARTUP_TIMEOUT,
        log_level: str = "warning",
        http: HttpParser = "auto",
        ssl_certfile: Path | str | None = None,
        ssl_keyfile: Path | str | None = None,
    ) -> None:
        if app is None:
            from ..app import create_app
            from ..settings import Settings

            app = create_app(Settings(log_level=log_level))
        self.app = app
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self.log_level = log_level
        self.http: HttpParser = http
        self.ssl_certfile = ssl_certfile
        self.ssl_keyfile = ssl_keyfile
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def base_url(self) -> str:
        if self.port == 0:
            raise ServerError("the server has no port yet: start() it first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.ssl_certfile else 'http'}://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> "ServerThread":
        """Binds, starts the thread and returns once the server answers /_fake/health."""
        if self._server is not None:
            raise ServerError("the server is already started")
        from ..serving import listening_socket, uvicorn_config

        sock = listening_socket(self.host, self.port)  # OSError here if the address is taken
        self.port = sock.getsockname()[1]
        # log_config=None leaves logging alone: uvicorn's records reach the root logger, so
        # pytest captures them with the test, instead of handlers bound to whatever stderr was.
        config = uvicorn_config(
            self.app,
            http=self.http,
            log_config=None,
            log_level=self.log_level,
            access_log=False,
            ssl_certfile=self.ssl_certfile,
            ssl_keyfile=self.ssl_keyfile,
        )
        self._server = uvicorn.Server(config)
        self._error = None
        self._thread = threading.Thread(
            target=self._serve, args=(sock,), name=f"fake-smartengage:{self.port}", daemon=True
        )
        self._thread.start()
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _serve(self, sock: Any) -> None:
        try:
            assert self._server is not None
            # Signals are left alone: uvicorn only captures them in the main thread.
            self._server.run(sockets=[sock])
        except BaseException as error:  # SystemExit too: uvicorn exits on a failed startup
            self._error = error
        finally:
            sock.close()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last = "no answer yet"
        while True:
            assert self._thread is not None
            if not self._thread.is_alive():
                reason = f"{type(self._error).__name__}: {self._error}" if self._error else "it stopped"
                raise ServerError(f"the fake-smartengage server thread died before it was ready ({reason})")
            if self._server is not None and self._server.started:
                try:
                    status, body = self._get("/_fake/health")
                    if status == 200:
                        return
                    last = f"{status} {body[:200]!r}"
                except OSError as error:
                    last = repr(error)
            if time.monotonic() > deadline:
                raise ServerError(
                    f"the fake-smartengage server on {self.base_url} was not healthy within "
                    f"{self.startup_timeout}s (last: {last})"
                )
            time.sleep(_POLL_INTERVAL)

    def _get(self, path: str) -> tuple[int, bytes]:
        # http.client rather than urllib: no proxy from the environment gets in the way.
        connection = (
            http.client.HTTPSConnection(self.host, self.port, timeout=2, context=ssl._create_unverified_context())
            if self.ssl_certfile
            else http.client.HTTPConnection(self.host, self.port, timeout=2)
        )
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self, timeout: float = SHUTDOWN_TIMEOUT) -> None:
        """Asks uvicorn to shut down and waits for the thread; a no-op if not started."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():
            server.force_exit = True  # open connections: stop waiting for them
            thread.join(timeout)
        self._server = None
        self._thread = None
        if thread.is_alive():
            raise ServerError(f"the fake-smartengage server thread did not stop within {2 * timeout}s")

    def __enter__(self) -> "ServerThread":
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self.port else "not started"
        return f"<ServerThread {where}{'' if self.running else ' (stopped)'}>"
