"""A long-lived server (a CI sidecar) churning through tenants keeps nothing of them, and its
memory stays bounded whatever it is sent."""

import http.client
from pathlib import Path

import pytest

from conftest import DEFAULT_KEY
from processes import running_server

ROUNDS = 600  # 1,200 API requests: more than the journal keeps


# In process only: this is about what a server keeps, not how requests reach it (over TCP the
# churn takes several times as long).
@pytest.mark.parametrize("client", ["asgi"], indirect=True)
async def test_tenant_churn_leaves_no_residue(client, state):
    before = state()
    for round_ in range(ROUNDS):
        key = (await client.post("/_fake/tenants")).json()["api_key"]
        tenant = {"Authorization": f"Bearer {key}"}
        await client.post(
            "/subscribers/add", headers=tenant, data={"avatar_id": "123", "email": f"r{round_}@example.com"}
        )
        await client.post(
            "/_fake/faults", json={"method": "GET", "path": "/avatars/list", "status": 503, "api_key": key}
        )
        await client.put(f"/_fake/tenants/{key}/rate-limit", json={"rate_limit": "100/s"})
        assert (await client.get("/avatars/list", headers=tenant)).status_code == 503
        assert (await client.delete(f"/_fake/tenants/{key}")).status_code == 204
    assert state() == before
    assert (await client.get("/_fake/faults")).json() == []
    assert [account["api_key"] for account in (await client.get("/_fake/state")).json()["accounts"]] == [DEFAULT_KEY]
    journal = (await client.get("/_fake/requests", params={"limit": 10_000})).json()
    assert len(journal) == 1000  # the ring buffer's default size, however long the server runs


FLOOD_REQUESTS = 400
FLOOD_FIELD_BYTES = 900 * 1024
MEMORY_GROWTH_BOUND = 150 * 1000 * 1000


def resident_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads resident memory from /proc")
def test_a_flood_of_large_rejected_requests_leaves_memory_bounded(tmp_path):
    # Each request is journaled with the 900 KiB value as sent: an unbounded journal grew by 355 MB.
    body = b"avatar_id=" + b"x" * FLOOD_FIELD_BYTES
    headers = {"Authorization": f"Bearer {DEFAULT_KEY}", "Content-Type": "application/x-www-form-urlencoded"}
    with running_server(tmp_path) as server:
        client = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=30)
        client.request("GET", "/avatars/list", headers=headers)
        assert client.getresponse().read()
        before = resident_bytes(server.process.pid)
        statuses = set()
        for _ in range(FLOOD_REQUESTS):
            client.request("POST", "/subscribers/add", body=body, headers=headers)
            response = client.getresponse()
            response.read()
            statuses.add(response.status)
        grown = resident_bytes(server.process.pid) - before
        client.close()
    assert statuses == {400}
    assert grown < MEMORY_GROWTH_BOUND, f"resident memory grew by {grown / 1e6:.0f} MB"
