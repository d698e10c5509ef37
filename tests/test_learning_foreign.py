"""A profile learned from a server nobody on the team wrote, loaded into the fake, makes the same
requests get the same statuses and body shapes from both.

The server is generated: hypothesis picks, for each switch, an alternative, and `ForeignServer`
implements it in its own code, in front of a fake that serves its defaults (with the promised
routes on, which the front hides when they are off, and a subscriber for each add of an email,
which the front turns into an update or refuses). Its own errors have their own messages and
types. `verify --writes` learns its profile; a second fake serves that profile; a fixed set of
requests (every route, both spellings, every method, with and without parameters and key) must
get the same status and body shape from both.
"""

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import DEFAULT_KEY
from fake_smartengage.api.behaviour import Profile, parse_profile
from fake_smartengage.api.table import (
    AVATARS_LIST,
    PROMISED_ROUTES,
    ROUTES,
    SUBSCRIBERS_ADD,
    SUBSCRIBERS_LIST,
    SUBSCRIBERS_UPDATE,
    ApiRoute,
    route_at,
)
from fake_smartengage.app import create_app
from fake_smartengage.checking.remote import Remote
from fake_smartengage.checking.verify import Verifier
from fake_smartengage.settings import Settings
from fake_smartengage.testing import ServerThread

AVATAR = "123"  # of the default fixture: tags, custom fields, sequences and subscriber 1
SWITCHES = st.fixed_dictionaries(
    {
        "check_order": st.sampled_from(["route-first", "key-first"]),
        "list_without_avatar": st.sampled_from(["400", "empty", "all-avatars"]),
        "promised_routes": st.sampled_from(["off", "on"]),
        "duplicates": st.sampled_from(["update", "conflict", "create"]),
        "error_body": st.sampled_from(["object", "string"]),
        "add_status": st.sampled_from(["200", "201"]),
        "list_post": st.sampled_from(["answered", "405"]),
        "other_spelling": st.sampled_from(["answered", "404"]),
        "unknown_parameters": st.sampled_from(["ignored", "400"]),
    }
)
JSON = [(b"content-type", b"application/json")]


