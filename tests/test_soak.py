"""A long-lived server (a CI sidecar) churning through tenants keeps nothing of them."""

import pytest

from conftest import DEFAULT_KEY

# In process only: this is about what a server keeps, not how requests reach it (over TCP the
# churn takes several times as long).
pytestmark = pytest.mark.parametrize("client", ["asgi"], indirect=True)

ROUNDS = 600  # 1,200 API requests: more than the journal keeps


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
