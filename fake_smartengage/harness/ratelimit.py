"""Rate limiting: a token bucket per API key, answering 429 with a correct Retry-After.

A limit "N/s" (or /m, /h) lets a key make N requests at once and then one more every 1/N of
the period; the bucket refills continuously. Limits can be set server-wide (--rate-limit) and
per tenant (PUT /_fake/tenants/{key}/rate-limit).
"""

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..keys import key_digest

RATE_PATTERN = r"([1-9][0-9]{0,8})/(s|m|h)"
_RATE = re.compile(RATE_PATTERN)
_PERIODS = {"s": 1.0, "m": 60.0, "h": 3600.0}
OFF = "off"
# How a limit is written, for every message that asks for one.
RATE_FORMAT = f"N/s, N/m or N/h, e.g. 10/s, or {OFF}"


@dataclass(frozen=True)
class Rate:
    requests: int
    period: float
    text: str

    @property
    def per_second(self) -> float:
        return self.requests / self.period


def parse_rate(text: str) -> Rate | None:
    """A rate from "10/s", "600/m" or "1000/h"; None for "off". ValueError for anything else."""
    if text == OFF:
        return None
    match = _RATE.fullmatch(text)  # as the OpenAPI document's pattern says: no spaces around it
    if match is None:
        raise ValueError(f"invalid rate limit {text!r}: write {RATE_FORMAT}")
    return Rate(int(match[1]), _PERIODS[match[2]], text)


class RateLimiter:
    def __init__(self, default: Rate | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.default = default
        self._clock = clock
        self._overrides: dict[str, Rate | None] = {}
        self._buckets: dict[str, tuple[float, float]] = {}  # key digest -> (tokens, when counted)
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        """Whether any key is limited at all: if not, requests need not be counted."""
        return self.default is not None or any(rate is not None for rate in self._overrides.values())

    def set_limit(self, api_key: str, rate: Rate | None) -> None:
        """A tenant's own limit; None turns limiting off for it."""
        digest = key_digest(api_key)
        with self._lock:
            self._overrides[digest] = rate
            self._buckets.pop(digest, None)

    def use_default(self, api_key: str) -> None:
        digest = key_digest(api_key)
        with self._lock:
            self._overrides.pop(digest, None)
            self._buckets.pop(digest, None)

    def limit_for(self, api_key: str) -> Rate | None:
        return self._overrides.get(key_digest(api_key), self.default)

    def admit(self, api_key: str) -> int | None:
        """Takes a token for a request of this key: None if it had one, else the whole seconds
        until it will (the request is refused, and Retry-After says when to come back)."""
        digest = key_digest(api_key)
        with self._lock:
            rate = self._overrides.get(digest, self.default)
            if rate is None:
                return None
            now = self._clock()
            tokens, counted = self._buckets.get(digest, (float(rate.requests), now))
            tokens = min(float(rate.requests), tokens + (now - counted) * rate.per_second)
            if tokens >= 1:
                self._buckets[digest] = (tokens - 1, now)
                return None
            self._buckets[digest] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / rate.per_second))
