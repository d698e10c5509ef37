"""Fault injection: make matching requests fail, wait, lose their answer or break the connection.

A fault hits "the next N matching requests", or, with a `rate`, that share of them drawn from its
own `seed`: the same requests again for the same seed and the same requests, so a test knows which
call gets it. `when="before"` stops the request before it touches state; `when="after"` lets the
route run and commit, then replaces its answer (the lost answer). The network kinds act on the
connection itself (network.py).
"""

import difflib
import random
import threading
from itertools import count
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.responses import JSONResponse

from .. import errors
from ..api.request import ApiRequest
from ..api.table import PROMISED_ROUTES, ROUTES, route_at, same_path
from ..keys import key_digest, mask
from ..validation import JSON_INTEGER
from .network import NETWORK_KINDS, NetworkKind

Kind = Literal["status", NetworkKind]
When = Literal["before", "after"]
ANY = "*"


def _given(name: str) -> dict[str, Any]:
    return {"required": [name], "properties": {name: {"not": {"type": "null"}}}}


_NETWORK_KIND: dict[str, Any] = {
    "required": ["kind"],
    "properties": {"kind": {"enum": sorted(NETWORK_KINDS - {"truncated"})}},
}
_NO_ANSWER_OF_ITS_OWN: dict[str, Any] = {
    "properties": {name: {"type": "null"} for name in ("status", "body", "retry_after")}
}


class FaultSpec(BaseModel):
    """A fault as posted: which requests it matches and what it does to them."""

    # The rules of `_does_something`, for the OpenAPI document.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "allOf": [
                # A status fault: a status or a delay_ms (or both); a body or a retry_after only with a status.
                {
                    "if": {"anyOf": [{"not": {"required": ["kind"]}}, {"properties": {"kind": {"const": "status"}}}]},
                    "then": {
                        "allOf": [
                            {"anyOf": [_given("status"), _given("delay_ms")]},
                            {"anyOf": [_given("status"), _NO_ANSWER_OF_ITS_OWN]},
                        ]
                    },
                },
                # A network fault sends no answer of its own (but a truncated one, below); a hang lasts delay_ms.
                {
                    "if": _NETWORK_KIND,
                    "then": _NO_ANSWER_OF_ITS_OWN,
                },
                {"if": {"required": ["kind"], "properties": {"kind": {"const": "hang"}}}, "then": _given("delay_ms")},
                # A truncated fault cuts the route's answer (after) or its own, which needs a status (before).
                {
                    "if": {"required": ["kind"], "properties": {"kind": {"const": "truncated"}}},
                    "then": {
                        "if": {"required": ["when"], "properties": {"when": {"const": "after"}}},
                        "then": _NO_ANSWER_OF_ITS_OWN,
                        "else": _given("status"),
                    },
                },
            ]
        },
    )

    method: str = Field(description="HTTP method to match, or * for any", min_length=1, max_length=16)
    path: str = Field(
        description="Path to match, with or without its trailing slash, or * for any", pattern=r"^(/|\*$)"
    )
    api_key: str | None = Field(None, description="Match only requests made with this key")
    params: dict[str, str | list[str]] | None = Field(
        None, description="Match only requests whose parameters, as sent, include these values"
    )
    kind: Kind = Field(
        "status",
        description=(
            "status: answer a status (or only wait); reset: a TCP reset, nothing sent; empty: close "
            "without a byte; truncated: the status and headers with the full Content-Length, then part of "
            "the body, then close; garbage: bytes that are not HTTP, then close; hang: send nothing for "
            "delay_ms, then close"
        ),
    )
    when: When = Field(
        "before",
        description=(
            "before: the request never reaches the state; after: the route runs and commits, then the "
            "fault replaces its answer"
        ),
    )
    status: Annotated[int, Field(ge=200, le=599), JSON_INTEGER] | None = Field(
        None, description="Answer with this status instead"
    )
    body: Any = Field(None, description="JSON body of the answer (default: an error in the API's shape)")
    retry_after: Annotated[int, Field(ge=0, le=86400), JSON_INTEGER] | None = Field(
        None, description="Retry-After header, in seconds"
    )
    delay_ms: Annotated[int, Field(ge=0, le=60000), JSON_INTEGER] | None = Field(
        None, description="Wait this long before the fault acts; for a hang, how long it sends nothing"
    )
    times: Annotated[int, Field(ge=1), JSON_INTEGER] | None = Field(
        1, description="How many requests it hits; null: until removed"
    )
    rate: float = Field(1.0, ge=0, le=1, description="The share of matching requests it hits, drawn from seed")
    seed: Annotated[int, JSON_INTEGER] = Field(
        0, description="The seed of the draws: the same seed hits the same requests"
    )

    @model_validator(mode="after")
    def _does_something(self) -> "FaultSpec":
        answers = self.status is not None or self.body is not None or self.retry_after is not None
        if self.kind == "status":
            if self.status is None and self.delay_ms is None:
                raise ValueError("a fault needs a status, a delay_ms, or both")
            if self.status is None and answers:
                raise ValueError("body and retry_after need a status")
        elif self.kind == "truncated" and self.when == "before":
            if self.status is None:
                raise ValueError(
                    "a truncated fault before the route cuts its own answer: give it a status "
                    '(or when="after" to cut the route\'s)'
                )
        elif answers:
            raise ValueError(f"a {self.kind} fault sends no answer of its own: no status, body or retry_after")
        if self.kind == "hang" and self.delay_ms is None:
            raise ValueError("a hang fault needs a delay_ms: how long it sends nothing")
        return self


