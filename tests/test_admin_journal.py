"""/_fake/requests: every SmartEngage request recorded, bounded, filterable."""

import time

import pytest

from conftest import DEFAULT_KEY, asgi_client, assert_error
from fake_smartengage.app import create_app
from fake_smartengage.settings import Settings

JOHN = {"avatar_id": "123", "subscriber_id": "1"}
FORM = "application/x-www-form-urlencoded"  # the content type of httpx's data=


async def test_journal_records_request_parsed_parameters_and_answer(client):
    before = time.perf_counter()
    await client.post(
        "/subscribers/add?avatar_id=123", data={"email": "j@example.com", "tags[0]": "123", "tags[1]": "tags2"}
    )
    seen_by_client_ms = (time.perf_counter() - before) * 1000
    (entry,) = (await client.get("/_fake/requests")).json()
    assert list(entry) == [
        "id",
        "time",
        "method",
        "path",
        "query",
        "content_type",
        "sent",
        "form",
        "api_key",
        "status",
        "response",
        "duration_ms",
        "divergences",
        "fault",
        "fault_kind",
        "state_changed",
    ]
    assert entry["divergences"] is None  # only a request forwarded with --upstream has some
    # Only a request a fault hit has them.
    assert (entry["fault"], entry["fault_kind"], entry["state_changed"]) == (None, None, None)
    assert entry["method"] == "POST" and entry["path"] == "/subscribers/add" and entry["query"] == "avatar_id=123"
    assert entry["content_type"] == FORM
    # As sent: strings by the names on the wire, query string and body together.
    assert entry["sent"] == {"avatar_id": "123", "email": "j@example.com", "tags[0]": "123", "tags[1]": "tags2"}
    # As the route read them: ids as numbers, the array resolved.
    assert entry["form"] == {"avatar_id": 123, "email": "j@example.com", "tags": ["123", "tags2"]}
    assert entry["api_key"] == "se_k73…"
    assert DEFAULT_KEY not in str(entry)
    assert entry["status"] == 200
    assert entry["response"]["id"] == "2"
    # The server (in this process, on the same clock) timed a part of what the client waited for.
    assert 0 <= entry["duration_ms"] <= seen_by_client_ms
    assert entry["time"].endswith("+00:00")


async def test_journal_records_failures_with_what_was_sent(client):
    await client.post("/tags/add", data={**JOHN, "tag": "999", "extra": "kept"})
    await client.post("/tags/add", data={"avatar_id": "x"})
    await client.get("/nowhere?tags[]=1", headers={"Authorization": ""})
    await client.post("/tags/add", content=b"{", headers={"Content-Type": "application/json"})
    unreadable, nowhere, unparsed, unknown_tag = (await client.get("/_fake/requests")).json()
    assert unknown_tag["status"] == 404
    assert unknown_tag["sent"] == {**JOHN, "tag": "999", "extra": "kept"}
    assert unknown_tag["form"] == {"avatar_id": 123, "subscriber_id": 1, "tag": "999"}
    assert unparsed["status"] == 400 and unparsed["sent"] == {"avatar_id": "x"} and unparsed["form"] is None
    assert nowhere["status"] == 404 and nowhere["api_key"] is None
    assert nowhere["sent"] == {"tags[]": ["1"]} and nowhere["form"] is None
    assert nowhere["response"]["error"]["message"] == "Unknown route: GET /nowhere"
    assert unreadable["status"] == 400 and unreadable["sent"] is None and unreadable["form"] is None
    assert unreadable["content_type"] == "application/json" and nowhere["content_type"] is None


async def test_journal_records_the_content_type_a_415_refused(client):
    await client.post("/tags/add", content=b"<tag/>", headers={"Content-Type": "application/xml; charset=utf-8"})
    (entry,) = (await client.get("/_fake/requests")).json()
    assert entry["status"] == 415 and entry["content_type"] == "application/xml; charset=utf-8"


async def test_journal_records_json_bodies_as_sent_in_strings(client):
    await client.post("/subscribers/add", json={"avatar_id": 123, "email": "j@example.com", "tags": ["tags1", 124]})
    (entry,) = (await client.get("/_fake/requests")).json()
    assert entry["sent"] == {"avatar_id": "123", "email": "j@example.com", "tags[]": ["tags1", "124"]}
    assert entry["form"] == {"avatar_id": 123, "email": "j@example.com", "tags": ["tags1", "124"]}


