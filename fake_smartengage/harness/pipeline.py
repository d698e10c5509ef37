"""The test harness's stages around every SmartEngage request, in one place and in this order:

1. **journal**: records the request and its answer, whichever stage below gave it;
2. **body limit**: a body over --max-body-bytes is answered 413 before anything reads it, and
   the rest of it is read and dropped (bounded) before the connection closes;
3. **faults**: the first fault that hits the request waits, answers, breaks the connection, or
   lets the route run first (`when="after"`) and then does so: the lost answer;
4. **rate limit**: a request of a known key past its bucket is answered 429 (an unknown key
   drains no bucket: the route answers it 401);
5. the route, or with --upstream the upstream server (upstream.py): any key is then the
   upstream's to judge, so every key has a bucket, and the journal records the divergences.

Requests to the harness itself (`/_fake/...`) only meet a body limit of their own
(--max-harness-body-bytes: fixture documents are larger than API calls); those to the API
documentation pass straight through.
"""

import asyncio
import contextlib
from typing import TYPE_CHECKING

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import errors
from ..api.behaviour import Profile
from ..api.dispatch import answer
from ..api.request import ApiRequest
from ..apidocs import DOCS_PATH, REDOC_PATH
from ..keys import presented_key
from ..store import Store
from .network import NoConnection, break_connection

if TYPE_CHECKING:
    from . import Harness
    from .faults import Fault
    from .upstream import Upstream

HARNESS_PREFIX = "/_fake"
# After answering a request whose body it did not read, a server that closes the connection at
# once makes the kernel reset it (unread data), and the client loses the answer before reading
# it. So the rest of the body is read and dropped first, as nginx and Go's net/http do, up to
# these bounds (bytes past the body limit, and seconds), so that no client can hold the server.
DRAIN_BYTES = 32 * 1024 * 1024
DRAIN_SECONDS = 2.0
_DOCUMENTATION = frozenset({DOCS_PATH, REDOC_PATH, "/openapi.json"})


def is_documentation_path(path: str) -> bool:
    """The API documentation: its pages, the scripts they load (under /docs/), /openapi.json."""
    return path in _DOCUMENTATION or path.startswith(f"{DOCS_PATH}/")


def is_smartengage_path(path: str) -> bool:
    """Whether a request is one to the SmartEngage API, known route or not: anything but the
    harness routes and the API documentation."""
    return not (path == HARNESS_PREFIX or path.startswith(f"{HARNESS_PREFIX}/") or is_documentation_path(path))


