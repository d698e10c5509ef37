"""The request journal: what the code under test sent, and what it got back."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from ... import errors
from .deps import AppHarness

router = APIRouter()


def _since(value: str | None) -> tuple[int | None, datetime | None]:
    """`since` is an entry id (entries after it) or an ISO 8601 time (entries at or after it)."""
    if value is None:
        return None, None
    if value.isdigit():
        return int(value), None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise errors.invalid_since() from None
    return None, (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


@router.get("/requests", summary="Recorded SmartEngage requests, newest first")
async def list_requests(
    harness: AppHarness,
    path: Annotated[str | None, Query(description="With or without its trailing slash")] = None,
    method: str | None = None,
    api_key: Annotated[str | None, Query(description="Only requests made with this key")] = None,
    since: Annotated[str | None, Query(description="An entry id, or an ISO 8601 time")] = None,
    limit: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> list[dict[str, Any]]:
    since_id, since_time = _since(since)
    return harness.journal.entries(
        path=path, method=method, api_key=api_key, since_id=since_id, since_time=since_time, limit=limit
    )


@router.delete("/requests", status_code=204, summary="Forget every recorded request")
async def clear_requests(harness: AppHarness) -> Response:
    harness.journal.clear()
    return Response(status_code=204)
