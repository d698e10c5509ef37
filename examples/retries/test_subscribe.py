"""The answer to subscribers/add is lost after SmartEngage commits it: a blind retry adds the
subscriber twice, a client that checks first adds it once. Run with the pytest plugin's
`smartengage` fixture (a fresh account per test on a real server: the fault resets the connection)."""

import pytest
from subscribe import add_checking_first, add_retrying_blindly

AVATAR = 123  # the bundled fixture's avatar


@pytest.fixture
def account(smartengage):
    # SmartEngage adds a new subscriber even when the email is taken (the duplicates switch), and
    # lists an avatar's subscribers on GET /subscribers/list/ (a route its integrations use).
    smartengage.set_profile({"duplicates": "create", "promised_routes": "on"})
    # The next subscribers/add commits, then its connection is reset: the answer is lost.
    smartengage.lose_answer("POST", "/subscribers/add")
    return smartengage


def test_a_blind_retry_adds_the_subscriber_twice(account):
    add_retrying_blindly(account.base_url, account.api_key, AVATAR, "grace@example.com")

    assert len(account.subscribers(email="grace@example.com")) == 2
    (lost, retried) = reversed(account.requests(path="/subscribers/add"))
    assert (lost["state_changed"], lost["fault_kind"], retried["status"]) == (True, "reset", 200)


def test_checking_first_adds_it_once(account):
    subscriber = add_checking_first(account.base_url, account.api_key, AVATAR, "grace@example.com")

    assert account.subscribers(email="grace@example.com") == [subscriber]
