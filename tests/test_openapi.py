"""/openapi.json describes the documented routes with their real parameters and shapes, and what
the server enforces (tests/test_fuzz.py checks that throughout); /docs and /redoc show it with
files of this server only (tests/test_ui_apidocs.py renders them offline)."""

import base64
import hashlib
import re

import pytest

from conftest import SUBSCRIBER_KEYS, assert_error, route_names, routes_named
from fake_smartengage.apidocs import ASSETS
from fake_smartengage.validation import MAX_ID, is_valid_email

# In process only: the document is the same however it is fetched.
pytestmark = pytest.mark.parametrize("client", ["asgi"], indirect=True)

DOCUMENTED = {
    "/avatars/list": {"get", "post"},
    "/tags/list/": {"get", "post"},
    "/tags/add": {"post"},
    "/tags/delete": {"post"},
    "/customfields/list/": {"get", "post"},
    "/customfields/update": {"post"},
    "/sequences/list/": {"get", "post"},
    "/sequences/add": {"post"},
    "/sequences/remove": {"post"},
    "/subscribers/add": {"post"},
    "/subscribers/update": {"post"},
}


@pytest.fixture
async def spec(client) -> dict:
    response = await client.get("/openapi.json", headers={"Authorization": ""})
    assert response.status_code == 200
    return response.json()


async def test_documented_routes_are_described_once_each(spec):
    assert set(DOCUMENTED) == {routes_named(name)[0].path for name in route_names({})}  # each route of the app
    api_paths = {path: set(operations) for path, operations in spec["paths"].items() if not path.startswith("/_fake")}
    assert api_paths == DOCUMENTED


async def test_body_parameters_include_arrays_in_every_content_type(spec):
    body = spec["paths"]["/subscribers/add"]["post"]["requestBody"]
    assert set(body["content"]) == {"application/x-www-form-urlencoded", "multipart/form-data", "application/json"}
    schema = body["content"]["application/x-www-form-urlencoded"]["schema"]
    assert schema["required"] == ["avatar_id"]
    assert schema["properties"]["tags[]"]["type"] == "array"
    assert set(schema["properties"]) >= {
        "full_name",
        "fullname",
        "email",
        "facebook_id",
        "push_id",
        "custom_field[]",
        "field_value[]",
    }


async def test_a_new_subscriber_needs_one_identity(spec):
    for content in spec["paths"]["/subscribers/add"]["post"]["requestBody"]["content"].values():
        branches = content["schema"]["anyOf"]
        assert [branch["required"] for branch in branches] == [["email"], ["facebook_id"], ["push_id"]]


def _maxima(node: object) -> list:
    if isinstance(node, dict):
        own = [node["maximum"]] if "maximum" in node else []
        return own + [maximum for value in node.values() for maximum in _maxima(value)]
    return [maximum for item in node for maximum in _maxima(item)] if isinstance(node, list) else []


async def test_every_bound_reads_the_same_as_a_double(spec):
    # A tool (schemathesis, a JavaScript client) may read a bound as a double: past 2^53 it would
    # then allow ids the server refuses.
    maxima = _maxima(spec)
    assert MAX_ID in maxima
    assert all(float(maximum) == maximum for maximum in maxima)


def _validator(spec: dict, schema: dict):
    """A validator for a schema of the document, its references resolved within the document."""
    # schemathesis's validator, which tests/test_minimum_dependencies.py's venv leaves out
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    return jsonschema_rs.validator_for({**schema, "components": spec["components"]}, validate_formats=True)


EMAILS = ["a@b.co", "a b@c.de", "a@b", "", "x" * 250 + "@b.co", "a\u2003@b.co", "a\x1c@b.co", "a\x01@b.co", "é@ü.de"]


async def test_email_is_described_as_the_server_checks_it(spec):
    body = spec["paths"]["/subscribers/update"]["post"]["requestBody"]["content"]
    schema = body["application/x-www-form-urlencoded"]["schema"]["properties"]["email"]
    valid = _validator(spec, schema)
    for email in EMAILS:
        assert valid.is_valid(email) == (email == "" or is_valid_email(email)), email  # empty: not sent


_AT = {"method": "GET", "path": "/avatars/list"}
FAULTS = [
    _AT,
    {**_AT, "status": 503},
    {**_AT, "status": None, "delay_ms": 5},
    {**_AT, "delay_ms": 5, "body": {"a": 1}},
    {**_AT, "delay_ms": 5, "retry_after": 1},
    {**_AT, "status": 503, "body": None, "retry_after": 1},
    {**_AT, "status": 503.0},
    {**_AT, "delay_ms": False},
    {**_AT, "status": "503"},
    {**_AT, "kind": "status", "status": 503, "when": "after"},
    {**_AT, "kind": "reset"},
    {**_AT, "kind": "reset", "status": 503},
    {**_AT, "kind": "empty", "delay_ms": 5},
    {**_AT, "kind": "garbage", "body": {"a": 1}},
    {**_AT, "kind": "hang"},
    {**_AT, "kind": "hang", "delay_ms": 50},
    {**_AT, "kind": "truncated"},
    {**_AT, "kind": "truncated", "status": 503},
    {**_AT, "kind": "truncated", "when": "after"},
    {**_AT, "kind": "truncated", "when": "after", "status": 503},
    {**_AT, "kind": "nope"},
    {**_AT, "status": 503, "rate": 0.5, "seed": 7},
    {**_AT, "status": 503, "rate": 1.5},
    {**_AT, "status": 503, "params": {"avatar_id": "123"}},
    {**_AT, "status": 503, "params": {"avatar_id": 123}},
]


