"""The application factory: state, routes, error handling. Nothing happens at import time."""

from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import __version__, admin
from .api import api_router
from .db import Database
from .errors import install_error_handlers
from .limits import BodySizeLimit
from .seeding import check_unique_keys, fixture_files, read_fixture_file
from .settings import Settings
from .store import Store


def create_app(settings: Settings | None = None) -> FastAPI:
    """A complete fake server; fixtures are loaded unless the database file already holds state."""
    settings = settings or Settings()
    db = Database(settings.db)
    store = Store(db, duplicates=settings.duplicates)
    loaded = []
    if store.is_empty():
        loaded = fixture_files(list(settings.fixtures))
        documents = [(str(path), read_fixture_file(path)) for path in loaded]
        check_unique_keys(documents)
        for _, document in documents:
            store.seed(document)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        db.close()

    app = FastAPI(
        title="fake-smartengage",
        version=__version__,
        description="A faithful, stateful fake of the SmartEngage REST API.",
        redirect_slashes=False,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.store = store
    app.state.fixture_files = loaded
    install_error_handlers(app)
    app.include_router(api_router())
    app.include_router(admin.router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
