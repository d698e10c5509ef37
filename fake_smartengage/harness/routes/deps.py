"""The parts of the app that harness routes use, as FastAPI dependencies."""

from typing import Annotated

from fastapi import Depends, Request

from ...store import Accounts
from .. import Harness


# async: FastAPI runs a plain def dependency in a worker thread, which costs more than the request.
async def _harness(request: Request) -> Harness:
    return request.app.state.harness


async def _accounts(request: Request) -> Accounts:
    return request.app.state.accounts


AppHarness = Annotated[Harness, Depends(_harness)]
AppAccounts = Annotated[Accounts, Depends(_accounts)]
