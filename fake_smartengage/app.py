"""The application factory: state, harness, routes, error handling. Nothing happens at import time."""

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

from . import __version__
from .api.auth import SECURITY_SCHEMES
from .api.behaviour import DEFAULT, Profile
from .api.openapi import documentation_routes
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
    store = Store(accounts)
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
        profile=server_profile(settings),
    )

    app = _App(
        title="fake-smartengage",
        version=__version__,
        description="A faithful, stateful fake of the SmartEngage REST API.",
        redirect_slashes=False,
        routes=list(harness_routes()),
        # FastAPI's own pages load their scripts from a CDN; apidocs serves ones that work offline.
        docs_url=None,
        redoc_url=None,
        # FastAPI's OpenTelemetry hooks (its documented `telemetry` setting, FastAPI >= 0.16x; older
        # versions keep it unused) ask the global providers on every request, the fake's own
        # included: about a tenth of what a read costs in process.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.store = store
    app.state.accounts = accounts
    app.state.harness = harness
    app.state.fixture_files = loaded
    install_error_handlers(app)
    app.include_router(docs_router)
    # The pipeline meets every request first and answers the SmartEngage routes itself (the
    # route table); the harness and documentation routes go on to FastAPI's router.
    app.add_middleware(
        HarnessPipeline,
        harness=harness,
        store=store,
        max_body_bytes=settings.max_body_bytes,
        max_harness_body_bytes=settings.max_harness_body_bytes,
        upstream=_upstream(settings),
    )
    if settings.cors_origins:  # only a browser app in local development needs it
        app.add_middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["*"], allow_headers=["*"]
        )
    return app


class _App(FastAPI):
    def openapi(self) -> dict[str, Any]:
        """/openapi.json: the API from its route table, and the harness routes."""
        if self.openapi_schema is None:
            schema = get_openapi(
                title=self.title,
                version=self.version,
                description=self.description,
                routes=[*documentation_routes(), *self.routes],
            )
            schema["components"]["securitySchemes"] = SECURITY_SCHEMES
            _without_validation_error(schema)
            self.openapi_schema = schema
        return self.openapi_schema


def server_profile(settings: Settings) -> Profile:
    """The profile's switches, with --duplicates over the profile's own."""
    profile = DEFAULT.with_changes(settings.profile)
    return profile.with_changes({"duplicates": settings.duplicates}) if settings.duplicates else profile


def _upstream(settings: Settings) -> "Upstream | None":
    if not settings.upstream:
        return None
    # Imported only for a proxy: it brings httpx, which serving alone does not need.
    from .harness.upstream import Upstream

    return Upstream(settings.upstream, timeout=settings.upstream_timeout)


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
