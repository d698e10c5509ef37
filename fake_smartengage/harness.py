"""Which requests the test-harness middleware (journal, faults, rate limits) applies to."""

HARNESS_PREFIX = "/_fake"
_DOCUMENTATION = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


def is_smartengage_path(path: str) -> bool:
    """Whether a request is one to the SmartEngage API, known route or not: anything but the
    harness routes and the API documentation."""
    return not (path == HARNESS_PREFIX or path.startswith(f"{HARNESS_PREFIX}/") or path in _DOCUMENTATION)

