"""Fixture files: loading, the default fixture, and errors that name the file and the entry."""

import json

import pytest

from conftest import DEFAULT_KEY, asgi_client
from fake_smartengage.app import create_app
from fake_smartengage.cli import parse_args
from fake_smartengage.errors import FixtureError
from fake_smartengage.settings import Settings, bundled_fixtures


def account(**avatar) -> dict:
    return {"api_key": "key", "avatars": [{"avatar_id": 1, **avatar}]}


def test_bundled_fixtures_hold_the_default_file():
    assert (bundled_fixtures() / "default.json").is_file()


async def test_folder_loads_every_json_file_in_name_order(write_fixture, tmp_path):
    write_fixture({"accounts": [{"api_key": "b", "avatars": [{"avatar_id": 2}]}]}, "b.json")
    write_fixture({"accounts": [{"api_key": "a", "avatars": [{"avatar_id": 1}]}]}, "a.json")
    (tmp_path / "notes.txt").write_text("ignored")
    app = create_app(Settings(fixtures=(tmp_path,)))
    assert [path.name for path in app.state.fixture_files] == ["a.json", "b.json"]
    async with asgi_client(app, "b") as client:
        assert [a["avatar_id"] for a in (await client.get("/avatars/list")).json()] == ["2"]


async def test_fixture_order_is_display_order_and_ids_are_kept(write_fixture):
    document = {
        "accounts": [account(tags=[{"tag_id": 10, "tag_name": "newest"}, {"tag_id": 30, "tag_name": "oldest"}])]
    }
    async with asgi_client(create_app(Settings(fixtures=(write_fixture(document),))), "key") as client:
        tags = (await client.get("/tags/list/", params={"avatar_id": 1})).json()
    assert tags == [{"tag_id": "10", "tag_name": "newest"}, {"tag_id": "30", "tag_name": "oldest"}]


async def test_new_subscriber_gets_highest_id_plus_one(write_fixture):
    document = {"accounts": [account(subscribers=[{"id": 40, "email": "a@example.com"}, {"id": 7, "push_id": "p"}])]}
    async with asgi_client(create_app(Settings(fixtures=(write_fixture(document),))), "key") as client:
        response = await client.post("/subscribers/add", data={"avatar_id": "1", "email": "b@example.com"})
    assert response.json()["id"] == "41"


