"""One request to the SmartEngage API, as every stage sees it.

The harness pipeline makes an `ApiRequest` once per request, from what came over the wire, and
hands it on: the faults and rate limits read it, the route reads its parameters from it, and the
journal records it. What a stage learns (the parameters as sent and as parsed, the fault that hit)
it writes here, for the stages after it.
"""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .. import errors
from ..store import Account
from .forms import Parameters, as_sent, parse_parameters
from .table import ApiRoute, route_at


@dataclass
class ApiRequest:
    method: str
    path: str
    query: bytes
    content_type: str
    api_key: str | None
    account: Account | None  # the account whose key the request carries; None if no account's
    body: bytes = b""
    route: ApiRoute | None = field(init=False)
    # Filled in as the request goes: the checked parameters the route parsed; the id and kind of
    # the fault that hit it, and whether the state changed all the same (a fault after the route).
    parameters: dict[str, Any] | None = None
    fault_id: int | None = None
    fault_kind: str | None = None
    state_changed: bool | None = None
    received: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: float = field(default_factory=time.perf_counter)
    _pairs: Parameters | errors.ApiError | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.route = route_at(self.path)

    def pairs(self) -> Parameters:
        """The query string's and the body's parameters in the order sent; parsed once."""
        if self._pairs is None:
            try:
                self._pairs = parse_parameters(self.query, self.content_type, self.body)
            except errors.ApiError as error:
                self._pairs = error
        if isinstance(self._pairs, errors.ApiError):
            raise self._pairs
        return self._pairs

    def remember(self, pairs: Parameters, parameters: dict[str, Any] | None) -> None:
        """What a kept read parsed from the same query string: the journal need not parse it again."""
        self._pairs, self.parameters = pairs, parameters

    def sent(self) -> dict[str, str | list[str]] | None:
        """The parameters by name as sent, for the journal; None if they cannot be read."""
        try:
            return as_sent(self.pairs())
        except errors.ApiError:
            return None

    def given(self) -> dict[str, Any] | None:
        """The parameters the route parsed that were sent, for the journal."""
        if self.parameters is None:
            return None
        return {name: value for name, value in self.parameters.items() if value not in (None, [])}

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 3)
