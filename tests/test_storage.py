"""--db: state kept in a folder across restarts, one database file per account and per seed;
fixtures load only into an empty folder."""

import json
import os
import re
import resource
import sqlite3
from pathlib import Path

import pytest

from conftest import DEFAULT_KEY, asgi_client
from fake_smartengage.app import create_app
from fake_smartengage.errors import StartupError
from fake_smartengage.settings import Settings


async def test_state_survives_a_restart_and_fixtures_are_not_loaded_again(tmp_path, write_fixture):
    db = tmp_path / "state"
    first = create_app(Settings(db=db))
    async with asgi_client(first) as client:
        created = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "kept@example.com"})
    assert created.json()["id"] == "2"
    first.state.accounts.close()

    other_fixture = write_fixture({"accounts": [{"api_key": "ignored"}]})
    second = create_app(Settings(db=db, fixtures=(other_fixture,)))
    assert second.state.fixture_files == []
    assert second.state.accounts.api_keys() == [DEFAULT_KEY]
    async with asgi_client(second) as client:
        again = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "kept@example.com"})
        newer = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "newer@example.com"})
    assert again.json()["id"] == "2"
    assert newer.json()["id"] == "3"


def test_each_database_file_uses_write_ahead_logging(tmp_path):
    app = create_app(Settings(db=tmp_path / "state"))
    files = sorted(path.name for path in (tmp_path / "state").glob("*.sqlite"))
    assert files == ["account-1.sqlite", "seed-1.sqlite"]
    for name in files:
        assert (tmp_path / "state" / f"{name}-wal").exists()
    app.state.accounts.close()


async def test_reset_after_a_restart_brings_an_account_back_to_its_fixture(tmp_path):
    db = tmp_path / "state"
    first = create_app(Settings(db=db))
    async with asgi_client(first) as client:
        seeded = (await client.get(f"/_fake/state?api_key={DEFAULT_KEY}")).json()
        await client.post("/subscribers/add", data={"avatar_id": "123", "email": "gone@example.com"})
    first.state.accounts.close()

    second = create_app(Settings(db=db))
    async with asgi_client(second) as client:
        assert (await client.get(f"/_fake/subscribers?api_key={DEFAULT_KEY}&email=gone@example.com")).json()
        reset = await client.post(f"/_fake/reset?api_key={DEFAULT_KEY}")
        assert reset.status_code == 204, reset.text
        assert (await client.get(f"/_fake/state?api_key={DEFAULT_KEY}")).json() == seeded


async def test_a_tenant_made_before_a_restart_resets_to_its_own_seed(tmp_path):
    db = tmp_path / "state"
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
    first.state.accounts.close()

    second = create_app(Settings(db=db))
    async with asgi_client(second, key) as client:
        await client.post("/subscribers/add", data={"avatar_id": "5", "email": "x@example.com"})
        assert (await client.post(f"/_fake/reset?api_key={key}")).status_code == 204
        assert (await client.get("/avatars/list")).json()[0]["brand_name"] == "Mine"
        assert (await client.get(f"/_fake/subscribers?api_key={key}")).json() == []


async def test_dropped_tenants_and_their_seeds_leave_no_file_behind(tmp_path):
    db = tmp_path / "state"
    app = create_app(Settings(db=db))
    before = sorted(path.name for path in db.iterdir())
    async with asgi_client(app) as client:
        made = [(await client.post("/_fake/tenants")).json()["api_key"] for _ in range(3)]
        own = (await client.post("/_fake/tenants", json={"avatars": [{"avatar_id": 5}]})).json()["api_key"]
        assert len(list(db.glob("account-*.sqlite"))) == 5
        assert len(list(db.glob("seed-*.sqlite"))) == 2
        for key in (*made, own):
            assert (await client.delete(f"/_fake/tenants/{key}")).status_code == 204
    assert sorted(path.name for path in db.iterdir()) == before
    app.state.accounts.close()


def test_files_a_killed_process_left_unrecorded_are_deleted_at_start(tmp_path):
    db = tmp_path / "state"
    create_app(Settings(db=db)).state.accounts.close()
    for name in ("account-7.sqlite", "account-7.sqlite-wal", "seed-9.sqlite"):
        (db / name).write_bytes(b"")
    app = create_app(Settings(db=db))
    assert sorted(path.name for path in db.glob("*.sqlite")) == ["account-1.sqlite", "seed-1.sqlite"]
    assert not [*db.glob("account-7.*"), *db.glob("seed-9.*")]
    assert app.state.accounts.api_keys() == [DEFAULT_KEY]
    app.state.harness.create_tenant()  # numbered past what was left, never reusing its number
    assert (db / "account-8.sqlite").exists()
    app.state.accounts.close()


def test_a_file_is_refused_with_its_path(tmp_path):
    db = tmp_path / "state.db"
    sqlite3.connect(db).close()
    with pytest.raises(StartupError, match=rf"^{re.escape(str(db))}: --db names a folder"):
        create_app(Settings(db=db))


def test_a_folder_of_other_files_is_refused_with_its_path(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StartupError, match=rf"^{re.escape(str(tmp_path))}: holds files but no state.json"):
        create_app(Settings(db=tmp_path))
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_a_database_from_another_version_is_refused_with_its_path(tmp_path):
    db = tmp_path / "state"
    create_app(Settings(db=db)).state.accounts.close()
    account = db / "account-1.sqlite"
    connection = sqlite3.connect(account)
    connection.execute("ALTER TABLE subscriber ADD COLUMN later VARCHAR")
    connection.commit()
    connection.close()
    refused = rf"^{re.escape(str(account))}: its tables are not those of fake-smartengage"
    with pytest.raises(StartupError, match=refused):
        create_app(Settings(db=db))


