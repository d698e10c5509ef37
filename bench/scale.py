"""Benchmarks of state size: tenants made and reset from large seeds, a large fixture's load
time, memory and per-request cost, and the harness listing against the state dump."""

from pathlib import Path

import httpx
from servers import KEY, Load, fake, median_ms, server, subscriber_fixture, wrk


def tenant_timings(url: str, times: int) -> tuple[float, float]:
    """Median ms of POST /_fake/tenants and of POST /_fake/reset?api_key=, over HTTP."""
    with httpx.Client(base_url=url, trust_env=False, timeout=600) as client:
        keys: list[str] = []
        new = median_ms(lambda: keys.append(client.post("/_fake/tenants").json()["api_key"]), times)
        reset = median_ms(lambda: client.post("/_fake/reset", params={"api_key": keys[0]}).raise_for_status(), times)
    return new, reset


def whole_reset_ms(url: str, times: int) -> float:
    with httpx.Client(base_url=url, trust_env=False, timeout=600) as client:
        return median_ms(lambda: client.post("/_fake/reset").raise_for_status(), times)


def listing_and_dump_ms(url: str, times: int) -> tuple[float, float]:
    """Median ms of GET /_fake/subscribers?api_key= and of GET /_fake/state?api_key= (issue 9)."""
    with httpx.Client(base_url=url, trust_env=False, timeout=600, params={"api_key": KEY}) as client:
        listing = median_ms(lambda: client.get("/_fake/subscribers").raise_for_status(), times)
        dump = median_ms(lambda: client.get("/_fake/state").raise_for_status(), times)
    return listing, dump


def large_fixture(work: Path, subscribers: int, script: Path, duration: float) -> tuple[float, float, Load]:
    """Seconds from start to healthy with `subscribers` more subscribers, resident MB after
    loading, and POST /tags/add on one connection."""
    fixture = subscriber_fixture(work / f"{subscribers}.json", subscribers)
    with server(fake("--fixtures", str(fixture))) as running:
        load_s = running.ready_s
        rss = running.rss_mb()
        load = wrk(running.url + "/", script, duration, connections=1)
    fixture.unlink()
    return load_s, rss, load
