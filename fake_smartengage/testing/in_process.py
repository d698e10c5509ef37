"""The harness client of a server in a thread of this process, as the pytest plugin makes it for
its own server: it makes tenants from the template, and drops tenants, by calling the server's
harness rather than over HTTP.

The `smartengage` fixture makes a tenant and drops it for every test: over HTTP, those two
requests cost more than the five calls of a small test, most of it in httpx and the routing
around the harness. The harness may be called from this thread, beside the server's: the
database, the faults and the rate limits each take a lock for their changes.
"""

from typing import Any

from ..errors import ApiError
from .client import _PREFIX, FakeSmartEngage
from .documents import Fixture
from .errors import FakeSmartEngageError
from .server import ServerThread


class InProcessFakeSmartEngage(FakeSmartEngage):
    def __init__(self, server: ServerThread, admin_token: str | None = None, **options: Any) -> None:
        super().__init__(server.base_url, admin_token, **options)
        self.server = server
        self._harness = server.app.state.harness

    def new_tenant(self, fixture: Fixture | None = None) -> str:
        if fixture is not None:
            return super().new_tenant(fixture)  # the route checks the document and words its errors
        return self._harness.create_tenant()

    def delete_tenant(self, api_key: str) -> None:
        try:
            self._harness.drop_tenant(api_key)
        except ApiError as error:
            url = self.http.build_request("DELETE", f"{_PREFIX}/tenants/{api_key}").url  # as httpx spells it
            raise FakeSmartEngageError("DELETE", str(url), error.status, error.body()) from None
