"""/_fake/ tenants, reset, state and subscribers."""

import pytest

from conftest import DEFAULT_KEY, SUBSCRIBER_KEYS, assert_error, default_fixture
from fake_smartengage import __version__
from fake_smartengage.store.seeding import FORMAT

JOHN = {"avatar_id": "123", "subscriber_id": "1"}


async def new_tenant(client, document=None) -> str:
    response = (
        await client.post("/_fake/tenants", json=document)
        if document is not None
        else await client.post("/_fake/tenants")
    )
    assert response.status_code == 201, response.text
    assert list(response.json()) == ["api_key"]
    return response.json()["api_key"]


def as_tenant(api_key: str) -> dict:
    return {"Authorization": f"Bearer {api_key}"}


async def test_new_tenant_gets_a_fresh_key_and_the_default_fixture(client):
    first, second = await new_tenant(client), await new_tenant(client, {})
    assert first != second and first.startswith("se_") and first != DEFAULT_KEY
    avatars = await client.get("/avatars/list", headers=as_tenant(first))
    assert [a["avatar_id"] for a in avatars.json()] == ["3", "2", "1", "123"]


async def test_tenants_do_not_see_each_other(client):
    first, second = await new_tenant(client), await new_tenant(client)
    added = await client.post(
        "/subscribers/add", headers=as_tenant(first), data={"avatar_id": "123", "email": "x@example.com"}
    )
    assert added.json()["id"] == "2"
    again = await client.post(
        "/subscribers/add", headers=as_tenant(second), data={"avatar_id": "123", "email": "x@example.com"}
    )
    assert again.json()["id"] == "2"
    default = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "y@example.com"})
    assert default.json()["id"] == "2"


@pytest.mark.parametrize(
    "document",
    [
        {"avatars": [{"avatar_id": 5, "brand_name": "Mine"}]},
        {"accounts": [{"api_key": "ignored", "avatars": [{"avatar_id": 5, "brand_name": "Mine"}]}]},
    ],
)
async def test_new_tenant_from_a_posted_document(client, document):
    key = await new_tenant(client, document)
    avatars = await client.get("/avatars/list", headers=as_tenant(key))
    assert avatars.json() == [
        {"brand_name": "Mine", "avatar_id": "5", "brand_image": None, "user_role": None, "facebook_page_id": None}
    ]
    assert_error(await client.get("/avatars/list", headers=as_tenant("ignored")), 401)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"avatars": [{"avatar_id": 0}]}, "avatars[0].avatar_id: must be at least 1, not 0"),
        (
            {"accounts": [{"avatars": [{"avatar_id": 0}]}]},
            "accounts[0].avatars[0].avatar_id: must be at least 1, not 0",
        ),
        ({"accounts": []}, "accounts: a tenant's document holds exactly one account"),
        ({"accounts": [7]}, "accounts[0]: must be a JSON object, not 7"),
        (
            {"avatars": [{"avatar_id": 1, "subscribers": [{"id": 1, "email": "a@b.co", "tags": [9]}]}]},
            "avatars[0].subscribers[0].tags[0]: no tag with tag_id 9 in avatar 1",
        ),
        (
            {"avatars": [{"avatar_id": 1, "subscribers": [{"id": 1, "email": "nobody"}]}]},
            "avatars[0].subscribers[0].email: invalid email address 'nobody'",
        ),
        ({"avatars": [{"avatar_id": 1}, {"avatar_id": 1}]}, "avatars: avatar_id 1 appears twice"),
        ({"avatar": []}, "avatar: unknown field (did you mean 'avatars'?)"),
        (
            {"accounts": [{}], "avatars": []},
            "avatars: unknown field (known: format, fake_smartengage, description, accounts)",
        ),
        ([1], "document: must be a JSON object, not a list"),
        ("avatars", 'document: must be a JSON object, not "avatars"'),
    ],
)
async def test_invalid_tenant_document_is_400_naming_the_entry_as_written(client, state, document, message):
    """Whether posted for a new tenant or loaded into one, the message names the entry in the
    document's own terms, without the validator's wording."""
    before = state()
    key = await new_tenant(client)
    seeded = state()
    expected = f"Invalid fixture document: request body: {message}"
    assert_error(await client.post("/_fake/tenants", json=document), 400, None, expected)
    assert_error(await client.put("/_fake/state", params={"api_key": key}, json=document), 400, None, expected)
    assert state() == seeded != before


async def test_tenant_document_must_be_json(client):
    broken = await client.post("/_fake/tenants", content=b"{", headers={"Content-Type": "application/json"})
    assert_error(broken, 400, None, "Invalid JSON body: Expecting property name enclosed in double quotes")


