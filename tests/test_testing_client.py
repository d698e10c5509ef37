"""fake_smartengage.testing's harness client, against real servers over TCP."""

import inspect
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from conftest import DEFAULT_KEY
from fake_smartengage import errors
from fake_smartengage.app import create_app
from fake_smartengage.keys import mask
from fake_smartengage.settings import Settings
from fake_smartengage.testing import (
    FakeSmartEngage,
    FakeSmartEngageError,
    ServerThread,
    Tenant,
    read_fixture,
)
from fake_smartengage.testing.in_process import InProcessFakeSmartEngage

SHOP = {"avatars": [{"avatar_id": 7, "brand_name": "Shop", "tags": [{"tag_id": 1, "tag_name": "customer"}]}]}
JANE = {"avatar_id": 123, "email": "jane@example.com", "tags[]": "tags1"}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread() as server:
        yield server


@pytest.fixture(params=["over HTTP", "in process"])
def fake(request: pytest.FixtureRequest, server: ServerThread) -> Iterator[FakeSmartEngage]:
    """Either client of the harness API: the plain one, and the pytest plugin's for its own server."""
    in_process = request.param == "in process"
    with InProcessFakeSmartEngage(server) if in_process else FakeSmartEngage(server.base_url) as fake:
        yield fake
        fake.clear_faults()


@pytest.fixture
def own_server() -> Iterator[ServerThread]:
    """A server of the test's own, for what changes the whole server."""
    with ServerThread() as server:
        yield server


def avatar_ids(client: httpx.Client) -> list[str]:
    response = client.get("/avatars/list")
    assert response.status_code == 200, response.text
    return [avatar["avatar_id"] for avatar in response.json()]


# -- the harness client -----------------------------------------------------------------------


def test_health(fake):
    assert fake.health()["status"] == "ok"
    assert repr(fake) == f"<FakeSmartEngage {fake.base_url}>"


def test_new_tenant_from_the_default_fixture_a_dict_or_a_file(fake, tmp_path):
    default_key = fake.new_tenant()
    path = tmp_path / "shop.json"
    path.write_text(json.dumps({"accounts": [{"api_key": "ignored", **SHOP}]}))
    from_dict, from_file = fake.new_tenant(SHOP), fake.new_tenant(path)
    assert len({default_key, from_dict, from_file, DEFAULT_KEY}) == 4
    for key, expected in ((default_key, ["3", "2", "1", "123"]), (from_dict, ["7"]), (from_file, ["7"])):
        with fake.client(key) as client:
            assert avatar_ids(client) == expected
    for key in (default_key, from_dict, from_file):
        fake.delete_tenant(key)


def test_errors_carry_status_and_body(fake):
    with pytest.raises(FakeSmartEngageError) as raised:
        fake.new_tenant({"avatars": [{"avatar_id": 0}]})
    error = raised.value
    assert error.status == 400 and error.method == "POST" and error.url.endswith("/_fake/tenants")
    assert error.body["error"]["type"] == "invalid_request_error"
    assert error.message == error.body["error"]["message"] and "avatar_id" in error.message
    assert str(error).startswith("POST /_fake/tenants answered 400: ")

    with pytest.raises(FakeSmartEngageError) as raised:
        fake.subscriber(1, api_key="se_secret_key_never_shown", avatar_id=123)
    assert raised.value.status == 404 and raised.value.param == "api_key"
    assert "se_secret_key_never_shown" not in str(raised.value)  # a query string may carry a key


