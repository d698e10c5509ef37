"""Whole accounts, as fixture documents and the test harness see them: loaded, replaced, reset
to their seed, dropped, exported, and their subscribers looked at.

Each account keeps its seed (what a reset brings it back to) in the database beside its state,
so a reset means the same after a restart on a --db file as before it.
"""

from .. import __version__
from ..keys import key_digest
from ..schemas import SubscriberObject
from ..validation import as_id
from . import exchange, hydration
from .db import Database
from .operations import account_pk, avatar_pk, subscriber_pk
from .seeding import FORMAT, AccountSeed


class Accounts:
    def __init__(self, db: Database) -> None:
        self._db = db

    def is_empty(self) -> bool:
        with self._db.reading() as conn:
            return conn.execute("SELECT 1 FROM account LIMIT 1").fetchone() is None

    def api_keys(self) -> list[str]:
        with self._db.reading() as conn:
            return [row[0] for row in conn.execute("SELECT api_key FROM account ORDER BY pk")]

    def add(self, accounts: list[AccountSeed]) -> None:
        """Adds accounts checked by `seeding`; their keys must not be in use."""
        with self._db.transaction() as conn:
            for account in accounts:
                exchange.insert_account(conn, account)

    def replace_all(self, accounts: list[AccountSeed]) -> None:
        """Makes these accounts the whole state."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM account")
            for account in accounts:
                exchange.insert_account(conn, account)

    def replace(self, account: AccountSeed) -> bool:
        """Makes `account` what the account with its key holds and resets to; False if there is none."""
        with self._db.transaction() as conn:
            pk = account_pk(conn, account.api_key)
            if pk is None:
                return False
            conn.execute("UPDATE account SET seed = ? WHERE pk = ?", (exchange.seed_json(account), pk))
            conn.execute("DELETE FROM avatar WHERE account_pk = ?", (pk,))
            exchange.insert_avatars(conn, pk, account.avatars)
            return True

    def reset(self, api_key: str) -> bool:
        """Brings the account back to its seed; False if there is no such account."""
        with self._db.transaction() as conn:
            row = conn.execute("SELECT pk, seed FROM account WHERE key_digest = ?", (key_digest(api_key),)).fetchone()
            if row is None:
                return False
            pk, seed = row
            conn.execute("DELETE FROM avatar WHERE account_pk = ?", (pk,))
            exchange.insert_avatars(conn, pk, exchange.stored_seed(seed, api_key).avatars)
            return True

    def first_seed(self) -> AccountSeed | None:
        """The seed of the account created first, if any."""
        with self._db.reading() as conn:
            row = conn.execute("SELECT api_key, seed FROM account ORDER BY pk LIMIT 1").fetchone()
        if row is None:
            return None
        api_key, seed = row
        return exchange.stored_seed(seed, api_key)

    def exists(self, api_key: str) -> bool:
        with self._db.reading() as conn:
            return account_pk(conn, api_key) is not None

    def delete(self, api_key: str) -> bool:
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM account WHERE key_digest = ?", (key_digest(api_key),)).rowcount > 0

    def export(self, api_key: str | None = None) -> dict:
        """The state (or one account's) as a fixture document that loads back to the same state,
        stamped with the fixture format and the version of the fake that wrote it."""
        with self._db.reading() as conn:
            if api_key is None:
                accounts = conn.execute("SELECT pk, api_key FROM account ORDER BY pk").fetchall()
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
            avatar = avatar_pk(conn, account, avatar_id)
            return hydration.load_one(conn, subscriber_pk(conn, avatar, subscriber_id)).public()

    def find_subscribers(
        self,
        *,
        api_key: str | None = None,
        avatar_id: int | None = None,
        email: str | None = None,
        tag: str | None = None,
    ) -> list[SubscriberObject]:
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
            return [subscriber.public() for subscriber in hydration.load(conn, [pk for (pk,) in rows])]
