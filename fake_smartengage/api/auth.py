"""Bearer-key authentication of the SmartEngage routes.

A key belongs to one account, and every lookup below a route is scoped to that account.
"""

from .. import errors
from ..keys import REFERENCE_KEY
from ..store import Account
from .request import ApiRequest

# How /openapi.json declares the scheme; the routes name it in their `security`.
SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": f"Your SmartEngage API key; the default fixture's key is {REFERENCE_KEY}",
    }
}
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def authenticate(request: ApiRequest) -> Account:
    """The request's account; 401 if it carries no key or one that belongs to no account."""
    if request.account is None:
        raise errors.missing_api_key() if request.api_key is None else errors.invalid_api_key()
    return request.account