async def test_journal_leaves_out_harness_and_documentation_routes(client):
    await client.get("/_fake/health")
    await client.get("/openapi.json")
    await client.get("/avatars/list")
    assert [entry["path"] for entry in (await client.get("/_fake/requests")).json()] == ["/avatars/list"]


async def test_journal_filters(client):
    other = (await client.post("/_fake/tenants")).json()["api_key"]
    await client.get("/tags/list/", params={"avatar_id": 1})
    await client.post("/tags/list", data={"avatar_id": "1"})
    await client.get("/avatars/list", headers={"Authorization": f"Bearer {other}"})
    await client.post("/tags/add", data={**JOHN, "tag": "123"})

    async def paths(**filters):
        return [(e["method"], e["path"]) for e in (await client.get("/_fake/requests", params=filters)).json()]

    assert await paths(path="/tags/list") == [("POST", "/tags/list"), ("GET", "/tags/list/")]
    assert await paths(path="/tags/list/", method="get") == [("GET", "/tags/list/")]
    assert await paths(api_key=other) == [("GET", "/avatars/list")]
    assert await paths(limit=2) == [("POST", "/tags/add"), ("GET", "/avatars/list")]
    everything = (await client.get("/_fake/requests")).json()
    assert await paths(since=str(everything[2]["id"])) == [("POST", "/tags/add"), ("GET", "/avatars/list")]
    assert len(await paths(since=everything[-1]["time"])) == 4
    assert await paths(since="2999-01-01T00:00:00Z") == []


@pytest.mark.parametrize(
    "since",
    ["yesterday", "", "٣", "2024-05-01T12:00:00", "2024-05-01 12:00:00Z", "2024-05-01", "2023-02-29T00:00:00Z"],
)
async def test_journal_since_is_an_entry_id_or_an_rfc_3339_time(client, since):
    assert_error(await client.get("/_fake/requests", params={"since": since}), 400, "since")


async def test_journal_since_a_time_out_of_pythons_range_in_utc(client):
    await client.get("/avatars/list")
    earliest = await client.get("/_fake/requests", params={"since": "0001-01-01t00:00:00+01:00"})
    assert [entry["path"] for entry in earliest.json()] == ["/avatars/list"]
    assert (await client.get("/_fake/requests", params={"since": "9999-12-31T23:59:59-01:00"})).json() == []


async def test_journal_rejects_bad_filters(client):
    assert_error(await client.get("/_fake/requests", params={"limit": 0}), 400, "limit")


async def test_clearing_the_journal(client):
    await client.get("/avatars/list")
    assert (await client.delete("/_fake/requests")).status_code == 204
    assert (await client.get("/_fake/requests")).json() == []


async def test_journal_is_a_ring_buffer():
    async with asgi_client(create_app(Settings(journal_size=3))) as client:
        for avatar_id in range(1, 6):
            await client.get("/tags/list/", params={"avatar_id": avatar_id})
        entries = (await client.get("/_fake/requests")).json()
    assert [e["query"] for e in entries] == ["avatar_id=5", "avatar_id=4", "avatar_id=3"]
    assert [e["id"] for e in entries] == [5, 4, 3]


async def test_a_faulted_request_is_journaled_with_its_parameters_as_sent(client):
    fault = (await client.post("/_fake/faults", json={"method": "POST", "path": "/tags/add", "status": 503})).json()
    answer = await client.post("/tags/add?avatar_id=123", files={"subscriber_id": (None, "1"), "tag": (None, "tags1")})
    assert answer.status_code == 503
    (entry,) = (await client.get("/_fake/requests")).json()
    assert (entry["status"], entry["fault"], entry["fault_kind"], entry["state_changed"]) == (
        503,
        fault["id"],
        "status",
        False,
    )
    assert entry["sent"] == {"avatar_id": "123", "subscriber_id": "1", "tag": "tags1"}
    assert entry["form"] is None  # no route read them