async def test_fixture_subscriber_fields_appear_in_the_api(write_fixture):
    document = {
        "accounts": [
            account(
                tags=[{"tag_id": 1, "tag_name": "t"}],
                custom_fields=[{"custom_field_id": 5, "custom_field_name": "f"}],
                sequences=[{"sequence_id": 9, "sequence_name": "s"}],
                subscribers=[
                    {
                        "id": 3,
                        "email": "a@example.com",
                        "ip": "10.0.0.1",
                        "gender": "female",
                        "language": "de",
                        "place": "Berlin",
                        "tags": [1],
                        "custom_fields": [{"custom_field_id": 5, "custom_value": "v"}],
                        "sequences": [{"sequence_id": 9, "status": "Completed"}],
                    }
                ],
            )
        ]
    }
    async with asgi_client(create_app(Settings(fixtures=(write_fixture(document),))), "key") as client:
        subscriber = (await client.post("/tags/add", data={"avatar_id": "1", "subscriber_id": "3", "tag": "t"})).json()
    assert subscriber == {
        "id": "3",
        "full_name": None,
        "email": "a@example.com",
        "ip": "10.0.0.1",
        "gender": "female",
        "language": "de",
        "place": "Berlin",
        "facebook_id": None,
        "push_id": None,
        "tags": ["t"],
        "custom_fields": [{"custom_field_id": "5", "custom_field_name": "f", "custom_value": "v"}],
        "sequences": [{"sequence_id": "9", "sequence_name": "s", "status": "Completed"}],
    }


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"accounts": [account(subscribers=[{"id": 1, "email": "a@example.com", "tags": [5]}])]},
            "accounts[0].avatars[0].subscribers[0].tags[0]: no tag with tag_id 5 in avatar 1",
        ),
        (
            {
                "accounts": [
                    account(
                        subscribers=[
                            {
                                "id": 1,
                                "email": "a@example.com",
                                "custom_fields": [{"custom_field_id": 2, "custom_value": "x"}],
                            }
                        ]
                    )
                ]
            },
            "accounts[0].avatars[0].subscribers[0].custom_fields[0]: "
            "no custom field with custom_field_id 2 in avatar 1",
        ),
        (
            {
                "accounts": [
                    account(
                        subscribers=[
                            {"id": 1, "email": "a@example.com", "sequences": [{"sequence_id": 3, "status": "Active"}]}
                        ]
                    )
                ]
            },
            "accounts[0].avatars[0].subscribers[0].sequences[0]: no sequence with sequence_id 3 in avatar 1",
        ),
        (
            {"accounts": [account(subscribers=[{"id": 1, "first_name": "nobody"}])]},
            "accounts[0].avatars[0].subscribers[0]: needs at least one of email, facebook_id or push_id",
        ),
        (
            {
                "accounts": [
                    account(subscribers=[{"id": 1, "email": "A@example.com"}, {"id": 2, "email": "a@example.com"}])
                ]
            },
            "accounts[0].avatars[0].subscribers[1]: email 'a@example.com' already belongs to subscriber 1",
        ),
        (
            {"accounts": [account(tags=[{"tag_id": 1, "tag_name": "a"}, {"tag_id": 1, "tag_name": "b"}])]},
            "accounts[0].avatars[0].tags: id 1 appears twice",
        ),
        (
            {"accounts": [{"api_key": "k", "avatars": [{"avatar_id": 1}, {"avatar_id": 1}]}]},
            "accounts[0].avatars: avatar_id 1 appears twice",
        ),
        (
            {"accounts": [account(subscribers=[{"id": 1, "email": "not-an-email"}])]},
            "accounts[0].avatars[0].subscribers[0].email: Value error, invalid email address 'not-an-email'",
        ),
        ({"accounts": [account(brand="typo")]}, "accounts[0].avatars[0].brand: Extra inputs are not permitted"),
        (
            {"accounts": [{"api_key": "k", "avatars": [{"avatar_id": 0}]}]},
            "accounts[0].avatars[0].avatar_id: Input should be greater than or equal to 1",
        ),
        ({"accounts": [{"avatars": []}]}, "accounts[0].api_key: Field required"),
    ],
)
def test_invalid_fixture_names_file_and_entry(write_fixture, document, message):
    path = write_fixture(document, "broken.json")
    with pytest.raises(FixtureError) as raised:
        create_app(Settings(fixtures=(path,)))
    assert str(raised.value) == f"{path}: {message}"


def test_same_key_in_two_files_is_refused(write_fixture):
    first = write_fixture({"accounts": [{"api_key": "same"}]}, "one.json")
    second = write_fixture({"accounts": [{"api_key": "same"}]}, "two.json")
    with pytest.raises(
        FixtureError, match=r"two\.json: accounts\[0\]: api_key is already used by an account in .*one\.json"
    ):
        create_app(Settings(fixtures=(first, second)))


def test_unreadable_fixture_is_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(FixtureError, match=r"bad\.json: cannot read JSON"):
        create_app(Settings(fixtures=(path,)))
    with pytest.raises(FixtureError, match=r"missing\.json: no such file or folder"):
        create_app(Settings(fixtures=(tmp_path / "missing.json",)))


def test_default_fixture_uses_the_reference_key():
    document = json.loads((bundled_fixtures() / "default.json").read_text())
    assert [a["api_key"] for a in document["accounts"]] == ["se_k73DUceVnvRCusWxDN2qQQ1a"]


async def test_fixtures_default_is_the_bundled_fixture_unless_such_a_path_exists(write_fixture, tmp_path, monkeypatch):
    # A pip-installed user has no fixtures/ folder to name, so the bundled fixture has a name.
    monkeypatch.chdir(tmp_path)
    own = {"accounts": [{"api_key": "own-key", "avatars": [{"avatar_id": 1, "brand_name": "Own"}]}]}
    write_fixture(own, "own.json")
    _, settings = parse_args(["serve", "--fixtures", "default", "--fixtures", "own.json"])
    app = create_app(settings)
    assert app.state.accounts.api_keys() == [DEFAULT_KEY, "own-key"]
    async with asgi_client(app, DEFAULT_KEY) as bundled:
        assert (await bundled.get("/avatars/list")).status_code == 200
    (tmp_path / "default").mkdir()
    write_fixture({**own, "accounts": [{**own["accounts"][0], "api_key": "from-a-folder"}]}, "default/mine.json")
    _, settings = parse_args(["serve", "--fixtures", "default"])
    app = create_app(settings)
    assert app.state.accounts.api_keys() == ["from-a-folder"]