async def test_delete_tenant_drops_it_and_all_it_owns(client, state):
    before = state()
    key = await new_tenant(client)
    await client.post(
        "/subscribers/add", headers=as_tenant(key), data={"avatar_id": "123", "email": "gone@example.com"}
    )
    await client.post("/_fake/faults", json={"method": "GET", "path": "/avatars/list", "status": 503, "api_key": key})
    await client.post("/_fake/faults", json={"method": "GET", "path": "/avatars/list", "delay_ms": 1})
    assert (await client.delete(f"/_fake/tenants/{key}")).status_code == 204
    assert_error(await client.get("/avatars/list", headers=as_tenant(key)), 401)
    assert state() == before
    assert [fault["api_key"] for fault in (await client.get("/_fake/faults")).json()] == [None]
    assert_error(await client.delete(f"/_fake/tenants/{key}"), 404, "api_key")


async def test_a_key_answered_just_before_a_reset_is_refused_right_after_it(client):
    # The reset restores a copy of the start state, which SQLite does not count as changes.
    key = await new_tenant(client)
    assert (await client.get("/avatars/list", headers=as_tenant(key))).status_code == 200
    assert (await client.post("/_fake/reset")).status_code == 204
    assert_error(await client.get("/avatars/list", headers=as_tenant(key)), 401)


async def test_reset_brings_the_whole_server_back_to_its_start_state(client, state):
    before = state()
    key = await new_tenant(client)
    await client.post("/tags/delete", data={**JOHN, "tag": "123"})
    await client.post("/subscribers/add", data={"avatar_id": "1", "email": "new@example.com"})
    assert (await client.post("/_fake/reset")).status_code == 204
    assert state() == before
    assert_error(await client.get("/avatars/list", headers=as_tenant(key)), 401)
    john = await client.post("/tags/add", data={**JOHN, "tag": "124"})
    assert john.json()["tags"] == ["tags1", "tags2"]


async def test_reset_of_one_tenant_leaves_the_others_alone(client):
    first, second = await new_tenant(client, {"avatars": [{"avatar_id": 1}]}), await new_tenant(client)
    for key in (first, second):
        await client.post("/subscribers/add", headers=as_tenant(key), data={"avatar_id": "1", "email": "a@example.com"})
    assert (await client.post("/_fake/reset", params={"api_key": first})).status_code == 204
    assert (await client.get("/_fake/subscribers", params={"api_key": first})).json() == []
    assert len((await client.get("/_fake/subscribers", params={"api_key": second})).json()) == 2
    assert_error(await client.post("/_fake/reset", params={"api_key": "se_nobody"}), 404, "api_key")


async def test_state_round_trip_is_exact(client):
    await client.post(
        "/subscribers/add",
        data={
            "avatar_id": "123",
            "email": "r@example.com",
            "first_name": "R",
            "tags[]": ["124", "123"],
            "custom_field[]": ["123"],
            "field_value[]": ["v"],
        },
    )
    await client.post("/sequences/add", data={"avatar_id": "123", "subscriber_id": "2", "sequence": "2"})
    await new_tenant(client, {"avatars": [{"avatar_id": 9}]})
    first = (await client.get("/_fake/state")).json()
    assert (await client.put("/_fake/state", json=first)).status_code == 204
    assert (await client.get("/_fake/state")).json() == first
    subscriber = first["accounts"][0]["avatars"][3]["subscribers"][0]
    assert subscriber == {
        "id": 2,
        "full_name": "R",
        "first_name": "R",
        "email": "r@example.com",
        "tags": [124, 123],
        "custom_fields": [{"custom_field_id": 123, "custom_value": "v"}],
        "sequences": [{"sequence_id": 2, "status": "Active"}],
    }


async def test_state_is_stamped_with_the_format_and_the_fakes_version(client):
    key = await new_tenant(client)
    for params in ({}, {"api_key": key}):
        exported = (await client.get("/_fake/state", params=params)).json()
        assert list(exported) == ["format", "fake_smartengage", "accounts"]
        assert exported["format"] == FORMAT == 1
        assert exported["fake_smartengage"] == __version__
        assert (await client.put("/_fake/state", params=params, json=exported)).status_code == 204
        assert (await client.get("/_fake/state", params=params)).json() == exported


