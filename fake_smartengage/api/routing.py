"""How SmartEngage routes are registered and how they answer."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from pydantic_core import to_json
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..schemas import ErrorBody
from ..store import Account, Store
from .auth import SECURITY, authenticate
from .forms import FormSpec

# What a SmartEngage route does once the request is authenticated and its parameters parsed.
Handler = Callable[[Store, Account, dict[str, Any]], Any]

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Invalid parameters"),
        (401, "Missing or unknown API key"),
        (404, "No such avatar, subscriber, tag, custom field or sequence"),
        (409, "The subscriber conflicts with an existing one"),
        (413, "Body larger than 1 MiB"),
        (415, "Unsupported body content type"),
    )
}


def json_response(content: Any) -> Response:
    """Models, or the dicts the store builds in their shape, serialised as the API sends them."""
    return Response(to_json(content), media_type="application/json")


def _other_spelling(path: str) -> str:
    return path.removesuffix("/") if path.endswith("/") else f"{path}/"


# What a route answers a request with, once its body is read: the JSON body of a 200.
Answer = Callable[[Store, Scope], bytes]


class ApiRoute(Route):
    """A Starlette route of the API that also hands its `answer` to `DirectRoutes`."""

    def __init__(self, path: str, answer: Answer, *, methods: list[str], name: str) -> None:
        async def endpoint(request: Request) -> Response:
            return Response(answer(request.app.state.store, request.scope), media_type="application/json")

        super().__init__(path, endpoint, methods=methods, name=name)
        self.answer = answer


class Resource:
    """One resource of the reference: Starlette routes that serve it, FastAPI routes that document it.

    The serving routes take the bare request: FastAPI's routing and dependency solving cost more
    than everything else a request does. The documentation routes are never served; built from
    the same `FormSpec` and response model, they describe the serving ones in /openapi.json.
    """

    def __init__(self, tag: str) -> None:
        self.routes: list[ApiRoute] = []
        self.documentation = APIRouter(tags=[tag])

    def route(
        self,
        path: str,
        *,
        methods: list[str],
        form: FormSpec,
        response_model: Any,
        summary: str,
        description: str = "",
    ) -> Callable[[Handler], Handler]:
        """Serves a handler at `path` as documented and at its other trailing-slash spelling.

        Both spellings answer directly: a redirect would lose a form POST in many clients.
        """

        def register(handler: Handler) -> Handler:
            def answer(store: Store, scope: Scope) -> bytes:
                account = authenticate(scope, store)
                return to_json(handler(store, account, form(scope)))

            def kept_answer(store: Store, scope: Scope) -> bytes:
                account = authenticate(scope, store)
                values = form(scope)
                return account.kept_reads.get(
                    (handler, *values.values()), lambda: to_json(handler(store, account, values))
                )

            # A route that answers GET only reads, so its answer stays the same until the state
            # changes; its values must then be hashable: no array parameters.
            reads = "GET" in methods
            if reads and any(field.array for field in form.fields.values()):
                raise ValueError(f"{path}: a read route cannot take array parameters")
            for variant in (path, _other_spelling(path)):
                self.routes.append(
                    ApiRoute(variant, kept_answer if reads else answer, methods=methods, name=handler.__name__)
                )
            for method in methods:
                extra: dict[str, Any] = {"security": SECURITY}
                if method == "GET":
                    extra["parameters"] = form.openapi_parameters()
                else:
                    extra["requestBody"] = form.openapi_body()
                self.documentation.add_api_route(
                    path,
                    self.routes[-1].endpoint,
                    methods=[method],
                    response_model=response_model,
                    responses=ERROR_RESPONSES,
                    summary=summary,
                    description=description,
                    openapi_extra=extra,
                    operation_id=f"{handler.__name__}_{method.lower()}",
                )
            return handler

        return register


_JSON = (b"content-type", b"application/json")


class DirectRoutes:
    """Serves each API route straight from its method and path, ahead of Starlette's router.

    The API's paths are fixed, so one dictionary lookup finds a request's answer, where the
    router would try every route in turn behind Starlette's error and exception layers. An
    `ApiError` an answer raises reaches the harness pipeline, which answers it as the error
    handler would; anything else (HEAD, an unknown path or method, the harness) goes on to `app`.
    """

    def __init__(self, app: ASGIApp, *, routes: list[ApiRoute], store: Store) -> None:
        self.app = app
        self.store = store
        self.answers = {
            (method, route.path): route.answer for route in routes for method in route.methods or () if method != "HEAD"
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = self.answers.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        if answer is None:
            await self.app(scope, receive, send)
            return
        body = answer(self.store, scope)
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body)), _JSON]}
        )
        await send({"type": "http.response.body", "body": body})
