"""Every read and write of SmartEngage state, and the only module that queries the database.

Functions take the caller's account (its surrogate key) and the ids as the client sent them;
they raise `ApiError` for anything the client got wrong and know nothing of HTTP requests.
Each write runs in one transaction, so a request that fails changes nothing.

Queries go to sqlite3 directly: the ORM costs more per request than the whole rest of the
request does, and the schema is still the one declared in `models`.
"""

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from . import errors
from .db import Database
from .settings import DuplicatePolicy
from .schemas import (
    AvatarPublic,
    CustomFieldPublic,
    SequencePublic,
    SubscriberCustomField,
    SubscriberPublic,
    SubscriberSequence,
    TagPublic,
)
from .seeding import IDENTITY_FIELDS, AccountSeed, AvatarSeed
from .validation import MAX_ID, as_id, is_valid_email

ACTIVE = "Active"


@lru_cache(maxsize=4096)  # the same few keys come with every request, several times
def key_digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


@dataclass(frozen=True)
class SubscriberChanges:
    """What a subscribers/add or subscribers/update request asks for; None means not sent."""

    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    facebook_id: str | None = None
    push_id: str | None = None
    tags: Sequence[str] = ()
    custom_values: Sequence[tuple[str, str]] = ()

    def identities(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in IDENTITY_FIELDS if getattr(self, name) is not None}


@dataclass(frozen=True)
class _Catalogue:
    """One of an avatar's named lists that subscribers refer to: tags, custom fields, sequences."""

    table: str
    id_column: str
    name_column: str
    label: str


TAGS = _Catalogue("tag", "tag_id", "tag_name", "tag")
CUSTOM_FIELDS = _Catalogue("custom_field", "custom_field_id", "custom_field_name", "custom field")
SEQUENCES = _Catalogue("sequence", "sequence_id", "sequence_name", "sequence")


