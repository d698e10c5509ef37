"""Shared test set-up: a fresh app per test, reached through httpx over ASGI."""

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from fake_smartengage.app import create_app
from fake_smartengage.settings import Settings, bundled_fixtures

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


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as client:
        yield client


@pytest.fixture
def state(app) -> Callable[[], list[str]]:
    """The whole database as SQL, to show that a failed request changed nothing."""
    return app.state.db.dump


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
