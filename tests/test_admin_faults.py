"""/_fake/faults: the next N matching requests fail or wait, before touching state."""

import asyncio

import pytest

from conftest import DEFAULT_KEY, assert_error

JOHN = {"avatar_id": "123", "subscriber_id": "1"}


async def test_fault_answers_the_next_matching_request_then_stops(client, state):
    created = await client.post("/_fake/faults", json={"method": "POST", "path": "/subscribers/add", "status": 503})
    assert created.status_code == 201
    fault = created.json()
    assert fault == {
        "id": 1,
        "method": "POST",
        "path": "/subscribers/add",
        "api_key": None,
        "params": None,
        "kind": "status",
        "when": "before",
        "status": 503,
        "body": None,
        "retry_after": None,
        "delay_ms": None,
        "times": 1,
        "rate": 1.0,
        "seed": 0,
        "remaining": 1,
        "fired": 0,
    }
    before = state()
    failed = await client.post("/subscribers/add/", data={"avatar_id": "123", "email": "f@example.com"})
    assert_error(failed, 503, None, "Injected fault 1: status 503")
    assert failed.json()["error"]["type"] == "api_error"
    assert state() == before
    passed = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "f@example.com"})
    assert passed.status_code == 200 and passed.json()["id"] == "2"
    (listed,) = (await client.get("/_fake/faults")).json()
    assert listed["fired"] == 1 and listed["remaining"] == 0


async def test_fault_with_body_retry_after_and_times(client):
    spec = {
        "method": "*",
        "path": "/tags/add",
        "status": 429,
        "body": {"message": "slow down"},
        "retry_after": 7,
        "times": 2,
    }
    await client.post("/_fake/faults", json=spec)
    for _ in range(2):
        response = await client.post("/tags/add", data={**JOHN, "tag": "123"})
        assert response.status_code == 429
        assert response.json() == {"message": "slow down"}
        assert response.headers["retry-after"] == "7"
    assert (await client.post("/tags/add", data={**JOHN, "tag": "123"})).status_code == 200


async def test_fault_until_removed(client):
    fault = (
        await client.post(
            "/_fake/faults", json={"method": "GET", "path": "/avatars/list", "status": 500, "times": None}
        )
    ).json()
    for _ in range(3):
        assert (await client.get("/avatars/list")).status_code == 500
    assert (await client.delete(f"/_fake/faults/{fault['id']}")).status_code == 204
    assert (await client.get("/avatars/list")).status_code == 200
    assert_error(await client.delete(f"/_fake/faults/{fault['id']}"), 404, "fault_id")


async def test_fault_for_one_key_spares_the_others(client):
    other = (await client.post("/_fake/tenants")).json()["api_key"]
    fault = (
        await client.post(
            "/_fake/faults", json={"method": "GET", "path": "/avatars/list", "status": 503, "api_key": other}
        )
    ).json()
    assert fault["api_key"] == other[:6] + "…"
    assert (await client.get("/avatars/list")).status_code == 200
    assert (await client.get("/avatars/list", headers={"Authorization": f"Bearer {other}"})).status_code == 503


async def test_delay_holds_the_answer_then_continues_to_the_real_one(client):
    # Ordering, not a clock: while the delayed request waits, a later one is answered.
    await client.post("/_fake/faults", json={"method": "GET", "path": "/avatars/list", "delay_ms": 1000})
    delayed = asyncio.create_task(client.get("/avatars/list"))
    for _ in range(1000):
        await asyncio.sleep(0)  # lets the delayed request run up to its fault
        if (await client.get("/_fake/faults")).json()[0]["fired"]:
            break
    else:
        pytest.fail("the delayed request never met its fault")
    overtaking = await client.get("/avatars/list")
    assert overtaking.status_code == 200
    assert not delayed.done()
    response = await delayed
    assert response.status_code == 200 and response.json() == overtaking.json()


async def test_faults_are_listed_and_cleared(client):
    for path in ("/tags/add", "/tags/delete"):
        await client.post("/_fake/faults", json={"method": "POST", "path": path, "status": 502})
    assert [f["path"] for f in (await client.get("/_fake/faults")).json()] == ["/tags/add", "/tags/delete"]
    assert (await client.delete("/_fake/faults")).status_code == 204
    assert (await client.get("/_fake/faults")).json() == []
    assert (await client.post("/tags/add", data={**JOHN, "tag": "123"})).status_code == 200


async def test_faults_are_journaled(client):
    await client.post("/_fake/faults", json={"method": "GET", "path": "/avatars/list", "status": 503})
    await client.get("/avatars/list")
    (entry,) = (await client.get("/_fake/requests")).json()
    assert entry["status"] == 503 and entry["api_key"] == DEFAULT_KEY[:6] + "…"


@pytest.mark.parametrize(
    ("spec", "param"),
    [
        ({"method": "GET", "path": "/x"}, None),
        ({"method": "GET", "status": 503}, "path"),
        ({"method": "GET", "path": "no-slash", "status": 503}, "path"),
        ({"method": "GET", "path": "/x", "status": 99}, "status"),
        ({"method": "GET", "path": "/x", "status": 503, "times": 0}, "times"),
        ({"method": "GET", "path": "/x", "delay_ms": -1}, "delay_ms"),
        ({"method": "GET", "path": "/x", "delay_ms": 5, "retry_after": 3}, None),
        ({"method": "GET", "path": "/x", "status": 503, "color": "red"}, "color"),
        # Integers as the OpenAPI document has them: no booleans or strings standing in for one.
        ({"method": "GET", "path": "/x", "delay_ms": False}, "delay_ms"),
        ({"method": "GET", "path": "/x", "status": "503"}, "status"),
        ({"method": "GET", "path": "/x", "status": 503, "times": True}, "times"),
    ],
)
async def test_invalid_fault_is_400(client, spec, param):
    assert_error(await client.post("/_fake/faults", json=spec), 400, param)
    assert (await client.get("/_fake/faults")).json() == []