_PATHS = sorted({path for route in (*ROUTES, *PROMISED_ROUTES) for path in route.paths})


def _methods(path: str) -> set[str]:
    """Every method a route at `path` (or any route, for *) answers under some profile: those it
    answers under the default one, which answers the other methods too."""
    routes = (*ROUTES, *PROMISED_ROUTES) if path == ANY else (route_at(path),)
    return {method for route in routes if route for method in route.served_methods}


def check_target(spec: FaultSpec) -> None:
    """A fault must aim at a route the fake serves (in either spelling) and a method it answers
    there: one that aims elsewhere would never fire, and the test would fail far from the typo."""
    if spec.path != ANY and route_at(spec.path) is None:
        closest = difflib.get_close_matches(spec.path, _PATHS, n=1, cutoff=0)
        raise errors.unknown_fault_path(spec.path, closest[0] if closest else None)
    methods = _methods(spec.path)
    if spec.method != ANY and spec.method.upper() not in methods:
        raise errors.unknown_fault_method(spec.method, spec.path, sorted(methods))


class Fault:
    def __init__(self, fault_id: int, spec: FaultSpec) -> None:
        self.id = fault_id
        self.spec = spec
        self.method = spec.method.upper()
        self.path = spec.path.rstrip("/")
        self.key_digest = key_digest(spec.api_key) if spec.api_key is not None else None
        self.params = spec.params or {}
        self.remaining = spec.times
        self.fired = 0
        self._draws = random.Random(spec.seed)

    def matches(self, request: ApiRequest, digest: str | None) -> bool:
        return (
            self.remaining != 0
            and self.method in (ANY, request.method)
            and (self.path == ANY or same_path(self.path, request.path))
            and (self.key_digest is None or self.key_digest == digest)
            and (not self.params or _includes(request.sent() or {}, self.params))
        )

    def hits(self) -> bool:
        """Whether it hits the matching request at hand: one draw per matching request, so the
        same seed and the same requests hit the same ones."""
        return self.spec.rate == 1 or self._draws.random() < self.spec.rate

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


def _includes(sent: dict[str, str | list[str]], wanted: dict[str, str | list[str]]) -> bool:
    """Whether every wanted parameter was sent with that value (one of its values, for a list)."""
    for name, value in wanted.items():
        given = sent.get(name)
        if isinstance(value, list):
            if given != value:
                return False
        elif not (given == value or (isinstance(given, list) and value in given)):
            return False
    return True


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = count(1)
        self._lock = threading.Lock()

    def add(self, spec: FaultSpec) -> Fault:
        check_target(spec)
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

    def take(self, request: ApiRequest) -> Fault | None:
        """The first fault that hits this request, counted as fired; faults are tried in the order added."""
        if not self._faults:  # most requests, with no fault to look at: no lock taken
            return None
        digest = key_digest(request.api_key) if request.api_key else None
        with self._lock:
            for fault in self._faults:
                if fault.matches(request, digest) and fault.hits():
                    fault.fired += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None
