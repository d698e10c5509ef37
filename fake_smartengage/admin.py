"""Test-harness routes under /_fake/, never mixed with the SmartEngage routes."""

from fastapi import APIRouter

from . import __version__

router = APIRouter(prefix="/_fake", tags=["Test harness"])


@router.get("/health", summary="Readiness: answers once the server is ready for requests")
async def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}
