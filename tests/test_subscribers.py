"""subscribers/add and subscribers/update."""

import pytest

from conftest import DEFAULT_KEY, SUBSCRIBER_KEYS, assert_error, default_fixture

NEW = {"avatar_id": "123", "email": "jane@example.com"}


async def test_add_creates_subscriber_with_next_free_id(client):
    response = await client.post(
        "/subscribers/add",
        data={
            **NEW,
            "first_name": "Jane",
            "last_name": "Roe",
            "tags[]": ["123", "tags2"],
            "custom_field[]": ["111", "region"],
            "field_value[]": ["DE", "Bavaria"],
        },
    )
    assert response.status_code == 200
    subscriber = response.json()
    assert list(subscriber) == SUBSCRIBER_KEYS
    assert subscriber == {
        "id": "2",
        "full_name": "Jane Roe",
        "email": "jane@example.com",
        "ip": None,
        "gender": None,
        "language": None,
        "place": None,
        "facebook_id": None,
        "push_id": None,
        "tags": ["tags1", "tags2"],
        "custom_fields": [
            {"custom_field_id": "111", "custom_field_name": "location", "custom_value": "DE"},
            {"custom_field_id": "123", "custom_field_name": "region", "custom_value": "Bavaria"},
        ],
        "sequences": [],
    }
    second = await client.post("/subscribers/add", data={"avatar_id": "123", "push_id": "push-2"})
    assert second.json()["id"] == "3"


async def test_add_to_avatar_without_subscribers_starts_at_id_1(client):
    response = await client.post("/subscribers/add", data={"avatar_id": "3", "facebook_id": "fb-1"})
    assert response.json()["id"] == "1"
    assert response.json()["facebook_id"] == "fb-1"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ({"full_name": "A B", "fullname": "C D", "first_name": "E"}, "A B"),
        ({"fullname": "C D", "first_name": "E"}, "C D"),
        ({"first_name": "E", "last_name": "F"}, "E F"),
        ({"last_name": "F"}, "F"),
        ({}, None),
    ],
)
async def test_add_takes_full_name_then_fullname_then_first_and_last(client, names, expected):
    response = await client.post("/subscribers/add", data={**NEW, **names})
    assert response.json()["full_name"] == expected


async def test_add_needs_an_identity(client, state):
    before = state()
    assert_error(
        await client.post("/subscribers/add", data={"avatar_id": "123", "first_name": "No", "email": ""}),
        400,
        "email",
        "At least one of email, facebook_id or push_id is required",
    )
    assert state() == before


@pytest.mark.parametrize("email", ["plainaddress", "a@b", "a b@example.com", "@example.com", "a@@example.com"])
async def test_add_with_malformed_email_is_400(client, email):
    assert_error(await client.post("/subscribers/add", data={**NEW, "email": email}), 400, "email")


async def test_add_without_avatar_is_400(client):
    assert_error(await client.post("/subscribers/add", data={"email": "x@example.com"}), 400, "avatar_id")


@pytest.mark.parametrize(
    "identity",
    [
        {"email": "ADMIN@example.com"},
        {"facebook_id": "212312312353"},
        {"push_id": "https://fcm.googleapis.com/fcm/send/dAh9lRTaKVo:X...XXX"},
    ],
)
async def test_add_with_existing_identity_updates_that_subscriber(client, identity):
    response = await client.post(
        "/subscribers/add", data={"avatar_id": "123", **identity, "full_name": "Johnny", "tags[]": "124"}
    )
    assert response.status_code == 200
    subscriber = response.json()
    assert subscriber["id"] == "1"
    assert subscriber["full_name"] == "Johnny"
    assert subscriber["tags"] == ["tags1", "tags2"]
    listed_again = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "new@example.com"})
    assert listed_again.json()["id"] == "2"


async def test_add_with_identities_of_two_subscribers_is_409(client, state):
    await client.post("/subscribers/add", data={"avatar_id": "123", "email": "two@example.com"})
    before = state()
    response = await client.post(
        "/subscribers/add", data={"avatar_id": "123", "email": "two@example.com", "facebook_id": "212312312353"}
    )
    assert_error(response, 409, "email")
    assert "'1', '2'" in response.json()["error"]["message"]
    assert state() == before


