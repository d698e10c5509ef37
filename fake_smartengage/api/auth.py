"""Bearer-key authentication of the SmartEngage routes.

A key belongs to one account, and every lookup below a route is scoped to that account.
"""

from starlette.types import Scope

from .. import errors
from ..keys import REFERENCE_KEY, presented_key
from ..store import Account, Store

# How /openapi.json declares the scheme; the routes name it in their `security`.
SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": f"Your SmartEngage API key; the default fixture's key is {REFERENCE_KEY}",
    }
}
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]

_ACCOUNT = "fake_smartengage.account"


def account_of(scope: Scope, store: Store) -> Account | None:
    """The account whose API key the request carries, if any; looked up
    once per request, whichever stage asks first."""
    if _ACCOUNT not in scope:
        api_key = presented_key(scope)
        scope[_ACCOUNT] = store.account_for_key(api_key) if api_key is not None else None
    return scope[_ACCOUNT]


def authenticate(scope: Scope, store: Store) -> Account:
    """The request's account; 401 if it carries no key or one that belongs to no account."""
    account = account_of(scope, store)
    if account is None:
        raise errors.missing_api_key() if presented_key(scope) is None else errors.invalid_api_key()
    return account
