"""The SmartEngage API: one module per resource of the reference."""

from starlette.routing import BaseRoute

from . import avatars, custom_fields, sequences, subscribers, tags
from .routing import ApiRoute

_RESOURCES = (avatars, tags, custom_fields, sequences, subscribers)


def api_routes() -> list[ApiRoute]:
    """The routes that serve the API."""
    return [route for module in _RESOURCES for route in module.resource.routes]


def api_documentation() -> list[BaseRoute]:
    """FastAPI routes that describe the API in /openapi.json; they serve nothing."""
    return [route for module in _RESOURCES for route in module.resource.documentation.routes]
