"""The one error type, the texts it carries, and the handlers that render every non-2xx answer.

The store raises its own errors (`store.exceptions`), which carry facts and no status:
`as_api_error` words them here, so every message is written in this module.

The reference documents no error body, so every error, ours or the framework's (unknown route,
wrong method, oversized body), is rendered in one shape modelled on the usual REST convention:

    {"error": {"type": "invalid_request_error", "message": "...", "param": "avatar_id"}}
"""

from collections.abc import Awaitable, Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.routing import Match

from .store.exceptions import (
    AccountGone,
    AmbiguousName,
    CannotStore,
    IdentitySplit,
    IdentityTaken,
    IdsExhausted,
    InvalidEmail,
    MissingIdentity,
    NotFound,
    StoreError,
)

# Where the rest of the package finds them, beside the errors it answers.
from .store.exceptions import FixtureError as FixtureError
from .store.exceptions import StartupError as StartupError

INVALID_REQUEST = "invalid_request_error"
AUTHENTICATION = "authentication_error"
RATE_LIMIT = "rate_limit_error"
API_ERROR = "api_error"


class ApiError(Exception):
    """An answer other than 2xx, raised anywhere below a route and rendered by one handler."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.type = type or _type_for(status)
        self.headers = headers

    def body(self) -> dict:
        return {"error": {"type": self.type, "message": self.message, "param": self.param}}


def _type_for(status: int) -> str:
    if status == 401:
        return AUTHENTICATION
    if status == 429:
        return RATE_LIMIT
    if status >= 500:
        return API_ERROR
    return INVALID_REQUEST


# Message texts, defined once so that tests can assert against the same functions.


def missing_api_key() -> ApiError:
    return ApiError(
        401,
        "No API key provided: send 'Authorization: Bearer <api key>'",
        headers={"WWW-Authenticate": "Bearer"},
    )


def invalid_api_key() -> ApiError:
    return ApiError(401, "Invalid API key provided", headers={"WWW-Authenticate": "Bearer"})


def invalid_admin_token() -> ApiError:
    return ApiError(
        401,
        "This server requires its admin token: send 'Authorization: Bearer <admin token>'",
        headers={"WWW-Authenticate": "Bearer"},
    )


def rate_limited(retry_after: int) -> ApiError:
    return ApiError(
        429,
        f"Too many requests for this API key: retry after {retry_after} s",
        headers={"Retry-After": str(retry_after)},
    )


def unexpected(error: Exception) -> ApiError:
    return ApiError(500, f"Internal error in the fake: {type(error).__name__}")


def missing_param(param: str) -> ApiError:
    return ApiError(400, f"Missing required parameter: {param}", param=param)


def unknown_param(param: str) -> ApiError:
    return ApiError(400, f"Unknown parameter: {param}", param=param)


def invalid_id(param: str) -> ApiError:
    return ApiError(400, f"Invalid {param}: must be a positive integer no larger than 2^53-1", param=param)


def repeated_param(param: str) -> ApiError:
    return ApiError(400, f"Parameter {param} was sent more than once", param=param)


def invalid_array(param: str, reason: str) -> ApiError:
    return ApiError(400, f"Invalid array {param}: {reason}", param=param)


def unpaired_arrays(first: str, second: str) -> ApiError:
    return ApiError(400, f"{first}[] and {second}[] must have the same length (or the same indexes)", param=first)


def invalid_email(value: str) -> ApiError:
    return ApiError(400, f"Invalid email address: {value!r}", param="email")


def missing_identity() -> ApiError:
    return ApiError(400, "At least one of email, facebook_id or push_id is required", param="email")


def not_found(kind: str, param: str, value: object) -> ApiError:
    return ApiError(404, f"No such {kind}: '{value}'", param=param)


def ambiguous_name(kind: str, param: str, value: str) -> ApiError:
    return ApiError(400, f"More than one {kind} is named '{value}': pass its id instead", param=param)


def identity_taken(param: str, subscriber_id: int) -> ApiError:
    return ApiError(409, f"A subscriber with this {param} already exists: id '{subscriber_id}'", param=param)


def identity_split(subscriber_ids: list[int]) -> ApiError:
    ids = ", ".join(f"'{i}'" for i in subscriber_ids)
    return ApiError(409, f"email, facebook_id and push_id belong to different subscribers: ids {ids}", param="email")


def ids_exhausted(kind: str) -> ApiError:
    return ApiError(409, f"No free {kind} id is left in this avatar")


def malformed_request(reason: str) -> ApiError:
    return ApiError(400, f"Malformed request: {reason}")


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(
        415,
        f"Unsupported content type {content_type!r}: send application/x-www-form-urlencoded, "
        "multipart/form-data or application/json",
    )


def not_text(param: str) -> ApiError:
    return ApiError(400, f"Parameter {param} must be a string or a number", param=param)


def lone_surrogate(param: str) -> ApiError:
    return ApiError(400, f"Parameter {param} holds a lone surrogate (\\ud800-\\udfff), which is not text", param=param)


def not_scalar(param: str) -> ApiError:
    return ApiError(400, f"Parameter {param} takes a single value, not an array", param=param)


def unknown_tenant(masked_key: str) -> ApiError:
    return ApiError(404, f"No such tenant: '{masked_key}'", param="api_key")


def unknown_fault(fault_id: int) -> ApiError:
    return ApiError(404, f"No such fault: {fault_id}", param="fault_id")


def unknown_fault_path(path: str, closest: str | None) -> ApiError:
    hint = f": did you mean {closest}?" if closest else ""
    return ApiError(400, f"No route of the fake is at {path}, so this fault would never fire{hint}", param="path")


def unknown_fault_method(method: str, path: str, methods: list[str]) -> ApiError:
    return ApiError(
        400,
        f"{path} is never called with {method}, so this fault would never fire: it answers {', '.join(methods)} (or *)",
        param="method",
    )


def network_fault_without_connection(fault_id: int, kind: str) -> str:
    return (
        f"Fault {fault_id} ({kind}) acts on the connection, and this request came through none of "
        "fake-smartengage's own server (an in-process ASGI transport, or another server): run "
        "`fake-smartengage serve` or ServerThread for network faults"
    )


def unknown_file(name: str) -> ApiError:
    return ApiError(404, f"No such file: {name!r}")


def invalid_since() -> ApiError:
    return ApiError(400, "since must be an entry id or an RFC 3339 time, such as 2024-05-01T12:00:00Z", param="since")


def invalid_profile(reason: str) -> ApiError:
    return ApiError(400, f"Invalid profile: {reason}")


def invalid_rate_limit(reason: str) -> ApiError:
    return ApiError(400, reason, param="rate_limit")


def injected_fault(fault_id: int, status: int) -> ApiError:
    return ApiError(status, f"Injected fault {fault_id}: status {status}")


def body_too_large(limit: int) -> ApiError:
    return ApiError(413, f"Request body is larger than the limit of {limit} bytes")


def unknown_route(method: str, path: str) -> ApiError:
    return ApiError(404, f"Unknown route: {method} {path}")


# The order an Allow header names methods in.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def method_not_allowed(method: str, path: str, allowed: Iterable[str]) -> ApiError:
    return ApiError(
        405,
        f"Method {method} is not allowed on {path}",
        headers={"Allow": ", ".join(name for name in _METHODS if name in allowed)},
    )


def upstream_unreachable(upstream: str, reason: str) -> ApiError:
    return ApiError(502, f"The upstream {upstream} did not answer: {reason}")


def cannot_store(reason: str) -> ApiError:
    return ApiError(503, f"The fake cannot store another database: {reason}")


def as_api_error(error: Exception) -> ApiError:
    """The answer to anything raised below a route: an `ApiError` as it is, the store's errors
    and an unloadable fixture document worded, and anything else a 500 (a bug in the fake)."""
    match error:
        case ApiError():
            return error
        case NotFound(kind, param, value):
            return not_found(kind, param, value)
        case AmbiguousName(kind, param, value):
            return ambiguous_name(kind, param, value)
        case InvalidEmail(value):
            return invalid_email(value)
        case MissingIdentity():
            return missing_identity()
        case IdentityTaken(param, subscriber_id):
            return identity_taken(param, subscriber_id)
        case IdentitySplit(subscriber_ids):
            return identity_split(subscriber_ids)
        case IdsExhausted(kind):
            return ids_exhausted(kind)
        case AccountGone():
            # Its key opened an account a moment ago, and opens nothing now.
            return invalid_api_key()
        case CannotStore(reason):
            return cannot_store(reason)
        case FixtureError():
            return ApiError(400, f"Invalid fixture document: {error}")
    return unexpected(error)


def render(error: Exception, *, plain: bool = False) -> JSONResponse:
    """The response to `error`, worded by `as_api_error`; `plain`: the message alone as the
    error (the error_body switch at string: `{"error": "<message>"}`)."""
    answer = as_api_error(error)
    body = {"error": answer.message} if plain else answer.body()
    return JSONResponse(body, status_code=answer.status, headers=answer.headers)


async def _answer(_: Request, error: Exception) -> JSONResponse:
    return render(error)


async def _http_exception(request: Request, error: HTTPException) -> JSONResponse:
    if error.status_code == 404:
        return render(unknown_route(request.method, request.url.path))
    if error.status_code == 405:
        return render(method_not_allowed(request.method, request.url.path, _allowed_methods(request)))
    message = str(error.detail) if error.detail else HTTPStatus(error.status_code).phrase
    return render(ApiError(error.status_code, message, headers=error.headers))


def _allowed_methods(request: Request) -> list[str]:
    # Starlette's own Allow names only the first route that matched the path, but a path can
    # have one route per method (they are documented separately), so ask every route.
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in request.app.router.routes
        )
    ]


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    # Only the harness routes declare FastAPI-validated parameters; the API routes parse their own.
    first = error.errors()[0] if error.errors() else {}
    if first.get("type") == "json_invalid":
        return render(ApiError(400, f"Invalid JSON body: {first.get('ctx', {}).get('error', 'cannot be parsed')}"))
    if tuple(first.get("loc", ())) == ("body",) and first.get("type") in ("model_attributes_type", "dict_type"):
        # A form-encoded or plain-text body: FastAPI hands it over unread as a string.
        sent = request.headers.get("content-type") or "no Content-Type"
        if "json" in sent:
            return render(ApiError(400, "The body must be a JSON object"))
        return render(ApiError(400, f"Send the body as a JSON object (Content-Type: application/json), not {sent}"))
    location = list(first.get("loc", ()))[1:]  # after "body", "query" or "path"
    param = ".".join(str(part) for part in location) or None
    message = first.get("msg", "Invalid request")
    return render(ApiError(400, f"{param}: {message}" if param else message, param=param))


# Starlette types every handler as taking any Exception; each of these is given its own class only.
_HANDLERS: dict[type[Exception], Callable[[Request, Any], Awaitable[JSONResponse]]] = {
    HTTPException: _http_exception,
    RequestValidationError: _validation_error,
    **dict.fromkeys((ApiError, StoreError, FixtureError, Exception), _answer),
}


def install_error_handlers(app: FastAPI) -> None:
    for error_class, handler in _HANDLERS.items():
        app.add_exception_handler(error_class, handler)