async def test_fault_numbers_may_be_written_as_whole_json_numbers(client):
    created = await client.post(
        "/_fake/faults", json={"method": "GET", "path": "/avatars/list", "status": 503.0, "times": 2.0}
    )
    assert created.status_code == 201, created.text
    assert (created.json()["status"], created.json()["times"]) == (503, 2)


async def _hits(client, fault: dict, requests: int) -> list[bool]:
    await client.delete("/_fake/faults")
    await client.post("/_fake/faults", json=fault)
    return [(await client.get("/avatars/list")).status_code == 503 for _ in range(requests)]


async def test_a_rate_hits_the_same_requests_for_the_same_seed(client):
    fault = {"method": "GET", "path": "/avatars/list", "status": 503, "times": None, "rate": 0.3, "seed": 42}
    first = await _hits(client, fault, 40)
    assert await _hits(client, fault, 40) == first
    assert 0 < sum(first) < 40
    assert await _hits(client, {**fault, "seed": 43}, 40) != first


async def test_params_match_only_requests_sent_with_those_values(client):
    fault = {"method": "POST", "path": "/tags/add", "status": 503, "params": {"subscriber_id": "2"}}
    await client.post("/_fake/faults", json=fault)
    assert (await client.post("/tags/add", data={**JOHN, "tag": "123"})).status_code == 200
    other = await client.post("/tags/add", data={"avatar_id": "123", "subscriber_id": "2", "tag": "123"})
    assert other.status_code == 503


async def test_a_fault_after_the_route_commits_then_answers_its_status(client, state):
    before = state()
    await client.post(
        "/_fake/faults", json={"method": "POST", "path": "/subscribers/add", "status": 502, "when": "after"}
    )
    lost = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "lost@example.com"})
    assert lost.status_code == 502
    assert state() != before
    (entry,) = (await client.get("/_fake/requests")).json()
    assert (entry["status"], entry["fault_kind"], entry["state_changed"]) == (502, "status", True)


async def test_a_fault_for_a_path_no_route_serves_names_the_closest(client):
    typo = await client.post("/_fake/faults", json={"method": "POST", "path": "/subscriber/add", "status": 503})
    message = (
        "No route of the fake is at /subscriber/add, so this fault would never fire: did you mean /subscribers/add?"
    )
    assert_error(typo, 400, "path", message)
    wrong = await client.post("/_fake/faults", json={"method": "GET", "path": "/tags/add", "status": 503})
    assert_error(
        wrong,
        400,
        "method",
        "/tags/add is never called with GET, so this fault would never fire: it answers POST (or *)",
    )
    anywhere = await client.post("/_fake/faults", json={"method": "*", "path": "*", "status": 503})
    assert anywhere.status_code == 201


async def test_a_form_encoded_fault_is_told_to_send_json(client):
    sent = await client.post("/_fake/faults", data={"method": "POST", "path": "/tags/add", "status": "503"})
    message = "Send the body as a JSON object (Content-Type: application/json), not application/x-www-form-urlencoded"
    assert_error(sent, 400, None, message)


async def test_a_fault_after_a_route_that_refuses_replaces_the_refusal_and_changes_nothing(client, state):
    before = state()
    fault = {"method": "POST", "path": "/subscribers/add", "status": 502, "when": "after"}
    await client.post("/_fake/faults", json=fault)
    refused = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "not an email"})
    assert refused.status_code == 502
    assert state() == before
    (entry,) = (await client.get("/_fake/requests")).json()
    assert (entry["status"], entry["fault_kind"], entry["state_changed"]) == (502, "status", False)


async def test_a_delay_after_the_route_lets_its_answer_go(client):
    fault = {"method": "POST", "path": "/subscribers/add", "delay_ms": 1, "when": "after"}
    await client.post("/_fake/faults", json=fault)
    added = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "slow@example.com"})
    assert (added.status_code, added.json()["email"]) == (200, "slow@example.com")
    (entry,) = (await client.get("/_fake/requests")).json()
    assert (entry["status"], entry["state_changed"]) == (200, True)


async def test_params_match_a_list_as_sent_and_a_rate_of_zero_never_hits(client):
    tagged = {"method": "POST", "path": "/subscribers/add", "status": 503, "params": {"tags[]": ["tags1", "tags2"]}}
    await client.post("/_fake/faults", json=tagged)
    never = {"method": "*", "path": "*", "status": 502, "rate": 0, "times": None}
    await client.post("/_fake/faults", json=never)
    one_tag = await client.post(
        "/subscribers/add", data={"avatar_id": "123", "email": "a@example.com", "tags[]": "tags1"}
    )
    assert one_tag.status_code == 200
    both = {"avatar_id": "123", "email": "b@example.com", "tags[]": ["tags1", "tags2"]}
    assert (await client.post("/subscribers/add", data=both)).status_code == 503
    assert (await client.get("/avatars/list")).status_code == 200
