"""fake_smartengage.testing.ServerThread: a real server in a thread of this process, over TCP."""

import httpx
import pytest

from conftest import DEFAULT_KEY
from fake_smartengage.app import create_app
from fake_smartengage.settings import Settings
from fake_smartengage.testing import ServerError, ServerThread


def test_server_thread_serves_on_a_free_port_until_stopped():
    server = ServerThread(create_app(Settings()))
    with pytest.raises(ServerError, match="start"):
        _ = server.base_url
    with server, ServerThread() as other:
        assert server.running and other.running
        assert server.port != other.port and server.port != 0
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        answer = httpx.get(
            f"{server.base_url}/avatars/list", headers={"Authorization": f"Bearer {DEFAULT_KEY}"}, trust_env=False
        )
        assert answer.status_code == 200
        with pytest.raises(ServerError, match="already started"):
            server.start()
    assert not server.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}/_fake/health", trust_env=False)
    server.stop()  # a second stop is a no-op


def test_server_thread_says_why_it_died():
    async def failing_startup(scope, receive, send):
        assert scope["type"] == "lifespan"
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})

    server = ServerThread(failing_startup)
    with pytest.raises(ServerError, match=r"died before it was ready \(SystemExit"):
        server.start()
    assert not server.running


def test_server_thread_gives_up_at_its_deadline():
    async def never_healthy(scope, receive, send):
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b"starting"})

    server = ServerThread(never_healthy, startup_timeout=0.3)
    with pytest.raises(ServerError, match=r"not healthy within 0.3s \(last: 503 b'starting'\)"):
        server.start()
    assert not server.running
