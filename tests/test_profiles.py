"""Behaviour profiles: each switch's alternatives as a client sees them, on the server's profile
and on one tenant's own, and the harness routes that set them."""

import pytest

from conftest import assert_error
from fake_smartengage.api.behaviour import SWITCHES, ProfileError, parse_profile
from fake_smartengage.api.table import (
    AVATARS_LIST,
    CUSTOM_FIELDS_CREATE,
    CUSTOM_FIELDS_LIST,
    SUBSCRIBERS_ADD,
    SUBSCRIBERS_LIST,
    TAGS_CREATE,
    TAGS_LIST,
)
from fake_smartengage.testing import FakeSmartEngage, FakeSmartEngageError, ServerThread

ASGI = pytest.mark.parametrize("client", ["asgi"], indirect=True)
UNKNOWN = {"Authorization": "Bearer se_unknown_key"}


@ASGI
async def _server(client, **switches):
    response = await client.put("/_fake/profile", json=switches)
    assert response.status_code == 200, response.text
    return response.json()


@ASGI
async def test_the_default_profile_is_todays_behaviour(client):
    body = (await client.get("/_fake/profile")).json()
    assert body == {"switches": {}, "profile": {switch.name: switch.default for switch in SWITCHES}}
    assert (await client.get("/nowhere", headers=UNKNOWN)).status_code == 404
    assert_error(await client.get(TAGS_LIST.path), 400, "avatar_id")
    assert (await client.get(SUBSCRIBERS_LIST.path, params={"avatar_id": 123})).status_code == 404


@ASGI
async def test_key_first_refuses_any_path_without_a_valid_key(client):
    await _server(client, check_order="key-first")
    response = await client.get("/nowhere", headers=UNKNOWN)
    assert_error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert (await client.get("/nowhere")).status_code == 404  # a valid key: the route is unknown


@ASGI
@pytest.mark.parametrize(("alternative", "expected"), [("empty", []), ("all-avatars", None)])
async def test_a_list_without_avatar_id(client, alternative, expected):
    await _server(client, list_without_avatar=alternative)
    response = await client.get(TAGS_LIST.path)
    assert response.status_code == 200
    if expected is None:  # every avatar's tags, avatars in their listed order
        avatars = [avatar["avatar_id"] for avatar in (await client.get(AVATARS_LIST.path)).json()]
        expected = [
            tag for avatar in avatars for tag in (await client.get(TAGS_LIST.path, params={"avatar_id": avatar})).json()
        ]
        assert expected
    assert response.json() == expected


@ASGI
async def test_promised_routes_answer_when_on(client):
    await _server(client, promised_routes="on")
    tag = (await client.post(TAGS_CREATE.path, data={"avatar_id": 123, "name": "new tag"})).json()
    assert tag == {"tag_id": "125", "tag_name": "new tag"}
    assert (await client.get(TAGS_LIST.path, params={"avatar_id": 123})).json()[0] == tag
    again = await client.post(TAGS_CREATE.other_path, data={"avatar_id": 123, "name": "new tag"})
    assert again.json() == tag  # creating is idempotent: a retry makes no second tag
    field = await client.post(
        CUSTOM_FIELDS_CREATE.path,
        data={"avatar_id": 123, "custom_field_name": "plan", "custom_field_type": "text"},
    )
    assert field.json() == (await client.get(CUSTOM_FIELDS_LIST.path, params={"avatar_id": 123})).json()[0]
    added = (await client.post(SUBSCRIBERS_ADD.path, data={"avatar_id": 123, "email": "new@example.com"})).json()
    listed = (await client.get(SUBSCRIBERS_LIST.path, params={"avatar_id": 123})).json()
    assert listed[0] == added
    assert_error(await client.post(TAGS_CREATE.path, data={"avatar_id": 123}), 400, "name")
    assert_error(await client.post(TAGS_CREATE.path, data={"name": "x"}, headers=UNKNOWN), 401)


@ASGI
@pytest.mark.parametrize(("alternative", "status"), [("update", 200), ("conflict", 409), ("create", 200)])
async def test_an_existing_email_added_again(client, alternative, status):
    await _server(client, duplicates=alternative)
    data = {"avatar_id": 123, "email": "twice@example.com"}
    first = (await client.post(SUBSCRIBERS_ADD.path, data=data)).json()
    second = await client.post(SUBSCRIBERS_ADD.path, data=data)
    assert second.status_code == status
    if status == 200:
        assert (second.json()["id"] == first["id"]) is (alternative == "update")


@ASGI
async def test_a_plain_error_body(client):
    await _server(client, error_body="string")
    response = await client.get(TAGS_LIST.path)
    assert response.status_code == 400
    assert response.json() == {"error": "Missing required parameter: avatar_id"}
    assert (await client.get(AVATARS_LIST.path, headers=UNKNOWN)).json() == {"error": "Invalid API key provided"}


