"""--db: state kept in a file across restarts; fixtures load only into an empty file."""

import re
import sqlite3

import pytest

from conftest import DEFAULT_KEY, asgi_client
from fake_smartengage.app import create_app
from fake_smartengage.errors import StartupError
from fake_smartengage.settings import Settings


async def test_state_survives_a_restart_and_fixtures_are_not_loaded_again(tmp_path, write_fixture):
    db = tmp_path / "state.db"
    first = create_app(Settings(db=db))
    async with asgi_client(first) as client:
        created = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "kept@example.com"})
    assert created.json()["id"] == "2"
    first.state.db.close()

    other_fixture = write_fixture({"accounts": [{"api_key": "ignored"}]})
    second = create_app(Settings(db=db, fixtures=(other_fixture,)))
    assert second.state.fixture_files == []
    assert second.state.accounts.api_keys() == [DEFAULT_KEY]
    async with asgi_client(second) as client:
        again = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "kept@example.com"})
        newer = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "newer@example.com"})
    assert again.json()["id"] == "2"
    assert newer.json()["id"] == "3"


def test_file_database_uses_write_ahead_logging(tmp_path):
    app = create_app(Settings(db=tmp_path / "state.db"))
    assert (tmp_path / "state.db-wal").exists()
    app.state.db.close()


async def test_reset_after_a_restart_brings_an_account_back_to_its_fixture(tmp_path):
    db = tmp_path / "state.db"
    first = create_app(Settings(db=db))
    async with asgi_client(first) as client:
        seeded = (await client.get(f"/_fake/state?api_key={DEFAULT_KEY}")).json()
        await client.post("/subscribers/add", data={"avatar_id": "123", "email": "gone@example.com"})
    first.state.db.close()

    second = create_app(Settings(db=db))
    async with asgi_client(second) as client:
        assert (await client.get(f"/_fake/subscribers?api_key={DEFAULT_KEY}&email=gone@example.com")).json()
        reset = await client.post(f"/_fake/reset?api_key={DEFAULT_KEY}")
        assert reset.status_code == 204, reset.text
        assert (await client.get(f"/_fake/state?api_key={DEFAULT_KEY}")).json() == seeded


async def test_a_tenant_made_before_a_restart_resets_to_its_own_seed(tmp_path):
    db = tmp_path / "state.db"
    first = create_app(Settings(db=db))
    async with asgi_client(first) as client:
        key = (await client.post("/_fake/tenants", json={"avatars": [{"avatar_id": 5, "brand_name": "Mine"}]})).json()[
            "api_key"
        ]
        await client.put(f"/_fake/state?api_key={key}", json={"avatars": [{"avatar_id": 6}]})
        await client.post("/_fake/reset")  # the whole server: the tenant is gone again
        assert (await client.post(f"/_fake/reset?api_key={key}")).status_code == 404
        key = (await client.post("/_fake/tenants", json={"avatars": [{"avatar_id": 5, "brand_name": "Mine"}]})).json()[
            "api_key"
        ]
    first.state.db.close()

    second = create_app(Settings(db=db))
    async with asgi_client(second, key) as client:
        await client.post("/subscribers/add", data={"avatar_id": "5", "email": "x@example.com"})
        assert (await client.post(f"/_fake/reset?api_key={key}")).status_code == 204
        assert (await client.get("/avatars/list")).json()[0]["brand_name"] == "Mine"
        assert (await client.get(f"/_fake/subscribers?api_key={key}")).json() == []


def test_a_file_from_another_version_is_refused_with_its_path(tmp_path):
    db = tmp_path / "old.db"
    connection = sqlite3.connect(db)
    connection.execute("CREATE TABLE account (pk INTEGER PRIMARY KEY, api_key VARCHAR, key_digest VARCHAR)")
    connection.commit()
    connection.close()
    with pytest.raises(StartupError, match=rf"^{re.escape(str(db))}: its tables are not those of fake-smartengage"):
        create_app(Settings(db=db))


@pytest.mark.parametrize("content", [b"not a database, just text" * 10, b"\x00" * 4096])
def test_a_file_that_is_no_database_is_refused_with_its_path(tmp_path, content):
    db = tmp_path / "text.db"
    db.write_bytes(content)
    with pytest.raises(StartupError, match=rf"^{re.escape(str(db))}: not a database fake-smartengage can use"):
        create_app(Settings(db=db))


def test_a_file_in_a_missing_folder_is_refused_with_its_path(tmp_path):
    db = tmp_path / "missing" / "state.db"
    with pytest.raises(StartupError, match=rf"^{re.escape(str(db))}: cannot create the database file: no folder"):
        create_app(Settings(db=db))
