"""Every non-2xx answer comes in one shape, including the framework's own."""

import json

import httpx
import pytest

from conftest import (
    ANY_PARAM,
    DEFAULT_KEY,
    VALID_PARAMETERS,
    asgi_client,
    assert_error,
    route_names,
    routes_named,
    table_entry,
)
from fake_smartengage import errors
from fake_smartengage.app import create_app
from fake_smartengage.settings import MIB, Settings

IDS = ("avatar_id", "subscriber_id")
# The routes that take an id; one missing from VALID_PARAMETERS stays, to fail in table_entry.
TAKING_IDS = [
    name
    for name in route_names(VALID_PARAMETERS)
    if name not in VALID_PARAMETERS or set(VALID_PARAMETERS[name]) & set(IDS)
]
BAD_IDS = [
    "-1",
    "0",
    "1e3",
    "1.5",
    "1.",
    "abc",
    "99999999999999999999",
    "9007199254740992",
    "0x10",
    "１",
    "٣",
    "²",
    "+1",
]


async def test_unknown_route_is_404_in_the_error_shape(client):
    response = await client.get("/subscribers/list")
    assert_error(response, 404, None, "Unknown route: GET /subscribers/list")


def _other_spelling(path: str) -> str:
    return path.removesuffix("/") if path.endswith("/") else f"{path}/"


def _request(client: httpx.AsyncClient, method: str, path: str, params: dict[str, str]):
    if method == "GET":
        return client.get(path, params=params)
    return client.request(method, path, data=params)


@pytest.mark.parametrize("name", route_names({}))
async def test_wrong_method_is_405_naming_the_allowed_ones(client, name):
    for route in routes_named(name):
        for method in sorted({"GET", "PUT", "DELETE"} - route.methods):
            response = await client.request(method, route.path)
            assert_error(response, 405, None, f"Method {method} is not allowed on {route.path}")
            assert set(response.headers["allow"].split(", ")) == route.methods


@pytest.mark.parametrize("name", route_names(VALID_PARAMETERS))
async def test_every_route_answers_both_spellings_without_redirect(client, name):
    params = table_entry(VALID_PARAMETERS, name)
    documented = routes_named(name)[0]
    for method in sorted(documented.methods - {"HEAD"}):
        for path in (documented.path, _other_spelling(documented.path)):
            response = await _request(client, method, path, params)
            assert response.status_code == 200, (method, path, response.text)


@pytest.mark.parametrize("name", TAKING_IDS)
async def test_ids_that_cannot_exist_are_400_never_500(client, state, name):
    params = table_entry(VALID_PARAMETERS, name)
    route = routes_named(name)[0]
    method = "GET" if "GET" in route.methods else "POST"
    before = state()
    for param in IDS:
        if param not in params:
            continue
        for bad in BAD_IDS:
            response = await _request(client, method, route.path, {**params, param: bad})
            assert_error(response, 400, param, errors.invalid_id(param).message)
    assert state() == before


async def test_largest_possible_id_is_a_plain_404(client):
    response = await client.get("/tags/list/", params={"avatar_id": "9007199254740991"})
    assert_error(response, 404, "avatar_id")


async def test_an_id_may_be_a_whole_number_with_a_decimal_point(client):
    # An integer to JSON and to the OpenAPI document, which clients and tools read as a number.
    names = [tag["tag_name"] for tag in (await client.get("/tags/list/", params={"avatar_id": "123"})).json()]
    assert names
    for body in ({"json": {"avatar_id": 123.0}}, {"data": {"avatar_id": "123.00"}}):
        response = await client.post("/tags/list/", **body)
        assert [tag["tag_name"] for tag in response.json()] == names, response.text


async def test_body_over_one_mib_is_413(client, state):
    before = state()
    body = b"avatar_id=123&email=a%40b.co&full_name=" + b"x" * MIB
    response = await client.post(
        "/subscribers/add", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert_error(response, 413, None, errors.body_too_large(MIB).message)
    assert state() == before


async def test_streamed_body_over_one_mib_is_413(client):
    async def chunks():
        for _ in range(20):
            yield b"x" * 65536

    response = await client.post(
        "/subscribers/add", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert "content-length" not in response.request.headers
    assert_error(response, 413)


async def test_body_just_under_the_limit_is_read(client):
    padding = MIB - 200
    body = b"avatar_id=123&email=big%40example.com&full_name=" + b"x" * padding
    response = await client.post(
        "/subscribers/add", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 200
    assert len(response.json()["full_name"]) == padding


async def test_unexpected_failure_is_500_in_the_error_shape(app):
    # A real failure inside the store: a table the request writes is gone.
    with app.state.accounts.find(DEFAULT_KEY).db.transaction() as conn:
        conn.execute("DROP TABLE subscriber_tag")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers={"Authorization": f"Bearer {DEFAULT_KEY}"}
    ) as client:
        response = await client.post("/tags/add", data={"avatar_id": "123", "subscriber_id": "1", "tag": "124"})
    assert_error(response, 500, None, "Internal error in the fake: OperationalError")
    assert response.json()["error"]["type"] == "api_error"
    (recorded,) = app.state.harness.journal.entries(path="/tags/add")
    assert (recorded["status"], recorded["response"]) == (500, response.json())


async def test_error_types_follow_the_status(client):
    assert (await client.get("/avatars/list", headers={"Authorization": ""})).json()["error"][
        "type"
    ] == "authentication_error"
    assert (await client.get("/tags/list/")).json()["error"]["type"] == "invalid_request_error"
    assert_error(await client.get("/nowhere"), 404, ANY_PARAM)


async def test_harness_uploads_have_their_own_larger_limit():
    subscribers = [
        {"id": n, "email": f"subscriber{n}@example.com", "full_name": f"Subscriber {n}"} for n in range(1, 20_001)
    ]
    document = {"avatars": [{"avatar_id": 1, "subscribers": subscribers}]}
    assert len(json.dumps(document)) > Settings().max_body_bytes
    async with asgi_client(create_app(Settings())) as client:
        created = await client.post("/_fake/tenants", json=document)
        assert created.status_code == 201, created.text
    async with asgi_client(create_app(Settings(max_harness_body_bytes=1000))) as client:
        refused = await client.post("/_fake/tenants", json=document)
        assert_error(refused, 413, None, "Request body is larger than the limit of 1000 bytes")
        assert (await client.get("/_fake/state")).status_code == 200
