"""One account on a fake server, as a test sees it: `Tenant`, which `FakeSmartEngage.tenant()` makes."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .matching import Params, differences, failure_message

if TYPE_CHECKING:
    from .client import FakeSmartEngage, Fixture


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
        return {"Authorization": f"Bearer {self.api_key}"}

    def __repr__(self) -> str:
        return f"<Tenant {self.api_key[:6]}… on {self.base_url}>"

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
        entries = list(reversed(self.requests()))
        return [entry for entry in entries if not differences(entry, method, path, params)]

    def assert_called(
        self, method: str, path: str, *, params: Params | None = None, times: int | None = None
    ) -> list[dict[str, Any]]:
        """Asserts that this tenant made the request: at least once, or exactly `times` (0: never).

        `params` are compared with what was sent, as strings (123 matches "123"), arrays by their
        values however spelt; parameters not named are not compared. Returns the matching journal
        entries, oldest first; the failure message shows the closest requests that were made.
        """
        entries = list(reversed(self.requests()))
        matching = [entry for entry in entries if not differences(entry, method, path, params)]
        if (times is None and not matching) or (times is not None and len(matching) != times):
            raise AssertionError(failure_message(method, path, params, times, entries, matching))
        return matching

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

    def fail(
        self,
        method: str,
        path: str,
        status: int = 503,
        times: int | None = 1,
        body: Any = None,
        retry_after: int | None = None,
    ) -> dict[str, Any]:
        """The next `times` matching requests of this tenant answer `status`."""
        fault = self.fake.fail(method, path, status, times, body, retry_after, api_key=self.api_key)
        self.fault_ids.append(fault["id"])
        return fault

    def delay(self, method: str, path: str, ms: int, times: int | None = 1) -> dict[str, Any]:
        """The next `times` matching requests of this tenant wait `ms` milliseconds first."""
        fault = self.fake.delay(method, path, ms, times, api_key=self.api_key)
        self.fault_ids.append(fault["id"])
        return fault

    def faults(self) -> list[dict[str, Any]]:
        """The faults made through this tenant that still exist."""
        mine = set(self.fault_ids)
        return [fault for fault in self.fake.faults() if fault["id"] in mine]

    def clear_faults(self) -> None:
        """Removes the faults made through this tenant (and no other)."""
        while self.fault_ids:
            # One already gone was removed by a clear_faults() of the server, say.
            self.fake.remove_fault(self.fault_ids.pop(), missing_ok=True)

    def delete(self) -> None:
        """Drops the account, all it owns and its faults, and closes `client`. Idempotent."""
        if self.deleted:
            return
        self.deleted = True
        try:
            self.clear_faults()
            # An account already gone was dropped by a server-wide reset, say.
            self.fake.delete_tenant(self.api_key, missing_ok=True)
        finally:
            self.client.close()

    def __enter__(self) -> Tenant:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.delete()