@pytest.mark.parametrize("content", [b"not a database, just text" * 10, b"\x00" * 4096])
def test_a_file_that_is_no_database_is_refused_with_its_path(tmp_path, content):
    db = tmp_path / "state"
    create_app(Settings(db=db)).state.accounts.close()
    seed = db / "seed-1.sqlite"
    seed.write_bytes(content)
    with pytest.raises(StartupError, match=rf"^{re.escape(str(seed))}: not a database fake-smartengage can use"):
        create_app(Settings(db=db))


@pytest.mark.parametrize("content", ["{", '{"format": 2, "accounts": []}', '{"format": 1}'])
def test_a_state_file_it_cannot_read_is_refused_with_its_path(tmp_path, content):
    db = tmp_path / "state"
    create_app(Settings(db=db)).state.accounts.close()
    (db / "state.json").write_text(content)
    with pytest.raises(StartupError, match=rf"^{re.escape(str(db / 'state.json'))}: not a state file"):
        create_app(Settings(db=db))


def test_a_folder_in_a_missing_folder_is_refused_with_its_path(tmp_path):
    db = tmp_path / "missing" / "state"
    with pytest.raises(StartupError, match=rf"^{re.escape(str(db))}: cannot create the state folder: no folder"):
        create_app(Settings(db=db))


def test_the_state_file_names_each_account_its_database_and_its_seed(tmp_path):
    db = tmp_path / "state"
    create_app(Settings(db=db)).state.accounts.close()
    assert json.loads((db / "state.json").read_text()) == {
        "format": 1,
        "accounts": [{"api_key": DEFAULT_KEY, "number": 1, "seed": 1}],
    }


async def test_a_whole_reset_after_a_restart_brings_back_the_state_the_server_started_with(tmp_path):
    db = tmp_path / "state"
    first = create_app(Settings(db=db))
    async with asgi_client(first) as client:
        await client.post("/subscribers/add", data={"avatar_id": "123", "email": "before@example.com"})
    first.state.accounts.close()

    second = create_app(Settings(db=db))
    async with asgi_client(second) as client:
        await client.post("/subscribers/add", data={"avatar_id": "123", "email": "after@example.com"})
        assert (await client.post("/_fake/reset")).status_code == 204
        emails = [subscriber["email"] for subscriber in (await client.get("/_fake/subscribers")).json()]
    assert "before@example.com" in emails
    assert "after@example.com" not in emails
    second.state.accounts.close()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
async def test_a_state_it_cannot_store_is_a_503_and_changes_nothing(tmp_path):
    db = tmp_path / "state"
    app = create_app(Settings(db=db))
    files = sorted(path.name for path in db.iterdir())
    recorded = (db / "state.json").read_text()
    document = {"accounts": [{"api_key": f"key-{n}", "avatars": [{"avatar_id": 1}]} for n in range(3)]}
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    async with asgi_client(app) as client:
        # Room for the first account's files, not for the second's: the change fails halfway.
        resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + 4, hard))
        try:
            response = await client.put("/_fake/state", json=document)
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        assert response.status_code == 503, response.text
        assert response.json()["error"]["message"].startswith("The fake cannot store another database: ")
        assert (await client.get("/avatars/list")).status_code == 200
        assert (await client.get("/_fake/state")).json()["accounts"][0]["api_key"] == DEFAULT_KEY
    assert sorted(path.name for path in db.iterdir()) == files
    assert (db / "state.json").read_text() == recorded
    app.state.accounts.close()


async def test_a_folder_left_with_no_account_starts_again_from_the_fixtures(tmp_path):
    db = tmp_path / "state"
    first = create_app(Settings(db=db))
    async with asgi_client(first) as client:
        assert (await client.put("/_fake/state", json={"accounts": []})).status_code == 204
    first.state.accounts.close()
    second = create_app(Settings(db=db))
    assert second.state.accounts.api_keys() == [DEFAULT_KEY]
    second.state.accounts.close()


async def test_a_replaced_account_is_a_new_database_recorded_before_the_old_one_goes(tmp_path):
    db = tmp_path / "state"
    app = create_app(Settings(db=db))
    async with asgi_client(app) as client:
        replaced = await client.put(f"/_fake/state?api_key={DEFAULT_KEY}", json={"avatars": [{"avatar_id": 9}]})
        assert replaced.status_code == 204
    assert json.loads((db / "state.json").read_text())["accounts"] == [{"api_key": DEFAULT_KEY, "number": 2, "seed": 2}]
    # Seed 1 stays: it is the template that new tenants copy.
    assert sorted(path.name for path in db.glob("*.sqlite")) == ["account-2.sqlite", "seed-1.sqlite", "seed-2.sqlite"]
    app.state.accounts.close()


def test_a_database_the_state_file_names_must_be_there(tmp_path):
    db = tmp_path / "state"
    create_app(Settings(db=db)).state.accounts.close()
    (db / "account-1.sqlite").unlink()
    with pytest.raises(StartupError, match=rf"^{re.escape(str(db / 'account-1.sqlite'))}: named in .* but missing"):
        create_app(Settings(db=db))