class Store:
    def __init__(self, db: Database, *, duplicates: DuplicatePolicy = "update") -> None:
        self._db = db
        self.duplicates = duplicates

    # Accounts

    def account_for_key(self, api_key: str) -> int | None:
        with self._db.reading() as conn:
            row = conn.execute("SELECT pk FROM account WHERE key_digest = ?", (key_digest(api_key),)).fetchone()
        return row[0] if row else None

    def is_empty(self) -> bool:
        with self._db.reading() as conn:
            return conn.execute("SELECT 1 FROM account LIMIT 1").fetchone() is None

    def api_keys(self) -> list[str]:
        with self._db.reading() as conn:
            return [row[0] for row in conn.execute("SELECT api_key FROM account ORDER BY pk")]

    # Lists

    def list_avatars(self, account: int) -> list[AvatarPublic]:
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT brand_name, avatar_id, brand_image, user_role, facebook_page_id FROM avatar "
                "WHERE account_pk = ? ORDER BY ordinal DESC",
                (account,),
            ).fetchall()
        return [
            AvatarPublic(
                brand_name=brand_name,
                avatar_id=str(avatar_id),
                brand_image=brand_image,
                user_role=user_role,
                facebook_page_id=facebook_page_id,
            )
            for brand_name, avatar_id, brand_image, user_role, facebook_page_id in rows
        ]

    def list_tags(self, account: int, avatar_id: int) -> list[TagPublic]:
        return [TagPublic(tag_id=i, tag_name=name) for i, name in self._list(TAGS, account, avatar_id)]

    def list_custom_fields(self, account: int, avatar_id: int) -> list[CustomFieldPublic]:
        return [
            CustomFieldPublic(custom_field_id=i, custom_field_name=name)
            for i, name in self._list(CUSTOM_FIELDS, account, avatar_id)
        ]

    def list_sequences(self, account: int, avatar_id: int) -> list[SequencePublic]:
        return [
            SequencePublic(sequence_id=i, sequence_name=name) for i, name in self._list(SEQUENCES, account, avatar_id)
        ]

    def _list(self, catalogue: _Catalogue, account: int, avatar_id: int) -> list[tuple[str, str]]:
        with self._db.reading() as conn:
            avatar = _avatar_pk(conn, account, avatar_id)
            rows = conn.execute(
                f"SELECT {catalogue.id_column}, {catalogue.name_column} FROM {catalogue.table} "
                "WHERE avatar_pk = ? ORDER BY ordinal DESC",
                (avatar,),
            ).fetchall()
        return [(str(item_id), name) for item_id, name in rows]

    # Subscribers

    def add_subscriber(self, account: int, avatar_id: int, changes: SubscriberChanges) -> SubscriberPublic:
        _check_email(changes.email)
        identities = changes.identities()
        if not identities:
            raise errors.missing_identity()
        with self._db.transaction() as conn:
            avatar = _avatar_pk(conn, account, avatar_id)
            tags, values = _resolve_lists(conn, avatar, changes)
            owners = _owners(conn, avatar, identities)
            if len(owners) > 1:
                raise errors.identity_split(sorted(subscriber_id for subscriber_id, _ in owners.values()))
            if owners:
                subscriber, (subscriber_id, param) = next(iter(owners.items()))
                if self.duplicates == "conflict":
                    raise errors.identity_taken(param, subscriber_id)
                _update_row(conn, subscriber, changes)
            else:
                subscriber = _insert_row(conn, avatar, changes)
            _attach_tags(conn, subscriber, tags)
            _set_values(conn, subscriber, values)
            return _subscriber_public(conn, subscriber)

    def update_subscriber(
        self, account: int, avatar_id: int, subscriber_id: int, changes: SubscriberChanges
    ) -> SubscriberPublic:
        _check_email(changes.email)

        def apply(conn: sqlite3.Connection, avatar: int, subscriber: int) -> None:
            tags, values = _resolve_lists(conn, avatar, changes)
            for owner, (owner_id, param) in _owners(conn, avatar, changes.identities()).items():
                if owner != subscriber:
                    raise errors.identity_taken(param, owner_id)
            _update_row(conn, subscriber, changes)
            _attach_tags(conn, subscriber, tags)
            _set_values(conn, subscriber, values)

        return self._change_subscriber(account, avatar_id, subscriber_id, apply)

    def add_tag(self, account: int, avatar_id: int, subscriber_id: int, tag: str) -> SubscriberPublic:
        def apply(conn: sqlite3.Connection, avatar: int, subscriber: int) -> None:
            _attach_tags(conn, subscriber, [_resolve(conn, TAGS, avatar, tag, "tag")])

        return self._change_subscriber(account, avatar_id, subscriber_id, apply)

    def remove_tag(self, account: int, avatar_id: int, subscriber_id: int, tag: str) -> SubscriberPublic:
        def apply(conn: sqlite3.Connection, avatar: int, subscriber: int) -> None:
            conn.execute(
                "DELETE FROM subscriber_tag WHERE subscriber_pk = ? AND tag_pk = ?",
                (subscriber, _resolve(conn, TAGS, avatar, tag, "tag")),
            )

        return self._change_subscriber(account, avatar_id, subscriber_id, apply)

    def set_custom_field(
        self, account: int, avatar_id: int, subscriber_id: int, field: str, value: str
    ) -> SubscriberPublic:
        def apply(conn: sqlite3.Connection, avatar: int, subscriber: int) -> None:
            _set_values(conn, subscriber, [(_resolve(conn, CUSTOM_FIELDS, avatar, field, "field"), value)])

        return self._change_subscriber(account, avatar_id, subscriber_id, apply)

    def add_to_sequence(self, account: int, avatar_id: int, subscriber_id: int, sequence: str) -> SubscriberPublic:
        # Subscribing again restarts the sequence: a Completed one becomes Active.
        def apply(conn: sqlite3.Connection, avatar: int, subscriber: int) -> None:
            conn.execute(
                "INSERT INTO subscriber_sequence (subscriber_pk, sequence_pk, ordinal, status) "
                "VALUES (?, ?, (SELECT COALESCE(MAX(ordinal), 0) + 1 FROM subscriber_sequence "
                "WHERE subscriber_pk = ?), ?) "
                "ON CONFLICT (subscriber_pk, sequence_pk) DO UPDATE SET status = excluded.status",
                (subscriber, _resolve(conn, SEQUENCES, avatar, sequence, "sequence"), subscriber, ACTIVE),
            )

        return self._change_subscriber(account, avatar_id, subscriber_id, apply)

    def remove_from_sequence(
        self, account: int, avatar_id: int, subscriber_id: int, sequence: str
    ) -> SubscriberPublic:
        def apply(conn: sqlite3.Connection, avatar: int, subscriber: int) -> None:
            conn.execute(
                "DELETE FROM subscriber_sequence WHERE subscriber_pk = ? AND sequence_pk = ?",
                (subscriber, _resolve(conn, SEQUENCES, avatar, sequence, "sequence")),
            )

        return self._change_subscriber(account, avatar_id, subscriber_id, apply)

    def _change_subscriber(
        self,
        account: int,
        avatar_id: int,
        subscriber_id: int,
        apply: Callable[[sqlite3.Connection, int, int], None],
    ) -> SubscriberPublic:
        with self._db.transaction() as conn:
            avatar = _avatar_pk(conn, account, avatar_id)
            subscriber = _subscriber_pk(conn, avatar, subscriber_id)
            apply(conn, avatar, subscriber)
            return _subscriber_public(conn, subscriber)

    # Whole accounts, as fixtures and the test harness see them

    def add_accounts(self, accounts: list[AccountSeed]) -> None:
        """Adds accounts checked by `seeding`; their keys must not be in use."""
        with self._db.transaction() as conn:
            for account in accounts:
                _insert_account(conn, account)

    def replace_accounts(self, accounts: list[AccountSeed]) -> None:
        """Makes these accounts the whole state."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM account")
            for account in accounts:
                _insert_account(conn, account)

    def replace_account(self, account: AccountSeed) -> bool:
        """Replaces everything the account with this key holds; False if there is no such account."""
        with self._db.transaction() as conn:
            row = conn.execute("SELECT pk FROM account WHERE key_digest = ?", (key_digest(account.api_key),)).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM avatar WHERE account_pk = ?", (row[0],))
            _insert_avatars(conn, row[0], account.avatars)
            return True

    def delete_account(self, api_key: str) -> bool:
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM account WHERE key_digest = ?", (key_digest(api_key),)).rowcount > 0

    def export(self, api_key: str | None = None) -> dict:
        """The state (or one account's) as a fixture document that loads back to the same state."""
        with self._db.reading() as conn:
            if api_key is None:
                accounts = conn.execute("SELECT pk, api_key FROM account ORDER BY pk").fetchall()
            else:
                accounts = conn.execute(
                    "SELECT pk, api_key FROM account WHERE key_digest = ?", (key_digest(api_key),)
                ).fetchall()
            return {"accounts": [_export_account(conn, pk, key) for pk, key in accounts]}

    def get_subscriber(self, account: int, avatar_id: int, subscriber_id: int) -> SubscriberPublic:
        with self._db.reading() as conn:
            avatar = _avatar_pk(conn, account, avatar_id)
            return _subscriber_public(conn, _subscriber_pk(conn, avatar, subscriber_id))

    def find_subscribers(
        self,
        *,
        api_key: str | None = None,
        avatar_id: int | None = None,
        email: str | None = None,
        tag: str | None = None,
    ) -> list[SubscriberPublic]:
        """Subscribers matching every filter given, by account, avatar, then newest first."""
        conditions, values = [], []
        if api_key is not None:
            conditions.append("c.key_digest = ?")
            values.append(key_digest(api_key))
        if avatar_id is not None:
            conditions.append("a.avatar_id = ?")
            values.append(avatar_id)
        if email is not None:
            conditions.append("s.email = ?")
            values.append(email)
        if tag is not None:
            conditions.append(
                "EXISTS (SELECT 1 FROM subscriber_tag AS st JOIN tag AS t ON t.pk = st.tag_pk "
                "WHERE st.subscriber_pk = s.pk AND (t.tag_name = ? OR t.tag_id = ?))"
            )
            values += [tag, as_id(tag)]
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT s.pk FROM subscriber AS s JOIN avatar AS a ON a.pk = s.avatar_pk "
                f"JOIN account AS c ON c.pk = a.account_pk {where} "
                "ORDER BY c.pk, a.ordinal DESC, s.ordinal DESC",
                values,
            ).fetchall()
            return [_subscriber_public(conn, pk) for (pk,) in rows]


