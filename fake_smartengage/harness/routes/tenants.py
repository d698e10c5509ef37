"""Tenants, reset, state and subscribers: setting state up and looking at it."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, Field
from pydantic_core import to_json

from ... import errors
from ...keys import mask
from ...schemas import SubscriberPublic
from ...store.seeding import AccountSeed, parse_account_document, parse_document
from ...validation import MAX_ID
from ..ratelimit import OFF, RATE_FORMAT, RATE_PATTERN, parse_rate
from .deps import AppAccounts, AppHarness
from .documents import DOCUMENT, TENANT_DOCUMENT

router = APIRouter()

ApiKeyFilter = Annotated[str | None, Query(description="Only this tenant (its API key)", min_length=1)]
AvatarId = Annotated[int, Query(ge=1, le=MAX_ID, description="The avatar's id")]
# Any, described as `seeding` reads it: it checks the document, and its errors name the entries.
TenantBody = Annotated[
    Any,
    Body(
        description="The new tenant's content (docs/reference/fixture-format.md); none, or null: no avatars",
        json_schema_extra={"anyOf": [TENANT_DOCUMENT, {"type": "null"}]},
    ),
]
StateBody = Annotated[
    Any,
    Body(
        description="A fixture document (docs/reference/fixture-format.md); with api_key, that tenant's content",
        json_schema_extra={"anyOf": [DOCUMENT, TENANT_DOCUMENT]},
    ),
]


class NewTenant(BaseModel):
    api_key: str


class RateLimitChange(BaseModel):
    rate_limit: str | None = Field(
        description=f"{RATE_FORMAT}; null for the server's default",
        json_schema_extra={"pattern": f"^(?:{RATE_PATTERN}|{OFF})$"},  # checked by parse_rate, in its words
    )


@router.post("/tenants", status_code=201, response_model=NewTenant, summary="Create a tenant with a fresh API key")
async def create_tenant(harness: AppHarness, document: TenantBody = None) -> NewTenant:
    seed = parse_account_document(document, api_key="new", source="request body")
    return NewTenant(api_key=harness.create_tenant(seed))


@router.delete("/tenants/{api_key}", status_code=204, summary="Drop a tenant and all it owns")
async def delete_tenant(api_key: str, harness: AppHarness) -> Response:
    harness.drop_tenant(api_key)
    return Response(status_code=204)


@router.put("/tenants/{api_key}/rate-limit", summary="Set a tenant's own rate limit")
async def set_rate_limit(api_key: str, change: RateLimitChange, harness: AppHarness) -> dict[str, str | None]:
    try:
        rate = parse_rate(change.rate_limit) if change.rate_limit is not None else None
    except ValueError as error:
        raise errors.invalid_rate_limit(str(error)) from None
    in_force = harness.set_rate_limit(api_key, rate, own=change.rate_limit is not None)
    return {"api_key": mask(api_key), "rate_limit": in_force.text if in_force else OFF}


@router.post("/reset", status_code=204, summary="The server (or one tenant) back to its start state")
async def reset(harness: AppHarness, api_key: ApiKeyFilter = None) -> Response:
    harness.reset(api_key)
    return Response(status_code=204)


@router.get("/state", summary="The whole state (or one tenant's) as a fixture document")
async def get_state(harness: AppHarness, api_key: ApiKeyFilter = None) -> dict[str, Any]:
    return harness.export(api_key)


@router.put("/state", status_code=204, summary="Replace the whole state (or one tenant's) with a fixture document")
async def put_state(
    harness: AppHarness,
    document: StateBody,
    api_key: ApiKeyFilter = None,
) -> Response:
    if api_key is None:
        harness.load(parse_document(document, source="request body"))
    else:
        seed = parse_account_document(document, api_key=api_key, source="request body")
        harness.load_tenant(seed or AccountSeed(api_key=api_key))
    return Response(status_code=204)


@router.get("/subscribers", response_model=list[SubscriberPublic], summary="Subscribers, for assertions")
async def list_subscribers(
    accounts: AppAccounts,
    api_key: ApiKeyFilter = None,
    avatar_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    email: Annotated[str | None, Query(description="Compared without letter case")] = None,
    tag: Annotated[str | None, Query(description="A tag's name or id")] = None,
) -> Any:
    # Serialised here rather than by FastAPI, which would validate every subscriber again.
    return _json(accounts.find_subscribers(api_key=api_key, avatar_id=avatar_id, email=email, tag=tag))


@router.get("/subscribers/{subscriber_id}", response_model=SubscriberPublic, summary="One subscriber")
async def get_subscriber(
    subscriber_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    api_key: Annotated[str, Query(min_length=1)],
    avatar_id: AvatarId,
    accounts: AppAccounts,
) -> Any:
    subscriber = accounts.get_subscriber(api_key, avatar_id, subscriber_id)
    if subscriber is None:
        raise errors.unknown_tenant(mask(api_key))
    return _json(subscriber)


def _json(content: Any) -> Response:
    """The store's subscriber objects, already in their documented shape, as JSON."""
    return Response(to_json(content), media_type="application/json")
