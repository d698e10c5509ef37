"""`serve --upstream URL`: SmartEngage requests forwarded to another server, and its answers checked.

The request goes as it came (method, path, query, body, the caller's headers, `Authorization`
included); the answer comes back unchanged: its status, body byte for byte, and the headers that
matter to a client. What differs in shape from what the fake would serve for the route is
returned beside it, for the journal.
"""

import httpx
from starlette.responses import Response
from starlette.types import Scope

from .. import errors
from ..api.behaviour import Profile
from ..api.shapes import answer_divergences

_ANSWER_HEADERS = ("content-type", "retry-after", "www-authenticate")
# Hop-by-hop headers, and those httpx sets itself for the upstream connection. Without
# Accept-Encoding the upstream answers uncompressed, so the body passes through as it came.
_NOT_FORWARDED = frozenset(
    {
        b"host",
        b"content-length",
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"te",
        b"upgrade",
        b"accept-encoding",
        b"proxy-authorization",
        b"proxy-connection",
    }
)


class Upstream:
    def __init__(self, base_url: str, *, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    async def forward(self, scope: Scope, body: bytes, profile: Profile) -> tuple[Response, list[str]]:
        """The upstream's answer to this request, and where its shape diverges from the fake's under
        `profile` (the one in force for the request's key);
        a 502 ApiError if the upstream cannot be reached or does not answer in time."""
        url = httpx.URL(f"{self.base_url}{scope['path']}", query=scope["query_string"])
        headers = [(name, value) for name, value in scope["headers"] if name.lower() not in _NOT_FORWARDED]
        # A client per request: the app may be served from more than one event loop (tests).
        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
            try:
                answer = await client.request(scope["method"], url, headers=headers, content=body)
            except httpx.TimeoutException:
                raise errors.upstream_unreachable(self.base_url, f"no answer within {self.timeout:g}s") from None
            except httpx.HTTPError as error:
                raise errors.upstream_unreachable(self.base_url, str(error) or type(error).__name__) from None
        kept = {name: answer.headers[name] for name in _ANSWER_HEADERS if name in answer.headers}
        divergences = answer_divergences(
            scope["method"],
            scope["path"],
            answer.status_code,
            answer.headers.get("content-type"),
            answer.content,
            profile,
        )
        return Response(answer.content, answer.status_code, headers=kept), divergences
