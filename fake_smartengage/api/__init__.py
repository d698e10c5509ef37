"""The SmartEngage API: one router per resource of the reference."""

from fastapi import APIRouter

from . import avatars, custom_fields, sequences, subscribers, tags


def api_router() -> APIRouter:
    router = APIRouter()
    for resource in (avatars, tags, custom_fields, sequences, subscribers):
        router.include_router(resource.router)
    return router