def _check_email(email: str | None) -> None:
    if email is not None and not is_valid_email(email):
        raise errors.invalid_email(email)


def _avatar_pk(conn: sqlite3.Connection, account: int, avatar_id: int) -> int:
    # Another account's avatar is answered exactly like a missing one, so nothing leaks.
    row = conn.execute(
        "SELECT pk FROM avatar WHERE account_pk = ? AND avatar_id = ?", (account, avatar_id)
    ).fetchone()
    if row is None:
        raise errors.not_found("avatar", "avatar_id", avatar_id)
    return row[0]


def _subscriber_pk(conn: sqlite3.Connection, avatar: int, subscriber_id: int) -> int:
    row = conn.execute(
        "SELECT pk FROM subscriber WHERE avatar_pk = ? AND subscriber_id = ?", (avatar, subscriber_id)
    ).fetchone()
    if row is None:
        raise errors.not_found("subscriber", "subscriber_id", subscriber_id)
    return row[0]


def _resolve(conn: sqlite3.Connection, catalogue: _Catalogue, avatar: int, ref: str, param: str) -> int:
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
        raise errors.not_found(catalogue.label, param, ref)
    if len(rows) > 1:
        raise errors.ambiguous_name(catalogue.label, param, ref)
    return rows[0][0]


def _resolve_lists(
    conn: sqlite3.Connection, avatar: int, changes: SubscriberChanges
) -> tuple[list[int], list[tuple[int, str]]]:
    tags = [_resolve(conn, TAGS, avatar, tag, "tags") for tag in changes.tags]
    values = [
        (_resolve(conn, CUSTOM_FIELDS, avatar, field, "custom_field"), value) for field, value in changes.custom_values
    ]
    return tags, values


