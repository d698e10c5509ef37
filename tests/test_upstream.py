"""`serve --upstream URL` as a real process in front of another server: a fake, or a planted one."""

import asyncio
import json
import subprocess
import threading
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from conftest import DEFAULT_KEY
from fake_smartengage import errors
from fake_smartengage.app import create_app
from fake_smartengage.settings import Settings
from fake_smartengage.testing import ServerThread
from planted import Planted, each_item, numeric_id
from processes import SCRIPT, free_port, running_server, server_env

UPSTREAM_KEY = "test_key_only_the_upstream_knows"
UPSTREAM = {
    "accounts": [
        {
            "api_key": UPSTREAM_KEY,
            "avatars": [
                {
                    "avatar_id": 40,
                    "tags": [{"tag_id": 9, "tag_name": "newest"}, {"tag_id": 3, "tag_name": "older"}],
                    "subscribers": [{"id": 1, "email": "ada@example.com"}],
                }
            ],
        }
    ]
}


def client(url: str, key: str | None = UPSTREAM_KEY) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=url, headers=headers, trust_env=False)


def journal(url: str) -> list[dict]:
    with client(url, None) as http:
        return http.get("/_fake/requests").json()


@pytest.fixture
def upstream(tmp_path: Path):
    fixture = tmp_path / "upstream.json"
    fixture.write_text(json.dumps(UPSTREAM))
    (tmp_path / "upstream").mkdir()
    with running_server(tmp_path / "upstream", "--fixtures", str(fixture)) as server:
        yield server


@pytest.fixture
def proxy(tmp_path: Path, upstream):
    (tmp_path / "proxy").mkdir()
    with running_server(tmp_path / "proxy", "--upstream", upstream.url, "--rate-limit", "100/s") as server:
        yield server


REQUESTS = [
    ("GET", "/avatars/list", {}, UPSTREAM_KEY),
    ("GET", "/tags/list/?avatar_id=40", {}, UPSTREAM_KEY),
    ("POST", "/tags/list", {"avatar_id": "40"}, UPSTREAM_KEY),
    ("GET", "/tags/list/?avatar_id=999", {}, UPSTREAM_KEY),
    ("GET", "/avatars/list", {}, DEFAULT_KEY),  # a key of the proxy, unknown upstream: 401
    ("POST", "/tags/add", {"avatar_id": "40", "subscriber_id": "1", "tag": "older"}, UPSTREAM_KEY),
    ("GET", "/nowhere", {}, UPSTREAM_KEY),
]


def test_answers_pass_through_byte_for_byte_and_conform(upstream, proxy):
    through, direct = [], []
    for method, path, data, key in REQUESTS:
        with client(proxy.url, key) as http:
            through.append(http.request(method, path, data=data or None))
        if method == "GET":  # the write already happened upstream: compare a read only
            with client(upstream.url, key) as http:
                direct.append(http.request(method, path))
    gets = [answer for (method, *_), answer in zip(REQUESTS, through, strict=True) if method == "GET"]
    for forwarded, original in zip(gets, direct, strict=True):
        assert (forwarded.status_code, forwarded.content) == (original.status_code, original.content)
        assert forwarded.headers["content-type"] == original.headers["content-type"]
    assert through[4].status_code == 401 and through[4].headers["www-authenticate"] == "Bearer"
    # The write reached the upstream, with the caller's key.
    assert through[5].status_code == 200 and through[5].json()["tags"] == ["older"]
    entries = journal(proxy.url)[::-1]
    assert [(entry["method"], entry["path"], entry["status"]) for entry in entries] == [
        (method, path.split("?")[0], answer.status_code)
        for (method, path, *_), answer in zip(REQUESTS, through, strict=True)
    ]
    assert [entry["divergences"] for entry in entries] == [[]] * len(REQUESTS)
    assert entries[1]["response"] == [{"tag_id": "9", "tag_name": "newest"}, {"tag_id": "3", "tag_name": "older"}]
    assert entries[5]["sent"] == {"avatar_id": "40", "subscriber_id": "1", "tag": "older"}
    assert entries[5]["form"] is None  # forwarded: no route of ours read it


