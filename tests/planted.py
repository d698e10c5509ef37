"""Deliberately divergent SmartEngage servers for the tests of `verify` and `--upstream`.

A planted server is the fake itself with one divergence planted on one route: every other
answer is the fake's, so a check that diverges anywhere else is a false alarm.
"""

import json
from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from fake_smartengage.app import create_app
from fake_smartengage.settings import Settings

# (status, body) -> (status, body): the divergence, applied to the fake's own answer.
Change = Callable[[int, Any], tuple[int, Any]]


class Planted:
    """An ASGI app: the fake, but answers to `route` (either spelling) go through `change`.
    It also keeps the User-Agent and Authorization headers of every request it saw."""

    def __init__(self, route: str, change: Change, settings: Settings | None = None) -> None:
        self.fake = create_app(settings or Settings(log_level="warning"))
        self.route = route
        self.change = change
        self.seen_headers: list[dict[str, str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.fake(scope, receive, send)
            return
        self.seen_headers.append({name.decode(): value.decode() for name, value in scope["headers"]})
        if scope["path"].strip("/") != self.route:
            await self.fake(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body = bytearray()

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                body.extend(message.get("body", b""))

        await self.fake(scope, receive, keep)
        status, document = self.change(start["status"], json.loads(body))
        headers = {
            name.decode(): value.decode() for name, value in start["headers"] if name.lower() != b"content-length"
        }
        await Response(json.dumps(document), status, headers=headers)(scope, receive, send)


def each_item(change: Callable[[dict], dict]) -> Change:
    """A change of every item of a successful list answer."""
    return lambda status, body: (status, [change(item) for item in body] if status == 200 else body)


def numeric_id(key: str) -> Callable[[dict], dict]:
    return lambda item: {**item, key: int(item[key])}


def without(key: str) -> Callable[[dict], dict]:
    return lambda item: {name: value for name, value in item.items() if name != key}


def with_extra(key: str, value: Any) -> Callable[[dict], dict]:
    return lambda item: {**item, key: value}


def reversed_keys(item: dict) -> dict:
    return dict(reversed(item.items()))


def wrapped_in_object(status: int, body: Any) -> tuple[int, Any]:
    return status, {"data": body} if status == 200 else body


def not_found(status: int, body: Any) -> tuple[int, Any]:
    return 404, {"error": {"type": "invalid_request_error", "message": "Not Found", "param": None}}


def refused_is_ok(status: int, body: Any) -> tuple[int, Any]:
    return (200, []) if status == 401 else (status, body)
