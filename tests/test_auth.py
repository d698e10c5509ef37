"""Bearer-key authentication and the isolation of accounts from each other."""

import pytest

from conftest import DEFAULT_KEY, assert_error, default_fixture

OTHER_KEY = "se_other_account_key"


async def test_missing_authorization_is_401_with_challenge(client):
    response = await client.get("/avatars/list", headers={"Authorization": ""})
    assert_error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["type"] == "authentication_error"


@pytest.mark.parametrize("header", [f"Basic {DEFAULT_KEY}", DEFAULT_KEY, "Bearer", "Bearer "])
async def test_other_scheme_or_no_key_is_401(client, header):
    response = await client.get("/avatars/list", headers={"Authorization": header})
    assert_error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_unknown_key_is_401(client):
    response = await client.get("/avatars/list", headers={"Authorization": "Bearer se_not_a_key"})
    assert_error(response, 401, message="Invalid API key provided")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "BeArEr"])
async def test_scheme_is_case_insensitive(client, scheme):
    response = await client.get("/avatars/list", headers={"Authorization": f"{scheme} {DEFAULT_KEY}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/avatars/list"),
        ("GET", "/tags/list/"),
        ("POST", "/tags/add"),
        ("POST", "/tags/delete"),
        ("GET", "/customfields/list/"),
        ("POST", "/customfields/update"),
        ("GET", "/sequences/list/"),
        ("POST", "/sequences/add"),
        ("POST", "/sequences/remove"),
        ("POST", "/subscribers/add"),
        ("POST", "/subscribers/update"),
    ],
)
async def test_every_route_requires_a_key_before_looking_at_parameters(client, method, path):
    response = await client.request(method, path, headers={"Authorization": ""})
    assert_error(response, 401)


@pytest.fixture
def other_client(client_for):
    document = default_fixture()
    document["accounts"].append({"api_key": OTHER_KEY, "avatars": [{"avatar_id": 7, "brand_name": "Other brand"}]})
    return client_for(document, OTHER_KEY)


async def test_each_key_sees_only_its_own_avatars(other_client):
    response = await other_client.get("/avatars/list")
    assert [avatar["avatar_id"] for avatar in response.json()] == ["7"]


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/tags/list/", {"avatar_id": "123"}),
        ("/customfields/list/", {"avatar_id": "123"}),
        ("/sequences/list/", {"avatar_id": "123"}),
        ("/tags/add", {"avatar_id": "123", "subscriber_id": "1", "tag": "123"}),
        ("/tags/delete", {"avatar_id": "123", "subscriber_id": "1", "tag": "123"}),
        ("/customfields/update", {"avatar_id": "123", "subscriber_id": "1", "field": "111", "value": "x"}),
        ("/sequences/add", {"avatar_id": "123", "subscriber_id": "1", "sequence": "1"}),
        ("/sequences/remove", {"avatar_id": "123", "subscriber_id": "1", "sequence": "1"}),
        ("/subscribers/add", {"avatar_id": "123", "email": "admin@example.com"}),
        ("/subscribers/update", {"avatar_id": "123", "subscriber_id": "1", "email": "x@example.com"}),
    ],
)
async def test_another_accounts_avatar_is_answered_like_a_missing_one(other_client, path, data):
    response = await other_client.post(path, data=data)
    missing = await other_client.post(path, data={**data, "avatar_id": "999"})
    assert_error(response, 404, "avatar_id", "No such avatar: '123'")
    assert_error(missing, 404, "avatar_id", "No such avatar: '999'")
