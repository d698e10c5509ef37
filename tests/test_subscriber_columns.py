"""Every column of the subscriber table is written through the API or declared read-only, and the
writable ones round-trip: a column added to `store/models.py` as docs/development.md says is
then either a parameter of subscribers/add and subscribers/update or listed in
`SUBSCRIBER_READ_ONLY`, and nothing in the write path names it."""

import pytest

from conftest import DEFAULT_KEY
from fake_smartengage.store.columns import SUBSCRIBER_DETAILS, SUBSCRIBER_READ_ONLY, SUBSCRIBER_WRITABLE

WRITES = ("/subscribers/add", "/subscribers/update")


async def _form_parameters(client, path: str) -> set[str]:
    """The parameters the app's own OpenAPI document gives the route's form body."""
    document = (await client.get("/openapi.json")).json()
    content = document["paths"][path]["post"]["requestBody"]["content"]
    return set(content["application/x-www-form-urlencoded"]["schema"]["properties"])


async def _stored(client, subscriber_id: str) -> dict:
    """The subscriber as the state's export shows it: every column, not only the public shape's."""
    exported = (await client.get("/_fake/state", params={"api_key": DEFAULT_KEY})).json()
    (avatar,) = [avatar for avatar in exported["accounts"][0]["avatars"] if avatar["avatar_id"] == 123]
    (subscriber,) = [subscriber for subscriber in avatar["subscribers"] if str(subscriber["id"]) == subscriber_id]
    return subscriber


def _values(round_: str) -> dict[str, str]:
    # Shaped as an email address, which every text column takes, email included; unique per round.
    return {column: f"{column}.{round_}@example.com" for column in SUBSCRIBER_WRITABLE}


@pytest.mark.parametrize("path", WRITES)
async def test_every_subscriber_column_is_a_parameter_or_read_only_and_not_both(client, path):
    parameters = await _form_parameters(client, path)
    assert SUBSCRIBER_READ_ONLY.issubset(SUBSCRIBER_DETAILS)  # none left over from a removed column
    for column in SUBSCRIBER_DETAILS:
        assert (column in parameters) != (column in SUBSCRIBER_READ_ONLY), column


async def test_writable_columns_round_trip_through_add_and_update(client):
    added = _values("added")
    answer = await client.post("/subscribers/add", data={"avatar_id": "123", **added})
    assert answer.status_code == 200, answer.text
    subscriber_id = answer.json()["id"]
    stored = await _stored(client, subscriber_id)
    assert {column: stored.get(column) for column in SUBSCRIBER_WRITABLE} == added

    updated = _values("updated")
    answer = await client.post(
        "/subscribers/update", data={"avatar_id": "123", "subscriber_id": subscriber_id, **updated}
    )
    assert answer.status_code == 200, answer.text
    stored = await _stored(client, subscriber_id)
    assert {column: stored.get(column) for column in SUBSCRIBER_WRITABLE} == updated
