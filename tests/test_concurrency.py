"""Concurrent writes over real HTTP: none lost, none refused, no "database is locked"."""

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from conftest import DEFAULT_KEY
from processes import running_server

THREADS = 8
SUBSCRIBERS_PER_THREAD = 15


@pytest.mark.parametrize("storage", ["memory", "file"])
def test_interleaved_writes_are_all_kept(tmp_path, storage):
    args = ("--db", str(tmp_path / "state")) if storage == "file" else ()
    with running_server(tmp_path, *args) as server:

        def work(thread: int) -> list[str]:
            ids = []
            with httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {DEFAULT_KEY}"}, trust_env=False
            ) as http:
                for n in range(SUBSCRIBERS_PER_THREAD):
                    created = http.post(
                        "/subscribers/add",
                        data={"avatar_id": "123", "email": f"t{thread}-{n}@example.com", "tags[]": "123"},
                    )
                    assert created.status_code == 200, created.text
                    subscriber = created.json()["id"]
                    ids.append(subscriber)
                    changes = [
                        ("/tags/add", {"tag": "124"}),
                        ("/tags/delete", {"tag": "123"}),
                        ("/customfields/update", {"field": "111", "value": f"{thread}-{n}"}),
                        ("/sequences/add", {"sequence": "1"}),
                    ]
                    for path, data in changes:
                        response = http.post(path, data={"avatar_id": "123", "subscriber_id": subscriber, **data})
                        assert response.status_code == 200, response.text
                    # Every thread also writes the one shared subscriber.
                    shared = http.post("/tags/add", data={"avatar_id": "123", "subscriber_id": "1", "tag": "123"})
                    assert shared.status_code == 200, shared.text
            return ids

        with ThreadPoolExecutor(THREADS) as pool:
            created = [subscriber for ids in pool.map(work, range(THREADS)) for subscriber in ids]

        total = THREADS * SUBSCRIBERS_PER_THREAD
        assert sorted(created, key=int) == [str(i) for i in range(2, total + 2)]
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {DEFAULT_KEY}"}, trust_env=False
        ) as http:
            for thread in range(THREADS):
                for n in range(SUBSCRIBERS_PER_THREAD):
                    # Adding again with the same email returns the stored subscriber unchanged.
                    subscriber = http.post(
                        "/subscribers/add", data={"avatar_id": "123", "email": f"t{thread}-{n}@example.com"}
                    ).json()
                    assert subscriber["tags"] == ["tags2"]
                    assert subscriber["custom_fields"][0]["custom_value"] == f"{thread}-{n}"
                    assert subscriber["sequences"] == [
                        {"sequence_id": "1", "sequence_name": "Seq 1", "status": "Active"}
                    ]
        assert "locked" not in server.stderr()


def test_threads_writing_the_same_subscribers_leave_exactly_what_they_acknowledged(tmp_path):
    # Each thread owns one tag and one custom field, and works on the same shared subscribers:
    # its writes commute with the other threads', so the final state is known exactly.
    shared = range(1, 6)
    document = {
        "accounts": [
            {
                "api_key": "k",
                "avatars": [
                    {
                        "avatar_id": 1,
                        "tags": [{"tag_id": t, "tag_name": f"t{t}"} for t in range(1, THREADS + 1)],
                        "custom_fields": [
                            {"custom_field_id": t, "custom_field_name": f"f{t}"} for t in range(1, THREADS + 1)
                        ],
                        "sequences": [{"sequence_id": t, "sequence_name": f"s{t}"} for t in range(1, THREADS + 1)],
                        "subscribers": [{"id": s, "email": f"shared{s}@example.com"} for s in shared],
                    }
                ],
            }
        ]
    }
    fixture = tmp_path / "shared.json"
    fixture.write_text(json.dumps(document))
    with running_server(tmp_path, "--fixtures", str(fixture)) as server:

        def work(thread: int) -> None:
            mine = str(thread + 1)
            with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer k"}, trust_env=False) as http:
                for round_ in range(6):
                    for subscriber in shared:
                        base = {"avatar_id": "1", "subscriber_id": str(subscriber)}
                        for path, data in [
                            ("/tags/add", {"tag": mine}),
                            ("/tags/delete", {"tag": mine}),
                            ("/tags/add", {"tag": mine}),
                            ("/customfields/update", {"field": mine, "value": f"{mine}-{round_}"}),
                            ("/sequences/add", {"sequence": mine}),
                            ("/sequences/remove", {"sequence": mine}),
                            ("/subscribers/update", {"tags[]": mine}),
                        ]:
                            response = http.post(path, data={**base, **data})
                            assert response.status_code == 200, response.text

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(work, range(THREADS)))
        final = httpx.get(f"{server.url}/_fake/subscribers", params={"api_key": "k"}, trust_env=False).json()
    assert len(final) == len(shared)
    for subscriber in final:
        assert sorted(subscriber["tags"]) == sorted(f"t{t}" for t in range(1, THREADS + 1))
        values = {value["custom_field_name"]: value["custom_value"] for value in subscriber["custom_fields"]}
        assert values == {f"f{t}": f"{t}-5" for t in range(1, THREADS + 1)}
        assert subscriber["sequences"] == []
    assert "locked" not in server.stderr()
