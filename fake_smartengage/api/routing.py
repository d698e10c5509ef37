"""How SmartEngage routes are registered and how they answer."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from pydantic_core import to_json
from starlette.responses import Response

from ..forms import FormSpec
from ..schemas import ErrorBody

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


def json_response(content: BaseModel | list[BaseModel]) -> Response:
    return Response(to_json(content), media_type="application/json")


def _other_spelling(path: str) -> str:
    return path.removesuffix("/") if path.endswith("/") else f"{path}/"


def documented_route(
    router: APIRouter,
    path: str,
    *,
    methods: list[str],
    form: FormSpec,
    response_model: Any,
    summary: str,
    description: str = "",
) -> Callable[[Callable], Callable]:
    """Registers a handler at `path` as documented and at its other trailing-slash spelling.

    Both spellings answer directly: a redirect would lose a form POST in many clients. Only the
    documented spelling appears in the OpenAPI document.
    """

    def register(handler: Callable) -> Callable:
        for method in methods:
            extra = {"parameters": form.openapi_parameters()} if method == "GET" else {"requestBody": form.openapi_body()}
            for variant in (path, _other_spelling(path)):
                router.add_api_route(
                    variant,
                    handler,
                    methods=[method],
                    response_model=response_model,
                    responses=ERROR_RESPONSES,
                    summary=summary,
                    description=description,
                    openapi_extra=extra,
                    include_in_schema=variant == path,
                    operation_id=f"{handler.__name__}_{method.lower()}",
                )
        return handler

    return register
