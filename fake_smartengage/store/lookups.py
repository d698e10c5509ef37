"""Finding an account's items by what clients send: avatar and subscriber ids, and the tags,
custom fields and sequences they name by id or by name. Each raises `NotFound` (or
`AmbiguousName`) for what is not there."""

import sqlite3

from ..validation import as_id
from .catalogues import Catalogue
from .exceptions import AmbiguousName, NotFound


def avatar_pk(conn: sqlite3.Connection, avatar_id: int) -> int:
    # Another account's avatar is in another database: answered exactly like a missing one.
    row = conn.execute("SELECT pk FROM avatar WHERE avatar_id = ?", (avatar_id,)).fetchone()
    if row is None:
        raise NotFound("avatar", "avatar_id", avatar_id)
    return row[0]


def subscriber_pks(conn: sqlite3.Connection, avatar_id: int, subscriber_id: int) -> tuple[int, int]:
    """The avatar's and the subscriber's surrogate keys, in one statement; not found as `avatar_pk`."""
    row = conn.execute(
        "SELECT a.pk, s.pk FROM avatar AS a "
        "LEFT JOIN subscriber AS s ON s.avatar_pk = a.pk AND s.subscriber_id = ? "
        "WHERE a.avatar_id = ?",
        (subscriber_id, avatar_id),
    ).fetchone()
    if row is None:
        raise NotFound("avatar", "avatar_id", avatar_id)
    if row[1] is None:
        raise NotFound("subscriber", "subscriber_id", subscriber_id)
    return row[0], row[1]


def catalogue_pk(conn: sqlite3.Connection, catalogue: Catalogue, avatar: int, ref: str, param: str) -> int:
    """The item `ref` names: by its documented id first, failing that by its unique name."""
    item_id = as_id(ref)
    if item_id is not None:
        row = conn.execute(
            f"SELECT pk FROM {catalogue.table} WHERE avatar_pk = ? AND {catalogue.id_column} = ?",
            (avatar, item_id),
        ).fetchone()
        if row:
            return row[0]
    rows = conn.execute(
        f"SELECT pk FROM {catalogue.table} WHERE avatar_pk = ? AND {catalogue.name_column} = ? LIMIT 2",
        (avatar, ref),
    ).fetchall()
    if not rows:
        raise NotFound(catalogue.label, param, ref)
    if len(rows) > 1:
        raise AmbiguousName(catalogue.label, param, ref)
    return rows[0][0]
