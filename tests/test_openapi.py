"""/openapi.json describes the documented routes with their real parameters and shapes."""

import pytest

from conftest import route_names, routes_named

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


async def test_list_routes_take_avatar_id_from_the_query(spec):
    parameters = spec["paths"]["/tags/list/"]["get"]["parameters"]
    assert parameters[0]["name"] == "avatar_id" and parameters[0]["in"] == "query" and parameters[0]["required"]


async def test_writes_answer_the_subscriber_object_and_errors_in_one_shape(spec):
    operation = spec["paths"]["/tags/add"]["post"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/SubscriberPublic")
    assert operation["responses"]["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    subscriber = spec["components"]["schemas"]["SubscriberPublic"]
    assert list(subscriber["properties"]) == [
        "id",
        "full_name",
        "email",
        "ip",
        "gender",
        "language",
        "place",
        "facebook_id",
        "push_id",
        "tags",
        "custom_fields",
        "sequences",
    ]


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
