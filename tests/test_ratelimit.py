"""Token-bucket rate limits per key: 429 with a Retry-After a client can trust."""

import pytest

from conftest import DEFAULT_KEY, asgi_client, assert_error, default_fixture
from fake_smartengage.app import create_app
from fake_smartengage.harness.ratelimit import RATE_FORMAT, RateLimiter, parse_rate
from fake_smartengage.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_one_per_interval():
    clock = Clock()
    limiter = RateLimiter(parse_rate("2/s"), clock=clock)
    assert limiter.admit("k") is None
    assert limiter.admit("k") is None
    assert limiter.admit("k") == 1
    clock.now += 0.5
    assert limiter.admit("k") is None
    assert limiter.admit("k") == 1
    assert limiter.admit("other") is None


def test_retry_after_rounds_up_to_whole_seconds():
    clock = Clock()
    limiter = RateLimiter(parse_rate("1/m"), clock=clock)
    assert limiter.admit("k") is None
    assert limiter.admit("k") == 60
    clock.now += 59.5
    assert limiter.admit("k") == 1
    clock.now += 0.5
    assert limiter.admit("k") is None


@pytest.mark.parametrize("text", ["10", "0/s", "1/d", "many/s", "-1/s", ""])
def test_invalid_rates_are_refused(text):
    with pytest.raises(ValueError):
        parse_rate(text)


async def test_server_wide_limit_answers_429_with_retry_after(client_for):
    client = client_for(default_fixture(), DEFAULT_KEY, rate_limit="2/m")
    assert (await client.get("/avatars/list")).status_code == 200
    assert (await client.get("/avatars/list")).status_code == 200
    limited = await client.get("/avatars/list")
    assert_error(limited, 429, None, "Too many requests for this API key: retry after 30 s")
    assert limited.json()["error"]["type"] == "rate_limit_error"
    assert limited.headers["retry-after"] == "30"
    assert (await client.get("/_fake/health")).status_code == 200


async def test_tenant_limit_through_the_admin_api():
    async with asgi_client(create_app(Settings())) as client:
        key = (await client.post("/_fake/tenants")).json()["api_key"]
        as_tenant = {"Authorization": f"Bearer {key}"}
        changed = await client.put(f"/_fake/tenants/{key}/rate-limit", json={"rate_limit": "1/h"})
        assert changed.json() == {"api_key": key[:6] + "…", "rate_limit": "1/h"}
        assert (await client.get("/avatars/list", headers=as_tenant)).status_code == 200
        limited = await client.get("/avatars/list", headers=as_tenant)
        assert limited.status_code == 429 and limited.headers["retry-after"] == "3600"
        assert (await client.get("/avatars/list")).status_code == 200  # other keys: the default, off
        back = await client.put(f"/_fake/tenants/{key}/rate-limit", json={"rate_limit": None})
        assert back.json()["rate_limit"] == "off"
        assert (await client.get("/avatars/list", headers=as_tenant)).status_code == 200
        refused = await client.put(f"/_fake/tenants/{key}/rate-limit", json={"rate_limit": "fast"})
        assert_error(refused, 400, "rate_limit", f"invalid rate limit 'fast': write {RATE_FORMAT}")
        assert_error(  # the document's pattern, as written: no spaces around it
            await client.put(f"/_fake/tenants/{key}/rate-limit", json={"rate_limit": " 1/s"}), 400, "rate_limit"
        )
        assert_error(await client.put("/_fake/tenants/nobody/rate-limit", json={"rate_limit": "1/s"}), 404, "api_key")


async def test_whole_reset_drops_tenant_limits():
    async with asgi_client(create_app(Settings())) as client:
        await client.put(f"/_fake/tenants/{DEFAULT_KEY}/rate-limit", json={"rate_limit": "1/h"})
        await client.get("/avatars/list")
        assert (await client.get("/avatars/list")).status_code == 429
        await client.post("/_fake/reset")
        assert (await client.get("/avatars/list")).status_code == 200


async def test_wrong_key_is_always_401_and_never_drains_a_bucket(client_for):
    # Authentication comes before the rate limit: a typo in a key must say so every time.
    client = client_for(default_fixture(), DEFAULT_KEY, rate_limit="2/m")
    for _ in range(10):
        wrong = await client.get("/avatars/list", headers={"Authorization": "Bearer not-a-key"})
        assert_error(wrong, 401, None, "Invalid API key provided")
        missing = await client.get("/avatars/list", headers={"Authorization": ""})
        assert missing.status_code == 401
    assert (await client.get("/avatars/list")).status_code == 200
    assert (await client.get("/avatars/list")).status_code == 200
    assert (await client.get("/avatars/list")).status_code == 429
