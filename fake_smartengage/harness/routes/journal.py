"""The request journal: what the code under test sent, and what it got back."""

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from ... import errors
from .deps import AppHarness

router = APIRouter()


_ENTRY_ID = "[0-9]+"
# RFC 3339's date-time, as the OpenAPI document's format says, and as the journal writes times.
_DATE_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
_SINCE_SCHEMA = {"anyOf": [{"type": "string", "pattern": f"^{_ENTRY_ID}$"}, {"type": "string", "format": "date-time"}]}


def _since(value: str | None) -> tuple[int | None, datetime | None]:
    """`since` is an entry id (entries after it) or a time (entries at or after it)."""
    if value is None:
        return None, None
    if re.fullmatch(_ENTRY_ID, value):
        return int(value), None
    if not re.fullmatch(_DATE_TIME, value):
        raise errors.invalid_since()
    try:
        moment = datetime.fromisoformat(value.upper())  # Python reads a "T" and a "Z" in capitals only
    except ValueError:  # a day or an hour no calendar has
        raise errors.invalid_since() from None
    try:
        return None, moment.astimezone(UTC)
    except OverflowError:  # in UTC before year 1 or after year 9999: before or after every entry
        return None, (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)


@router.get("/requests", summary="Recorded SmartEngage requests, newest first")
async def list_requests(
    harness: AppHarness,
    path: Annotated[str | None, Query(description="With or without its trailing slash")] = None,
    method: str | None = None,
    api_key: Annotated[str | None, Query(description="Only requests made with this key")] = None,
    since: Annotated[
        str | None, Query(description="An entry id, or an RFC 3339 time", json_schema_extra=_SINCE_SCHEMA)
    ] = None,
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
