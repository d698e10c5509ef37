"""How `verify` reads an answer, whatever the server sent: JSON or not, any error body, any status.

Nothing here trusts a body's shape: a message is looked for only where the fake's error bodies
keep it, in either of the error_body switch's shapes, and anything else is described by its kind.
"""

import json
from collections.abc import Callable
from typing import Any

import httpx

from ..api.behaviour import DEFAULT, Profile
from ..api.shapes import error_body_problems, kind, shape_problems


class NotJson:
    """The body of an answer that is not JSON: what `body_of` gives instead of a value."""

    def __init__(self, response: httpx.Response) -> None:
        self.content_type = response.headers.get("content-type") or "no content type"
        self.size = len(response.content)

    def __str__(self) -> str:
        return "an empty body" if not self.size else f"a body that is not JSON ({self.content_type})"


def body_of(response: httpx.Response) -> Any:
    """The JSON value of the body, or a NotJson."""
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python parses
        return NotJson(response)


def message_of(body: Any) -> str | None:
    """The message of an error body in either shape the fake knows, else None."""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return " ".join(message.split())[:200] if isinstance(message, str) else None  # one line of the report


def seen(response: httpx.Response) -> str:
    """An answer in a few words: its status, and its error message or what its body is."""
    body = body_of(response)
    message = message_of(body)
    if message is not None:
        return f"status {response.status_code} ({message})"
    if isinstance(body, NotJson):
        return f"status {response.status_code}, {body}"
    return f"status {response.status_code}, {kind(body)}"


def status_problems(response: httpx.Response, wanted: Callable[[int], bool]) -> list[str]:
    return [] if wanted(response.status_code) else [seen(response)]


def shape_of(body: Any, expected: Any) -> list[str]:
    """shape_problems, for a body that may not be JSON at all."""
    return [f"the body is {body}"] if isinstance(body, NotJson) else shape_problems(body, expected)


def error_body_shown(body: Any) -> str | None:
    """Which of the error_body switch's alternatives an error body is, if any."""
    if isinstance(body, NotJson):
        return None
    for alternative in ("object", "string"):
        if not error_body_problems(body, DEFAULT.with_changes({"error_body": alternative})):
            return alternative
    return None


def error_problems(body: Any, profile: Profile) -> list[str]:
    """Where an error body differs from the error_body shape `profile` follows."""
    if isinstance(body, NotJson):
        return [f"the body is {body}"]
    return error_body_problems(body, profile)


def error_shape(profile: Profile) -> str:
    """The error body `profile` expects, in words."""
    if profile.follows("error_body", "object"):
        return 'the error shape {"error": {type, message, param}}'
    return 'the error shape {"error": "<message>"}'