def test_read_fixture(tmp_path):
    assert read_fixture(None) is None
    assert read_fixture(SHOP) == SHOP
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(ValueError, match="must be a JSON object"):
        read_fixture(tmp_path / "list.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="not a JSON document"):
        read_fixture(str(tmp_path / "bad.json"))


def test_delete_tenant(fake):
    key = fake.new_tenant()
    fake.delete_tenant(key)
    with fake.client(key) as client:
        assert client.get("/avatars/list").status_code == 401
    with pytest.raises(FakeSmartEngageError) as raised:
        fake.delete_tenant(key)
    error, expected = raised.value, errors.unknown_tenant(mask(key))
    assert error.status == 404 and error.method == "DELETE" and error.url == f"{fake.base_url}/_fake/tenants/{key}"
    assert error.body == expected.body()
    assert str(error) == f"DELETE /_fake/tenants/{key} answered 404: {expected.message}"
    with pytest.raises(FakeSmartEngageError) as raised:
        fake.delete_tenant("no such key")
    assert raised.value.url == f"{fake.base_url}/_fake/tenants/no%20such%20key"  # as httpx spells it


def test_state_load_and_reset_of_one_tenant(fake, tenant):
    assert tenant.client.post("/subscribers/add", data=JANE).json()["id"] == "2"
    state = fake.state(tenant.api_key)
    assert state == tenant.state()
    assert [account["api_key"] for account in state["accounts"]] == [tenant.api_key]
    fake.reset(tenant.api_key)
    assert fake.subscribers(api_key=tenant.api_key, email="jane@example.com") == []
    fake.load(state, api_key=tenant.api_key)
    assert tenant.state() == state
    tenant.reset()  # a loaded document is what the tenant resets to
    assert tenant.state() == state
    tenant.load(SHOP)
    assert avatar_ids(tenant.client) == ["7"]


def test_whole_server_state_load_and_reset(own_server, tmp_path):
    with FakeSmartEngage(own_server.base_url) as fake:
        start = fake.state()
        key = fake.new_tenant()
        assert len(fake.state()["accounts"]) == 2
        fake.reset()
        assert fake.state() == start
        with pytest.raises(FakeSmartEngageError):
            fake.state(key)
        path = tmp_path / "state.json"
        path.write_text(json.dumps({"accounts": [{"api_key": "k_shop", **SHOP}]}))
        fake.load(path)
        assert [account["api_key"] for account in fake.state()["accounts"]] == ["k_shop"]


def test_subscribers_and_subscriber(fake, tenant, other):
    tenant.client.post("/subscribers/add", data=JANE)
    other.client.post("/subscribers/add", data={"avatar_id": 123, "email": "bob@example.com"})
    mine = fake.subscribers(api_key=tenant.api_key)
    assert tenant.subscribers() == mine
    mine.sort(key=lambda subscriber: int(subscriber["id"]))
    assert [subscriber["email"] for subscriber in mine] == ["admin@example.com", "jane@example.com"]
    assert tenant.subscribers(avatar_id=1) == []
    assert [s["id"] for s in tenant.subscribers(avatar_id=123, email="JANE@example.com")] == ["2"]
    assert sorted(s["id"] for s in tenant.subscribers(tag="tags1")) == ["1", "2"]
    assert [s["id"] for s in tenant.subscribers(tag=124)] == ["1"]
    assert fake.subscriber(2, api_key=tenant.api_key, avatar_id=123) == mine[1]
    assert tenant.subscriber("2", avatar_id=123) == mine[1]
    emails = {s["email"] for s in fake.subscribers(email="bob@example.com")}
    assert emails == {"bob@example.com"}


def test_requests_and_their_filters(fake, tenant):
    before = fake.requests(limit=1)
    last_id = before[0]["id"] if before else 0
    started = datetime.now(UTC) - timedelta(seconds=1)
    tenant.client.get("/tags/list", params={"avatar_id": 123})
    tenant.client.post("/subscribers/add", data=JANE)
    tenant.client.post("/tags/add", data={"avatar_id": 123, "subscriber_id": 2, "tag": "tags2"})
    entries = tenant.requests()
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/tags/add", 200),
        ("POST", "/subscribers/add", 200),
        ("GET", "/tags/list", 200),
    ]
    assert entries[1]["form"] == {"avatar_id": 123, "email": "jane@example.com", "tags": ["tags1"]}
    assert entries[1]["response"]["email"] == "jane@example.com"
    assert entries == fake.requests(api_key=tenant.api_key)
    assert tenant.requests(method="post", limit=1) == entries[:1]
    assert tenant.requests(path="/tags/list/") == entries[2:]
    assert tenant.requests(since=entries[1]["id"]) == entries[:1]
    assert tenant.requests(since=started) == entries
    assert tenant.requests(since=started.isoformat()) == entries
    assert fake.requests(since=last_id) == entries
    with pytest.raises(FakeSmartEngageError) as raised:
        fake.requests(since="yesterday")
    assert raised.value.status == 400 and raised.value.param == "since"


