"""What tenants reset to is a database of its own, copied over theirs: never seen, never left
behind, every reference intact, every statement on an index."""

import json
import logging
import sqlite3

import pytest

from conftest import DEFAULT_KEY, asgi_client
from fake_smartengage.app import create_app
from fake_smartengage.errors import as_api_error
from fake_smartengage.settings import Settings
from fake_smartengage.store import SubscriberChanges
from fake_smartengage.store.exceptions import AccountGone

TAGGED = {
    "avatars": [
        {
            "avatar_id": 7,
            "tags": [{"tag_id": 1, "tag_name": "vip"}],
            "custom_fields": [{"custom_field_id": 2, "custom_field_name": "region"}],
            "sequences": [{"sequence_id": 3, "sequence_name": "welcome"}],
            "subscribers": [
                {
                    "id": 9,
                    "email": "s@example.com",
                    "tags": [1],
                    "custom_fields": [{"custom_field_id": 2, "custom_value": "US"}],
                    "sequences": [{"sequence_id": 3, "status": "Active"}],
                }
            ],
        }
    ]
}


async def exercise(client) -> str:
    """Tenants made from the template and from a document, changed, reset, replaced and dropped."""
    template = (await client.post("/_fake/tenants")).json()["api_key"]
    mine = (await client.post("/_fake/tenants", json=TAGGED)).json()["api_key"]
    for key in (template, mine):
        await client.post(
            "/subscribers/add",
            headers={"Authorization": f"Bearer {key}"},
            data={"avatar_id": "7" if key == mine else "123", "email": "new@example.com", "tags[]": "1"},
        )
        assert (await client.post("/_fake/reset", params={"api_key": key})).status_code == 204
    assert (await client.put("/_fake/state", params={"api_key": mine}, json={"avatars": []})).status_code == 204
    assert (await client.put("/_fake/state", params={"api_key": mine}, json=TAGGED)).status_code == 204
    assert (await client.post("/_fake/reset", params={"api_key": mine})).status_code == 204
    assert (await client.delete(f"/_fake/tenants/{template}")).status_code == 204
    return mine


async def test_a_tenant_resets_to_its_document_with_everything_attached(client):
    key = (await client.post("/_fake/tenants", json=TAGGED)).json()["api_key"]
    seeded = (await client.get("/_fake/state", params={"api_key": key})).json()
    await client.post(
        "/tags/delete",
        headers={"Authorization": f"Bearer {key}"},
        data={"avatar_id": "7", "subscriber_id": "9", "tag": "1"},
    )
    await client.post("/_fake/reset", params={"api_key": key})
    assert (await client.get("/_fake/state", params={"api_key": key})).json() == seeded
    avatar = seeded["accounts"][0]["avatars"][0]
    assert {name: avatar[name] for name in TAGGED["avatars"][0]} == TAGGED["avatars"][0]


async def test_tenants_made_changed_and_dropped_leave_nothing_behind(client, state):
    before = state()
    mine = await exercise(client)
    assert (await client.delete(f"/_fake/tenants/{mine}")).status_code == 204
    assert state() == before


async def test_seeds_are_never_listed_and_the_template_outlives_the_state(client):
    assert (await client.put("/_fake/state", json={"accounts": []})).status_code == 204
    assert (await client.get("/_fake/state")).json()["accounts"] == []
    assert (await client.get("/_fake/subscribers")).json() == []
    key = (await client.post("/_fake/tenants")).json()["api_key"]
    avatars = await client.get("/avatars/list", headers={"Authorization": f"Bearer {key}"})
    assert [avatar["avatar_id"] for avatar in avatars.json()] == ["3", "2", "1", "123"]


def checked_copy(app, api_key: str) -> sqlite3.Connection:
    """A copy of the account's database, in which every reference holds."""
    copy = sqlite3.connect(":memory:")
    copy.executescript(";\n".join(app.state.accounts.find(api_key).db.dump()))
    assert copy.execute("PRAGMA foreign_key_check").fetchall() == []
    assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    return copy


async def test_every_reference_holds_after_copies(app, client):
    await exercise(client)
    for api_key in app.state.accounts.api_keys():
        checked_copy(app, api_key)


