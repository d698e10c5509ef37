"""A newsletter sign-up, as an application would write it against SmartEngage.

`sign_up` adds (or, for a known email, updates) a subscriber of an avatar, tags them and starts
their welcome sequence. SmartEngage can answer 5xx or 429 now and then, so every call is
retried a few times, waiting what `Retry-After` says (or a short back-off without one). Each
call is safe to repeat: adding a known email updates that subscriber, and adding a tag or a
sequence the subscriber already has changes nothing.
"""

import time
from collections.abc import Callable
from typing import Any

import httpx

AVATAR_ID = 1
TAG = "newsletter"
SEQUENCE = "Welcome series"
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = 0.5


class SignupError(Exception):
    """SmartEngage refused the sign-up, or kept failing after every attempt."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        super().__init__(
            f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text}"
        )


def _retryable(response: httpx.Response) -> bool:
    return response.status_code == 429 or response.status_code >= 500


def _wait(response: httpx.Response, attempt: int) -> float:
    retry_after = response.headers.get("Retry-After", "")
    return float(retry_after) if retry_after.isdigit() else BACKOFF_SECONDS * 2 ** (attempt - 1)


def _post(
    client: httpx.Client, path: str, data: dict[str, Any], max_attempts: int, sleep: Callable[[float], None]
) -> dict[str, Any]:
    for attempt in range(1, max_attempts + 1):
        response = client.post(path, data=data)
        if not _retryable(response) or attempt == max_attempts:
            break
        sleep(_wait(response, attempt))
    if response.status_code != 200:
        raise SignupError(response)
    return response.json()


def sign_up(
    base_url: str,
    api_key: str,
    email: str,
    name: str,
    *,
    avatar_id: int = AVATAR_ID,
    tag: str = TAG,
    sequence: str = SEQUENCE,
    max_attempts: int = MAX_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Signs `email` up; returns the subscriber as SmartEngage last showed them."""
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as client:
        subscriber = _post(
            client, "/subscribers/add", {"avatar_id": avatar_id, "email": email, "full_name": name}, max_attempts, sleep
        )
        ids = {"avatar_id": avatar_id, "subscriber_id": subscriber["id"]}
        _post(client, "/tags/add", {**ids, "tag": tag}, max_attempts, sleep)
        return _post(client, "/sequences/add", {**ids, "sequence": sequence}, max_attempts, sleep)
