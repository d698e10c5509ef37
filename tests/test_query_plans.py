"""No request scans a table: every lookup a route makes is served by an index.

An account is a database of its own, so the avatar table holds that account's avatars only, and
a listing of all of them (`/avatars/list`, the harness's listing of subscribers) walks it in
order along its index; that walk is allowed, and no other."""

import logging
import re
import sqlite3

import pytest

from conftest import asgi_client, route_names, routes_named, table_entry
from fake_smartengage.app import create_app
from fake_smartengage.keys import REFERENCE_KEY
from fake_smartengage.settings import Settings

JOHN = {"avatar_id": "123", "subscriber_id": "1"}
# Parameters each route answers 200 to, chosen to reach every lookup it makes.
REQUESTS = {
    "list_avatars": {},
    "list_tags": {"avatar_id": "1"},
    "list_custom_fields": {"avatar_id": "1"},
    "list_sequences": {"avatar_id": "1"},
    "add_tag": {**JOHN, "tag": "tags1"},
    "remove_tag": {**JOHN, "tag": "123"},
    "set_custom_field": {**JOHN, "field": "region", "value": "CA"},
    "add_to_sequence": {**JOHN, "sequence": "1"},
    "remove_from_sequence": {**JOHN, "sequence": "Seq 2"},
    "add_subscriber": {
        "avatar_id": "123",
        "email": "new@example.com",
        "facebook_id": "f",
        "push_id": "p",
        "tags[]": "124",
        "custom_field[]": "111",
        "field_value[]": "x",
    },
    "update_subscriber": {**JOHN, "first_name": "J", "email": "j@example.com", "tags[]": "123"},
}
# The one scan allowed: the batched subscriber loader (store/hydration.py) walks the JSON array of
# keys it was passed, `IN (SELECT value FROM json_each(?))`, which the log shows with its value.
ARGUMENT_LIST = re.compile(r"IN \(SELECT value FROM json_each\('\[[0-9, ]*\]'\)\)")
ONE_SUBSCRIBER = re.compile(r"FROM subscriber_tag AS st .* WHERE st.subscriber_pk = [0-9]+ ")
ARGUMENT_LIST_SCAN = re.compile(r"SCAN (TABLE )?json_each VIRTUAL TABLE INDEX \d+:")  # SQLite < 3.36: TABLE
ALL_AVATARS_IN_ORDER = re.compile(r"SCAN (TABLE )?(avatar|a) USING (COVERING )?INDEX ix_avatar_order")


def is_table_scan(detail: str, sql: str) -> bool:
    if not detail.startswith("SCAN") or detail == "SCAN CONSTANT ROW" or ALL_AVATARS_IN_ORDER.fullmatch(detail):
        return False
    # Allowed only where every json_each of the statement reads its argument list.
    over_arguments = sql.count("json_each(") == len(ARGUMENT_LIST.findall(sql))
    return not (ARGUMENT_LIST_SCAN.fullmatch(detail) and over_arguments)


@pytest.fixture
def statements(caplog):
    caplog.set_level(logging.DEBUG, logger="fake_smartengage.sql")
    return caplog


async def test_every_statement_of_every_route_uses_an_index(statements):
    requests = [(routes_named(name)[0], table_entry(REQUESTS, name)) for name in route_names(REQUESTS)]
    app = create_app(Settings())
    statements.clear()
    async with asgi_client(app) as client:
        for route, params in requests:
            if "GET" in route.methods:
                response = await client.get(route.path, params=params)
            else:
                response = await client.post(route.path, data=params)
            assert response.status_code == 200, (route.path, response.text)
        # The API loads one subscriber at a time; the harness's listing loads them in a batch.
        listing = await client.get("/_fake/subscribers", params={"api_key": REFERENCE_KEY})
        assert listing.status_code == 200
    queries = {record.getMessage() for record in statements.records if record.name == "fake_smartengage.sql"}
    queries = {sql for sql in queries if sql.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK")}
    assert len(queries) > 20
    assert any(ONE_SUBSCRIBER.search(sql) for sql in queries)  # the subscriber loader ran, for one
    assert any(ARGUMENT_LIST.search(sql) for sql in queries)  # and for a batch

    # The plans are asked of a copy of the account's database: the in-memory one is the app's alone.
    plans = sqlite3.connect(":memory:")
    plans.executescript(";\n".join(app.state.accounts.find(REFERENCE_KEY).db.dump()))
    scans = [
        f"{detail}  <-  {sql}"
        for sql in sorted(queries)
        for _, _, _, detail in plans.execute(f"EXPLAIN QUERY PLAN {sql}")
        if is_table_scan(detail, sql)
    ]
    assert scans == []


@pytest.mark.parametrize(
    ("detail", "sql", "scan"),
    [
        ("SCAN subscriber", "SELECT pk FROM subscriber", True),
        ("SCAN TABLE subscriber", "SELECT pk FROM subscriber", True),
        ("SCAN subscriber USING COVERING INDEX ix", "SELECT pk FROM subscriber ORDER BY avatar_pk", True),
        ("SCAN avatar USING INDEX ix_avatar_order", "SELECT * FROM avatar ORDER BY ordinal", False),
        ("SCAN avatar", "SELECT * FROM avatar WHERE brand_name = 'x'", True),
        ("SCAN tag USING INDEX ix_tag_order", "SELECT * FROM tag ORDER BY avatar_pk, ordinal", True),
        ("SEARCH subscriber USING INTEGER PRIMARY KEY (rowid=?)", "SELECT * FROM subscriber WHERE pk = 1", False),
        ("SCAN CONSTANT ROW", "SELECT (SELECT MAX(pk) FROM tag WHERE avatar_pk = 1)", False),
        (
            "SCAN json_each VIRTUAL TABLE INDEX 1:",
            "SELECT * FROM tag WHERE pk IN (SELECT value FROM json_each('[1,2]'))",
            False,
        ),
        ("SCAN json_each VIRTUAL TABLE INDEX 1:", "SELECT * FROM json_each((SELECT seed FROM account))", True),
        (
            "SCAN TABLE json_each VIRTUAL TABLE INDEX 1:",
            "SELECT * FROM tag WHERE pk IN (SELECT value FROM json_each('[1]'))",
            False,
        ),
        (
            "SCAN json_each VIRTUAL TABLE INDEX 1:",
            "SELECT * FROM tag WHERE pk IN (SELECT value FROM json_each('[1]')) "
            "AND avatar_pk IN (SELECT value FROM json_each(avatar.seed))",
            True,
        ),
    ],
)
def test_only_the_scan_of_an_argument_list_or_of_all_avatars_in_order_is_allowed(detail, sql, scan):
    assert is_table_scan(detail, sql) is scan
