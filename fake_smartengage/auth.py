"""Bearer-key authentication of the SmartEngage routes.

A key belongs to one account, and every lookup below a route is scoped to that account.
Keys are found by their SHA-256 digest (see `store.key_digest`), so how long a lookup takes says
nothing about how close a guessed key came to a real one.
"""

from starlette.requests import Request
from starlette.types import Scope

from . import errors
from .store import Store

# How /openapi.json declares the scheme; the routes name it in their `security`.
SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "Your SmartEngage API key; the default fixture's key is se_k73DUceVnvRCusWxDN2qQQ1a",
    }
}
SECURITY = [{"bearerAuth": []}]


_PRESENTED_KEY = "fake_smartengage.api_key"


def presented_key(scope: Scope) -> str | None:
    """The bearer key a request carries (the scheme's case does not matter), if any."""
    if _PRESENTED_KEY not in scope:  # read once per request, asked by each middleware
        scope[_PRESENTED_KEY] = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, key = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and key.strip():
                    scope[_PRESENTED_KEY] = key.strip()
                break
    return scope[_PRESENTED_KEY]


def authenticate(request: Request, store: Store) -> int:
    """The account (its key in the store) whose API key the request carries; 401 otherwise."""
    api_key = presented_key(request.scope)
    if api_key is None:
        raise errors.missing_api_key()
    account = store.account_for_key(api_key)
    if account is None:
        raise errors.invalid_api_key()
    return account
