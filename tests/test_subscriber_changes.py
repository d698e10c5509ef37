"""tags/add, tags/delete, customfields/update, sequences/add, sequences/remove."""

import pytest

from conftest import SUBSCRIBER_KEYS, assert_error

JOHN = {"avatar_id": "123", "subscriber_id": "1"}


async def subscriber_one(client) -> dict:
    """Subscriber 1 as the API shows it, read through a write that changes nothing."""
    response = await client.post("/tags/add", data={**JOHN, "tag": "124"})
    assert response.status_code == 200
    return response.json()


async def test_add_tag_returns_the_documented_subscriber_object(client):
    response = await client.post("/tags/delete", data={**JOHN, "tag": "123"})
    response = await client.post("/tags/add", data={**JOHN, "tag": "123"})
    assert response.status_code == 200
    subscriber = response.json()
    assert list(subscriber) == SUBSCRIBER_KEYS
    assert subscriber["id"] == "1"
    assert subscriber["tags"] == ["tags2", "tags1"]
    assert list(subscriber["custom_fields"][0]) == ["custom_field_id", "custom_field_name", "custom_value"]
    assert subscriber["custom_fields"] == [
        {"custom_field_id": "111", "custom_field_name": "location", "custom_value": "US"}
    ]
    assert subscriber["sequences"] == [
        {"sequence_id": "1", "sequence_name": "Seq 1", "status": "Completed"},
        {"sequence_id": "2", "sequence_name": "Seq 2", "status": "Active"},
    ]
    assert subscriber["ip"] is None and subscriber["gender"] is None


async def test_add_tag_already_held_changes_nothing(client, state):
    before = state()
    response = await client.post("/tags/add", data={**JOHN, "tag": "123"})
    assert response.status_code == 200
    assert response.json()["tags"] == ["tags1", "tags2"]
    assert state() == before


async def test_delete_tag_removes_it(client):
    response = await client.post("/tags/delete", data={**JOHN, "tag": "123"})
    assert response.status_code == 200
    assert response.json()["tags"] == ["tags2"]


async def test_delete_tag_not_held_changes_nothing(client, state):
    await client.post("/tags/delete", data={**JOHN, "tag": "123"})
    before = state()
    response = await client.post("/tags/delete", data={**JOHN, "tag": "123"})
    assert response.status_code == 200
    assert response.json()["tags"] == ["tags2"]
    assert state() == before


@pytest.mark.parametrize("path", ["/tags/add", "/tags/delete"])
async def test_tag_can_be_named_instead_of_numbered(client, path):
    response = await client.post(path, data={**JOHN, "tag": "tags1"})
    assert response.status_code == 200
    assert ("tags1" in response.json()["tags"]) == (path == "/tags/add")


@pytest.mark.parametrize("path", ["/tags/add", "/tags/delete"])
async def test_unknown_tag_is_404_naming_the_parameter(client, path, state):
    before = state()
    assert_error(await client.post(path, data={**JOHN, "tag": "999"}), 404, "tag", "No such tag: '999'")
    assert_error(await client.post(path, data={**JOHN, "tag": "no such"}), 404, "tag")
    assert state() == before


async def test_tag_of_another_avatar_is_404(client):
    # Tag 1 exists, but in avatar 1, not in avatar 123.
    assert_error(await client.post("/tags/add", data={**JOHN, "tag": "1"}), 404, "tag")


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/tags/add", {"tag": "123"}),
        ("/tags/delete", {"tag": "123"}),
        ("/customfields/update", {"field": "111", "value": "x"}),
        ("/sequences/add", {"sequence": "1"}),
        ("/sequences/remove", {"sequence": "1"}),
    ],
)
async def test_change_of_unknown_subscriber_is_404(client, path, extra):
    response = await client.post(path, data={"avatar_id": "123", "subscriber_id": "42", **extra})
    assert_error(response, 404, "subscriber_id", "No such subscriber: '42'")


@pytest.mark.parametrize(
    ("path", "data", "missing"),
    [
        ("/tags/add", {"avatar_id": "123", "subscriber_id": "1"}, "tag"),
        ("/tags/delete", {"avatar_id": "123", "tag": "123"}, "subscriber_id"),
        ("/customfields/update", {"avatar_id": "123", "subscriber_id": "1", "field": "111"}, "value"),
        ("/customfields/update", {"avatar_id": "123", "subscriber_id": "1", "value": "x"}, "field"),
        ("/sequences/add", {"subscriber_id": "1", "sequence": "1"}, "avatar_id"),
        ("/sequences/remove", {"avatar_id": "123", "subscriber_id": "1", "sequence": ""}, "sequence"),
    ],
)
async def test_missing_required_parameter_is_400(client, path, data, missing):
    assert_error(await client.post(path, data=data), 400, missing, f"Missing required parameter: {missing}")