async def test_add_duplicate_with_conflict_policy_is_409_naming_the_id(client_for):
    client = client_for(default_fixture(), DEFAULT_KEY, duplicates="conflict")
    response = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "admin@example.com"})
    assert_error(response, 409, "email", "A subscriber with this email already exists: id '1'")
    fresh = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "fresh@example.com"})
    assert fresh.json()["id"] == "2"


async def test_update_changes_only_what_is_sent(client):
    response = await client.post(
        "/subscribers/update", data={"avatar_id": "123", "subscriber_id": "1", "email": "admins@example.com"}
    )
    assert response.status_code == 200
    subscriber = response.json()
    assert subscriber["email"] == "admins@example.com"
    assert subscriber["full_name"] == "John Doe"
    assert subscriber["facebook_id"] == "212312312353"
    assert subscriber["tags"] == ["tags1", "tags2"]


async def test_update_first_name_rebuilds_full_name_with_stored_last_name(client):
    response = await client.post(
        "/subscribers/update", data={"avatar_id": "123", "subscriber_id": "1", "first_name": "Jack"}
    )
    assert response.json()["full_name"] == "Jack Doe"


async def test_update_adds_tags_and_sets_sent_values_only(client):
    await client.post("/tags/delete", data={"avatar_id": "123", "subscriber_id": "1", "tag": "124"})
    response = await client.post(
        "/subscribers/update",
        data={
            "avatar_id": "123",
            "subscriber_id": "1",
            "tags[]": ["124"],
            "custom_field[]": ["123"],
            "field_value[]": ["CA"],
        },
    )
    subscriber = response.json()
    assert subscriber["tags"] == ["tags1", "tags2"]
    assert [(v["custom_field_id"], v["custom_value"]) for v in subscriber["custom_fields"]] == [
        ("111", "US"),
        ("123", "CA"),
    ]


async def test_update_to_another_subscribers_identity_is_409(client, state):
    await client.post("/subscribers/add", data={"avatar_id": "123", "email": "two@example.com"})
    before = state()
    response = await client.post(
        "/subscribers/update", data={"avatar_id": "123", "subscriber_id": "2", "facebook_id": "212312312353"}
    )
    assert_error(response, 409, "facebook_id", "A subscriber with this facebook_id already exists: id '1'")
    assert state() == before


async def test_update_to_own_identity_is_fine(client):
    response = await client.post(
        "/subscribers/update", data={"avatar_id": "123", "subscriber_id": "1", "email": "Admin@Example.com"}
    )
    assert response.json()["email"] == "Admin@Example.com"


async def test_update_unknown_subscriber_is_404(client):
    response = await client.post(
        "/subscribers/update", data={"avatar_id": "123", "subscriber_id": "9", "email": "a@b.co"}
    )
    assert_error(response, 404, "subscriber_id")


async def test_update_with_malformed_email_is_400(client, state):
    before = state()
    response = await client.post(
        "/subscribers/update", data={"avatar_id": "123", "subscriber_id": "1", "email": "nope"}
    )
    assert_error(response, 400, "email", "Invalid email address: 'nope'")
    assert state() == before


@pytest.mark.parametrize("path", ["/subscribers/add", "/subscribers/update"])
async def test_unknown_tag_or_field_writes_nothing(client, state, path):
    before = state()
    base = {"avatar_id": "123", "subscriber_id": "1", "email": "admin@example.com", "full_name": "Changed"}
    tag = await client.post(path, data={**base, "tags[]": ["123", "nope"]})
    assert_error(tag, 404, "tags", "No such tag: 'nope'")
    field = await client.post(path, data={**base, "custom_field[]": ["111", "999"], "field_value[]": ["a", "b"]})
    assert_error(field, 404, "custom_field", "No such custom field: '999'")
    assert state() == before


async def test_update_first_name_keeps_an_explicitly_set_full_name(client):
    created = await client.post(
        "/subscribers/add", data={"avatar_id": "123", "email": "jr@example.com", "full_name": "Jane Roe"}
    )
    response = await client.post(
        "/subscribers/update", data={"avatar_id": "123", "subscriber_id": created.json()["id"], "first_name": "Janet"}
    )
    assert response.json()["full_name"] == "Jane Roe"


async def test_update_name_of_subscriber_without_one_derives_it(client):
    created = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "nn@example.com"})
    response = await client.post(
        "/subscribers/update", data={"avatar_id": "123", "subscriber_id": created.json()["id"], "last_name": "Solo"}
    )
    assert response.json()["full_name"] == "Solo"