def _owners(conn: sqlite3.Connection, avatar: int, identities: dict[str, str]) -> dict[int, tuple[int, str]]:
    """The subscribers that already hold any of these identities: pk -> (id, the identity's name)."""
    owners: dict[int, tuple[int, str]] = {}
    for name, value in identities.items():
        # IDENTITY_FIELDS are column names; `email` compares without case (see models).
        for pk, subscriber_id in conn.execute(
            f"SELECT pk, subscriber_id FROM subscriber WHERE avatar_pk = ? AND {name} = ?", (avatar, value)
        ):
            owners.setdefault(pk, (subscriber_id, name))
    return owners


def _joined_name(first: str | None, last: str | None) -> str | None:
    return " ".join(part for part in (first, last) if part) or None


def _insert_row(conn: sqlite3.Connection, avatar: int, changes: SubscriberChanges) -> int:
    highest_id, highest_ordinal = conn.execute(
        "SELECT (SELECT MAX(subscriber_id) FROM subscriber WHERE avatar_pk = ?), "
        "(SELECT MAX(ordinal) FROM subscriber WHERE avatar_pk = ?)",
        (avatar, avatar),
    ).fetchone()
    if highest_id == MAX_ID:
        raise errors.ids_exhausted("subscriber")
    full_name = changes.full_name if changes.full_name is not None else _joined_name(changes.first_name, changes.last_name)
    return conn.execute(
        "INSERT INTO subscriber (avatar_pk, subscriber_id, ordinal, full_name, first_name, last_name, "
        "email, facebook_id, push_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            avatar,
            (highest_id or 0) + 1,
            (highest_ordinal or 0) + 1,
            full_name,
            changes.first_name,
            changes.last_name,
            changes.email,
            changes.facebook_id,
            changes.push_id,
        ),
    ).lastrowid


def _update_row(conn: sqlite3.Connection, subscriber: int, changes: SubscriberChanges) -> None:
    """Sets what was sent and keeps the rest."""
    assignments = {
        name: getattr(changes, name)
        for name in ("first_name", "last_name", *IDENTITY_FIELDS)
        if getattr(changes, name) is not None
    }
    if changes.full_name is not None:
        assignments["full_name"] = changes.full_name
    elif changes.first_name is not None or changes.last_name is not None:
        full_name, first, last = conn.execute(
            "SELECT full_name, first_name, last_name FROM subscriber WHERE pk = ?", (subscriber,)
        ).fetchone()
        # Only a name that was derived from first and last name follows them; one set explicitly stays.
        if full_name is None or full_name == _joined_name(first, last):
            assignments["full_name"] = _joined_name(
                changes.first_name if changes.first_name is not None else first,
                changes.last_name if changes.last_name is not None else last,
            )
    if assignments:
        columns = ", ".join(f"{name} = ?" for name in assignments)
        conn.execute(f"UPDATE subscriber SET {columns} WHERE pk = ?", (*assignments.values(), subscriber))


def _attach_tags(conn: sqlite3.Connection, subscriber: int, tags: list[int]) -> None:
    for tag in tags:
        conn.execute(
            "INSERT OR IGNORE INTO subscriber_tag (subscriber_pk, tag_pk, ordinal) VALUES (?, ?, "
            "(SELECT COALESCE(MAX(ordinal), 0) + 1 FROM subscriber_tag WHERE subscriber_pk = ?))",
            (subscriber, tag, subscriber),
        )