class ForeignServer:
    """An ASGI server that answers like SmartEngage under `switches`, forwarding what it does
    not decide itself to the fake at `inner` (whose /_fake routes it passes through)."""

    def __init__(self, inner: str) -> None:
        self.inner = inner
        self.switches: dict[str, str] = {}
        self.client: httpx.AsyncClient | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            if self.client is not None:
                await self.client.aclose()
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {key.decode().lower(): value.decode() for key, value in scope["headers"]}
        status, extra, content = await self._answer(
            scope["method"], scope["path"], scope["query_string"].decode(), headers, body
        )
        await send({"type": "http.response.start", "status": status, "headers": JSON + extra})
        await send({"type": "http.response.body", "body": content})

    async def _answer(self, method: str, path: str, query: str, headers: dict, body: bytes):
        if path.startswith("/_fake"):
            return await self._forward(method, path, query, headers, body)
        keyed = headers.get("authorization") == f"Bearer {DEFAULT_KEY}"
        if self.switches["check_order"] == "key-first" and not keyed:
            return self._refusal(401, "unauthorised", "Missing or bad API key", None)
        route = route_at(path)
        if route is None:
            return await self._forward(method, path, query, headers, body)
        if route in PROMISED_ROUTES and self.switches["promised_routes"] == "off":
            return self._refusal(404, "no_route", f"Nothing at {path}", None)
        if path != route.path and self.switches["other_spelling"] == "404":
            return self._refusal(404, "no_route", f"Nothing at {path}", None)
        if method in route.other_methods and self.switches["list_post"] == "405":
            return self._refusal(405, "method", f"{path} is read with GET", None, [(b"allow", b"GET, HEAD")])
        if not keyed:
            return await self._forward(method, path, query, headers, body)
        sent = dict(parse_qsl(query)) | dict(parse_qsl(body.decode()))
        unknown = sorted(set(sent) - set(route.form.fields))
        if unknown and self.switches["unknown_parameters"] == "400":
            return self._refusal(400, "parameter", f"{unknown[0]} is not a parameter here", unknown[0])
        if route.lists and "avatar_id" in route.form.fields and "avatar_id" not in sent:
            return await self._without_avatar(path, headers)
        if route is SUBSCRIBERS_ADD and sent.get("email"):
            existing = await self._subscriber_with(sent.get("avatar_id", ""), sent["email"], headers)
            if existing and self.switches["duplicates"] == "conflict":
                return self._refusal(409, "conflict", f"Subscriber {existing} has this email", "email")
            if existing and self.switches["duplicates"] == "update":
                fields = {key: value for key, value in sent.items() if key in SUBSCRIBERS_UPDATE.form.fields}
                update = urlencode(fields | {"subscriber_id": existing})
                status, extra, content = await self._forward("POST", SUBSCRIBERS_UPDATE.path, update, headers, b"")
                return self._created(route, status), extra, content
        status, extra, content = await self._forward(method, path, query, headers, body)
        return self._created(route, status), extra, content

    async def _without_avatar(self, path: str, headers: dict):
        if self.switches["list_without_avatar"] == "400":
            return self._refusal(400, "parameter", "avatar_id is required", "avatar_id")
        if self.switches["list_without_avatar"] == "empty":
            return 200, [], b"[]"
        _, _, avatars = await self._forward("GET", AVATARS_LIST.path, "", headers, b"")
        items = []
        for avatar in json.loads(avatars):
            _, _, listed = await self._forward("GET", path, urlencode({"avatar_id": avatar["avatar_id"]}), headers, b"")
            items += json.loads(listed)
        return 200, [], json.dumps(items).encode()

    async def _subscriber_with(self, avatar: str, email: str, headers: dict) -> str | None:
        status, _, listed = await self._forward(
            "GET", SUBSCRIBERS_LIST.path, urlencode({"avatar_id": avatar}), headers, b""
        )
        if status != 200:
            return None
        found = [item["id"] for item in json.loads(listed) if (item["email"] or "").lower() == email.lower()]
        return found[-1] if found else None

    def _created(self, route: ApiRoute, status: int) -> int:
        return 201 if route.creates and status == 200 and self.switches["add_status"] == "201" else status

    def _refusal(self, status: int, kind: str, message: str, param: str | None, extra: list | None = None):
        if self.switches["error_body"] == "string":
            error: Any = message
        else:
            error = {"type": kind, "message": message, "param": param}
        if status == 401:
            extra = [(b"www-authenticate", b"Bearer")]
        return status, extra or [], json.dumps({"error": error}).encode()

    async def _forward(self, method: str, path: str, query: str, headers: dict, body: bytes):
        """The inner fake's answer, its error bodies in this server's error shape."""
        kept = {key: value for key, value in headers.items() if key in ("authorization", "content-type")}
        if self.client is None:  # made on the server's own event loop, on its first request
            self.client = httpx.AsyncClient(base_url=self.inner)
        response = await self.client.request(method, f"{path}?{query}" if query else path, headers=kept, content=body)
        extra = [(key.encode(), value.encode()) for key, value in response.headers.items() if key == "www-authenticate"]
        content = response.content
        if (
            content
            and response.status_code >= 400
            and not path.startswith("/_fake")
            and self.switches["error_body"] == "string"
        ):
            content = json.dumps({"error": json.loads(content)["error"]["message"]}).encode()
        return response.status_code, extra, content


@pytest.fixture(scope="module")
def servers():
    """The generated server (in front of its own fake) and the fake that serves what verify learns."""
    with (
        ServerThread(create_app(Settings(log_level="warning"))) as inner,
        ServerThread(create_app(Settings(log_level="warning"))) as fake,
    ):
        foreign = ForeignServer(inner.base_url)
        with ServerThread(foreign) as front:
            yield foreign, front, fake


