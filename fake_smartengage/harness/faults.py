"""Fault injection: make the next N matching requests fail or wait, before they touch state.

Faults are deterministic (they hit "the next N matching requests", never by chance), so a test
that injects a 503 knows exactly which call gets it.
"""

import threading
from itertools import count
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.responses import JSONResponse

from .. import errors
from ..keys import key_digest, mask
from ..validation import JSON_INTEGER


def _given(name: str) -> dict[str, Any]:
    return {"required": [name], "properties": {name: {"not": {"type": "null"}}}}


class FaultSpec(BaseModel):
    """A fault as posted: which requests it matches and what it does to them."""

    # The rules of `_does_something`, for the OpenAPI document: a status or a delay_ms (or both);
    # a body or a retry_after only with a status.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "allOf": [
                {"anyOf": [_given("status"), _given("delay_ms")]},
                {
                    "anyOf": [
                        _given("status"),
                        {"properties": {"body": {"type": "null"}, "retry_after": {"type": "null"}}},
                    ]
                },
            ]
        },
    )

    method: str = Field(description="HTTP method to match, or * for any", min_length=1, max_length=16)
    path: str = Field(description="Path to match, with or without its trailing slash", pattern=r"^/")
    api_key: str | None = Field(None, description="Match only requests made with this key")
    status: Annotated[int, Field(ge=200, le=599), JSON_INTEGER] | None = Field(
        None, description="Answer with this status instead"
    )
    body: Any = Field(None, description="JSON body of the answer (default: an error in the API's shape)")
    retry_after: Annotated[int, Field(ge=0, le=86400), JSON_INTEGER] | None = Field(
        None, description="Retry-After header, in seconds"
    )
    delay_ms: Annotated[int, Field(ge=0, le=60000), JSON_INTEGER] | None = Field(
        None, description="Wait this long before answering"
    )
    times: Annotated[int, Field(ge=1), JSON_INTEGER] | None = Field(
        1, description="How many matching requests it hits; null: until removed"
    )

    @model_validator(mode="after")
    def _does_something(self) -> "FaultSpec":
        if self.status is None and self.delay_ms is None:
            raise ValueError("a fault needs a status, a delay_ms, or both")
        if self.status is None and (self.body is not None or self.retry_after is not None):
            raise ValueError("body and retry_after need a status")
        return self


class Fault:
    def __init__(self, fault_id: int, spec: FaultSpec) -> None:
        self.id = fault_id
        self.spec = spec
        self.method = spec.method.upper()
        self.path = spec.path.rstrip("/")
        self.key_digest = key_digest(spec.api_key) if spec.api_key is not None else None
        self.remaining = spec.times
        self.fired = 0

    def matches(self, method: str, path: str, digest: str | None) -> bool:
        return (
            self.remaining != 0
            and self.method in ("*", method)
            and self.path == path.rstrip("/")
            and (self.key_digest is None or self.key_digest == digest)
        )

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.spec.model_dump(),
            "api_key": mask(self.spec.api_key) if self.spec.api_key else None,
            "remaining": self.remaining,
            "fired": self.fired,
        }

    def response(self) -> JSONResponse:
        assert self.spec.status is not None
        body = self.spec.body
        if body is None:
            body = errors.injected_fault(self.id, self.spec.status).body()
        headers = {"Retry-After": str(self.spec.retry_after)} if self.spec.retry_after is not None else None
        return JSONResponse(body, status_code=self.spec.status, headers=headers)


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = count(1)
        self._lock = threading.Lock()

    def add(self, spec: FaultSpec) -> Fault:
        with self._lock:
            fault = Fault(next(self._ids), spec)
            self._faults.append(fault)
            return fault

    def all(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            kept = [fault for fault in self._faults if fault.id != fault_id]
            removed = len(kept) != len(self._faults)
            self._faults = kept
            return removed

    def remove_for_key(self, api_key: str) -> None:
        digest = key_digest(api_key)
        with self._lock:
            self._faults = [fault for fault in self._faults if fault.key_digest != digest]

    def clear(self) -> None:
        with self._lock:
            self._faults = []

    def take(self, method: str, path: str, api_key: str | None) -> Fault | None:
        """The first fault matching this request, counted as fired; faults fire in the order added."""
        if not self._faults:  # most requests, with no fault to look at: no lock taken
            return None
        digest = key_digest(api_key) if api_key else None
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, digest):
                    fault.fired += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None
