"""Body size limit, enforced before any route reads the body."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import errors


class BodySizeLimit:
    """Answers 413 for a declared Content-Length over the limit, and stops a longer stream."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            error = errors.body_too_large(self.max_bytes) if declared.isdigit() else errors.malformed_request(
                "Content-Length is not a number"
            )
            await errors.render(error)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # Raised inside the route's body read, so the app's error handler renders it.
                raise errors.body_too_large(self.max_bytes)
            return message

        await self.app(scope, limited_receive, send)