async def test_the_document_and_the_server_agree_on_faults(spec, client):
    valid = _validator(
        spec, spec["paths"]["/_fake/faults"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    )
    for fault in FAULTS:
        response = await client.post("/_fake/faults", json=fault)
        assert response.status_code == (201 if valid.is_valid(fault) else 400), fault


@pytest.mark.parametrize(
    ("since", "valid"),
    [
        ("12", True),
        ("2024-05-01T12:00:00Z", True),
        ("2024-05-01t12:00:00.5+02:00", True),
        ("", False),
        ("٣", False),
        ("2024-05-01T12:00:00", False),
        ("2024-05-01", False),
        ("2023-02-29T00:00:00Z", False),
    ],
)
async def test_the_document_and_the_server_agree_on_since(spec, client, since, valid):
    (parameter,) = (p for p in spec["paths"]["/_fake/requests"]["get"]["parameters"] if p["name"] == "since")
    assert _validator(spec, parameter["schema"]).is_valid(since) == valid
    assert (await client.get("/_fake/requests", params={"since": since})).status_code == (200 if valid else 400)


@pytest.mark.parametrize(
    "document",
    [
        None,
        {},
        {"avatars": []},
        {"accounts": [{"avatars": []}]},
        {"format": 1, "avatars": []},
        {"x": 1},
        {"description": "d", "avatars": []},
        {"accounts": []},
        {"avatars": [{"avatar_id": True}]},
        {"avatars": [{"avatar_id": 1, "subscribers": [{"id": 1, "email": "not an address"}]}]},
        {"avatars": [{"avatar_id": 1, "subscribers": [{"id": 1, "full_name": "No identity"}]}]},
        {"avatars": [{"avatar_id": 1, "subscribers": [{"id": 1, "push_id": "p"}]}]},
    ],
)
async def test_the_document_and_the_server_agree_on_a_new_tenants_content(spec, client, document):
    body = spec["paths"]["/_fake/tenants"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    response = await client.post("/_fake/tenants", json=document)
    assert response.status_code == (201 if _validator(spec, body).is_valid(document) else 400), response.text


async def test_list_routes_take_avatar_id_from_the_query(spec):
    parameters = spec["paths"]["/tags/list/"]["get"]["parameters"]
    assert parameters[0]["name"] == "avatar_id" and parameters[0]["in"] == "query" and parameters[0]["required"]


async def test_writes_answer_the_subscriber_object_and_errors_in_one_shape(spec):
    operation = spec["paths"]["/tags/add"]["post"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/SubscriberPublic")
    assert operation["responses"]["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    subscriber = spec["components"]["schemas"]["SubscriberPublic"]
    assert list(subscriber["properties"]) == SUBSCRIBER_KEYS


async def test_bearer_auth_is_declared(spec):
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for path, operations in spec["paths"].items():
        if not path.startswith("/_fake"):
            assert all(operation["security"] == [{"bearerAuth": []}] for operation in operations.values())


async def test_docs_page_is_served(client):
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


SHIPPED = {
    "/docs/assets/swagger-ui-bundle.js": (ASSETS / "swagger-ui" / "swagger-ui-bundle.js", "text/javascript"),
    "/docs/assets/swagger-ui.css": (ASSETS / "swagger-ui" / "swagger-ui.css", "text/css"),
    "/docs/assets/favicon.png": (ASSETS / "swagger-ui" / "favicon-32x32.png", "image/png"),
    "/docs/assets/redoc.standalone.js": (ASSETS / "redoc" / "redoc.standalone.js", "text/javascript"),
}
# What a documentation page's policy may name as a source: nothing of another origin.
SAME_ORIGIN_SOURCES = re.compile(r"'self'|'none'|'unsafe-inline'|data:|blob:|'sha256-[A-Za-z0-9+/]+=*'")


@pytest.mark.parametrize(("page", "loads"), [("/docs", 3), ("/redoc", 2)])
async def test_docs_pages_load_only_files_this_server_ships(client, page, loads):
    response = await client.get(page)
    assert response.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]*)"', response.text)
    assert len(urls) == loads and all(url in SHIPPED for url in urls), urls
    for url in urls:
        asset = await client.get(url)
        path, media_type = SHIPPED[url]
        assert asset.status_code == 200
        assert asset.headers["content-type"].startswith(media_type)
        assert asset.content == path.read_bytes()


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_policy_allows_no_other_origin(client, page):
    response = await client.get(page)
    policy = dict(directive.split(" ", 1) for directive in response.headers["content-security-policy"].split("; "))
    assert policy["default-src"] == "'none'"
    for directive, sources in policy.items():
        assert all(SAME_ORIGIN_SOURCES.fullmatch(source) for source in sources.split()), (directive, sources)
    # The inline script (Swagger UI's set-up) runs because the policy names its hash, and only it.
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'" for script in inline]
    assert policy["script-src"].split() == ["'self'", *hashes]
    assert "'unsafe-inline'" not in policy["script-src"]


async def test_docs_pages_and_their_files_are_not_journaled(client):
    for url in ["/docs", "/redoc", "/openapi.json", *SHIPPED]:
        assert (await client.get(url, headers={"Authorization": ""})).status_code == 200
    assert (await client.get("/_fake/requests")).json() == []


async def test_unknown_docs_file_is_not_found(client):
    assert_error(await client.get("/docs/assets/LICENSE"), 404)
    assert_error(await client.get("/docs/assets/..%2Fassets%2Fredoc%2FLICENSE"), 404)
