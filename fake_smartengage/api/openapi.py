"""The API's part of /openapi.json, derived from the route table.

FastAPI writes the document from routes; these are made from the table for that alone and never
serve (the table's routes are answered by `dispatch`). Each route is documented at the path the
reference spells, with every method it answers.
"""

from typing import Any

from fastapi.routing import APIRoute

from ..schemas import ErrorBody
from .auth import SECURITY
from .table import ROUTES, ApiRoute

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Invalid parameters"),
        (401, "Missing or unknown API key"),
        (404, "No such avatar, subscriber, tag, custom field or sequence"),
        (409, "The subscriber conflicts with an existing one"),
        (413, "Body larger than the server's --max-body-bytes"),
        (415, "Unsupported body content type"),
    )
}


def documentation_routes() -> list[APIRoute]:
    return [_documented(route, method) for route in ROUTES for method in sorted(route.served_methods - {"HEAD"})]


def _documented(route: ApiRoute, method: str) -> APIRoute:
    extra: dict[str, Any] = {"security": SECURITY}
    if method == "GET":
        extra["parameters"] = route.form.openapi_parameters()
    else:
        extra["requestBody"] = route.form.openapi_body()
    return APIRoute(
        route.path,
        _never_served,
        methods=[method],
        response_model=route.answer,
        responses=ERROR_RESPONSES,
        summary=route.summary,
        description=route.description,
        openapi_extra=extra,
        operation_id=f"{route.name}_{method.lower()}",
        tags=[route.resource],
        name=route.name,
    )


def _never_served() -> None:
    raise AssertionError("documentation routes are never served")
