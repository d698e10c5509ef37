"""A polite client for a SmartEngage API, the real one or a fake, as `verify` and `snapshot` use it.

Wary of any server: an answer is read for at most the timeout in all (a server that trickles
bytes does not hold it longer) and up to MAX_BODY_BYTES; a server that cannot be reached, hangs,
resets the connection or sends more ends the command with one line (CannotRun).

Polite to a real service: at most `max_rps` requests a second (by default 2 to a host other than
this machine, unlimited on loopback), a timeout per request, a User-Agent naming the tool and its
version, and a 429's `Retry-After` waited out a few times. The key is sent, never shown.
"""

import ipaddress
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from .. import __version__

USER_AGENT = f"fake-smartengage/{__version__}"
DEFAULT_REMOTE_RPS = 2.0
_RATE_LIMIT_RETRIES = 3
_LONGEST_RETRY_AFTER = 60.0
# No SmartEngage answer comes near this; a server sending more is not one.
MAX_BODY_BYTES = 16 * 1024 * 1024
_TRANSFER_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class CannotRun(Exception):
    """The command cannot go on; the message is one line naming the URL."""


def is_loopback(base_url: str) -> bool:
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def default_max_rps(base_url: str) -> float | None:
    """No limit for a server on this machine; DEFAULT_REMOTE_RPS for any other."""
    return None if is_loopback(base_url) else DEFAULT_REMOTE_RPS


class Remote:
    def __init__(self, base_url: str, api_key: str, *, max_rps: float | None, timeout: float) -> None:
        if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).hostname:
            raise CannotRun(f"{base_url!r} is not an http or https URL")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.interval = 1 / max_rps if max_rps else 0.0
        self.timeout = timeout
        self.requests = 0
        self._last = float("-inf")
        self._client = httpx.Client(
            base_url=self.base_url, timeout=timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=False
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        authorization: str | None = "key",
    ) -> httpx.Response:
        """One request; `authorization` is "key" for `Bearer <the key>`, None for no header, or the
        header's value itself."""
        headers = {}
        if authorization == "key":
            headers["Authorization"] = f"Bearer {self.api_key}"
        elif authorization is not None:
            headers["Authorization"] = authorization
        retries = _RATE_LIMIT_RETRIES
        while True:
            self._wait_turn()
            try:
                response = self._read(
                    self._client.build_request(method, path, params=params, data=data, headers=headers)
                )
            except httpx.HTTPError as error:
                raise CannotRun(f"cannot reach {self.base_url}{path}: {_reason(error)}") from None
            if response.status_code != 429 or retries == 0:
                return response
            retries -= 1
            time.sleep(_retry_after(response))

    def _read(self, request: httpx.Request) -> httpx.Response:
        """The answer, its body read whole, or a CannotRun when it is too slow or too big."""
        deadline = time.monotonic() + self.timeout
        response = self._client.send(request, stream=True)
        try:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise CannotRun(f"{request.url.copy_with(query=None)} answered more than {MAX_BODY_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("timed out", request=request)
        finally:
            response.close()
        # The body is decoded already: the headers that described its transfer no longer apply.
        headers = [(name, value) for name, value in response.headers.items() if name not in _TRANSFER_HEADERS]
        return httpx.Response(response.status_code, headers=headers, content=bytes(body), request=request)

    def _wait_turn(self) -> None:
        wait = self._last + self.interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last = time.monotonic()
        self.requests += 1

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "Remote":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(max(float(response.headers.get("Retry-After", "1")), 0.0), _LONGEST_RETRY_AFTER)
    except ValueError:
        return 1.0


def _reason(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    reason = " ".join(str(error).split()) or type(error).__name__  # one line, whatever the server sent
    return reason if len(reason) <= 200 else f"{reason[:200]}…"