@pytest.fixture
def tokyo_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time nine hours ahead of UTC, as on a laptop in Tokyo."""
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    try:
        yield
    finally:
        monkeypatch.undo()
        time.tzset()


def test_requests_since_a_naive_datetime_means_local_time(tokyo_time, tenant):
    started = datetime.now() - timedelta(minutes=1)
    tenant.client.get("/avatars/list")
    assert [entry["path"] for entry in tenant.requests(since=started)] == ["/avatars/list"]
    assert tenant.requests(since=datetime.now() + timedelta(minutes=1)) == []


def test_clear_requests(own_server):
    with FakeSmartEngage(own_server.base_url) as fake, Tenant(fake, DEFAULT_KEY) as tenant:
        tenant.client.get("/avatars/list")
        assert len(fake.requests()) == 1
        fake.clear_requests()
        assert fake.requests() == []


def test_fail_with_status_body_retry_after_and_times(fake, tenant):
    fault = fake.fail("POST", "/tags/add", status=429, times=2, body={"oops": True}, retry_after=3)
    assert {k: fault[k] for k in ("method", "path", "status", "times", "retry_after", "remaining", "fired")} == {
        "method": "POST",
        "path": "/tags/add",
        "status": 429,
        "times": 2,
        "retry_after": 3,
        "remaining": 2,
        "fired": 0,
    }
    tag = {"avatar_id": 123, "subscriber_id": 1, "tag": "tags1"}
    for _ in range(2):
        answer = tenant.client.post("/tags/add", data=tag)
        assert (answer.status_code, answer.headers["Retry-After"], answer.json()) == (429, "3", {"oops": True})
    assert tenant.client.post("/tags/add", data=tag).status_code == 200
    [listed] = fake.faults()
    assert (listed["id"], listed["fired"], listed["remaining"]) == (fault["id"], 2, 0)
    fake.remove_fault(fault["id"])
    assert fake.faults() == []
    with pytest.raises(FakeSmartEngageError) as raised:
        fake.remove_fault(fault["id"])
    assert raised.value.status == 404


def test_fail_until_removed_and_clear_faults(fake, tenant):
    fake.fail("GET", "/avatars/list", times=None)
    fake.fail("*", "/tags/list")
    for _ in range(3):
        assert tenant.client.get("/avatars/list").status_code == 503
    assert len(fake.faults()) == 2
    fake.clear_faults()
    assert fake.faults() == []
    assert tenant.client.get("/avatars/list").status_code == 200
    with pytest.raises(FakeSmartEngageError) as raised:
        fake.fail("POST", "no-slash")
    assert raised.value.status == 400


def test_delay(fake, tenant):
    fault = fake.delay("GET", "/avatars/list", 200)
    assert fault["delay_ms"] == 200 and fault["status"] is None
    assert tenant.client.get("/avatars/list").status_code == 200  # a delay alone goes through
    assert tenant.client.get("/avatars/list").status_code == 200
    # Only the first request met it (that it waits: test_admin_faults).
    assert [(f["fired"], f["remaining"]) for f in fake.faults() if f["id"] == fault["id"]] == [(1, 0)]


def test_set_rate_limit(fake, tenant):
    assert fake.set_rate_limit(tenant.api_key, "1/h")["rate_limit"] == "1/h"
    assert tenant.client.get("/avatars/list").status_code == 200
    limited = tenant.client.get("/avatars/list")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 1
    assert tenant.set_rate_limit("off")["rate_limit"] == "off"
    assert tenant.client.get("/avatars/list").status_code == 200
    assert tenant.set_rate_limit(None)["rate_limit"] == "off"  # the server's default: none
    with pytest.raises(FakeSmartEngageError) as raised:
        tenant.set_rate_limit("fast")
    assert raised.value.status == 400 and raised.value.param == "rate_limit"


# -- tenants ----------------------------------------------------------------------------------


def test_a_tenant_has_its_key_and_a_ready_client(fake, tenant):
    assert tenant.base_url == fake.base_url and tenant.api_key.startswith("se_")
    assert tenant.headers == {"Authorization": f"Bearer {tenant.api_key}"}
    assert str(tenant.client.base_url).rstrip("/") == fake.base_url
    assert avatar_ids(tenant.client) == ["3", "2", "1", "123"]
    assert repr(tenant) == f"<Tenant {tenant.api_key[:6]}… on {fake.base_url}>"
    with fake.tenant(SHOP) as shop:
        assert avatar_ids(shop.client) == ["7"]


def test_faults_of_a_tenant_hit_only_that_tenant(fake, tenant, other):
    server_wide = fake.fail("GET", "/tags/list", times=None)
    mine = tenant.fail("GET", "/avatars/list", status=500, times=None)
    slow = tenant.delay("GET", "/customfields/list", 1, times=None)
    assert mine["api_key"] == f"{tenant.api_key[:6]}…"
    assert tenant.fault_ids == [mine["id"], slow["id"]]
    assert [f["id"] for f in tenant.faults()] == [mine["id"], slow["id"]]
    assert tenant.client.get("/avatars/list").status_code == 500
    assert other.client.get("/avatars/list").status_code == 200
    tenant.clear_faults()
    assert [f["id"] for f in fake.faults()] == [server_wide["id"]]
    assert tenant.client.get("/avatars/list").status_code == 200


def test_a_tenant_makes_faults_with_the_servers_parameters_less_the_key():
    # fail()'s options are declared once (FailOptions); the signatures, which users' editors show,
    # must still agree, and a tenant's faults are always its own key's.
    for name in ("fail", "delay"):
        server = inspect.signature(getattr(FakeSmartEngage, name)).parameters
        tenant = inspect.signature(getattr(Tenant, name)).parameters
        assert list(tenant.values()) == [parameter for key, parameter in server.items() if key != "api_key"]


def test_requests_and_reset_of_a_tenant_are_its_own(fake, tenant, other):
    tenant.client.post("/subscribers/add", data=JANE)
    other.client.post("/subscribers/add", data=JANE)
    assert [e["path"] for e in tenant.requests()] == ["/subscribers/add"]
    tenant.reset()
    assert tenant.subscribers(email="jane@example.com") == []
    assert len(other.subscribers(email="jane@example.com")) == 1


def test_deleting_a_tenant_drops_it_and_its_faults(fake):
    tenant = fake.tenant()
    kept = fake.fail("GET", "/tags/list", times=None)
    tenant.fail("GET", "/avatars/list", times=None)
    gone = tenant.fail("POST", "/tags/add", times=None)
    fake.remove_fault(gone["id"])  # already removed: fine
    tenant.client.get("/avatars/list")
    tenant.delete()
    assert tenant.deleted and tenant.client.is_closed
    assert [f["id"] for f in fake.faults()] == [kept["id"]]
    with pytest.raises(FakeSmartEngageError):
        fake.state(tenant.api_key)
    assert [e["status"] for e in tenant.requests()] == [503]  # the journal outlives the tenant
    tenant.delete()  # idempotent


def test_a_tenant_deleted_behind_its_back_can_still_be_deleted(own_server):
    with FakeSmartEngage(own_server.base_url) as fake:
        tenant = fake.tenant()
        fake.reset()  # drops every tenant made since start
        tenant.delete()
        assert tenant.client.is_closed


def test_close(server):
    fake = FakeSmartEngage(server.base_url + "/")
    assert fake.base_url == server.base_url
    fake.close()
    with pytest.raises(RuntimeError):
        fake.health()


# -- an admin token ---------------------------------------------------------------------------


def test_admin_token():
    with ServerThread(create_app(Settings(admin_token="s3cret"))) as server:
        with FakeSmartEngage(server.base_url) as anonymous:
            assert anonymous.health()["status"] == "ok"  # health needs no token
            with pytest.raises(FakeSmartEngageError) as raised:
                anonymous.new_tenant()
            assert raised.value.status == 401
            assert raised.value.body["error"]["type"] == "authentication_error"
        with FakeSmartEngage(server.base_url, admin_token="s3cret") as fake:
            with fake.tenant() as tenant:
                assert avatar_ids(tenant.client) == ["3", "2", "1", "123"]
                tenant.fail("GET", "/avatars/list")
                assert tenant.client.get("/avatars/list").status_code == 503
            assert fake.faults() == []


@pytest.mark.parametrize("trust_env", [False, True])
def test_proxy_settings_of_the_environment_apply_only_with_trust_env(server, monkeypatch, trust_env):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    for name in ("ALL_PROXY", "NO_PROXY", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with InProcessFakeSmartEngage(server, trust_env=trust_env) as fake, fake.tenant() as tenant:
        for client, path in ((fake.http, "/_fake/health"), (tenant.client, "/avatars/list")):
            if trust_env:
                with pytest.raises(httpx.ConnectError):
                    client.get(path)
            else:
                assert client.get(path).status_code == 200
