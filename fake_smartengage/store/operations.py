"""The SmartEngage API's reads and writes of the state.

Functions take the caller's account (`accounts.Account`) and the ids as the client sent them;
they raise the store's errors (`exceptions`) for anything the client got wrong and know nothing
of HTTP.
Each write runs in one transaction, so a request that fails changes nothing.

Queries go to sqlite3 directly: the ORM costs more per request than the whole rest of the
request does, and the schema is still the one declared in `models`.
"""

import dataclasses
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from ..schemas import AvatarObject, AvatarPublic, CatalogueItem, SubscriberObject
from ..settings import DuplicatePolicy
from ..validation import MAX_ID, is_valid_email
from . import hydration
from .accounts import Account, Accounts
from .catalogues import CUSTOM_FIELDS, SEQUENCES, TAGS, Catalogue
from .columns import SUBSCRIBER_WRITABLE
from .exceptions import IdentitySplit, IdentityTaken, IdsExhausted, InvalidEmail, MissingIdentity
from .lookups import avatar_pk, catalogue_pk, subscriber_pks
from .seeding import IDENTITY_FIELDS

ACTIVE = "Active"
SUBSCRIBERS_NEWEST_FIRST = "SELECT pk FROM subscriber WHERE avatar_pk = ? ORDER BY ordinal DESC"
_EVERY_AVATARS_SUBSCRIBERS = (
    "SELECT subscriber.pk FROM subscriber JOIN avatar ON avatar.pk = subscriber.avatar_pk "
    "ORDER BY avatar.ordinal DESC, subscriber.ordinal DESC"
)
# The public shape's fields are the avatar table's columns, ids aside shown as they are stored.
_AVATAR_FIELDS = tuple(AvatarPublic.model_fields)
_AVATAR_PUBLIC_COLUMNS = ", ".join(_AVATAR_FIELDS)
_AVATAR_ID = _AVATAR_FIELDS.index("avatar_id")


@dataclass(frozen=True)
class SubscriberChanges:
    """What a subscribers/add or subscribers/update request asks for: `details`, the subscriber's
    columns as sent (`SUBSCRIBER_WRITABLE`; a column absent or None was not sent), the tags to
    attach and the custom field values to set."""

    details: Mapping[str, str | None] = dataclasses.field(default_factory=dict)
    tags: Sequence[str] = ()
    custom_values: Sequence[tuple[str, str]] = ()

    def __post_init__(self) -> None:
        # The names become column names in the statements: only the declared ones may.
        unknown = set(self.details) - set(SUBSCRIBER_WRITABLE)
        if unknown:
            raise ValueError(f"not writable subscriber columns: {', '.join(sorted(unknown))}")

    def sent(self) -> dict[str, str]:
        return {column: value for column, value in self.details.items() if value is not None}

    def identities(self) -> dict[str, str]:
        sent = self.sent()
        return {name: sent[name] for name in IDENTITY_FIELDS if name in sent}


