"""No request scans a table: every lookup a route makes is served by an index."""

import logging
import sqlite3

import pytest

from conftest import asgi_client
from fake_smartengage.app import create_app
from fake_smartengage.settings import Settings

JOHN = {"avatar_id": "123", "subscriber_id": "1"}
REQUESTS = [
    ("GET", "/avatars/list", {}),
    ("GET", "/tags/list/", {"avatar_id": "1"}),
    ("GET", "/customfields/list/", {"avatar_id": "1"}),
    ("GET", "/sequences/list/", {"avatar_id": "1"}),
    ("POST", "/tags/add", {**JOHN, "tag": "tags1"}),
    ("POST", "/tags/delete", {**JOHN, "tag": "123"}),
    ("POST", "/customfields/update", {**JOHN, "field": "region", "value": "CA"}),
    ("POST", "/sequences/add", {**JOHN, "sequence": "1"}),
    ("POST", "/sequences/remove", {**JOHN, "sequence": "Seq 2"}),
    (
        "POST",
        "/subscribers/add",
        {
            "avatar_id": "123",
            "email": "new@example.com",
            "facebook_id": "f",
            "push_id": "p",
            "tags[]": "124",
            "custom_field[]": "111",
            "field_value[]": "x",
        },
    ),
    ("POST", "/subscribers/update", {**JOHN, "first_name": "J", "email": "j@example.com", "tags[]": "123"}),
]


@pytest.fixture
def statements(caplog):
    caplog.set_level(logging.DEBUG, logger="fake_smartengage.sql")
    return caplog


async def test_every_statement_of_every_route_uses_an_index(statements):
    app = create_app(Settings())
    statements.clear()
    async with asgi_client(app) as client:
        for method, path, params in REQUESTS:
            response = await client.request(
                method, path, params=params if method == "GET" else None, data=params if method == "POST" else None
            )
            assert response.status_code == 200, (path, response.text)
    queries = {record.getMessage() for record in statements.records if record.name == "fake_smartengage.sql"}
    queries = {sql for sql in queries if sql.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE"))}
    assert len(queries) > 20

    # The plans are asked of a copy of the state: the in-memory database is the app's alone.
    plans = sqlite3.connect(":memory:")
    plans.executescript(";\n".join(app.state.db.dump()))
    scans = []
    for sql in sorted(queries):
        for _, _, _, detail in plans.execute(f"EXPLAIN QUERY PLAN {sql}"):
            if detail.startswith("SCAN") and "INDEX" not in detail and detail != "SCAN CONSTANT ROW":
                scans.append(f"{detail}  <-  {sql}")
    assert scans == []
