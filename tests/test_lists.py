"""The four list routes: documented shapes, order, both spellings and methods, avatar_id anywhere."""

import pytest

from conftest import assert_error

AVATAR_KEYS = ["brand_name", "avatar_id", "brand_image", "user_role", "facebook_page_id"]


async def test_list_avatars_returns_documented_avatars_newest_first(client):
    response = await client.get("/avatars/list")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    avatars = response.json()
    assert [avatar["avatar_id"] for avatar in avatars] == ["3", "2", "1", "123"]
    assert all(list(avatar) == AVATAR_KEYS for avatar in avatars)
    assert avatars[0] == {
        "brand_name": "BacklinksIndexer",
        "avatar_id": "3",
        "brand_image": "https://smartengage.com/uploads/avatars/76082f2b90607b7731cd619f96aa6111.png",
        "user_role": "2",
        "facebook_page_id": "1xxxxxxxxxxxx57",
    }
    assert avatars[3]["brand_image"] is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/tags/list/", [{"tag_id": "1", "tag_name": "push_test"}, {"tag_id": "2", "tag_name": "fb_test"}]),
        (
            "/customfields/list/",
            [
                {"custom_field_id": "1", "custom_field_name": "Number"},
                {"custom_field_id": "2", "custom_field_name": "Location"},
            ],
        ),
        (
            "/sequences/list/",
            [{"sequence_id": "1", "sequence_name": "Seq 1"}, {"sequence_id": "2", "sequence_name": "Seq 1"}],
        ),
    ],
)
async def test_list_avatar_items_returns_documented_example(client, path, expected):
    response = await client.get(path, params={"avatar_id": 1})
    assert response.status_code == 200
    assert response.json() == expected
    assert [list(item) for item in response.json()] == [list(item) for item in expected]


@pytest.mark.parametrize("path", ["/tags/list/", "/customfields/list/", "/sequences/list/"])
@pytest.mark.parametrize("spelling", ["with", "without"])
async def test_list_answers_both_spellings_directly_by_get_and_post(client, path, spelling):
    url = path if spelling == "with" else path.rstrip("/")
    by_query = await client.get(url, params={"avatar_id": 123})
    by_body = await client.post(url, data={"avatar_id": "123"})
    by_query_post = await client.post(url, params={"avatar_id": 123})
    assert by_query.status_code == by_body.status_code == by_query_post.status_code == 200
    assert by_query.json() == by_body.json() == by_query_post.json()
    assert len(by_query.json()) == 2


@pytest.mark.parametrize("url", ["/avatars/list", "/avatars/list/"])
async def test_list_avatars_answers_post_as_in_the_reference_auth_example(client, url):
    response = await client.post(url)
    assert response.status_code == 200
    assert len(response.json()) == 4


async def test_list_for_avatar_without_items_is_empty(client):
    response = await client.get("/tags/list/", params={"avatar_id": 2})
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("path", ["/tags/list/", "/customfields/list/", "/sequences/list/"])
async def test_list_without_avatar_id_is_400(client, path):
    assert_error(await client.get(path), 400, "avatar_id", "Missing required parameter: avatar_id")


@pytest.mark.parametrize("path", ["/tags/list/", "/customfields/list/", "/sequences/list/"])
async def test_list_of_unknown_avatar_is_404(client, path):
    assert_error(await client.get(path, params={"avatar_id": 99}), 404, "avatar_id", "No such avatar: '99'")


async def test_list_shows_new_subscribers_avatar_items_newest_first_from_fixture(client):
    response = await client.get("/tags/list/", params={"avatar_id": 123})
    assert [tag["tag_id"] for tag in response.json()] == ["124", "123"]