class Store:
    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    def account_for_key(self, api_key: str) -> Account | None:
        return self._accounts.find(api_key)

    # Lists

    def list_avatars(self, account: Account) -> list[AvatarObject]:
        with account.reading() as conn:
            rows = conn.execute(f"SELECT {_AVATAR_PUBLIC_COLUMNS} FROM avatar ORDER BY ordinal DESC").fetchall()
        avatars = []
        for row in rows:
            avatar = dict(zip(_AVATAR_FIELDS, row, strict=True))
            avatar["avatar_id"] = str(row[_AVATAR_ID])
            avatars.append(avatar)
        return avatars

    # An avatar_id of None lists the items of every avatar, in the order the avatars are listed.

    def list_tags(self, account: Account, avatar_id: int | None) -> list[CatalogueItem]:
        return self._list(TAGS, account, avatar_id)

    def list_custom_fields(self, account: Account, avatar_id: int | None) -> list[CatalogueItem]:
        return self._list(CUSTOM_FIELDS, account, avatar_id)

    def list_sequences(self, account: Account, avatar_id: int | None) -> list[CatalogueItem]:
        return self._list(SEQUENCES, account, avatar_id)

    def _list(self, catalogue: Catalogue, account: Account, avatar_id: int | None) -> list[CatalogueItem]:
        """The catalogue's items in the shape of its public model (`TagPublic`...), whose fields
        are the catalogue's id and name columns."""
        with account.reading() as conn:
            if avatar_id is None:
                rows = conn.execute(
                    f"SELECT item.{catalogue.id_column}, item.{catalogue.name_column} FROM {catalogue.table} AS item "
                    "JOIN avatar ON avatar.pk = item.avatar_pk ORDER BY avatar.ordinal DESC, item.ordinal DESC"
                ).fetchall()
            else:
                rows = conn.execute(
                    f"SELECT {catalogue.id_column}, {catalogue.name_column} FROM {catalogue.table} "
                    "WHERE avatar_pk = ? ORDER BY ordinal DESC",
                    (avatar_pk(conn, avatar_id),),
                ).fetchall()
        return [{catalogue.id_column: str(item_id), catalogue.name_column: name} for item_id, name in rows]

    def create_item(self, account: Account, catalogue: Catalogue, avatar_id: int, name: str) -> CatalogueItem:
        """A new tag or custom field of the avatar, newest in its list; the one of that name if
        there is one (creating is idempotent, so a client may retry it)."""
        with account.transaction() as conn:
            avatar = avatar_pk(conn, avatar_id)
            found = conn.execute(
                f"SELECT {catalogue.id_column} FROM {catalogue.table} "
                f"WHERE avatar_pk = ? AND {catalogue.name_column} = ? ORDER BY ordinal DESC LIMIT 1",
                (avatar, name),
            ).fetchone()
            if found is not None:
                return {catalogue.id_column: str(found[0]), catalogue.name_column: name}
            item_id, ordinal = _next(conn, catalogue.table, catalogue.id_column, avatar, catalogue.label)
            conn.execute(
                f"INSERT INTO {catalogue.table} (avatar_pk, {catalogue.id_column}, ordinal, {catalogue.name_column}) "
                "VALUES (?, ?, ?, ?)",
                (avatar, item_id, ordinal, name),
            )
        return {catalogue.id_column: str(item_id), catalogue.name_column: name}

    def list_subscribers(self, account: Account, avatar_id: int | None) -> list[SubscriberObject]:
        """The avatar's subscribers as every write answers them, newest first; for an avatar_id of
        None, those of every avatar, in the order the avatars are listed (as the lists above)."""
        with account.reading() as conn:
            if avatar_id is None:
                rows = conn.execute(_EVERY_AVATARS_SUBSCRIBERS)
            else:
                rows = conn.execute(SUBSCRIBERS_NEWEST_FIRST, (avatar_pk(conn, avatar_id),))
            return [loaded.public() for loaded in hydration.load(conn, [pk for (pk,) in rows])]

    # Subscribers

    def add_subscriber(
        self, account: Account, avatar_id: int, changes: SubscriberChanges, *, duplicates: DuplicatePolicy = "update"
    ) -> SubscriberObject:
        _check_email(changes)
        identities = changes.identities()
        if not identities:
            raise MissingIdentity()
        with account.transaction() as conn:
            avatar = avatar_pk(conn, avatar_id)
            tags, values = _resolve_lists(conn, avatar, changes)
            owners = {} if duplicates == "create" else _owners(conn, avatar, identities)
            if len(owners) > 1:
                raise IdentitySplit(sorted(subscriber_id for subscriber_id, _ in owners.values()))
            if owners:
                subscriber, (subscriber_id, param) = next(iter(owners.items()))
                if duplicates == "conflict":
                    raise IdentityTaken(param, subscriber_id)
                _update_row(conn, subscriber, changes)
            else:
                subscriber = _insert_row(conn, avatar, changes)
            _attach_tags(conn, subscriber, tags)
            _set_values(conn, subscriber, values)
            return hydration.load_one(conn, subscriber).public()

    def update_subscriber(
        self,
        account: Account,
        avatar_id: int,
        subscriber_id: int,
        changes: SubscriberChanges,
        *,
        duplicates: DuplicatePolicy = "update",
    ) -> SubscriberObject:
        """With duplicates "create", identities are not unique, so taking one is no conflict."""
        _check_email(changes)

        def apply(conn: sqlite3.Connection, avatar: int, subscriber: int) -> None:
            tags, values = _resolve_lists(conn, avatar, changes)
            owners = {} if duplicates == "create" else _owners(conn, avatar, changes.identities())
            for owner, (owner_id, param) in owners.items():
                if owner != subscriber:
                    raise IdentityTaken(param, owner_id)
            _update_row(conn, subscriber, changes)
            _attach_tags(conn, subscriber, tags)
            _set_values(conn, subscriber, values)

        return self._change_subscriber(account, avatar_id, subscriber_id, apply)

    def add_tag(self, account: Account, avatar_id: int, subscriber_id: int, tag: str) -> SubscriberObject:
        def apply(conn: sqlite3.Connection, avatar: int, subscriber: int) -> None:
            _attach_tags(conn, subscriber, [catalogue_pk(conn, TAGS, avatar, tag, "tag")])

        return self._change_subscriber(account, avatar_id, subscriber_id, apply)

    def remove_tag(self, account: Account, avatar_id: int, subscriber_id: int, tag: str) -> SubscriberObject:
        def apply(conn: sqlite3.Connection, avatar: int, subscriber: int) -> None:
            conn.execute(
                "DELETE FROM subscriber_tag WHERE subscriber_pk = ? AND tag_pk = ?",
                (subscriber, catalogue_pk(conn, TAGS, avatar, tag, "tag")),
            )

        return self._change_subscriber(account, avatar_id, subscriber_id, apply)

    def set_custom_field(
        self, account: Account, avatar_id: int, subscriber_id: int, field: str, value: str
    ) -> SubscriberObject:
        def apply(conn: sqlite3.Connection, avatar: int, subscriber: int) -> None:
            _set_values(conn, subscriber, [(catalogue_pk(conn, CUSTOM_FIELDS, avatar, field, "field"), value)])

        return self._change_subscriber(account, avatar_id, subscriber_id, apply)

    def add_to_sequence(self, account: Account, avatar_id: int, subscriber_id: int, sequence: str) -> SubscriberObject:
        # Subscribing again restarts the sequence: a Completed one becomes Active.
        def apply(conn: sqlite3.Connection, avatar: int, subscriber: int) -> None:
            conn.execute(
                "INSERT INTO subscriber_sequence (subscriber_pk, sequence_pk, ordinal, status) "
                "VALUES (?, ?, (SELECT COALESCE(MAX(ordinal), 0) + 1 FROM subscriber_sequence "
                "WHERE subscriber_pk = ?), ?) "
                "ON CONFLICT (subscriber_pk, sequence_pk) DO UPDATE SET status = excluded.status",
                (subscriber, catalogue_pk(conn, SEQUENCES, avatar, sequence, "sequence"), subscriber, ACTIVE),
            )

        return self._change_subscriber(account, avatar_id, subscriber_id, apply)

    def remove_from_sequence(
        self, account: Account, avatar_id: int, subscriber_id: int, sequence: str
    ) -> SubscriberObject:
        def apply(conn: sqlite3.Connection, avatar: int, subscriber: int) -> None:
            conn.execute(
                "DELETE FROM subscriber_sequence WHERE subscriber_pk = ? AND sequence_pk = ?",
                (subscriber, catalogue_pk(conn, SEQUENCES, avatar, sequence, "sequence")),
            )

        return self._change_subscriber(account, avatar_id, subscriber_id, apply)

    def _change_subscriber(
        self,
        account: Account,
        avatar_id: int,
        subscriber_id: int,
        apply: Callable[[sqlite3.Connection, int, int], None],
    ) -> SubscriberObject:
        with account.transaction() as conn:
            avatar, subscriber = subscriber_pks(conn, avatar_id, subscriber_id)
            apply(conn, avatar, subscriber)
            return hydration.load_one(conn, subscriber).public()


