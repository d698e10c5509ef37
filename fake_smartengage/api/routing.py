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
from ..store import Store
from .auth import SECURITY, authenticate
from .forms import FormSpec

# What a SmartEngage route does once the request is authenticated and its parameters parsed.
Handler = Callable[[Store, int, dict[str, Any]], Any]

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


class Resource:
    """One resource of the reference: Starlette routes that serve it, FastAPI routes that document it.

    The serving routes take the bare request: FastAPI's routing and dependency solving cost more
    than everything else a request does. The documentation routes are never served; built from
    the same `FormSpec` and response model, they describe the serving ones in /openapi.json.
    """

    def __init__(self, tag: str) -> None:
        self.routes: list[Route] = []
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
            async def endpoint(request: Request) -> Response:
                store: Store = request.app.state.store
                account = authenticate(request.scope, store)
                return json_response(handler(store, account, form(request.scope)))

            async def read_endpoint(request: Request) -> Response:
                store: Store = request.app.state.store
                account = authenticate(request.scope, store)
                values = form(request.scope)
                body = store.kept_reads.get(
                    (handler, account, *values.values()), lambda: to_json(handler(store, account, values))
                )
                return Response(body, media_type="application/json")

            # A route that answers GET only reads, so its answer stays the same until the state
            # changes; its values must then be hashable: no array parameters.
            reads = "GET" in methods
            if reads and any(field.array for field in form.fields.values()):
                raise ValueError(f"{path}: a read route cannot take array parameters")

            for variant in (path, _other_spelling(path)):
                served = read_endpoint if reads else endpoint
                self.routes.append(Route(variant, served, methods=methods, name=handler.__name__))
            for method in methods:
                extra: dict[str, Any] = {"security": SECURITY}
                if method == "GET":
                    extra["parameters"] = form.openapi_parameters()
                else:
                    extra["requestBody"] = form.openapi_body()
                self.documentation.add_api_route(
                    path,
                    endpoint,
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


class DirectRoutes:
    """Serves each API route straight from its method and path, ahead of Starlette's router.

    The API's paths are fixed, so one dictionary lookup finds a request's endpoint, where the
    router would try every route in turn behind two more middleware layers. An `ApiError` an
    endpoint raises reaches the harness pipeline, which answers it as the error handler would;
    anything else (HEAD, an unknown path or method, the harness) goes on to `app`.
    """

    def __init__(self, app: ASGIApp, *, routes: list[Route]) -> None:
        self.app = app
        self.endpoints = {
            (method, route.path): route.endpoint
            for route in routes
            for method in route.methods or ()
            if method != "HEAD"
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.endpoints.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        response = await endpoint(Request(scope, receive))
        await response(scope, receive, send)