@pytest.mark.parametrize("tenant", [False, True])
async def test_a_document_of_a_newer_format_is_refused(client, state, tenant):
    document = {"format": 2, "fake_smartengage": "9.0.0", "accounts": [{"api_key": "k", "avatars": [{"id": 1}]}]}
    message = (
        "Invalid fixture document: request body: format: this document has format 2 (written by "
        f"fake-smartengage 9.0.0), newer than format 1, the newest that fake-smartengage {__version__} reads: "
        "upgrade fake-smartengage to load it"
    )
    key = await new_tenant(client)
    before = state()
    params = {"api_key": key} if tenant else {}
    assert_error(await client.put("/_fake/state", params=params, json=document), 400, None, message)
    if tenant:
        assert_error(await client.post("/_fake/tenants", json=document), 400, None, message)
    assert state() == before


@pytest.mark.parametrize(
    ("stamp", "message"),
    [
        ({"format": 1}, None),
        ({"format": 1.0}, None),  # JSON's integer 1, as the OpenAPI document has it
        ({"format": "1"}, 'format: must be a whole number, not "1"'),
        ({"format": True}, "format: must be a whole number, not true"),
        ({"format": 0}, "format: must be at least 1, not 0"),
        ({"format": "new"}, 'format: must be a whole number, not "new"'),
        ({"fake_smartengage": 1}, "fake_smartengage: must be a string, not 1"),
    ],
)
async def test_the_stamp_is_checked(client, stamp, message):
    key = await new_tenant(client)
    for params, document in (({"api_key": key}, {"avatars": []}), ({}, {"accounts": []})):
        response = await client.put("/_fake/state", params=params, json={**stamp, **document})
        if message is None:
            assert response.status_code == 204, response.text
        else:
            assert_error(response, 400, None, f"Invalid fixture document: request body: {message}")


async def test_default_state_exports_as_the_default_fixture(client):
    exported = (await client.get("/_fake/state")).json()
    fixture = default_fixture()
    # The export spells out every avatar field and list, the fixture may leave them out.
    assert [a["avatar_id"] for a in exported["accounts"][0]["avatars"]] == [
        a["avatar_id"] for a in fixture["accounts"][0]["avatars"]
    ]
    assert exported["accounts"][0]["avatars"][3]["subscribers"] == fixture["accounts"][0]["avatars"][3]["subscribers"]


async def test_put_state_replaces_everything_and_becomes_what_tenants_reset_to(client):
    document = {
        "accounts": [{"api_key": "k1", "avatars": [{"avatar_id": 1, "subscribers": [{"id": 4, "push_id": "p"}]}]}]
    }
    assert (await client.put("/_fake/state", json=document)).status_code == 204
    assert_error(await client.get("/avatars/list"), 401)
    await client.post("/subscribers/add", headers=as_tenant("k1"), data={"avatar_id": "1", "push_id": "q"})
    assert (await client.post("/_fake/reset", params={"api_key": "k1"})).status_code == 204
    ids = [s["id"] for s in (await client.get("/_fake/subscribers", params={"api_key": "k1"})).json()]
    assert ids == ["4"]


async def test_one_tenants_state_round_trips_and_can_be_replaced(client):
    key = await new_tenant(client)
    mine = (await client.get("/_fake/state", params={"api_key": key})).json()
    assert [account["api_key"] for account in mine["accounts"]] == [key]
    replacement = {"avatars": [{"avatar_id": 77, "brand_name": "Replaced"}]}
    assert (await client.put("/_fake/state", params={"api_key": key}, json=replacement)).status_code == 204
    assert (await client.get("/avatars/list", headers=as_tenant(key))).json()[0]["brand_name"] == "Replaced"
    assert (await client.put("/_fake/state", params={"api_key": key}, json=mine)).status_code == 204
    assert (await client.get("/_fake/state", params={"api_key": key})).json() == mine
    default = await client.get("/avatars/list")
    assert len(default.json()) == 4


async def test_list_answers_follow_every_change_of_the_state(client):
    """Each kind of change of the state shows at once in the list routes' answers."""
    key = await new_tenant(client)

    async def tag_names() -> list[str]:
        response = await client.get("/tags/list/", params={"avatar_id": "1"}, headers=as_tenant(key))
        return [tag["tag_name"] for tag in response.json()]

    assert await tag_names() == ["push_test", "fb_test"]
    replacement = {"avatars": [{"avatar_id": 1, "tags": [{"tag_id": 5, "tag_name": "replaced"}]}]}
    assert (await client.put("/_fake/state", params={"api_key": key}, json=replacement)).status_code == 204
    assert await tag_names() == ["replaced"]
    assert (await client.post("/_fake/reset", params={"api_key": key})).status_code == 204
    assert await tag_names() == ["replaced"]  # the replaced state is what the tenant resets to
    assert (await client.post("/_fake/reset")).status_code == 204
    assert_error(await client.get("/tags/list/", params={"avatar_id": "1"}, headers=as_tenant(key)), 401)
    assert (await client.get("/tags/list/", params={"avatar_id": "1"})).status_code == 200


