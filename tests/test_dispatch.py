"""The SmartEngage API alone: a store and an `ApiRequest` in, an answer out, with no server, no
harness and no ASGI, as a tool or a test of the API layer would use it."""

import json

import pytest

from conftest import DEFAULT_KEY
from fake_smartengage import errors
from fake_smartengage.api.dispatch import answer
from fake_smartengage.api.request import ApiRequest
from fake_smartengage.api.table import AVATARS_LIST, SUBSCRIBERS_ADD, TAGS_LIST
from fake_smartengage.settings import bundled_fixtures
from fake_smartengage.store import Accounts, Folder, Store
from fake_smartengage.store.seeding import read_fixture_file


@pytest.fixture
def store() -> Store:
    accounts = Accounts(Folder(None))
    accounts.add(read_fixture_file(bundled_fixtures() / "default.json").accounts)
    return Store(accounts)


def _request(store: Store, method: str, path: str, *, query: bytes = b"", body: bytes = b"", key=DEFAULT_KEY):
    return ApiRequest(
        method=method,
        path=path,
        query=query,
        content_type="application/x-www-form-urlencoded",
        api_key=key,
        account=store.account_for_key(key) if key else None,
        body=body,
    )


def test_a_list_is_answered_from_the_store(store):
    request = _request(store, "GET", TAGS_LIST.other_path, query=b"avatar_id=123")
    assert [tag["tag_name"] for tag in json.loads(answer(store, request)[1])][:1]
    assert request.parameters == {"avatar_id": 123}
    assert request.sent() == {"avatar_id": "123"}


def test_a_write_records_what_was_sent_and_parsed(store):
    request = _request(store, "POST", SUBSCRIBERS_ADD.path, body=b"avatar_id=123&email=alone%40example.com&tags[]=123")
    assert json.loads(answer(store, request)[1])["email"] == "alone@example.com"
    assert request.sent() == {"avatar_id": "123", "email": "alone@example.com", "tags[]": ["123"]}
    assert request.given() == {"avatar_id": 123, "email": "alone@example.com", "tags": ["123"]}


@pytest.mark.parametrize(
    ("method", "path", "key", "status"),
    [
        ("GET", "/nowhere", DEFAULT_KEY, 404),
        ("DELETE", AVATARS_LIST.path, DEFAULT_KEY, 405),
        ("GET", AVATARS_LIST.path, None, 401),
        ("GET", AVATARS_LIST.path, "se_unknown", 401),
    ],
)
def test_route_then_method_then_key(store, method, path, key, status):
    with pytest.raises(errors.ApiError) as raised:
        answer(store, _request(store, method, path, key=key))
    assert raised.value.status == status


def test_unreadable_parameters_are_an_error_for_the_route_and_none_for_the_journal(store):
    request = _request(store, "POST", SUBSCRIBERS_ADD.path, body=b"email=%ff")
    with pytest.raises(errors.ApiError, match="not valid UTF-8"):
        answer(store, request)
    assert request.sent() is None
    assert request.given() is None


def test_a_kept_read_is_answered_again_until_the_account_changes(store):
    def tags() -> list[str]:
        request = _request(store, "GET", TAGS_LIST.path, query=b"avatar_id=123")
        found = [tag["tag_name"] for tag in json.loads(answer(store, request)[1])]
        assert request.parameters == {"avatar_id": 123}  # the journal's, kept with the answer
        return found

    before = tags()
    assert tags() == before
    with store.account_for_key(DEFAULT_KEY).transaction() as conn:
        conn.execute("UPDATE tag SET tag_name = 'renamed' WHERE tag_id = 123")
    assert "renamed" in tags()


def test_kept_reads_are_bounded(store):
    account = store.account_for_key(DEFAULT_KEY)
    for number in range(1000):
        answer(store, _request(store, "GET", AVATARS_LIST.path, query=f"n={number}".encode()))
    assert len(account.kept_reads) == 256
