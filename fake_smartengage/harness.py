"""What the test-harness middleware (journal, faults, rate limits) needs to know of a request."""

from starlette.types import Scope

HARNESS_PREFIX = "/_fake"
_DOCUMENTATION = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


def is_smartengage_path(path: str) -> bool:
    """Whether a request is one to the SmartEngage API, known route or not: anything but the
    harness routes and the API documentation."""
    return not (path == HARNESS_PREFIX or path.startswith(f"{HARNESS_PREFIX}/") or path in _DOCUMENTATION)


def presented_key(scope: Scope) -> str | None:
    """The bearer key a request carries, for the middleware that runs before routing."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and key.strip():
                return key.strip()
    return None
