"""The test-harness API under /_fake/, never mixed with the SmartEngage routes.

No SmartEngage key is needed. A server started with --admin-token requires that token as a
bearer token on every route here but /_fake/health.
"""

import hmac
from functools import cache
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.routing import BaseRoute

from ... import __version__, errors
from ...keys import presented_key
from ...schemas import ErrorBody
from ..pipeline import HARNESS_PREFIX
from . import catalogue, faults, journal, profiles, tenants, ui


async def require_admin_token(request: Request) -> None:
    token: str | None = request.app.state.settings.admin_token
    if token is None:
        return
    presented = presented_key(request.scope) or ""
    if not hmac.compare_digest(presented.encode(), token.encode()):
        raise errors.invalid_admin_token()


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Invalid parameters or fixture document"},
    401: {"model": ErrorBody, "description": "Missing or wrong admin token (with --admin-token)"},
    404: {"model": ErrorBody, "description": "No such tenant, subscriber or fault"},
}


@cache
def harness_routes() -> tuple[BaseRoute, ...]:
    """The harness's routes, built once per process: FastAPI takes tens of milliseconds to analyse
    them, which every app (one per test with the plugin's `smartengage_app`) would pay again.
    They hold nothing of an app: what they change they find through `request.app.state`."""
    return tuple(_harness_router().routes)


def _harness_router() -> APIRouter:
    router = APIRouter(prefix=HARNESS_PREFIX, tags=["Test harness"])

    @router.get("/health", summary="Readiness: answers once the server takes requests")
    async def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    router.include_router(ui.router)  # the dashboard page needs no token; the calls it makes do

    guarded = APIRouter(dependencies=[Depends(require_admin_token)], responses=_ERRORS)
    for module in (tenants, journal, faults, catalogue, profiles):
        guarded.include_router(module.router)
    router.include_router(guarded)
    return router
