"""Whole accounts, as fixture documents and the test harness see them: loaded, replaced, reset
to their seed, dropped, exported, and their subscribers looked at.

Each account resets to a seed kept as rows beside its state (`models.Account`), so a reset means
the same after a restart on a --db file as before it, and costs one copy in SQL (`seeds`).
"""

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager

from .. import __version__
from ..keys import key_digest
from ..schemas import SubscriberObject
from ..validation import as_id
from . import exchange, hydration, seeds
from .db import Database
from .operations import account_pk, subscriber_pks
from .seeding import FORMAT, AccountSeed

# Seeds nothing resets to any more, the template aside (`choose_template`): all of them, after
# the whole state changed, or the one an account just stopped using.
_UNUSED = (
    "api_key IS NULL AND pk IS NOT :template "
    "AND NOT EXISTS (SELECT 1 FROM account AS user WHERE user.seed_pk = account.pk)"
)
_DROP_UNUSED_SEEDS = f"DELETE FROM account WHERE {_UNUSED}"
_DROP_SEED_IF_UNUSED = f"DELETE FROM account WHERE pk = :seed AND {_UNUSED}"
_SEED_SUBSCRIBERS = "SELECT COUNT(*) FROM subscriber WHERE avatar_pk IN (SELECT pk FROM avatar WHERE account_pk = ?)"
# A copy with foreign keys unchecked saves checking each copied row, but turning the checks off
# and on again makes SQLite recompile every statement the server has prepared, the next time
# each runs: a new tenant or a reset, then the first requests, cost about 1 ms more. That pays
# only for a seed of many subscribers.
_UNCHECKED_COPY_FROM = 1_000