async def test_set_custom_field_adds_a_value(client):
    response = await client.post("/customfields/update", data={**JOHN, "field": "123", "value": "CA"})
    assert response.status_code == 200
    assert response.json()["custom_fields"] == [
        {"custom_field_id": "111", "custom_field_name": "location", "custom_value": "US"},
        {"custom_field_id": "123", "custom_field_name": "region", "custom_value": "CA"},
    ]


async def test_set_custom_field_replaces_a_value_in_place(client):
    await client.post("/customfields/update", data={**JOHN, "field": "123", "value": "CA"})
    response = await client.post("/customfields/update", data={**JOHN, "field": "location", "value": "FR"})
    assert [value["custom_value"] for value in response.json()["custom_fields"]] == ["FR", "CA"]


async def test_set_custom_field_to_empty_string(client):
    response = await client.post("/customfields/update", data={**JOHN, "field": "111", "value": ""})
    assert response.status_code == 200
    assert response.json()["custom_fields"][0]["custom_value"] == ""


async def test_set_unknown_custom_field_is_404(client, state):
    before = state()
    assert_error(
        await client.post("/customfields/update", data={**JOHN, "field": "5", "value": "x"}),
        404,
        "field",
        "No such custom field: '5'",
    )
    assert state() == before


async def test_add_to_sequence_restarts_a_completed_one(client):
    response = await client.post("/sequences/add", data={**JOHN, "sequence": "1"})
    assert response.status_code == 200
    assert response.json()["sequences"] == [
        {"sequence_id": "1", "sequence_name": "Seq 1", "status": "Active"},
        {"sequence_id": "2", "sequence_name": "Seq 2", "status": "Active"},
    ]


async def test_remove_from_sequence_then_add_again_appends_it_active(client):
    removed = await client.post("/sequences/remove", data={**JOHN, "sequence": "1"})
    assert [s["sequence_id"] for s in removed.json()["sequences"]] == ["2"]
    again = await client.post("/sequences/add", data={**JOHN, "sequence": "Seq 1"})
    assert again.json()["sequences"] == [
        {"sequence_id": "2", "sequence_name": "Seq 2", "status": "Active"},
        {"sequence_id": "1", "sequence_name": "Seq 1", "status": "Active"},
    ]


async def test_remove_from_sequence_not_joined_changes_nothing(client, state):
    await client.post("/sequences/remove", data={**JOHN, "sequence": "1"})
    before = state()
    response = await client.post("/sequences/remove", data={**JOHN, "sequence": "1"})
    assert response.status_code == 200
    assert state() == before


async def test_ambiguous_sequence_name_is_400(client):
    # The reference's own example names both sequences of avatar 1 "Seq 1".
    new = await client.post("/subscribers/add", data={"avatar_id": "1", "email": "a@example.com"})
    assert new.json()["id"] == "1"
    response = await client.post("/sequences/add", data={"avatar_id": "1", "subscriber_id": "1", "sequence": "Seq 1"})
    assert_error(response, 400, "sequence", "More than one sequence is named 'Seq 1': pass its id instead")
    by_id = await client.post("/sequences/add", data={"avatar_id": "1", "subscriber_id": "1", "sequence": "2"})
    assert by_id.json()["sequences"] == [{"sequence_id": "2", "sequence_name": "Seq 1", "status": "Active"}]


async def test_id_wins_over_a_name_that_looks_like_an_id(client_for):
    # "2" is the id of one tag and the name of another: the documented id is taken first.
    document = {
        "accounts": [
            {
                "api_key": "k",
                "avatars": [
                    {
                        "avatar_id": 1,
                        "tags": [{"tag_id": 1, "tag_name": "2"}, {"tag_id": 2, "tag_name": "two"}],
                        "subscribers": [{"id": 1, "email": "a@example.com"}],
                    }
                ],
            }
        ]
    }
    response = await client_for(document, "k").post(
        "/tags/add", data={"avatar_id": "1", "subscriber_id": "1", "tag": "2"}
    )
    assert response.json()["tags"] == ["two"]


async def test_reference_with_spaces_around_an_id_finds_the_id(client):
    response = await client.post("/tags/delete", data={**JOHN, "tag": " 123 "})
    assert response.json()["tags"] == ["tags2"]
