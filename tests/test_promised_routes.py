"""Every route, the promised ones with them, under the profile of a lenient client: the key checked
first, lists answered without avatar_id, the promised routes on. It is the profile the SmartEngage
connector of the `pm` CLI needs: it reads every list with and without avatar_id, creates tags and
custom fields, and takes a 401 for a wrong key."""

import pytest

from conftest import VALID_PARAMETERS, assert_error
from fake_smartengage.api.table import AVATARS_LIST, PROMISED_ROUTES, ROUTES, SUBSCRIBERS_ADD, SUBSCRIBERS_LIST

ASGI = pytest.mark.parametrize("client", ["asgi"], indirect=True)
UNKNOWN = {"Authorization": "Bearer se_unknown_key"}
LENIENT = {"check_order": "key-first", "list_without_avatar": "all-avatars", "promised_routes": "on"}
# Parameters each route, the promised ones too, answers 200 to, on the default fixture's avatar 123.
PARAMETERS = VALID_PARAMETERS | {
    "list_subscribers": {"avatar_id": "123"},
    "create_tag": {"avatar_id": "123", "name": "new tag"},
    "create_custom_field": {"avatar_id": "123", "custom_field_name": "plan", "custom_field_type": "text"},
}
EVERY_ROUTE = (*ROUTES, *PROMISED_ROUTES)
SPELLINGS = [pytest.param(route, path, id=f"{route.name} {path}") for route in EVERY_ROUTE for path in route.paths]


async def _server(client, **switches):
    response = await client.put("/_fake/profile", json=switches)
    assert response.status_code == 200, response.text


def _sent(method, parameters):
    return {"params": parameters} if method == "GET" else {"data": parameters}


async def _every_avatars(client, path):
    """The list at `path` of each avatar in turn, the avatars in their listed order."""
    avatars = [avatar["avatar_id"] for avatar in (await client.get(AVATARS_LIST.path)).json()]
    return [item for avatar in avatars for item in (await client.get(path, params={"avatar_id": avatar})).json()]


@ASGI
@pytest.mark.parametrize(("route", "path"), SPELLINGS)
async def test_every_route_answers_a_valid_key_and_refuses_a_wrong_one(client, route, path):
    await _server(client, **LENIENT)
    for method in route.methods:
        sent = _sent(method, PARAMETERS[route.name])
        response = await client.request(method, path, **sent)
        assert response.status_code == 200, response.text
        assert_error(await client.request(method, path, **sent, headers=UNKNOWN), 401)


@ASGI
@pytest.mark.parametrize(
    "route",
    [route for route in EVERY_ROUTE if route.lists and route is not AVATARS_LIST],
    ids=lambda route: route.name,
)
async def test_every_list_without_avatar_id_is_every_avatars(client, route):
    await _server(client, **LENIENT)
    # The fixture's subscribers are all avatar 123's: one of avatar 1 makes the list span two avatars.
    added = await client.post(SUBSCRIBERS_ADD.path, data={"avatar_id": 1, "email": "second-avatar@example.com"})
    assert added.status_code == 200, added.text
    expected = await _every_avatars(client, route.path)
    assert expected
    for path in route.paths:
        response = await client.get(path)
        assert response.status_code == 200, response.text
        assert response.json() == expected
    assert_error(await client.get(route.path, headers=UNKNOWN), 401)


@ASGI
async def test_the_subscribers_list_without_avatar_id_can_be_empty(client):
    await _server(client, list_without_avatar="empty", promised_routes="on")
    assert (await client.get(SUBSCRIBERS_LIST.path)).json() == []
    assert (await client.get(SUBSCRIBERS_LIST.path, params={"avatar_id": 123})).json()
