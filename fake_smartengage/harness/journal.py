"""The request journal: every request to a SmartEngage route, kept in a bounded ring buffer.

An entry holds what a test wants to assert on: when, method, path, query, the parameters as sent
(`sent`: query string and body together, by name as sent, strings) and as the route parsed them
(`form`: ids as numbers, arrays resolved; None when no route read them), which key (masked), the
status, the response body and how long it took; with --upstream, where the upstream's answer
diverges in shape from the fake's (`divergences`: [] when it conforms, null when the request was
not forwarded). Keys are kept only as digests, for filtering.
"""

import json
import threading
from collections import deque
from datetime import datetime
from itertools import count
from typing import Any

from ..keys import key_digest, mask


class Journal:
    def __init__(self, size: int) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._ids = count(1)
        self._lock = threading.Lock()

    def record(
        self,
        *,
        when: datetime,
        method: str,
        path: str,
        query: str,
        sent: dict[str, Any] | None,
        form: dict[str, Any] | None,
        api_key: str | None,
        status: int,
        response: bytes,
        duration_ms: float,
        divergences: list[str] | None = None,
    ) -> None:
        entry = {
            "time": when.isoformat(timespec="milliseconds"),
            "method": method,
            "path": path,
            "query": query,
            "sent": sent,
            "form": form,
            "api_key": mask(api_key) if api_key else None,
            "status": status,
            "response": response,  # decoded when read: most entries never are
            "duration_ms": duration_ms,
            "divergences": divergences,
            "_key": key_digest(api_key) if api_key else None,
        }
        with self._lock:
            self._entries.append({"id": next(self._ids), **entry})

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
        wanted_path = path.rstrip("/") if path is not None else None
        since = since_time.isoformat(timespec="milliseconds") if since_time else None
        with self._lock:
            entries = list(self._entries)
        found = []
        for entry in reversed(entries):
            if (
                (wanted_path is None or entry["path"].rstrip("/") == wanted_path)
                and (method is None or entry["method"] == method.upper())
                and (digest is None or entry["_key"] == digest)
                and (since_id is None or entry["id"] > since_id)
                and (since is None or entry["time"] >= since)
            ):
                shown = {name: value for name, value in entry.items() if name != "_key"}
                found.append({**shown, "response": _decoded(entry["response"])})
                if limit is not None and len(found) == limit:
                    break
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _decoded(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body.decode("utf-8", errors="replace")