def _set_values(conn: sqlite3.Connection, subscriber: int, values: list[tuple[int, str]]) -> None:
    for field, value in values:
        conn.execute(
            "INSERT INTO subscriber_field_value (subscriber_pk, custom_field_pk, ordinal, custom_value) "
            "VALUES (?, ?, (SELECT COALESCE(MAX(ordinal), 0) + 1 FROM subscriber_field_value "
            "WHERE subscriber_pk = ?), ?) "
            "ON CONFLICT (subscriber_pk, custom_field_pk) DO UPDATE SET custom_value = excluded.custom_value",
            (subscriber, field, subscriber, value),
        )


def _subscriber_public(conn: sqlite3.Connection, subscriber: int) -> SubscriberPublic:
    row = conn.execute(
        "SELECT subscriber_id, full_name, email, ip, gender, language, place, facebook_id, push_id "
        "FROM subscriber WHERE pk = ?",
        (subscriber,),
    ).fetchone()
    tags = conn.execute(
        "SELECT t.tag_name FROM subscriber_tag AS st JOIN tag AS t ON t.pk = st.tag_pk "
        "WHERE st.subscriber_pk = ? ORDER BY st.ordinal",
        (subscriber,),
    ).fetchall()
    values = conn.execute(
        "SELECT f.custom_field_id, f.custom_field_name, v.custom_value FROM subscriber_field_value AS v "
        "JOIN custom_field AS f ON f.pk = v.custom_field_pk WHERE v.subscriber_pk = ? ORDER BY v.ordinal",
        (subscriber,),
    ).fetchall()
    sequences = conn.execute(
        "SELECT q.sequence_id, q.sequence_name, s.status FROM subscriber_sequence AS s "
        "JOIN sequence AS q ON q.pk = s.sequence_pk WHERE s.subscriber_pk = ? ORDER BY s.ordinal",
        (subscriber,),
    ).fetchall()
    subscriber_id, full_name, email, ip, gender, language, place, facebook_id, push_id = row
    return SubscriberPublic(
        id=str(subscriber_id),
        full_name=full_name,
        email=email,
        ip=ip,
        gender=gender,
        language=language,
        place=place,
        facebook_id=facebook_id,
        push_id=push_id,
        tags=[name for (name,) in tags],
        custom_fields=[
            SubscriberCustomField(custom_field_id=str(i), custom_field_name=name, custom_value=value)
            for i, name, value in values
        ],
        sequences=[
            SubscriberSequence(sequence_id=str(i), sequence_name=name, status=status) for i, name, status in sequences
        ],
    )


_SEEDED_SUBSCRIBER_COLUMNS = (
    "full_name", "first_name", "last_name", "email", "ip", "gender", "language", "place", "facebook_id", "push_id"
)


def _insert_account(conn: sqlite3.Connection, account: AccountSeed) -> None:
    account_pk = conn.execute(
        "INSERT INTO account (api_key, key_digest) VALUES (?, ?)", (account.api_key, key_digest(account.api_key))
    ).lastrowid
    _insert_avatars(conn, account_pk, account.avatars)


def _insert_avatars(conn: sqlite3.Connection, account_pk: int, avatars: list[AvatarSeed]) -> None:
    for position, avatar in enumerate(avatars):
        avatar_pk = conn.execute(
            "INSERT INTO avatar (account_pk, avatar_id, ordinal, brand_name, brand_image, user_role, "
            "facebook_page_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                account_pk,
                avatar.avatar_id,
                len(avatars) - position,
                avatar.brand_name,
                avatar.brand_image,
                avatar.user_role,
                avatar.facebook_page_id,
            ),
        ).lastrowid
        _insert_avatar_contents(conn, avatar_pk, avatar)