class HarnessPipeline:
    def __init__(
        self,
        app: ASGIApp,
        *,
        harness: "Harness",
        store: Store,
        max_body_bytes: int,
        max_harness_body_bytes: int,
        upstream: "Upstream | None" = None,
    ) -> None:
        self.app = app
        self.harness = harness
        self.store = store
        self.max_body_bytes = max_body_bytes
        self.max_harness_body_bytes = max_harness_body_bytes
        self.upstream = upstream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_documentation_path(scope["path"]):
            await self.app(scope, receive, send)
        elif is_smartengage_path(scope["path"]):
            await self._smartengage(scope, receive, send)
        else:
            try:
                body = await _read_body(scope, receive, self.max_harness_body_bytes)
            except errors.ApiError as error:
                await _refuse_unread(errors.render(error), scope, receive, send, self.max_harness_body_bytes)
                return
            await self.app(scope, _replay(body, receive), send)

    async def _smartengage(self, scope: Scope, receive: Receive, send: Send) -> None:
        api_key = presented_key(scope)
        request = ApiRequest(
            method=scope["method"],
            path=scope["path"],
            query=scope["query_string"],
            content_type=_header(scope, b"content-type"),
            api_key=api_key,
            account=self.store.account_for_key(api_key) if api_key is not None else None,
        )
        profile = self.harness.profile_for(api_key)
        status: int | None = 500  # None: a network fault sent no status
        response = bytearray()
        responded, divergences = False, None

        async def capture(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
            elif message["type"] == "http.response.body":
                response.extend(message.get("body", b""))
            await send(message)

        try:
            try:
                request.body = await _read_body(scope, receive, self.max_body_bytes)
            except errors.ApiError as error:
                await _refuse_unread(_refusal(error, profile), scope, receive, capture, self.max_body_bytes)
                return
            fault = self._fault_for(request)
            if fault is None or fault.spec.when == "before":
                sent = await self._fault_acts(fault, scope, receive, capture, answer=None) if fault else None
                if sent is None:
                    divergences = await self._answer(request, profile, scope, receive, capture)
                else:
                    status, response[:] = sent
                return
            # A fault after the route: the answer is held back for the fault to replace or let go.
            held = _Held()
            divergences = await self._answer(request, profile, scope, receive, held.send)
            request.state_changed = request.route is not None and not request.route.lists and held.status < 400
            sent = await self._fault_acts(fault, scope, receive, capture, answer=(held.status, bytes(held.body)))
            if sent is None:
                await held.replay(capture)
            else:
                status, response[:] = sent
        except NoConnection:
            status = None
            raise  # for the ASGI transport to raise in the test: no answer that looks like a bug
        except Exception as error:
            # A bug in the fake: answered if nothing was yet, and raised on for the server to log.
            if not responded:
                await errors.render(errors.unexpected(error))(scope, receive, capture)
            raise
        finally:
            self.harness.journal.record(request, status=status, response=bytes(response), divergences=divergences)

    async def _answer(
        self, request: ApiRequest, profile: Profile, scope: Scope, receive: Receive, send: Send
    ) -> list[str] | None:
        """The answer of the rate limit, the upstream or the route, or their refusal; with
        --upstream, where the upstream's answer diverges from the fake's."""
        try:
            stop = self._rate_limited(request, profile)
            if stop is not None:
                await stop(scope, receive, send)
            elif self.upstream is not None:
                forwarded, divergences = await self.upstream.forward(scope, request.body, profile)
                await forwarded(scope, receive, send)
                return divergences
            else:
                status, body = answer(self.store, request, profile)
                await _send_json(send, status, body, head=request.method == "HEAD")
        except (errors.ApiError, errors.StoreError) as error:
            await _refusal(error, profile)(scope, receive, send)
        return None

    def _fault_for(self, request: ApiRequest) -> "Fault | None":
        fault = self.harness.faults.take(request)
        if fault is not None:
            request.fault_id, request.fault_kind = fault.id, fault.spec.kind
            request.state_changed = False
        return fault

    async def _fault_acts(
        self, fault: "Fault", scope: Scope, receive: Receive, send: Send, *, answer: tuple[int, bytes] | None
    ) -> tuple[int | None, bytes] | None:
        """Waits the fault's delay, then does what it does instead of the answer (`answer`: the
        route's, for a fault after it): the status and body it sent, for the journal. None if it
        only waits, and the answer goes as it would."""
        spec = fault.spec
        if spec.delay_ms and spec.kind != "hang":
            await asyncio.sleep(spec.delay_ms / 1000)
        own = fault.response() if spec.status is not None else None
        if spec.kind == "status":
            if own is None:
                return None
            await own(scope, receive, send)
            return own.status_code, bytes(own.body)
        if answer is None and own is not None:  # a truncated fault before the route cuts its own answer
            answer = own.status_code, bytes(own.body)
        return await break_connection(
            scope, fault.id, spec.kind, answer=answer, hang_seconds=(spec.delay_ms or 0) / 1000
        )

    def _rate_limited(self, request: ApiRequest, profile: Profile) -> ASGIApp | None:
        """The rate limit's answer, if it stops this request."""
        limiter = self.harness.limiter
        if request.api_key is None or not limiter.active:
            return None
        # With --upstream every key is the upstream's to judge; else only a known key has a bucket.
        if self.upstream is not None or request.account is not None:
            wait = limiter.admit(request.api_key)
            if wait is not None:
                return _refusal(errors.rate_limited(wait), profile)
        return None


def _refusal(error: Exception, profile: Profile) -> Response:
    """An API error in the body the profile's error_body switch gives it."""
    return errors.render(error, plain=profile.follows("error_body", "string"))


_JSON = (b"content-type", b"application/json")


async def _send_json(send: Send, status: int, body: bytes, *, head: bool) -> None:
    """A JSON body; its headers alone for a HEAD request."""
    headers = [(b"content-length", b"%d" % len(body)), _JSON]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


class _Held:
    """An answer held back for a fault after the route: it replaces it, or lets it go as it was."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.status = 500
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self.body.extend(message.get("body", b""))

    async def replay(self, send: Send) -> None:
        for message in self.messages:
            await send(message)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole body, or 413 once it is declared or seen to be over the limit."""
    declared = dict(scope["headers"]).get(b"content-length")
    if declared is not None:
        if not declared.isdigit():
            raise errors.malformed_request("Content-Length is not a number")
        if int(declared) > limit:
            raise errors.body_too_large(limit)
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        body.extend(message.get("body", b""))
        if len(body) > limit:
            raise errors.body_too_large(limit)
        if not message.get("more_body", False):
            break
    return bytes(body)


async def _refuse_unread(response: Response, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """Answers `response` to a request whose body (of at most `limit` bytes) is not read in full,
    then closes the connection once the rest is drained: the answer's last (empty) part follows that."""
    response.headers["Connection"] = "close"

    async def send_then_drain(message: Message) -> None:
        if message["type"] != "http.response.body" or message.get("more_body", False):
            await send(message)
            return
        await send({**message, "more_body": True})
        await _drain(receive, limit + DRAIN_BYTES)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    await response(scope, receive, send_then_drain)


async def _drain(receive: Receive, most: int) -> None:
    """Reads and drops the request body until it ends, the client leaves, `most` bytes are read or
    DRAIN_SECONDS pass."""
    drained = 0
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(DRAIN_SECONDS):
            while drained <= most:
                message = await receive()
                if message["type"] == "http.disconnect" or not message.get("more_body", False):
                    return
                drained += len(message.get("body", b""))


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` for the route: the body read already, then whatever the client does next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