async def test_a_template_of_many_subscribers_is_copied_whole_with_every_reference(tmp_path):
    subscribers = [{"id": n, "email": f"s{n}@example.com", "tags": [1]} for n in range(1, 1_001)]
    avatar = {**TAGGED["avatars"][0], "subscribers": subscribers}
    fixture = tmp_path / "large.json"
    fixture.write_text(json.dumps({"accounts": [{"api_key": DEFAULT_KEY, "avatars": [avatar]}]}))
    app = create_app(Settings(fixtures=[fixture]))
    async with asgi_client(app, DEFAULT_KEY) as client:
        key = (await client.post("/_fake/tenants")).json()["api_key"]
        tagged = await client.get("/_fake/subscribers", params={"api_key": key, "tag": "vip"})
    assert len(tagged.json()) == len(subscribers)
    checked_copy(app, key)


async def test_every_statement_of_tenant_changes_uses_an_index(caplog):
    caplog.set_level(logging.DEBUG, logger="fake_smartengage.sql")
    app = create_app(Settings())
    caplog.clear()
    async with asgi_client(app, DEFAULT_KEY) as client:
        await exercise(client)
    queries = {record.getMessage() for record in caplog.records if record.name == "fake_smartengage.sql"}
    queries = {sql for sql in queries if sql.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE"))}
    # A small seed is copied whole, table by table, from the attached seed (`main.` and `seed.`):
    # those statements read and write every row by design.
    copies = {sql for sql in queries if " main." in sql}
    assert any(sql.startswith("INSERT INTO main.subscriber SELECT * FROM seed.subscriber") for sql in copies)
    queries -= copies
    plans = checked_copy(app, DEFAULT_KEY)
    scans = []
    for sql in sorted(queries):
        for _, _, _, detail in plans.execute(f"EXPLAIN QUERY PLAN {sql}"):
            if detail.startswith("SCAN") and "INDEX" not in detail and detail != "SCAN CONSTANT ROW":
                scans.append(f"{detail}  <-  {sql}")
    assert scans == []


async def test_a_request_that_found_its_tenant_before_it_was_dropped_is_answered_401(app, client):
    # The plugin drops tenants from the test's thread while the server's thread may be answering,
    # and a dropped tenant's database may already be the next tenant's.
    key = (await client.post("/_fake/tenants")).json()["api_key"]
    account = app.state.store.account_for_key(key)
    assert app.state.store.list_avatars(account)
    assert (await client.delete(f"/_fake/tenants/{key}")).status_code == 204
    with pytest.raises(AccountGone) as raised:
        app.state.store.list_avatars(account)
    assert as_api_error(raised.value).status == 401
    newer = (await client.post("/_fake/tenants")).json()["api_key"]
    assert app.state.store.account_for_key(newer).db is account.db  # handed over, not made again
    store = app.state.store
    late_subscriber = SubscriberChanges({"email": "late@example.com"})
    for late in (lambda: store.list_avatars(account), lambda: store.add_subscriber(account, 123, late_subscriber)):
        with pytest.raises(AccountGone) as raised:
            late()
        assert as_api_error(raised.value).status == 401
    assert (await client.get("/_fake/subscribers", params={"api_key": newer, "email": "late@example.com"})).json() == []


async def test_a_tenant_inside_a_write_holds_up_no_other_tenant_of_its_seed(app, client):
    first, second = [(await client.post("/_fake/tenants")).json()["api_key"] for _ in range(2)]
    for key in (first, second):  # a reset attaches the seed, which every tenant of it then shares
        assert (await client.post("/_fake/reset", params={"api_key": key})).status_code == 204
    with app.state.store.account_for_key(first).transaction() as conn:
        conn.execute("DELETE FROM subscriber_tag")
        assert (await client.post("/_fake/reset", params={"api_key": second})).status_code == 204
        added = await client.post(
            "/subscribers/add",
            headers={"Authorization": f"Bearer {second}"},
            data={"avatar_id": "123", "email": "meanwhile@example.com"},
        )
        assert added.status_code == 200, added.text
        third = await client.post("/_fake/tenants")
        assert third.status_code == 201, third.text
