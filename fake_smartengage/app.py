"""The application factory: state, harness, routes, error handling. Nothing happens at import time."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp

from . import __version__
from .api import api_documentation, api_routes
from .api.auth import SECURITY_SCHEMES
from .api.routing import DirectRoutes
from .apidocs import router as docs_router
from .errors import install_error_handlers
from .harness import Harness
from .harness.journal import Journal
from .harness.pipeline import HarnessPipeline
from .harness.ratelimit import parse_rate
from .harness.routes import harness_routes
from .settings import Settings, bundled_fixtures
from .store import Accounts, Folder, Store
from .store.seeding import check_unique_keys, fixture_files, read_fixture_file

if TYPE_CHECKING:
    from .harness.upstream import Upstream


def create_app(settings: Settings | None = None) -> FastAPI:
    """A complete fake server; fixtures are loaded unless the --db folder already holds accounts."""
    settings = settings or Settings()
    accounts = Accounts(Folder(settings.db))
    store = Store(accounts, duplicates=settings.duplicates)
    loaded = []
    if accounts.is_empty():
        loaded = fixture_files(list(settings.fixtures))
        documents = [(str(path), read_fixture_file(path)) for path in loaded]
        check_unique_keys(documents)
        accounts.add([account for _, document in documents for account in document.accounts])
    accounts.choose_template(lambda: read_fixture_file(bundled_fixtures() / "default.json").accounts[0])
    harness = Harness(
        accounts,
        rate_limit=parse_rate(settings.rate_limit) if settings.rate_limit else None,
        journal=Journal(
            settings.journal_size, entry_bytes=settings.journal_entry_bytes, total_bytes=settings.journal_bytes
        ),
    )

    api = api_routes()
    upstream = _upstream(settings)

    def front(starlette_layers: ASGIApp) -> ASGIApp:
        """What meets a request first: the pipeline, then the direct routes; with CORS, that before them."""
        pipeline = HarnessPipeline(
            DirectRoutes(starlette_layers, routes=api, store=store),
            harness=harness,
            store=store,
            max_body_bytes=settings.max_body_bytes,
            max_harness_body_bytes=settings.max_harness_body_bytes,
            upstream=upstream,
        )
        if not settings.cors_origins:  # only a browser app in local development needs it
            return pipeline
        return CORSMiddleware(
            pipeline, allow_origins=list(settings.cors_origins), allow_methods=["*"], allow_headers=["*"]
        )

    app = _App(
        front=front,
        title="fake-smartengage",
        version=__version__,
        description="A faithful, stateful fake of the SmartEngage REST API.",
        redirect_slashes=False,
        # FastAPI's own pages load their scripts from a CDN; apidocs serves ones that work offline.
        docs_url=None,
        redoc_url=None,
        # FastAPI's own OpenTelemetry hooks (FastAPI >= 0.16x; older versions keep the setting
        # unused) ask the global providers on every request: a tenth of what a request costs.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.store = store
    app.state.accounts = accounts
    app.state.harness = harness
    app.state.fixture_files = loaded
    _document_api(app)
    install_error_handlers(app)
    app.router.routes.extend(api)
    app.router.routes.extend(harness_routes())
    app.include_router(docs_router)
    return app


class _App(FastAPI):
    """FastAPI with `front` ahead of Starlette's own layers (error and exception middleware, the
    router), which a request the direct routes answer never meets: the harness pipeline answers
    such a request's unexpected failure itself, in the API's error shape. HEAD requests, unknown
    paths and the harness routes still go through those layers.

    Middleware added to the app (`add_middleware`) sits inside `front`, so it never sees what
    the direct routes answer."""

    def __init__(self, *, front: Callable[[ASGIApp], ASGIApp], **options: Any) -> None:
        self._front = front
        super().__init__(**options)

    def build_middleware_stack(self) -> ASGIApp:
        return self._front(super().build_middleware_stack())


def _upstream(settings: Settings) -> "Upstream | None":
    if not settings.upstream:
        return None
    # Imported only for a proxy: it brings httpx, which serving alone does not need.
    from .harness.upstream import Upstream

    return Upstream(settings.upstream, timeout=settings.upstream_timeout)


def _document_api(app: FastAPI) -> None:
    """/openapi.json describes the API from its documentation routes, and the harness routes."""

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=[*api_documentation(), *app.routes],
            )
            schema["components"]["securitySchemes"] = SECURITY_SCHEMES
            _without_validation_error(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend its schema


def _without_validation_error(schema: dict) -> None:
    """FastAPI documents a 422 for every validated route; this server answers those 400 (errors.py)."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            if operation["responses"].pop("422", None) is not None:
                operation["responses"].setdefault(
                    "400",
                    {
                        "description": "Invalid parameters",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                    },
                )
    for name in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(name, None)
