"""A SmartEngage account's structure, read through the documented list routes, as a fixture document.

The avatars and, for each, its tags, custom fields and sequences, with their ids and in the order
listed, so that the fake serving the document answers every list route as the source did.
Subscribers cannot be listed through the documented API, so the document has none.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .. import __version__
from ..errors import FixtureError
from ..store.seeding import parse_document
from .remote import CannotRun, Remote
from .shapes import LIST_ROUTES, list_of, shape_problems

# Per avatar: the fixture's key for the list, and the route that lists it.
_CATALOGUES = {"tags": "/tags/list/", "custom_fields": "/customfields/list/", "sequences": "/sequences/list/"}
_ID_FIELDS = ("avatar_id", "tag_id", "custom_field_id", "sequence_id")


def take_snapshot(remote: Remote, *, as_key: str, progress: Callable[[str], None]) -> dict[str, Any]:
    """The fixture document, checked to load as the fake would load it."""
    avatars = []
    listed = _list(remote, "/avatars/list", None)
    for number, avatar in enumerate(listed, 1):
        progress(f"avatar {avatar['avatar_id']} ({number} of {len(listed)})")
        catalogues = {key: _list(remote, path, avatar["avatar_id"]) for key, path in _CATALOGUES.items()}
        avatars.append(
            {
                **_with_numeric_ids(avatar),
                **{key: [_with_numeric_ids(item) for item in items] for key, items in catalogues.items()},
                "subscribers": [],
            }
        )
    taken = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    document = {
        "description": f"Snapshot of {remote.base_url} taken {taken} by fake-smartengage {__version__}: its avatars, "
        "and their tags, custom fields and sequences, with their ids and in the order listed. No subscribers: "
        "the SmartEngage API has no route that lists them.",
        "accounts": [{"api_key": as_key, "avatars": avatars}],
    }
    try:
        parse_document(document, source=f"the snapshot of {remote.base_url}")
    except FixtureError as error:
        raise CannotRun(f"cannot make a fixture of what {remote.base_url} answered: {error}") from None
    return document


def _list(remote: Remote, path: str, avatar_id: str | None) -> list[dict[str, Any]]:
    response = remote.call("GET", path, params={"avatar_id": avatar_id} if avatar_id else None)
    where = f"{remote.base_url}{path}" + (f"?avatar_id={avatar_id}" if avatar_id else "")
    if response.status_code in (401, 403) and avatar_id is None:
        raise CannotRun(f"{where} refused the API key ({response.status_code})")
    if response.status_code != 200:
        raise CannotRun(f"{where} answered {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise CannotRun(f"{where} answered something other than JSON") from None
    problems = shape_problems(body, list_of(LIST_ROUTES[path.strip("/")]))
    if problems:
        raise CannotRun(f"{where} answered another shape than the fake serves: {problems[0]}")
    return body


def _with_numeric_ids(item: dict[str, Any]) -> dict[str, Any]:
    """A listed item as a fixture holds it: ids as numbers (the API sends strings of digits)."""
    return {key: int(value) if key in _ID_FIELDS else value for key, value in item.items()}
