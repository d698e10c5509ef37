"""--db: state kept in a file across restarts; fixtures load only into an empty file."""

from conftest import DEFAULT_KEY, asgi_client
from fake_smartengage.app import create_app
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
    assert second.state.store.api_keys() == [DEFAULT_KEY]
    async with asgi_client(second) as client:
        again = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "kept@example.com"})
        newer = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "newer@example.com"})
    assert again.json()["id"] == "2"
    assert newer.json()["id"] == "3"


def test_file_database_uses_write_ahead_logging(tmp_path):
    app = create_app(Settings(db=tmp_path / "state.db"))
    assert (tmp_path / "state.db-wal").exists()
    app.state.db.close()