class Accounts:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._template: int | None = None
        self._template_copying = db.transaction

    def is_empty(self) -> bool:
        with self._db.reading() as conn:
            return conn.execute("SELECT 1 FROM account WHERE api_key IS NOT NULL LIMIT 1").fetchone() is None

    def api_keys(self) -> list[str]:
        with self._db.reading() as conn:
            return [row[0] for row in conn.execute("SELECT api_key FROM account WHERE api_key IS NOT NULL ORDER BY pk")]

    def choose_template(self, default: Callable[[], AccountSeed]) -> None:
        """What tenants made without a document hold: the seed of the first account, or `default()`
        when there is no account. Seeds left from an earlier run that nothing uses are dropped."""
        with self._db.transaction() as conn:
            row = conn.execute("SELECT seed_pk FROM account WHERE api_key IS NOT NULL ORDER BY pk LIMIT 1").fetchone()
            self._template = row[0] if row else exchange.insert_seed(conn, default())
            conn.execute(_DROP_UNUSED_SEEDS, {"template": self._template})
            self._template_copying = self._copying(conn, self._template)

    def add(self, accounts: list[AccountSeed]) -> None:
        """Adds accounts checked by `seeding`; their keys must not be in use."""
        with self._db.transaction() as conn:
            for account in accounts:
                _insert(conn, account.api_key, exchange.insert_seed(conn, account))

    def add_from_template(self, api_key: str) -> None:
        """A new account under `api_key` holding what the template holds."""
        with self._template_copying() as conn:
            _insert(conn, api_key, self._template)

    def replace_all(self, accounts: list[AccountSeed]) -> None:
        """Makes these accounts the whole state."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM account WHERE api_key IS NOT NULL")
            for account in accounts:
                _insert(conn, account.api_key, exchange.insert_seed(conn, account))
            conn.execute(_DROP_UNUSED_SEEDS, {"template": self._template})

    def replace(self, account: AccountSeed) -> bool:
        """Makes `account` what the account with its key holds and resets to; False if there is none."""
        with self._db.transaction() as conn:
            pk = account_pk(conn, account.api_key)
            if pk is None:
                return False
            (old,) = conn.execute("SELECT seed_pk FROM account WHERE pk = ?", (pk,)).fetchone()
            seed = exchange.insert_seed(conn, account)
            conn.execute("UPDATE account SET seed_pk = ? WHERE pk = ?", (seed, pk))
            seeds.clear(conn, pk)
            seeds.copy(conn, seed, pk)
            conn.execute(_DROP_SEED_IF_UNUSED, {"seed": old, "template": self._template})
            return True

    def reset(self, api_key: str) -> bool:
        """Brings the account back to its seed; False if there is no such account."""
        with self._db.reading() as conn:
            row = _account_and_seed(conn, api_key)
            if row is None:
                return False
            copying = self._copying(conn, row[1])
        with copying() as conn:
            row = _account_and_seed(conn, api_key)  # again, inside the transaction: it may be gone
            if row is None:
                return False
            pk, seed = row
            seeds.clear(conn, pk)
            seeds.copy(conn, seed, pk)
            return True

    def _copying(self, conn: sqlite3.Connection, seed: int) -> Callable[[], AbstractContextManager[sqlite3.Connection]]:
        """The transaction to copy `seed` in: with foreign keys unchecked only for a large one."""
        (subscribers,) = conn.execute(_SEED_SUBSCRIBERS, (seed,)).fetchone()
        return self._db.unchecked_transaction if subscribers >= _UNCHECKED_COPY_FROM else self._db.transaction

    def exists(self, api_key: str) -> bool:
        with self._db.reading() as conn:
            return account_pk(conn, api_key) is not None

    def delete(self, api_key: str) -> bool:
        with self._db.transaction() as conn:
            row = _account_and_seed(conn, api_key)
            if row is None:
                return False
            pk, seed = row
            conn.execute("DELETE FROM account WHERE pk = ?", (pk,))
            conn.execute(_DROP_SEED_IF_UNUSED, {"seed": seed, "template": self._template})
            return True

    def export(self, api_key: str | None = None) -> dict:
        """The state (or one account's) as a fixture document that loads back to the same state,
        stamped with the fixture format and the version of the fake that wrote it."""
        with self._db.reading() as conn:
            if api_key is None:
                accounts = conn.execute(
                    "SELECT pk, api_key FROM account WHERE api_key IS NOT NULL ORDER BY pk"
                ).fetchall()
            else:
                accounts = conn.execute(
                    "SELECT pk, api_key FROM account WHERE key_digest = ?", (key_digest(api_key),)
                ).fetchall()
            return {
                "format": FORMAT,
                "fake_smartengage": __version__,
                "accounts": [exchange.export_account(conn, pk, key) for pk, key in accounts],
            }

    def get_subscriber(self, api_key: str, avatar_id: int, subscriber_id: int) -> SubscriberObject | None:
        """One subscriber of the account with this key; None if there is no such account."""
        with self._db.reading() as conn:
            account = account_pk(conn, api_key)
            if account is None:
                return None
            _, subscriber = subscriber_pks(conn, account, avatar_id, subscriber_id)
            return hydration.load_one(conn, subscriber).public()

    def find_subscribers(
        self,
        *,
        api_key: str | None = None,
        avatar_id: int | None = None,
        email: str | None = None,
        tag: str | None = None,
    ) -> list[SubscriberObject]:
        """Subscribers matching every filter given, by account, avatar, then newest first."""
        conditions, values = ["c.api_key IS NOT NULL"], []
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
        where = f"WHERE {' AND '.join(conditions)}"
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT s.pk FROM subscriber AS s JOIN avatar AS a ON a.pk = s.avatar_pk "
                f"JOIN account AS c ON c.pk = a.account_pk {where} "
                "ORDER BY c.pk, a.ordinal DESC, s.ordinal DESC",
                values,
            ).fetchall()
            return [subscriber.public() for subscriber in hydration.load(conn, [pk for (pk,) in rows])]


def _account_and_seed(conn: sqlite3.Connection, api_key: str) -> tuple[int, int] | None:
    """The account with this key and the seed it resets to, as surrogate keys."""
    return conn.execute("SELECT pk, seed_pk FROM account WHERE key_digest = ?", (key_digest(api_key),)).fetchone()


def _insert(conn: sqlite3.Connection, api_key: str, seed: int) -> None:
    """A new account under `api_key` that resets to `seed`, holding a copy of it."""
    pk = conn.execute(
        "INSERT INTO account (api_key, key_digest, seed_pk) VALUES (?, ?, ?)", (api_key, key_digest(api_key), seed)
    ).lastrowid
    seeds.copy(conn, seed, pk)
