"""The application factory: state, routes, error handling. Nothing happens at import time."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

from . import __version__
from .admin import admin_router
from .api import api_documentation, api_routes
from .auth import SECURITY_SCHEMES
from .db import Database
from .errors import install_error_handlers
from .faults import FaultMiddleware, Faults
from .journal import Journal, JournalMiddleware
from .limits import BodySizeLimit
from .ratelimit import RateLimiter, RateLimitMiddleware, parse_rate
from .seeding import AccountSeed, check_unique_keys, fixture_files, read_fixture_file
from .settings import Settings, bundled_fixtures
from .store import Store
from .tenants import Tenants


def create_app(settings: Settings | None = None) -> FastAPI:
    """A complete fake server; fixtures are loaded unless the database file already holds state."""
    settings = settings or Settings()
    db = Database(settings.db)
    store = Store(db, duplicates=settings.duplicates)
    loaded, seeds = [], []
    if store.is_empty():
        loaded = fixture_files(list(settings.fixtures))
        documents = [(str(path), read_fixture_file(path)) for path in loaded]
        check_unique_keys(documents)
        seeds = [account for _, document in documents for account in document.accounts]
        store.add_accounts(seeds)
    rate_limiter = RateLimiter(parse_rate(settings.rate_limit) if settings.rate_limit else None)

    app = FastAPI(
        title="fake-smartengage",
        version=__version__,
        description="A faithful, stateful fake of the SmartEngage REST API.",
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.store = store
    app.state.fixture_files = loaded
    app.state.tenants = Tenants(db, store, seeds, template=_tenant_template(seeds))
    app.state.journal = Journal(settings.journal_size)
    app.state.faults = Faults()
    app.state.rate_limiter = rate_limiter
    _document_api(app)
    install_error_handlers(app)
    app.router.routes.extend(api_routes())
    app.include_router(admin_router())
    # Outermost last: the journal sees every answer, including those of faults and limits.
    app.add_middleware(RateLimitMiddleware, limiter=rate_limiter)
    app.add_middleware(FaultMiddleware, faults=app.state.faults)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(JournalMiddleware, journal=app.state.journal)
    if settings.cors_origins:
        # Off unless asked for: only a browser app in local development needs it.
        app.add_middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["*"], allow_headers=["*"]
        )
    return app


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

    app.openapi = openapi  # type: ignore[method-assign]


def _without_validation_error(schema: dict) -> None:
    """FastAPI documents a 422 for every validated route; this server answers those 400 (errors.py)."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            if operation["responses"].pop("422", None) is not None:
                operation["responses"].setdefault(
                    "400",
                    {"description": "Invalid parameters", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}},
                )
    for name in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(name, None)


def _tenant_template(seeds: list[AccountSeed]) -> AccountSeed:
    """What a tenant created without a document holds: the first account the server loaded,
    or the bundled default fixture's when it loaded none (a --db file with state in it)."""
    if seeds:
        return seeds[0]
    return read_fixture_file(bundled_fixtures() / "default.json").accounts[0]