async def test_state_of_unknown_tenant_is_404(client):
    assert_error(await client.get("/_fake/state", params={"api_key": "se_nobody"}), 404, "api_key")
    assert_error(await client.put("/_fake/state", params={"api_key": "se_nobody"}, json={}), 404, "api_key")


async def test_put_state_with_invalid_document_changes_nothing(client, state):
    before = state()
    duplicate = {"accounts": [{"api_key": "same"}, {"api_key": "same"}]}
    assert_error(await client.put("/_fake/state", json=duplicate), 400)
    assert_error(
        await client.put("/_fake/state", json={"accounts": [{"api_key": "k", "avatars": [{"avatar_id": "x"}]}]}),
        400,
        None,
        'Invalid fixture document: request body: accounts[0].avatars[0].avatar_id: must be a whole number, not "x"',
    )
    assert_error(
        await client.put("/_fake/state", json=[]),
        400,
        None,
        "Invalid fixture document: request body: document: must be a JSON object, not a list",
    )
    assert state() == before


async def test_subscribers_filters(client):
    key = await new_tenant(client)
    await client.post(
        "/subscribers/add", headers=as_tenant(key), data={"avatar_id": "123", "email": "T@example.com", "tags[]": "124"}
    )
    everyone = (await client.get("/_fake/subscribers")).json()
    assert [s["id"] for s in everyone] == ["1", "2", "1"]
    assert all(list(s) == SUBSCRIBER_KEYS for s in everyone)
    mine = (await client.get("/_fake/subscribers", params={"api_key": key, "avatar_id": 123})).json()
    assert [s["email"] for s in mine] == ["T@example.com", "admin@example.com"]
    by_email = (await client.get("/_fake/subscribers", params={"email": "t@EXAMPLE.com"})).json()
    assert [s["id"] for s in by_email] == ["2"]
    by_tag = (await client.get("/_fake/subscribers", params={"api_key": key, "tag": "tags1"})).json()
    assert [s["id"] for s in by_tag] == ["1"]
    by_tag_id = (await client.get("/_fake/subscribers", params={"api_key": key, "tag": "124"})).json()
    assert [s["id"] for s in by_tag_id] == ["2", "1"]
    assert (await client.get("/_fake/subscribers", params={"avatar_id": 3})).json() == []


async def test_one_subscriber(client):
    response = await client.get("/_fake/subscribers/1", params={"api_key": DEFAULT_KEY, "avatar_id": 123})
    assert response.status_code == 200
    assert response.json()["full_name"] == "John Doe"
    assert_error(
        await client.get("/_fake/subscribers/2", params={"api_key": DEFAULT_KEY, "avatar_id": 123}),
        404,
        "subscriber_id",
    )
    assert_error(
        await client.get("/_fake/subscribers/1", params={"api_key": "nobody", "avatar_id": 123}), 404, "api_key"
    )
    assert_error(await client.get("/_fake/subscribers/1", params={"avatar_id": 123}), 400, "api_key")
    assert_error(
        await client.get("/_fake/subscribers/0", params={"api_key": DEFAULT_KEY, "avatar_id": 123}),
        400,
        "subscriber_id",
    )
    assert_error(
        await client.get("/_fake/subscribers/1", params={"api_key": DEFAULT_KEY, "avatar_id": "x"}), 400, "avatar_id"
    )


async def test_admin_token_guards_every_harness_route_but_health(client_for):
    client = client_for(default_fixture(), DEFAULT_KEY, admin_token="s3cret")
    assert (await client.get("/_fake/health")).status_code == 200
    for method, path in [
        ("POST", "/_fake/tenants"),
        ("POST", "/_fake/reset"),
        ("GET", "/_fake/state"),
        ("GET", "/_fake/subscribers"),
        ("GET", "/_fake/requests"),
        ("GET", "/_fake/faults"),
    ]:
        response = await client.request(method, path)
        assert_error(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
        wrong = await client.request(method, path, headers={"Authorization": "Bearer wrong"})
        assert_error(wrong, 401)
    allowed = await client.post("/_fake/tenants", headers={"Authorization": "Bearer s3cret"})
    assert allowed.status_code == 201
    assert (await client.get("/avatars/list")).status_code == 200
