"""Fixture files: loading, the default fixture, and errors that name the file and the entry."""

import json

import pytest

from conftest import asgi_client
from fake_smartengage.app import create_app
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
            "accounts[0].avatars[0].subscribers[0].email: invalid email address 'not-an-email'",
        ),
        (
            {"accounts": [account(brand="typo")]},
            "accounts[0].avatars[0].brand: unknown field (did you mean 'brand_name'?)",
        ),
        (
            {"accounts": [account(colour="red")]},
            "accounts[0].avatars[0].colour: unknown field (known: avatar_id, brand_name, brand_image, user_role, "
            "facebook_page_id, tags, custom_fields, sequences, subscribers)",
        ),
        (
            {"accounts": [account(custom_fields=[{"custom_field_id": 1, "custom_field_nam": "f"}])]},
            "accounts[0].avatars[0].custom_fields[0].custom_field_nam: "
            "unknown field (did you mean 'custom_field_name'?)",
        ),
        (
            {"accounts": [{"api_key": "k", "avatars": [{"avatar_id": 0}]}]},
            "accounts[0].avatars[0].avatar_id: must be at least 1, not 0",
        ),
        (
            {"accounts": [{"api_key": "k", "avatars": [{"avatar_id": 2**70}]}]},
            "accounts[0].avatars[0].avatar_id: must be at most 9007199254740991, not 1180591620717411303424",
        ),
        (
            {"accounts": [{"api_key": "k", "avatars": [{"avatar_id": "one"}]}]},
            'accounts[0].avatars[0].avatar_id: must be a whole number, not "one"',
        ),
        (
            {"accounts": [account(tags=[{"tag_id": 1, "tag_name": None}])]},
            "accounts[0].avatars[0].tags[0].tag_name: must be a string, not null",
        ),
        (
            {"accounts": [account(tags=[{"tag_id": 1, "tag_name": ""}])]},
            "accounts[0].avatars[0].tags[0].tag_name: must not be empty",
        ),
        (
            {"accounts": [account(subscribers={"id": 1})]},
            "accounts[0].avatars[0].subscribers: must be a list, not an object",
        ),
        ({"accounts": [["key"]]}, "accounts[0]: must be a JSON object, not a list"),
        ({"accounts": [{"avatars": []}]}, "accounts[0].api_key: required, but missing"),
        ({"acounts": []}, "acounts: unknown field (did you mean 'accounts'?)"),
        ([{"api_key": "k"}], "document: must be a JSON object, not a list"),
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
    path.write_text("[" * 1000)
    with pytest.raises(FixtureError, match=r"bad\.json: cannot read JSON: nested too deeply$"):
        create_app(Settings(fixtures=(path,)))
    with pytest.raises(FixtureError, match=r"missing\.json: no such file or folder"):
        create_app(Settings(fixtures=(tmp_path / "missing.json",)))


def test_default_fixture_uses_the_reference_key():
    document = json.loads((bundled_fixtures() / "default.json").read_text())
    assert [a["api_key"] for a in document["accounts"]] == ["se_k73DUceVnvRCusWxDN2qQQ1a"]
