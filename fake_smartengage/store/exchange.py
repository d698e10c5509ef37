"""Whole accounts in and out of the database, as fixture documents describe them.

Fixture lists are newest first, so the first item of a list gets the highest ordinal; a
subscriber's own attachments are listed in the order they were attached.
"""

import sqlite3
from typing import cast

from . import hydration
from .catalogues import CATALOGUES
from .columns import AVATAR_DETAILS, SUBSCRIBER_DETAILS
from .seeding import AvatarSeed

_AVATAR_COLUMNS = ", ".join(AVATAR_DETAILS)
_SUBSCRIBER_COLUMNS = ", ".join(SUBSCRIBER_DETAILS)


def insert_avatars(conn: sqlite3.Connection, avatars: list[AvatarSeed]) -> None:
    """Stores the avatars of an account in its (new) database."""
    placeholders = ", ".join("?" for _ in AVATAR_DETAILS)
    for position, avatar in enumerate(avatars):
        avatar_pk = conn.execute(
            f"INSERT INTO avatar (avatar_id, ordinal, {_AVATAR_COLUMNS}) VALUES (?, ?, {placeholders})",
            (avatar.avatar_id, len(avatars) - position, *(getattr(avatar, c) for c in AVATAR_DETAILS)),
        ).lastrowid
        _insert_avatar_contents(conn, cast(int, avatar_pk), avatar)  # lastrowid: int after an INSERT


def _insert_avatar_contents(conn: sqlite3.Connection, avatar_pk: int, avatar: AvatarSeed) -> None:
    pks: dict[str, dict[int, int]] = {}
    for catalogue in CATALOGUES:
        items = getattr(avatar, catalogue.fixture_key)
        pks[catalogue.table] = {}
        for position, item in enumerate(items):
            item_id = getattr(item, catalogue.id_column)
            pk = conn.execute(
                f"INSERT INTO {catalogue.table} (avatar_pk, {catalogue.id_column}, ordinal, {catalogue.name_column}) "
                "VALUES (?, ?, ?, ?)",
                (avatar_pk, item_id, len(items) - position, getattr(item, catalogue.name_column)),
            ).lastrowid
            pks[catalogue.table][item_id] = cast(int, pk)
    placeholders = ", ".join("?" for _ in SUBSCRIBER_DETAILS)
    for position, subscriber in enumerate(avatar.subscribers):
        subscriber_pk = conn.execute(
            f"INSERT INTO subscriber (avatar_pk, subscriber_id, ordinal, {_SUBSCRIBER_COLUMNS}) "
            f"VALUES (?, ?, ?, {placeholders})",
            (
                avatar_pk,
                subscriber.id,
                len(avatar.subscribers) - position,
                *(getattr(subscriber, column) for column in SUBSCRIBER_DETAILS),
            ),
        ).lastrowid
        conn.executemany(
            "INSERT INTO subscriber_tag (subscriber_pk, tag_pk, ordinal) VALUES (?, ?, ?)",
            [(subscriber_pk, pks["tag"][tag_id], index + 1) for index, tag_id in enumerate(subscriber.tags)],
        )
        conn.executemany(
            "INSERT INTO subscriber_field_value (subscriber_pk, custom_field_pk, ordinal, custom_value) "
            "VALUES (?, ?, ?, ?)",
            [
                (subscriber_pk, pks["custom_field"][value.custom_field_id], index + 1, value.custom_value)
                for index, value in enumerate(subscriber.custom_fields)
            ],
        )
        conn.executemany(
            "INSERT INTO subscriber_sequence (subscriber_pk, sequence_pk, ordinal, status) VALUES (?, ?, ?, ?)",
            [
                (subscriber_pk, pks["sequence"][status.sequence_id], index + 1, status.status)
                for index, status in enumerate(subscriber.sequences)
            ],
        )


def export_account(conn: sqlite3.Connection, api_key: str) -> dict:
    """The account in the database `conn` opens, under `api_key`, as a fixture document's account."""
    avatars = conn.execute(f"SELECT pk, avatar_id, {_AVATAR_COLUMNS} FROM avatar ORDER BY ordinal DESC").fetchall()
    return {
        "api_key": api_key,
        "avatars": [
            {
                "avatar_id": avatar_id,
                **dict(zip(AVATAR_DETAILS, details, strict=True)),
                **_export_avatar_contents(conn, avatar_pk),
            }
            for avatar_pk, avatar_id, *details in avatars
        ],
    }


def _export_avatar_contents(conn: sqlite3.Connection, avatar_pk: int) -> dict:
    contents: dict = {}
    for catalogue in CATALOGUES:
        rows = conn.execute(
            f"SELECT {catalogue.id_column}, {catalogue.name_column} FROM {catalogue.table} "
            "WHERE avatar_pk = ? ORDER BY ordinal DESC",
            (avatar_pk,),
        )
        contents[catalogue.fixture_key] = [
            {catalogue.id_column: item_id, catalogue.name_column: name} for item_id, name in rows
        ]
    pks = [
        pk
        for (pk,) in conn.execute("SELECT pk FROM subscriber WHERE avatar_pk = ? ORDER BY ordinal DESC", (avatar_pk,))
    ]
    contents["subscribers"] = [subscriber.seed() for subscriber in hydration.load(conn, pks)]
    return contents
