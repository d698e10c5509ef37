"""Tests of the newsletter sign-up against the fake SmartEngage, through the pytest plugin.

No conftest.py: installing fake-smartengage registers the plugin, whose `smartengage` fixture
gives each test a fresh account on a fake server, seeded here from newsletter.json.
"""

import pytest
from signup import SignupError, sign_up

pytestmark = pytest.mark.smartengage(fixtures="newsletter.json")


def test_sign_up_adds_tags_and_starts_the_welcome_series(smartengage):
    subscriber = sign_up(smartengage.base_url, smartengage.api_key, "grace@example.com", "Grace Hopper")

    assert subscriber["id"] == "2"  # Ada, from newsletter.json, is subscriber 1
    assert subscriber["full_name"] == "Grace Hopper"
    assert subscriber["tags"] == ["newsletter"]
    assert subscriber["sequences"] == [{"sequence_id": "1", "sequence_name": "Welcome series", "status": "Active"}]
    # What SmartEngage now holds, not just what it answered:
    assert smartengage.subscribers(email="grace@example.com") == [subscriber]


def test_signing_up_again_keeps_one_subscriber(smartengage):
    sign_up(smartengage.base_url, smartengage.api_key, "ada@example.com", "Ada Lovelace")

    [ada] = smartengage.subscribers(email="ada@example.com")
    assert ada["id"] == "1"
    assert ada["tags"] == ["customer", "newsletter"]


def test_a_503_is_retried_after_retry_after(smartengage):
    smartengage.fail("POST", "/subscribers/add", status=503, retry_after=2)
    waits = []

    subscriber = sign_up(smartengage.base_url, smartengage.api_key, "grace@example.com", "Grace", sleep=waits.append)

    assert waits == [2.0]
    assert [entry["status"] for entry in reversed(smartengage.requests(path="/subscribers/add"))] == [503, 200]
    assert smartengage.subscribers(email="grace@example.com") == [subscriber]
    assert smartengage.faults()[0]["fired"] == 1


def test_it_gives_up_after_three_attempts(smartengage):
    smartengage.fail("POST", "/tags/add", status=429, retry_after=1, times=None)
    waits = []

    with pytest.raises(SignupError) as failure:
        sign_up(smartengage.base_url, smartengage.api_key, "grace@example.com", "Grace", sleep=waits.append)

    assert failure.value.response.status_code == 429
    assert waits == [1.0, 1.0]
    assert len(smartengage.requests(path="/tags/add")) == 3
    assert smartengage.requests(path="/sequences/add") == []


def test_the_journal_shows_what_was_sent(smartengage):
    sign_up(smartengage.base_url, smartengage.api_key, "grace@example.com", "Grace Hopper")

    sent = list(reversed(smartengage.requests()))  # the journal is newest first
    assert [(entry["method"], entry["path"], entry["status"]) for entry in sent] == [
        ("POST", "/subscribers/add", 200),
        ("POST", "/tags/add", 200),
        ("POST", "/sequences/add", 200),
    ]
    assert sent[0]["form"] == {"avatar_id": 1, "email": "grace@example.com", "full_name": "Grace Hopper"}
    assert sent[1]["form"] == {"avatar_id": 1, "subscriber_id": 2, "tag": "newsletter"}
    assert sent[2]["form"] == {"avatar_id": 1, "subscriber_id": 2, "sequence": "Welcome series"}