def _reset(server: ServerThread, profile: dict[str, str]) -> None:
    with httpx.Client(base_url=server.base_url) as harness:
        assert harness.post("/_fake/reset").status_code == 204
        assert harness.put("/_fake/profile", json=profile).status_code == 200


def _valid(route: ApiRoute, catalogue: dict[str, str]) -> dict[str, str]:
    """Parameters the route takes, all valid for avatar 123 of the default fixture."""
    values = {
        "avatar_id": AVATAR,
        "subscriber_id": "1",
        "email": "someone@example.com",
        "full_name": "Some One",
        "value": "blue",
        "name": "generated",
        "custom_field_name": "generated",
        "custom_field_type": "text",
        **catalogue,
    }
    wanted = [name for name, field in route.form.fields.items() if field.required]
    wanted += ["email", "full_name"] if route.creates and "email" in route.form.fields else []
    return {name: values[name] for name in wanted}


def _requests(catalogue: dict[str, str]) -> list[tuple[str, str, dict[str, str], str]]:
    """Every route, both spellings, every method it may answer, with valid parameters, without
    avatar_id, with an unknown parameter and with a wrong key; an unknown path with either key."""
    wrong = "Bearer se_not_a_key"
    right = f"Bearer {DEFAULT_KEY}"
    requests = [("GET", "/nothing/here", {}, wrong), ("GET", "/nothing/here", {}, right)]
    for route in (*ROUTES, *PROMISED_ROUTES):
        valid = _valid(route, catalogue)
        without_avatar = {name: value for name, value in valid.items() if name != "avatar_id"}
        for path in route.paths:
            for method in sorted(route.served_methods):
                for parameters, key in (
                    (valid, right),
                    (without_avatar, right),
                    (valid | {"colour": "blue"}, right),
                    (valid, wrong),
                ):
                    requests.append((method, path, parameters, key))
    return requests


def _shape(value: Any) -> Any:
    """A JSON value's keys and types, not its values; an array by its first element."""
    if isinstance(value, dict):
        return [(key, _shape(item)) for key, item in value.items()]
    if isinstance(value, list):
        return ["array", _shape(value[0])] if value else ["empty array"]
    return type(value).__name__


def _answers(server: ServerThread, requests: list) -> list[tuple[str, int, Any]]:
    answers = []
    with httpx.Client(base_url=server.base_url) as client:
        for method, path, parameters, key in requests:
            sent = {"params": parameters} if method in ("GET", "HEAD") else {"data": parameters}
            response = client.request(method, path, headers={"Authorization": key}, **sent)
            body = json.loads(response.content) if response.content else None
            answers.append((f"{method} {path} {sorted(parameters)} {key[-6:]}", response.status_code, _shape(body)))
    return answers


def _catalogue(server: ServerThread) -> dict[str, str]:
    """The ids of avatar 123's first tag, custom field and sequence."""
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {DEFAULT_KEY}"}) as client:
        first = {
            name: client.get(f"/{resource}/list/", params={"avatar_id": AVATAR}).json()[0][key]
            for name, resource, key in (
                ("tag", "tags", "tag_id"),
                ("field", "customfields", "custom_field_id"),
                ("sequence", "sequences", "sequence_id"),
            )
        }
    return first


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(switches=SWITCHES)
def test_the_fake_serving_the_learned_profile_answers_like_a_generated_server(servers, switches):
    foreign, front, fake = servers
    foreign.switches = switches
    inner_profile = {"promised_routes": "on", "duplicates": "create"}
    _reset(front, inner_profile)  # through the front, to its fake
    with Remote(front.base_url, DEFAULT_KEY, max_rps=None, timeout=10) as remote:
        report = Verifier(remote, avatar_id=int(AVATAR), writes=True).run()
    learned = parse_profile(report.learned(), source="learned")
    assert learned == Profile(switches), report.undecided()
    _reset(front, inner_profile)
    _reset(fake, learned.changes())
    requests = _requests(_catalogue(fake))
    assert _answers(fake, requests) == _answers(front, requests)
