"""Adding a subscriber to SmartEngage over a network that loses answers: two ways to retry.

`add_retrying_blindly` lets urllib3 retry the POST itself: when the answer is lost after SmartEngage
committed the write, the retry adds the subscriber a second time. `add_checking_first` retries only
what is safe to repeat: after a lost answer it asks SmartEngage whether the subscriber is there.
"""

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry


def _session(base_url: str, api_key: str, retry: Retry) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {api_key}"
    session.mount(base_url, HTTPAdapter(max_retries=retry))
    return session


def add_retrying_blindly(base_url: str, api_key: str, avatar_id: int, email: str) -> dict[str, Any]:
    # allowed_methods=None: every method is retried, the POST included.
    session = _session(base_url, api_key, Retry(total=3, allowed_methods=None, backoff_factor=0))
    answer = session.post(f"{base_url}/subscribers/add", data={"avatar_id": avatar_id, "email": email}, timeout=10)
    answer.raise_for_status()
    return answer.json()


def add_checking_first(base_url: str, api_key: str, avatar_id: int, email: str) -> dict[str, Any]:
    # The default Retry repeats only idempotent methods: the GET below, never the POST.
    session = _session(base_url, api_key, Retry(total=3, backoff_factor=0))
    for _ in range(3):
        try:
            answer = session.post(
                f"{base_url}/subscribers/add", data={"avatar_id": avatar_id, "email": email}, timeout=10
            )
        except requests.ConnectionError:  # the answer is lost: did the write happen?
            listed = session.get(f"{base_url}/subscribers/list/", params={"avatar_id": avatar_id}, timeout=10)
            listed.raise_for_status()
            found = [subscriber for subscriber in listed.json() if subscriber["email"] == email]
            if found:
                return found[0]
            continue
        answer.raise_for_status()
        return answer.json()
    raise RuntimeError(f"could not add {email}")