def _check_email(changes: SubscriberChanges) -> None:
    email = changes.details.get("email")
    if email is not None and not is_valid_email(email):
        raise InvalidEmail(email)


def _resolve_lists(
    conn: sqlite3.Connection, avatar: int, changes: SubscriberChanges
) -> tuple[list[int], list[tuple[int, str]]]:
    tags = [catalogue_pk(conn, TAGS, avatar, tag, "tags") for tag in changes.tags]
    values = [
        (catalogue_pk(conn, CUSTOM_FIELDS, avatar, field, "custom_field"), value)
        for field, value in changes.custom_values
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


def _next(conn: sqlite3.Connection, table: str, id_column: str, avatar: int, label: str) -> tuple[int, int]:
    """The id and ordinal of the avatar's next row of `table`: one past the highest of each (each
    a subquery of its own, so that each reads its index's last entry)."""
    highest_id, highest_ordinal = conn.execute(
        f"SELECT (SELECT MAX({id_column}) FROM {table} WHERE avatar_pk = ?), "
        f"(SELECT MAX(ordinal) FROM {table} WHERE avatar_pk = ?)",
        (avatar, avatar),
    ).fetchone()
    if highest_id == MAX_ID:
        raise IdsExhausted(label)
    return (highest_id or 0) + 1, (highest_ordinal or 0) + 1


def _insert_row(conn: sqlite3.Connection, avatar: int, changes: SubscriberChanges) -> int:
    subscriber_id, ordinal = _next(conn, "subscriber", "subscriber_id", avatar, "subscriber")
    values = changes.sent()
    if "full_name" not in values:
        full_name = _joined_name(values.get("first_name"), values.get("last_name"))
        if full_name is not None:
            values["full_name"] = full_name
    columns = ("avatar_pk", "subscriber_id", "ordinal", *values)
    pk = conn.execute(
        f"INSERT INTO subscriber ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
        (avatar, subscriber_id, ordinal, *values.values()),
    ).lastrowid
    return cast(int, pk)  # sqlite3 types lastrowid as optional, for statements that insert nothing


def _update_row(conn: sqlite3.Connection, subscriber: int, changes: SubscriberChanges) -> None:
    """Sets what was sent and keeps the rest."""
    assignments: dict[str, str | None] = {**changes.sent()}
    if "full_name" not in assignments and ("first_name" in assignments or "last_name" in assignments):
        full_name, first, last = conn.execute(
            "SELECT full_name, first_name, last_name FROM subscriber WHERE pk = ?", (subscriber,)
        ).fetchone()
        # Only a name that was derived from first and last name follows them; one set explicitly stays.
        if full_name is None or full_name == _joined_name(first, last):
            assignments["full_name"] = _joined_name(
                assignments.get("first_name", first), assignments.get("last_name", last)
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
