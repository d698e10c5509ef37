"""The request journal: every request to a SmartEngage route, kept in a bounded ring buffer.

An entry holds what a test wants to assert on: when, method, path, query, the content type
sent (null without one: a 415 says which was refused), the parameters as sent
(`sent`: query string and body together, by name as sent, strings) and as the route parsed them
(`form`: ids as numbers, arrays resolved; None when no route read them), which key (masked), the
status, the response body and how long it took; with --upstream, where the upstream's answer
diverges in shape from the fake's (`divergences`: [] when it conforms, null when the request was
not forwarded); and, for a request a fault hit, the fault's id (`fault`), its kind (`fault_kind`)
and whether the state changed all the same (`state_changed`: a fault after the route). A network
fault sends no status: `status` is then null. Keys are kept only as digests, for filtering.

Memory is bounded three ways: at most `size` entries, at most `entry_bytes` of recorded values
in one entry, and at most `total_bytes` of them in all (the oldest entries go first; the newest
stays). An entry spends its bytes on the path, the query, the content type, the response body
and then the parameters (as parsed, then as sent), in that order; a text that does not fit is
cut to what is left and marked (`cut`), and parameters or array values past that are left out,
their number marked instead.
"""

import json
import threading
from collections import deque
from datetime import datetime
from itertools import count
from typing import Any

from ..api.request import ApiRequest
from ..api.table import same_path
from ..keys import key_digest, mask

_CUT_KEY = "…"


def _cut(kept: str, size: int) -> str:
    """A text cut to `kept`, from `size` bytes (UTF-8) in full."""
    return f"{kept}…[cut: {size} bytes]"


def _left_out(number: int, what: str) -> str:
    return f"…[cut: {number} more {what}]"


class _Budget:
    """The bytes an entry has left to keep values with."""

    def __init__(self, size: int) -> None:
        self.left = size

    def text(self, value: str) -> str:
        if value.isascii() and len(value) <= self.left:  # most values: one byte a character, kept whole
            self.left -= len(value)
            return value
        # A JSON body can carry a lone surrogate ("\ud800"), which UTF-8 cannot: it is kept as "?".
        return self.raw(value.encode(errors="replace")).decode()

    def raw(self, value: bytes) -> bytes:
        if len(value) <= self.left:
            self.left -= len(value)
            return value
        kept = value[: self.left].decode("utf-8", errors="ignore")
        self.left = 0
        return _cut(kept, len(value)).encode()

    def parameters(self, form: dict[str, Any]) -> dict[str, Any]:
        whole = _ascii_size(form)
        # Most requests: kept as they are, in one pass. With bytes left over, as the walk below
        # would keep them too (at none left, it marks even empty values as cut).
        if whole is not None and whole < self.left:
            self.left -= whole
            return form
        kept: dict[str, Any] = {}
        for number, (name, value) in enumerate(form.items()):
            if self.left == 0:
                kept[_CUT_KEY] = _left_out(len(form) - number, "parameters")
                break
            name = self.text(name)  # before its value (an assignment evaluates the value first)
            kept[name] = self._value(value)
        return kept

    def _value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            kept = []
            for number, item in enumerate(value):
                if self.left == 0:
                    kept.append(_left_out(len(value) - number, "values"))
                    break
                kept.append(self._value(item))
            return kept
        return value  # a number the route parsed: a few bytes


def _ascii_size(form: dict[str, Any]) -> int | None:
    """The bytes `form` keeps whole if its every text is ASCII (a byte a character); else None."""
    size = 0
    for name, value in form.items():
        if not name.isascii():
            return None
        size += len(name)
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, str):
                if not item.isascii():
                    return None
                size += len(item)
    return size


class Journal:
    def __init__(self, size: int, *, entry_bytes: int, total_bytes: int) -> None:
        self._entries: deque[dict[str, Any]] = deque()
        self._size = size
        self._entry_bytes = entry_bytes
        self._total_bytes = total_bytes
        self._bytes = 0
        self._ids = count(1)
        self._lock = threading.Lock()

    def record(
        self, request: ApiRequest, *, status: int | None, response: bytes, divergences: list[str] | None = None
    ) -> None:
        """The request as it went, and the answer it got."""
        budget = _Budget(self._entry_bytes)
        sent, form, api_key = request.sent(), request.given(), request.api_key
        entry: dict[str, Any] = {
            "id": 0,  # numbered below, in the order entries are kept
            "time": request.received,  # formatted when read: most entries never are
            "method": request.method,
            "path": budget.text(request.path),
            "query": budget.text(request.query.decode("latin-1")),
            "content_type": budget.text(request.content_type) if request.content_type else None,
            "response": budget.raw(response),  # decoded when read: most entries never are
            "form": None if form is None else budget.parameters(form),
            "sent": None if sent is None else budget.parameters(sent),
            "api_key": mask(api_key) if api_key else None,
            "status": status,
            "duration_ms": request.elapsed_ms(),
            "divergences": divergences,
            "fault": request.fault_id,
            "fault_kind": request.fault_kind,
            "state_changed": request.state_changed,
            "_key": key_digest(api_key) if api_key else None,
            "_bytes": self._entry_bytes - budget.left,
        }
        with self._lock:
            entry["id"] = next(self._ids)
            self._entries.append(entry)
            self._bytes += entry["_bytes"]
            # The newest entry stays even when it alone is over `total_bytes`.
            while len(self._entries) > self._size or (self._bytes > self._total_bytes and len(self._entries) > 1):
                self._bytes -= self._entries.popleft()["_bytes"]

    def entries(
        self,
        *,
        path: str | None = None,
        method: str | None = None,
        api_key: str | None = None,
        since_id: int | None = None,
        since_time: datetime | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Matching entries, newest first; `path` matches with or without its trailing slash."""
        digest = key_digest(api_key) if api_key is not None else None
        since = since_time.isoformat(timespec="milliseconds") if since_time else None
        with self._lock:
            entries = list(self._entries)
        found = []
        for entry in reversed(entries):
            if (
                (path is None or same_path(entry["path"], path))
                and (method is None or entry["method"] == method.upper())
                and (digest is None or entry["_key"] == digest)
                and (since_id is None or entry["id"] > since_id)
                and (since is None or _time(entry) >= since)
            ):
                shown = {"time": _time(entry), "response": _decoded(entry["response"])}
                found.append({name: entry[name] for name in _SHOWN} | shown)
                if limit is not None and len(found) == limit:
                    break
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


_SHOWN = (
    "id",
    "time",
    "method",
    "path",
    "query",
    "content_type",
    "sent",
    "form",
    "api_key",
    "status",
    "response",
    "duration_ms",
    "divergences",
    "fault",
    "fault_kind",
    "state_changed",
)


def _time(entry: dict[str, Any]) -> str:
    return entry["time"].isoformat(timespec="milliseconds")


def _decoded(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body.decode("utf-8", errors="replace")
