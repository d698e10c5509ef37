"""Bearer-key authentication of the SmartEngage routes.

A key belongs to one account, and every lookup below a route is scoped to that account.
Keys are found by their SHA-256 digest (see `store.key_digest`), so how long a lookup takes says
nothing about how close a guessed key came to a real one.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from . import errors

_bearer = HTTPBearer(
    auto_error=False,
    description="Your SmartEngage API key; the default fixture's key is se_k73DUceVnvRCusWxDN2qQQ1a",
)


async def current_account(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> int:
    """The account (its key in the store) whose API key the request carries; 401 otherwise."""
    if credentials is None:
        raise errors.missing_api_key()
    account = request.app.state.store.account_for_key(credentials.credentials)
    if account is None:
        raise errors.invalid_api_key()
    return account


CurrentAccount = Annotated[int, Depends(current_account)]