def test_divergences_are_journaled_and_the_answer_still_passes_through(tmp_path):
    planted = Planted("tags/list", each_item(numeric_id("tag_id")))
    with ServerThread(planted) as upstream, running_server(tmp_path, "--upstream", upstream.base_url) as proxy:
        with client(proxy.url, DEFAULT_KEY) as http:
            answer = http.get("/tags/list/", params={"avatar_id": 1})
        (entry,) = journal(proxy.url)
    assert answer.json() == [{"tag_id": 1, "tag_name": "push_test"}, {"tag_id": 2, "tag_name": "fb_test"}]
    assert entry["divergences"] == ["body[0].tag_id is a number (1), not a string"]


def test_a_faulted_request_never_reaches_the_upstream(upstream, proxy):
    with client(proxy.url, None) as http:
        http.post("/_fake/faults", json={"method": "GET", "path": "/tags/list", "status": 503}).raise_for_status()
    with client(proxy.url) as http:
        faulted = http.get("/tags/list/", params={"avatar_id": 40})
        passed = http.get("/avatars/list")
    assert faulted.status_code == 503 and passed.status_code == 200
    assert [entry["path"] for entry in journal(upstream.url)] == ["/avatars/list"]
    assert [entry["divergences"] for entry in journal(proxy.url)] == [[], None]


def test_a_rate_limited_request_never_reaches_the_upstream(tmp_path, upstream):
    with (
        running_server(tmp_path, "--upstream", upstream.url, "--rate-limit", "1/h") as proxy,
        client(proxy.url) as http,
    ):
        statuses = [http.get("/avatars/list").status_code for _ in range(2)]
    assert statuses == [200, 429]
    assert len(journal(upstream.url)) == 1


def test_an_unreachable_upstream_is_a_502_in_the_error_shape_and_journaled(tmp_path):
    down = f"http://127.0.0.1:{free_port()}"
    with running_server(tmp_path, "--upstream", down) as proxy:
        with client(proxy.url) as http:
            answer = http.get("/avatars/list")
        (entry,) = journal(proxy.url)
    assert answer.status_code == 502
    error = answer.json()["error"]
    assert error["type"] == "api_error" and error["param"] is None
    assert error["message"].startswith(errors.upstream_unreachable(down, "").message)
    assert entry["status"] == 502 and entry["response"] == answer.json()


def stalling_upstream(released: threading.Event) -> Starlette:
    """Healthy, but holds every other request until `released` is set."""

    async def hold(request):
        while not released.is_set():
            await asyncio.sleep(0.01)
        return JSONResponse([])

    async def health(request):
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/_fake/health", health), Route("/{path:path}", hold, methods=["GET", "POST"])])


def test_an_upstream_that_does_not_answer_in_time_is_a_502(tmp_path):
    released = threading.Event()
    with (
        ServerThread(stalling_upstream(released)) as upstream,
        running_server(tmp_path, "--upstream", upstream.base_url, "--upstream-timeout", "0.2") as proxy,
    ):
        try:
            with client(proxy.url) as http:
                answer = http.get("/avatars/list")
        finally:
            released.set()
        (entry,) = journal(proxy.url)
    assert answer.status_code == 502
    assert (
        answer.json()["error"]["message"]
        == errors.upstream_unreachable(upstream.base_url, "no answer within 0.2s").message
    )
    assert entry["status"] == 502


def test_an_upstream_that_is_not_a_url_is_a_usage_error():
    done = subprocess.run(
        [str(SCRIPT), "serve", "--upstream", "api.smartengage.com"], capture_output=True, text=True, env=server_env()
    )
    assert done.returncode == 2
    assert "argument --upstream: invalid value 'api.smartengage.com': write an http:// or https:// URL" in done.stderr


def test_answers_are_judged_by_the_profile_in_force(tmp_path):
    """A real service that matches the proxy's profile shows no divergences; one that does not, shows them."""
    profile = {"add_status": "201", "error_body": "string", "promised_routes": "on"}
    upstream_app = create_app(Settings(profile=profile))
    with ServerThread(upstream_app) as upstream:
        for proxy_profile, diverging in ((profile, False), ({}, True)):
            proxy = create_app(Settings(upstream=upstream.base_url, profile=proxy_profile))
            with ServerThread(proxy) as server, client(server.base_url, DEFAULT_KEY) as http:
                assert (
                    http.post("/subscribers/add", data={"avatar_id": 123, "email": "p@example.com"}).status_code == 201
                )
                assert http.get("/tags/list/").json() == {"error": "Missing required parameter: avatar_id"}
                assert http.get("/subscribers/list/", params={"avatar_id": 123}).status_code == 200
                found = [entry["divergences"] for entry in journal(server.base_url)]
                assert all(found) if diverging else not any(found), found
