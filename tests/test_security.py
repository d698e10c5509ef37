"""Keys stay secret, CORS is opt-in, tenants cannot reach each other's data."""

import json

import pytest

from conftest import DEFAULT_KEY, asgi_client, assert_error, route_names, routes_named, table_entry
from fake_smartengage.app import create_app
from fake_smartengage.cli import parse_args
from fake_smartengage.settings import Settings
from processes import running_server

SECRET = "se_custom_secret_key_0123456789"


async def test_cors_is_off_by_default(client):
    response = await client.get("/avatars/list", headers={"Origin": "http://localhost:3000"})
    assert "access-control-allow-origin" not in response.headers
    preflight = await client.options(
        "/subscribers/add", headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


async def test_cors_origin_opt_in():
    app = create_app(Settings(cors_origins=("http://localhost:3000",)))
    async with asgi_client(app) as client:
        allowed = await client.options(
            "/subscribers/add",
            headers={
                "Origin": "http://localhost:3000",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        other = await client.get("/avatars/list", headers={"Origin": "http://evil.example"})
        simple = await client.get("/avatars/list", headers={"Origin": "http://localhost:3000"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert simple.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "access-control-allow-origin" not in other.headers


def test_cors_origins_from_flags_and_environment(monkeypatch):
    assert parse_args(["serve", "--cors-origin", "http://a", "--cors-origin", "http://b"])[1].cors_origins == (
        "http://a",
        "http://b",
    )
    monkeypatch.setenv("FAKE_SMARTENGAGE_CORS_ORIGINS", "http://a, http://b")
    assert parse_args(["serve"])[1].cors_origins == ("http://a", "http://b")


def test_banner_masks_every_key_but_the_public_reference_key(tmp_path):
    fixture = tmp_path / "secret.json"
    fixture.write_text(json.dumps({"accounts": [{"api_key": SECRET}]}))
    with running_server(tmp_path, "--fixtures", str(fixture), "--fixtures", "fixtures") as server:
        pass
    banner = server.stdout()
    assert SECRET not in banner
    assert "se_cus…" in banner
    assert DEFAULT_KEY in banner


async def test_journal_and_harness_never_show_a_key_in_full(client_for):
    client = client_for({"accounts": [{"api_key": SECRET, "avatars": [{"avatar_id": 1}]}]}, SECRET)
    await client.get("/tags/list/", params={"avatar_id": 1})
    await client.post("/_fake/faults", json={"method": "GET", "path": "/x", "status": 500, "api_key": SECRET})
    for path in ("/_fake/requests", "/_fake/faults"):
        assert SECRET not in (await client.get(path)).text


@pytest.fixture
async def tenants(client):
    """Two tenants of the default template; A adds subscriber 2 to avatar 123, B creates items A lacks."""
    keys = [(await client.post("/_fake/tenants")).json()["api_key"] for _ in range(2)]
    a = {"Authorization": f"Bearer {keys[0]}"}
    assert (
        await client.post("/subscribers/add", headers=a, data={"avatar_id": "123", "email": "a@example.com"})
    ).json()["id"] == "2"
    b_only = {
        "avatars": [
            {
                "avatar_id": 500,
                "tags": [{"tag_id": 900, "tag_name": "b-tag"}],
                "custom_fields": [{"custom_field_id": 901, "custom_field_name": "b-field"}],
                "sequences": [{"sequence_id": 902, "sequence_name": "b-seq"}],
                "subscribers": [{"id": 903, "email": "b@example.com"}],
            }
        ]
    }
    b = (await client.post("/_fake/tenants", json=b_only)).json()["api_key"]
    return keys[0], b


# For each route, requests of tenant A that name ids only tenant B has, and the parameter the 404 names.
ANOTHER_TENANTS_IDS = {
    "list_avatars": None,  # takes no id: test_auth shows each key sees its own avatars
    "list_tags": [({"avatar_id": "500"}, "avatar_id")],
    "list_custom_fields": [({"avatar_id": "500"}, "avatar_id")],
    "list_sequences": [({"avatar_id": "500"}, "avatar_id")],
    "add_tag": [
        ({"avatar_id": "500", "subscriber_id": "903", "tag": "900"}, "avatar_id"),
        ({"avatar_id": "123", "subscriber_id": "903", "tag": "123"}, "subscriber_id"),
        ({"avatar_id": "123", "subscriber_id": "1", "tag": "900"}, "tag"),
    ],
    "remove_tag": [({"avatar_id": "123", "subscriber_id": "1", "tag": "b-tag"}, "tag")],
    "set_custom_field": [
        ({"avatar_id": "123", "subscriber_id": "1", "field": "901", "value": "x"}, "field"),
        ({"avatar_id": "123", "subscriber_id": "1", "field": "b-field", "value": "x"}, "field"),
    ],
    "add_to_sequence": [({"avatar_id": "123", "subscriber_id": "1", "sequence": "902"}, "sequence")],
    "remove_from_sequence": [({"avatar_id": "123", "subscriber_id": "1", "sequence": "b-seq"}, "sequence")],
    "add_subscriber": [
        ({"avatar_id": "500", "email": "c@example.com"}, "avatar_id"),
        ({"avatar_id": "123", "email": "c@example.com", "tags[]": "900"}, "tags"),
    ],
    "update_subscriber": [
        ({"avatar_id": "123", "subscriber_id": "903"}, "subscriber_id"),
        ({"avatar_id": "123", "subscriber_id": "1", "custom_field[]": "901", "field_value[]": "v"}, "custom_field"),
    ],
}


@pytest.mark.parametrize("name", route_names(ANOTHER_TENANTS_IDS))
async def test_one_tenant_cannot_reach_anothers_ids(client, state, tenants, name):
    a, _ = tenants
    path = routes_named(name)[0].path
    before = state()
    for data, param in table_entry(ANOTHER_TENANTS_IDS, name):
        response = await client.post(path, data=data, headers={"Authorization": f"Bearer {a}"})
        assert_error(response, 404, param)
    assert state() == before


async def test_harness_lookups_are_scoped_to_the_tenant(client, tenants):
    a, b = tenants
    assert_error(await client.get("/_fake/subscribers/903", params={"api_key": a, "avatar_id": 500}), 404, "avatar_id")
    assert (await client.get("/_fake/subscribers", params={"api_key": a, "email": "b@example.com"})).json() == []
    assert len((await client.get("/_fake/subscribers", params={"api_key": b})).json()) == 1
