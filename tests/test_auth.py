"""Bearer-key authentication and the isolation of accounts from each other."""

import pytest

from conftest import (
    DEFAULT_KEY,
    VALID_PARAMETERS,
    asgi_client,
    assert_error,
    default_fixture,
    route_names,
    routes_named,
    table_entry,
)

OTHER_KEY = "se_other_account_key"
BAD_ID = {"avatar_id": "abc"}


async def test_missing_authorization_is_401_with_challenge(client):
    response = await client.get("/avatars/list", headers={"Authorization": ""})
    assert_error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["type"] == "authentication_error"


@pytest.mark.parametrize("header", [f"Basic {DEFAULT_KEY}", DEFAULT_KEY, "Bearer"])
async def test_other_scheme_or_no_key_is_401(client, header):
    response = await client.get("/avatars/list", headers={"Authorization": header})
    assert_error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_scheme_and_a_space_without_a_key_is_401(app):
    # Only in process: over HTTP the trailing space is stripped (and httpx refuses to send it).
    async with asgi_client(app) as client:
        response = await client.get("/avatars/list", headers={"Authorization": "Bearer "})
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


@pytest.mark.parametrize("name", route_names({}))
async def test_every_route_requires_a_key_before_looking_at_parameters(client, name):
    for route in routes_named(name):
        for method in sorted(route.methods):
            # An id that cannot exist: a route that read its parameters first would answer 400.
            where = "params" if method in ("GET", "HEAD") else "data"
            response = await client.request(method, route.path, headers={"Authorization": ""}, **{where: BAD_ID})
            assert response.status_code == 401, (method, route.path, response.text)
            assert response.headers["www-authenticate"] == "Bearer"
            if method != "HEAD":
                assert_error(response, 401)


@pytest.fixture
def other_client(client_for):
    document = default_fixture()
    document["accounts"].append({"api_key": OTHER_KEY, "avatars": [{"avatar_id": 7, "brand_name": "Other brand"}]})
    return client_for(document, OTHER_KEY)


async def test_each_key_sees_only_its_own_avatars(other_client):
    response = await other_client.get("/avatars/list")
    assert [avatar["avatar_id"] for avatar in response.json()] == ["7"]


# What each route is sent with an avatar of another account: its valid parameters; None for the
# routes that take no avatar.
ANOTHER_ACCOUNTS_AVATAR = {
    name: params if params is None or "avatar_id" in params else None for name, params in VALID_PARAMETERS.items()
}


@pytest.mark.parametrize("name", route_names(ANOTHER_ACCOUNTS_AVATAR))
async def test_another_accounts_avatar_is_answered_like_a_missing_one(other_client, name):
    data = table_entry(ANOTHER_ACCOUNTS_AVATAR, name)
    path = routes_named(name)[0].path
    response = await other_client.post(path, data=data)
    missing = await other_client.post(path, data={**data, "avatar_id": "999"})
    assert_error(response, 404, "avatar_id", "No such avatar: '123'")
    assert_error(missing, 404, "avatar_id", "No such avatar: '999'")
