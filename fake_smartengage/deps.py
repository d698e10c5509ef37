"""The app's parts as FastAPI dependencies, for routes to declare what they use."""

from typing import Annotated

from fastapi import Depends, Request

from .faults import Faults
from .journal import Journal
from .ratelimit import RateLimiter
from .store import Store
from .tenants import Tenants


def _state(name: str):
    # async: FastAPI runs a plain def dependency in a worker thread, which costs more than the request.
    async def get(request: Request):
        return getattr(request.app.state, name)

    return Depends(get)


AppTenants = Annotated[Tenants, _state("tenants")]
AppStore = Annotated[Store, _state("store")]
AppJournal = Annotated[Journal, _state("journal")]
AppFaults = Annotated[Faults, _state("faults")]
AppRateLimiter = Annotated[RateLimiter, _state("rate_limiter")]
