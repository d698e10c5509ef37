"""A small typed client of the test-harness API (`/_fake/`), for tests in Python.

It works the same against a `fake_smartengage.testing.ServerThread`, the pytest plugin's
server, or a fake-smartengage sidecar somewhere else:

    from fake_smartengage.testing import FakeSmartEngage

    with FakeSmartEngage("http://127.0.0.1:8000") as fake:
        tenant = fake.tenant()                     # a fresh account with its own API key
        tenant.client.post("/subscribers/add", data={"avatar_id": 123, "email": "a@example.com"})
        assert tenant.subscribers(email="a@example.com")[0]["id"] == "2"
        tenant.fail("POST", "/tags/add", status=503)   # the next tags/add of this tenant fails
        tenant.delete()

Every method raises `FakeSmartEngageError` (with the status and the JSON error body) when the
server answers with an error.
"""

from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, TypedDict, Unpack

import httpx

from ..keys import mask
from . import matching
from .documents import Fixture, read_fixture
from .errors import FakeSmartEngageError
from .matching import Params

__all__ = ["FakeSmartEngage", "FakeSmartEngageError", "Tenant"]

_PREFIX = "/_fake"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _params(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _since(value: int | str | datetime | None) -> str | None:
    """An entry id or a time as the server takes it; a naive datetime is local time, as in Python."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone().isoformat()
    return str(value)


class _SharedConnections(httpx.BaseTransport):
    """A client's use of connections it does not own: closing the client leaves them open."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self._transport = transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._transport.handle_request(request)


FaultKind = Literal["status", "reset", "empty", "truncated", "garbage", "hang"]


class FailOptions(TypedDict, total=False):
    """What `fail()` takes beside the method and path, on the server and on a tenant alike."""

    # status: answer `status`; reset: a TCP reset; empty: close without a byte; truncated: the
    # answer's status and headers, then half its body; garbage: bytes that are not HTTP; hang:
    # nothing for delay_ms, then close. The network kinds need a real server (not an ASGI transport).
    kind: FaultKind  # default "status"
    when: Literal["before", "after"]  # "after": the route runs and commits, then the fault acts
    status: int  # default 503 for a status fault (and a truncated one before the route)
    times: int | None  # how many requests it hits (default 1); None: all, until removed
    body: Any  # the answer's body (default: the error shape, naming the fault)
    retry_after: int | None  # a Retry-After header, in seconds
    delay_ms: int | None  # wait this long first; for a hang, how long it sends nothing
    rate: float  # the share of matching requests it hits (default 1), drawn from `seed`
    seed: int  # the same seed and the same requests: the same ones hit (default 0)
    params: dict[str, str | list[str]]  # match only requests sent with these parameters


def fail_spec(options: Mapping[str, object]) -> dict[str, Any]:
    """The fault as posted: a status fault answers 503 unless told otherwise, and so does a
    truncated one cut before the route (after it, the route's own answer is cut)."""
    kind, when = options.get("kind", "status"), options.get("when", "before")
    answers = kind == "status" or (kind == "truncated" and when == "before")
    return {"times": 1, **({"status": 503} if answers else {}), **options}


class FakeSmartEngage:
    """The harness API of one fake-smartengage server.

    `admin_token` is sent as a bearer token (a server started with --admin-token wants it).
    Proxy settings in the environment are ignored unless `trust_env=True`: the fake is local.
    """

    def __init__(
        self,
        base_url: str,
        admin_token: str | None = None,
        *,
        timeout: float = 10.0,
        verify: bool | str = True,
        trust_env: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.admin_token = admin_token
        # One TLS context for every client made here: building one takes 15 ms, which a client per
        # test (the `smartengage` fixture's) would pay each time.
        tls = httpx.create_ssl_context(verify=verify, trust_env=trust_env)
        self._client_options: dict[str, Any] = {"timeout": timeout, "verify": tls, "trust_env": trust_env}
        headers = _bearer(admin_token) if admin_token else {}
        # Tenants' clients use the harness client's connections too: a test's new tenant then
        # neither builds a transport nor opens a connection, nor closes one when it is dropped.
        # Not with trust_env: httpx mounts the environment's proxies only on a client whose
        # transport it builds itself.
        connections = None if trust_env else httpx.HTTPTransport(verify=tls)
        self.http = httpx.Client(base_url=self.base_url, headers=headers, transport=connections, **self._client_options)
        self._tenant_client_options = {} if connections is None else {"transport": _SharedConnections(connections)}

    # -- plumbing ---------------------------------------------------------------------------

    def _request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        response = self.http.request(method, f"{_PREFIX}{path}", params=params, **kwargs)
        if response.status_code >= 400:
            raise FakeSmartEngageError.from_response(response)
        return response

    def client(self, api_key: str, **options: Any) -> httpx.Client:
        """A client of the SmartEngage API of this server, authenticated with `api_key`."""
        return httpx.Client(
            base_url=self.base_url,
            headers=_bearer(api_key),
            **{**self._client_options, **options},
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "FakeSmartEngage":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<FakeSmartEngage {self.base_url}>"

    # -- the harness API --------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """`{"status": "ok", "version": ...}`; raises if the server is not healthy."""
        return self._request("GET", "/health").json()

    def new_tenant(self, fixture: Fixture | None = None) -> str:
        """A new account seeded from `fixture` (default: the server's first account); its API key."""
        document = read_fixture(fixture)
        kwargs: dict[str, Any] = {} if document is None else {"json": document}
        return self._request("POST", "/tenants", **kwargs).json()["api_key"]

    def tenant(self, fixture: Fixture | None = None) -> "Tenant":
        """A new account, as a `Tenant`: its key, a ready client, and this API scoped to it."""
        return Tenant(self, self.new_tenant(fixture))

    def delete_tenant(self, api_key: str) -> None:
        self._request("DELETE", f"/tenants/{api_key}")

    def set_rate_limit(self, api_key: str, limit: str | None) -> dict[str, Any]:
        """A tenant's own rate limit: "10/s", "600/m", "1000/h", "off", or None for the server's."""
        return self._request("PUT", f"/tenants/{api_key}/rate-limit", json={"rate_limit": limit}).json()

    def set_profile(self, switches: Mapping[str, str], api_key: str | None = None) -> dict[str, Any]:
        """The server's behaviour profile (switches left out take their defaults), or one tenant's
        own switches over the server's (`api_key`; {}: none of its own). See GET /_fake/switches."""
        path = "/profile" if api_key is None else f"/tenants/{api_key}/profile"
        return self._request("PUT", path, json=dict(switches)).json()

    def reset(self, api_key: str | None = None) -> None:
        """The whole server back to its start state, or one tenant back to its seed."""
        self._request("POST", "/reset", params=_params(api_key=api_key))

    def state(self, api_key: str | None = None) -> dict[str, Any]:
        """The state (or one tenant's) as a fixture document."""
        return self._request("GET", "/state", params=_params(api_key=api_key)).json()

    def load(self, document: Fixture, api_key: str | None = None) -> None:
        """Replaces the state (or one tenant's) with a fixture document."""
        self._request("PUT", "/state", params=_params(api_key=api_key), json=read_fixture(document))

    def subscribers(
        self,
        api_key: str | None = None,
        avatar_id: int | None = None,
        email: str | None = None,
        tag: str | int | None = None,
    ) -> list[dict[str, Any]]:
        """Subscribers in the API's shape; `email` compares without case, `tag` is a name or id."""
        params = _params(api_key=api_key, avatar_id=avatar_id, email=email, tag=tag)
        return self._request("GET", "/subscribers", params=params).json()

    def subscriber(self, subscriber_id: int | str, *, api_key: str, avatar_id: int) -> dict[str, Any]:
        params = {"api_key": api_key, "avatar_id": avatar_id}
        return self._request("GET", f"/subscribers/{subscriber_id}", params=params).json()

    def requests(
        self,
        path: str | None = None,
        method: str | None = None,
        api_key: str | None = None,
        since: int | str | datetime | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Journal entries, newest first; `since` is an entry id or a time (a naive datetime is local time)."""
        params = _params(path=path, method=method, api_key=api_key, since=_since(since), limit=limit)
        return self._request("GET", "/requests", params=params).json()

    def clear_requests(self) -> None:
        self._request("DELETE", "/requests")

    def add_fault(self, **spec: Any) -> dict[str, Any]:
        """A fault as the harness API takes it (POST /_fake/faults). Its public form, with its `id`."""
        return self._request("POST", "/faults", json=spec).json()

    def fail(
        self, method: str, path: str, *, api_key: str | None = None, **options: Unpack[FailOptions]
    ) -> dict[str, Any]:
        """The next `times` matching requests (None: all, until removed) answer `status` (503), or
        meet the fault `kind` (FailOptions)."""
        return self.add_fault(method=method, path=path, api_key=api_key, **fail_spec(options))

    def lose_answer(
        self, method: str, path: str, *, api_key: str | None = None, **options: Unpack[FailOptions]
    ) -> dict[str, Any]:
        """The next matching request is served and its write commits, then its answer is lost: the
        connection is reset (or `kind`, `status`... as `fail()` takes them)."""
        options.setdefault("kind", "reset")
        options.setdefault("when", "after")
        return self.fail(method, path, api_key=api_key, **options)

    def delay(
        self, method: str, path: str, ms: int, times: int | None = 1, api_key: str | None = None
    ) -> dict[str, Any]:
        """The next `times` matching requests wait `ms` milliseconds, then go through."""
        return self.add_fault(method=method, path=path, delay_ms=ms, times=times, api_key=api_key)

    def faults(self) -> list[dict[str, Any]]:
        """Every fault, with `remaining` and `fired`."""
        return self._request("GET", "/faults").json()

    def remove_fault(self, fault_id: int) -> None:
        self._request("DELETE", f"/faults/{fault_id}")

    def clear_faults(self) -> None:
        self._request("DELETE", "/faults")


class Tenant:
    """One account on a fake server: its key, a ready `client`, and the harness API scoped to it.

    Faults made through it match only its requests; `requests()`, `calls()`, `assert_called()`,
    `subscribers()`, `state()` and `reset()` see only its own. `delete()` drops the account and
    the faults it made.
    """

    def __init__(self, fake: FakeSmartEngage, api_key: str) -> None:
        self.fake = fake
        self.api_key = api_key
        self.base_url = fake.base_url
        self.client = fake.client(api_key, **fake._tenant_client_options)
        self.fault_ids: list[int] = []
        self.deleted = False

    @property
    def headers(self) -> dict[str, str]:
        """What a request of this tenant carries, for clients built elsewhere."""
        return _bearer(self.api_key)

    def __repr__(self) -> str:
        return f"<Tenant {mask(self.api_key)} on {self.base_url}>"

    def subscribers(
        self, avatar_id: int | None = None, email: str | None = None, tag: str | int | None = None
    ) -> list[dict[str, Any]]:
        return self.fake.subscribers(api_key=self.api_key, avatar_id=avatar_id, email=email, tag=tag)

    def subscriber(self, subscriber_id: int | str, *, avatar_id: int) -> dict[str, Any]:
        return self.fake.subscriber(subscriber_id, api_key=self.api_key, avatar_id=avatar_id)

    def requests(
        self,
        path: str | None = None,
        method: str | None = None,
        since: int | str | datetime | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """This tenant's journal entries, newest first."""
        return self.fake.requests(path=path, method=method, api_key=self.api_key, since=since, limit=limit)

    def calls(
        self, method: str | None = None, path: str | None = None, *, params: Params | None = None
    ) -> list[dict[str, Any]]:
        """This tenant's journal entries that match, oldest first; `params` as in `assert_called`."""
        return matching.calls(self._oldest_first(), method, path, params)

    def assert_called(
        self, method: str, path: str, *, params: Params | None = None, times: int | None = None
    ) -> list[dict[str, Any]]:
        """Asserts that this tenant made the request: at least once, or exactly `times` (0: never).

        `params` are compared with what was sent, as strings (123 matches "123"), arrays by their
        values however spelt; parameters not named are not compared. Returns the matching journal
        entries, oldest first; the failure message shows the closest requests that were made.
        """
        __tracebackhide__ = True  # pytest shows the failure at the test's line, not here
        return matching.assert_called(self._oldest_first(), method, path, params, times)

    def _oldest_first(self) -> list[dict[str, Any]]:
        return list(reversed(self.requests()))

    def state(self) -> dict[str, Any]:
        return self.fake.state(self.api_key)

    def load(self, document: Fixture) -> None:
        """Replaces this tenant's state (a document of one account, or {"avatars": [...]})."""
        self.fake.load(document, api_key=self.api_key)

    def reset(self) -> None:
        """Back to the state this tenant was created (or last loaded) with."""
        self.fake.reset(self.api_key)

    def set_rate_limit(self, limit: str | None) -> dict[str, Any]:
        return self.fake.set_rate_limit(self.api_key, limit)

    def set_profile(self, switches: Mapping[str, str]) -> dict[str, Any]:
        """This tenant's own behaviour switches, over the server's profile."""
        return self.fake.set_profile(switches, api_key=self.api_key)

    def fail(self, method: str, path: str, **options: Unpack[FailOptions]) -> dict[str, Any]:
        """The next `times` matching requests of this tenant answer `status` (503), or meet the
        fault `kind` (FailOptions)."""
        return self._made(self.fake.fail(method, path, api_key=self.api_key, **options))

    def lose_answer(self, method: str, path: str, **options: Unpack[FailOptions]) -> dict[str, Any]:
        """This tenant's next matching request is served and commits, then its answer is lost."""
        return self._made(self.fake.lose_answer(method, path, api_key=self.api_key, **options))

    def delay(self, method: str, path: str, ms: int, times: int | None = 1) -> dict[str, Any]:
        """The next `times` matching requests of this tenant wait `ms` milliseconds first."""
        return self._made(self.fake.delay(method, path, ms=ms, times=times, api_key=self.api_key))

    def _made(self, fault: dict[str, Any]) -> dict[str, Any]:
        """A fault made through this tenant: removed with it, by `clear_faults()` and `delete()`."""
        self.fault_ids.append(fault["id"])
        return fault

    def faults(self) -> list[dict[str, Any]]:
        """The faults made through this tenant that still exist."""
        mine = set(self.fault_ids)
        return [fault for fault in self.fake.faults() if fault["id"] in mine]

    def clear_faults(self) -> None:
        """Removes the faults made through this tenant (and no other)."""
        while self.fault_ids:
            fault_id = self.fault_ids.pop()
            try:
                self.fake.remove_fault(fault_id)
            except FakeSmartEngageError as error:
                if error.status != 404:  # already removed, by a clear_faults() of the server say
                    raise

    def delete(self) -> None:
        """Drops the account, all it owns and its faults, and closes `client`. Idempotent."""
        if self.deleted:
            return
        self.deleted = True
        try:
            self.clear_faults()
            try:
                self.fake.delete_tenant(self.api_key)
            except FakeSmartEngageError as error:
                if error.status != 404:  # dropped already, by a server-wide reset say
                    raise
        finally:
            self.client.close()

    def __enter__(self) -> "Tenant":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.delete()