def _insert_avatar_contents(conn: sqlite3.Connection, avatar_pk: int, avatar: AvatarSeed) -> None:
    # Fixture lists are newest first, so the first item gets the highest ordinal.
    pks: dict[str, dict[int, int]] = {}
    for catalogue, items in ((TAGS, avatar.tags), (CUSTOM_FIELDS, avatar.custom_fields), (SEQUENCES, avatar.sequences)):
        pks[catalogue.table] = {}
        for position, item in enumerate(items):
            item_id = getattr(item, catalogue.id_column)
            pks[catalogue.table][item_id] = conn.execute(
                f"INSERT INTO {catalogue.table} (avatar_pk, {catalogue.id_column}, ordinal, {catalogue.name_column}) "
                "VALUES (?, ?, ?, ?)",
                (avatar_pk, item_id, len(items) - position, getattr(item, catalogue.name_column)),
            ).lastrowid
    columns = ", ".join(_SEEDED_SUBSCRIBER_COLUMNS)
    placeholders = ", ".join("?" for _ in _SEEDED_SUBSCRIBER_COLUMNS)
    for position, subscriber in enumerate(avatar.subscribers):
        subscriber_pk = conn.execute(
            f"INSERT INTO subscriber (avatar_pk, subscriber_id, ordinal, {columns}) VALUES (?, ?, ?, {placeholders})",
            (
                avatar_pk,
                subscriber.id,
                len(avatar.subscribers) - position,
                *(getattr(subscriber, column) for column in _SEEDED_SUBSCRIBER_COLUMNS),
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


def _export_account(conn: sqlite3.Connection, account_pk: int, api_key: str) -> dict:
    avatars = conn.execute(
        "SELECT pk, avatar_id, brand_name, brand_image, user_role, facebook_page_id FROM avatar "
        "WHERE account_pk = ? ORDER BY ordinal DESC",
        (account_pk,),
    ).fetchall()
    return {
        "api_key": api_key,
        "avatars": [
            {
                "avatar_id": avatar_id,
                "brand_name": brand_name,
                "brand_image": brand_image,
                "user_role": user_role,
                "facebook_page_id": facebook_page_id,
                **_export_avatar_contents(conn, avatar_pk),
            }
            for avatar_pk, avatar_id, brand_name, brand_image, user_role, facebook_page_id in avatars
        ],
    }


def _export_avatar_contents(conn: sqlite3.Connection, avatar_pk: int) -> dict:
    contents: dict = {}
    for key, catalogue in (("tags", TAGS), ("custom_fields", CUSTOM_FIELDS), ("sequences", SEQUENCES)):
        rows = conn.execute(
            f"SELECT {catalogue.id_column}, {catalogue.name_column} FROM {catalogue.table} "
            "WHERE avatar_pk = ? ORDER BY ordinal DESC",
            (avatar_pk,),
        )
        contents[key] = [{catalogue.id_column: item_id, catalogue.name_column: name} for item_id, name in rows]
    # Each subscriber's attachments, read per avatar rather than per subscriber.
    attached: dict[int, dict[str, list]] = {}
    for subscriber_pk, tag_id in conn.execute(
        "SELECT st.subscriber_pk, t.tag_id FROM subscriber_tag AS st JOIN tag AS t ON t.pk = st.tag_pk "
        "WHERE t.avatar_pk = ? ORDER BY st.subscriber_pk, st.ordinal",
        (avatar_pk,),
    ):
        attached.setdefault(subscriber_pk, {}).setdefault("tags", []).append(tag_id)
    for subscriber_pk, field_id, value in conn.execute(
        "SELECT v.subscriber_pk, f.custom_field_id, v.custom_value FROM subscriber_field_value AS v "
        "JOIN custom_field AS f ON f.pk = v.custom_field_pk WHERE f.avatar_pk = ? ORDER BY v.subscriber_pk, v.ordinal",
        (avatar_pk,),
    ):
        attached.setdefault(subscriber_pk, {}).setdefault("custom_fields", []).append(
            {"custom_field_id": field_id, "custom_value": value}
        )
    for subscriber_pk, sequence_id, status in conn.execute(
        "SELECT s.subscriber_pk, q.sequence_id, s.status FROM subscriber_sequence AS s "
        "JOIN sequence AS q ON q.pk = s.sequence_pk WHERE q.avatar_pk = ? ORDER BY s.subscriber_pk, s.ordinal",
        (avatar_pk,),
    ):
        attached.setdefault(subscriber_pk, {}).setdefault("sequences", []).append(
            {"sequence_id": sequence_id, "status": status}
        )
    columns = ", ".join(_SEEDED_SUBSCRIBER_COLUMNS)
    subscribers = []
    for pk, subscriber_id, *values in conn.execute(
        f"SELECT pk, subscriber_id, {columns} FROM subscriber WHERE avatar_pk = ? ORDER BY ordinal DESC", (avatar_pk,)
    ):
        details = {name: value for name, value in zip(_SEEDED_SUBSCRIBER_COLUMNS, values) if value is not None}
        links = attached.get(pk, {})
        subscribers.append(
            {
                "id": subscriber_id,
                **details,
                "tags": links.get("tags", []),
                "custom_fields": links.get("custom_fields", []),
                "sequences": links.get("sequences", []),
            }
        )
    contents["subscribers"] = subscribers
    return contents