async def test_a_rate_limited_request_is_journaled_with_its_parameters_as_sent():
    async with asgi_client(create_app(Settings(rate_limit="1/h"))) as client:
        assert (await client.post("/tags/add", data={**JOHN, "tag": "tags1"})).status_code == 200
        limited = await client.post("/tags/add", data={**JOHN, "tag": "tags2", "tags[]": ["a", "b"]})
        assert limited.status_code == 429
        (entry, _) = (await client.get("/_fake/requests")).json()
    assert entry["status"] == 429
    assert entry["sent"] == {"avatar_id": "123", "subscriber_id": "1", "tag": "tags2", "tags[]": ["a", "b"]}
    assert entry["form"] is None


async def test_journal_cuts_a_value_that_does_not_fit_its_entry_and_says_so():
    sent = "é" * 1000  # 2000 bytes, cut on a character boundary
    async with asgi_client(create_app(Settings(journal_entry_bytes=500))) as client:
        answer = await client.post("/tags/add", data={"avatar_id": sent, "subscriber_id": "1", "tag": "tags1"})
        assert_error(answer, 400, "avatar_id")
        (entry,) = (await client.get("/_fake/requests")).json()
    assert entry["response"] == answer.json()  # path, content type and response are kept first, whole
    left = 500 - len("/tags/add") - len(FORM) - len(answer.content) - len("avatar_id")
    assert entry["form"] is None  # the route refused the parameters
    assert entry["sent"] == {"avatar_id": "é" * (left // 2) + "…[cut: 2000 bytes]", "…": "…[cut: 2 more parameters]"}


async def test_journal_cuts_a_long_response_to_a_marked_string():
    async with asgi_client(create_app(Settings(journal_entry_bytes=100))) as client:
        answer = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "x" * 500})
        assert_error(answer, 400, "email")
        (entry,) = (await client.get("/_fake/requests")).json()
    kept = answer.content[: 100 - len("/subscribers/add") - len(FORM)].decode()
    assert entry["response"] == f"{kept}…[cut: {len(answer.content)} bytes]"
    assert entry["form"] == {"…": "…[cut: 2 more parameters]"}


async def test_journal_cuts_an_array_and_counts_the_values_left_out():
    tags = [f"t{n:03d}" for n in range(100)]
    async with asgi_client(create_app(Settings(journal_entry_bytes=400))) as client:
        answer = await client.post("/subscribers/add", data={"avatar_id": "123", "tags[]": tags})
        assert_error(answer, 400, "email")
        (entry,) = (await client.get("/_fake/requests")).json()
    left = 400 - len("/subscribers/add") - len(FORM) - len(answer.content) - len("avatar_id") - len("tags")
    whole, part = divmod(left, 4)
    assert 0 < whole < 99 and part > 0
    assert entry["form"]["tags"] == [
        *tags[:whole],
        tags[whole][:part] + "…[cut: 4 bytes]",
        f"…[cut: {99 - whole} more values]",
    ]


async def test_journal_keeps_at_most_its_total_bytes_dropping_the_oldest():
    # Every entry spends its whole 1000 bytes (the query is cut): two fit in 2500.
    async with asgi_client(create_app(Settings(journal_entry_bytes=1000, journal_bytes=2500))) as client:
        for number in range(1, 6):
            await client.get("/avatars/list", params={"n": number, "padding": "x" * 2000})
        entries = (await client.get("/_fake/requests")).json()
    assert [entry["id"] for entry in entries] == [5, 4]
    assert all(entry["query"].endswith("…[cut: 2012 bytes]") for entry in entries)
    async with asgi_client(create_app(Settings(journal_entry_bytes=1000, journal_bytes=10))) as client:
        await client.get("/avatars/list", params={"n": 1})
        await client.get("/avatars/list", params={"n": 2})
        assert [entry["query"] for entry in (await client.get("/_fake/requests")).json()] == ["n=2"]


async def test_journal_keeps_a_lone_surrogate_from_a_json_body_as_a_question_mark(client):
    answer = await client.post(
        "/tags/add", content=b'{"avatar_id": "x\\ud800"}', headers={"Content-Type": "application/json"}
    )
    assert_error(answer, 400, "avatar_id")
    listed = await client.get("/_fake/requests")
    assert listed.status_code == 200
    assert listed.json()[0]["sent"] == {"avatar_id": "x?"}
