"""What a call of the harness API raises when the server refuses it: `FakeSmartEngageError`."""

from typing import Any

import httpx


class FakeSmartEngageError(Exception):
    """The harness API answered with an error; `body` is its JSON error body (or its text)."""

    def __init__(self, method: str, url: str, status: int, body: Any) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        # The path only: a query string may carry an API key.
        super().__init__(f"{method} {httpx.URL(url).path} answered {status}: {self.message}")

    @classmethod
    def from_response(cls, response: httpx.Response) -> "FakeSmartEngageError":
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        return cls(response.request.method, str(response.request.url), response.status_code, body)

    @property
    def message(self) -> str:
        return str(self._error["message"]) if "message" in self._error else str(self.body)

    @property
    def param(self) -> str | None:
        return self._error.get("param")

    @property
    def _error(self) -> dict[str, Any]:
        """The body's `error` object, in the API's one error shape; empty if it is not one."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return error if isinstance(error, dict) else {}