@ASGI
async def test_a_creation_answers_201(client):
    await _server(client, add_status="201")
    response = await client.post(SUBSCRIBERS_ADD.path, data={"avatar_id": 123, "email": "new@example.com"})
    assert response.status_code == 201
    assert response.json()["email"] == "new@example.com"


@ASGI
async def test_post_on_a_list_route_is_405(client):
    await _server(client, list_post="405")
    response = await client.post(TAGS_LIST.path, data={"avatar_id": 123})
    assert_error(response, 405)
    assert response.headers["allow"] == "GET, HEAD"
    assert (await client.post(AVATARS_LIST.path)).status_code == 200  # documented: POST shown in the reference


@ASGI
async def test_the_other_spelling_is_404(client):
    await _server(client, other_spelling="404")
    assert (await client.get(TAGS_LIST.other_path, params={"avatar_id": 123})).status_code == 404
    assert (await client.get(TAGS_LIST.path, params={"avatar_id": 123})).status_code == 200


@ASGI
async def test_an_unknown_parameter_is_400(client):
    await _server(client, unknown_parameters="400")
    assert_error(await client.get(TAGS_LIST.path, params={"avatar_id": 123, "colour": "red"}), 400, "colour")


@ASGI
async def test_a_tenant_has_its_own_switches_over_the_servers(client):
    key = (await client.post("/_fake/tenants")).json()["api_key"]
    tenant = {"Authorization": f"Bearer {key}"}
    response = await client.put(f"/_fake/tenants/{key}/profile", json={"list_without_avatar": "empty"})
    assert response.json()["switches"] == {"list_without_avatar": "empty"}
    await _server(client, error_body="string")
    assert (await client.get(TAGS_LIST.path, headers=tenant)).json() == []
    assert (await client.get(TAGS_LIST.path)).json() == {"error": "Missing required parameter: avatar_id"}
    profile = (await client.get(f"/_fake/tenants/{key}/profile")).json()["profile"]
    assert (profile["list_without_avatar"], profile["error_body"]) == ("empty", "string")
    await client.delete(f"/_fake/tenants/{key}")
    assert (await client.get(f"/_fake/tenants/{key}/profile")).status_code == 404


@ASGI
async def test_a_whole_reset_restores_the_start_profile(client):
    await _server(client, check_order="key-first")
    assert (await client.post("/_fake/reset")).status_code == 204
    assert (await client.get("/_fake/profile")).json()["switches"] == {}


@ASGI
@pytest.mark.parametrize(
    ("switches", "message"),
    [
        ({"check_ordr": "key-first"}, "no switch 'check_ordr' (did you mean check_order?)"),
        ({"check_order": "sideways"}, 'check_order is one of route-first, key-first, not "sideways"'),
        ({"error_body": 1}, "error_body is one of object, string, not 1"),
    ],
)
async def test_an_unknown_switch_or_alternative_is_one_clear_line(client, switches, message):
    response = await client.put("/_fake/profile", json=switches)
    assert_error(response, 400)
    assert message in response.json()["error"]["message"]
    assert "\n" not in response.json()["error"]["message"]
    assert (await client.get("/_fake/profile")).json()["switches"] == {}


def test_a_profile_file_that_is_not_an_object_is_one_clear_line():
    with pytest.raises(ProfileError, match=r"^p.json: a profile is a JSON object of switches, like \{"):
        parse_profile(["key-first"], source="p.json")
    assert parse_profile({"duplicates": "create"}, source="p.json").changes() == {"duplicates": "create"}


@ASGI
async def test_the_switches_are_listed_with_how_verify_learns_them(client):
    listed = (await client.get("/_fake/switches")).json()
    assert [switch["name"] for switch in listed] == [switch.name for switch in SWITCHES]
    assert all(switch["learned_by"] and switch["default"] == switch["alternatives"][0] for switch in listed)


def test_the_python_client_sets_the_servers_profile_and_a_tenants():
    with ServerThread() as server, FakeSmartEngage(server.base_url) as fake, fake.tenant() as tenant:
        assert tenant.set_profile({"list_without_avatar": "empty"})["switches"] == {"list_without_avatar": "empty"}
        assert tenant.client.get(TAGS_LIST.path).json() == []
        assert fake.set_profile({"error_body": "string"})["switches"] == {"error_body": "string"}
        unknown = tenant.client.get(TAGS_LIST.path, params={"avatar_id": 9})
        assert unknown.json() == {"error": "No such avatar: '9'"}
        with pytest.raises(FakeSmartEngageError, match="no switch 'nope'"):
            fake.set_profile({"nope": "x"})
