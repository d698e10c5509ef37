"""Shared test set-up: a fresh app per test, reached through httpx over ASGI and over TCP."""

import json
import ssl
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from fake_smartengage.api.table import ROUTES
from fake_smartengage.app import create_app
from fake_smartengage.settings import Settings, bundled_fixtures
from fake_smartengage.testing import FakeSmartEngage, ServerThread, Tenant

DEFAULT_KEY = "se_k73DUceVnvRCusWxDN2qQQ1a"
ANY_PARAM = object()
SUBSCRIBER_KEYS = [
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


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def app(settings: Settings):
    return create_app(settings)


def asgi_client(app, api_key: str = DEFAULT_KEY) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {api_key}"},
    )


class CurrentApp:
    """What the session's one TCP server serves: the fresh app of the test that runs now, so that
    no test pays for a server start. Between tests it serves an app of its own."""

    def __init__(self) -> None:
        self._idle = create_app(Settings())
        self.app = self._idle

    @contextmanager
    def serving(self, app) -> Iterator[None]:
        self.app = app
        try:
            yield
        finally:
            self.app = self._idle

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":  # the server's own; each test's app has its own (`client`)
            while (await receive())["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def tcp_server() -> Iterator[ServerThread]:
    with ServerThread(CurrentApp()) as server:
        yield server


@pytest.fixture(scope="session")
def tls_context() -> ssl.SSLContext:
    """Shared by the TCP clients (which speak plain HTTP): httpx would load the CA bundle for each
    client it builds, 20 ms a test."""
    return ssl.create_default_context()


@pytest.fixture(params=["asgi", "tcp"])
async def client(request: pytest.FixtureRequest, app) -> AsyncIterator[httpx.AsyncClient]:
    """The test's app through the ASGI interface, and through a real uvicorn server over TCP."""
    async with app.router.lifespan_context(app):
        if request.param == "asgi":
            async with asgi_client(app) as client:
                yield client
            return
        server: ServerThread = request.getfixturevalue("tcp_server")
        with server.app.serving(app):
            async with httpx.AsyncClient(
                base_url=server.base_url,
                headers={"Authorization": f"Bearer {DEFAULT_KEY}"},
                timeout=30,  # a loaded machine is slow, not broken
                verify=request.getfixturevalue("tls_context"),
                trust_env=False,  # no proxy from the environment between the test and the server
            ) as client:
                yield client


@pytest.fixture
def tenant(fake: FakeSmartEngage) -> Iterator[Tenant]:
    """A fresh tenant of the test module's `fake` harness client, dropped after the test."""
    with fake.tenant() as tenant:
        yield tenant


@pytest.fixture
def other(fake: FakeSmartEngage) -> Iterator[Tenant]:
    """A second fresh tenant, beside `tenant`."""
    with fake.tenant() as tenant:
        yield tenant


@pytest.fixture
def state(app) -> Callable[[], list[str]]:
    """Every database of the state as SQL, to show that a failed request changed nothing."""
    return app.state.accounts.dump


@pytest.fixture
def write_fixture(tmp_path: Path) -> Callable[[dict, str], Path]:
    def write(document: dict, name: str = "fixture.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(document))
        return path

    return write


@pytest.fixture
async def client_for(write_fixture) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """Clients of apps seeded from other fixture documents: client_for(document, api_key, **settings)."""
    clients: list[httpx.AsyncClient] = []

    def make(document: dict, api_key: str, **settings) -> httpx.AsyncClient:
        path = write_fixture(document, f"seed{len(clients)}.json")
        clients.append(asgi_client(create_app(Settings(fixtures=(path,), **settings)), api_key))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()


@dataclass(frozen=True)
class Served:
    """One spelling of one SmartEngage route, as the app serves it."""

    name: str
    path: str
    methods: frozenset[str]


@cache
def smartengage_routes() -> tuple[Served, ...]:
    """Every spelling of every route of the app's route table, the documented one first."""
    return tuple(Served(route.name, path, route.served_methods) for route in ROUTES for path in route.paths)


def route_names(table: Mapping[str, Any]) -> list[str]:
    """What a test that keeps a table keyed by route name runs for: every SmartEngage route of the
    app but those the table rules out (maps to None), and every name in the table. A route the table
    misses, or names in vain, is then a failing test (`table_entry`), not a route silently skipped."""
    names = dict.fromkeys([*(route.name for route in smartengage_routes()), *table])
    return [name for name in names if name not in table or table[name] is not None]


def table_entry(table: Mapping[str, Any], name: str) -> Any:
    if name not in table:
        pytest.fail(f"the app has a route {name!r} that this test's table does not cover: add it to the table")
    if name not in {route.name for route in smartengage_routes()}:
        pytest.fail(f"the app has no route {name!r}: remove it from this test's table")
    return table[name]


def routes_named(name: str) -> list[Served]:
    """Both spellings of one SmartEngage route, the documented one first."""
    return [route for route in smartengage_routes() if route.name == name]


def default_fixture() -> dict:
    return json.loads((bundled_fixtures() / "default.json").read_text())


def assert_error(response: httpx.Response, status: int, param: object = None, message: str | None = None) -> None:
    """The response is an error in the one shape; pass param=ANY_PARAM not to check the param."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"]
    assert list(body["error"]) == ["type", "message", "param"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if param is not ANY_PARAM:
        assert body["error"]["param"] == param
    if message is not None:
        assert body["error"]["message"] == message


# Parameters each route answers 200 to, on the default fixture's avatar 123.
VALID_PARAMETERS = {
    "list_avatars": {},
    "list_tags": {"avatar_id": "123"},
    "list_custom_fields": {"avatar_id": "123"},
    "list_sequences": {"avatar_id": "123"},
    "add_tag": {"avatar_id": "123", "subscriber_id": "1", "tag": "123"},
    "remove_tag": {"avatar_id": "123", "subscriber_id": "1", "tag": "123"},
    "set_custom_field": {"avatar_id": "123", "subscriber_id": "1", "field": "111", "value": "x"},
    "add_to_sequence": {"avatar_id": "123", "subscriber_id": "1", "sequence": "1"},
    "remove_from_sequence": {"avatar_id": "123", "subscriber_id": "1", "sequence": "1"},
    "add_subscriber": {"avatar_id": "123", "email": "id@example.com"},
    "update_subscriber": {"avatar_id": "123", "subscriber_id": "1"},
}


@pytest.fixture(scope="session")
def image() -> str:
    """The Dockerfile built by a real engine; where none can run, the test skips and says so."""
    import engine

    try:
        return engine.build_image()
    except engine.NoEngine as error:
        pytest.skip(f"NO CONTAINER ENGINE: {error}")
