"""Whole accounts, as fixture documents and the test harness see them: loaded, replaced, reset
to their seed, dropped, exported, and their subscribers looked at.

Each account is a SQLite database of its own, and so is each seed, what accounts reset to.
Databases are in memory, or files in the --db folder (`folder`), so a reset means the same after
a restart as before it. A new database is a copy of the seed's made page by page (SQLite's backup
API): about 3 ms for 10,000 subscribers, where copying rows takes 20 ms or more. A large seed is
copied the same way on every reset. But a copy of pages changes the database's schema as far as
its connection knows, so every statement is compiled again, about 0.5 ms over a test's first
requests. So a small seed, such as the default fixture, is attached to its accounts' databases
at their first reset and copied in SQL, in about 0.1 ms; and in memory, dropped tenants'
databases of a small seed are kept, a few per seed, and the next tenants of that seed get them
back, copied in SQL: the statements their requests run are then already compiled.

A change to which accounts there are builds every new database first and only then takes the
new accounts in, records them and drops the old ones: if building fails, nothing changed.
"""

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..schemas import SubscriberObject
from ..validation import as_id
from . import exchange, hydration
from .columns import COLUMNS
from .db import Database, KeptUntilChanged, Locked, Transaction
from .folder import ACCOUNT, SEED, Entry, Folder
from .lookups import subscriber_pks
from .memory import Reclaimer
from .seeding import FORMAT, AccountSeed

# A seed of at most this many pages (of 1 KiB), about 60 subscribers like the default fixture's,
# is copied in SQL: beyond that, copying its rows costs a test more than compiling its
# statements again.
_COPIED_IN_SQL = 64
# At most this many dropped databases are kept per small seed, for the next tenants.
_SPARES = 4
# At most this many read answers are kept per account between two changes.
_KEPT_READS = 256
# The tables, parents first (the DDL's order): emptied children first, filled parents first.
_EMPTY = tuple(f"DELETE FROM main.{table}" for table in reversed(COLUMNS))
_FILL = tuple(f"INSERT INTO main.{table} SELECT * FROM seed.{table}" for table in COLUMNS)


@dataclass(frozen=True)
class _Seed:
    """What accounts reset to: its database, and whether they copy it in SQL (a small seed that
    they can attach: a file, or a shared database), decided once, since a seed never changes."""

    db: Database
    copied_in_sql: bool


class Account:
    """An account a key opens: its database and the seed it resets to."""

    def __init__(self, api_key: str, number: int, seed: int, db: Database, *, copied: bool = False) -> None:
        """`copied`: `db` was just copied from the seed."""
        self.api_key = api_key
        self.number = number
        self.seed = seed
        self.db = db
        # Taken now: once the database is another account's or closed, they refuse (`hand_over`).
        self._reading = db.reading()
        self._transaction = db.transaction()
        self._copied_version = db.version() if copied else None
        # The answers of reads, kept until the account changes (`api.dispatch`): most of what a
        # test reads, it reads again before writing.
        self.kept_reads: KeptUntilChanged[Any] = KeptUntilChanged(db, _KEPT_READS)

    def reading(self) -> Locked:
        return self._reading

    def transaction(self) -> Transaction:
        return self._transaction

    def holds_its_seed(self) -> bool:
        """True if nothing changed the account since it was copied from its seed."""
        return self._copied_version == self.db.version()

    def entry(self) -> Entry:
        return Entry(api_key=self.api_key, number=self.number, seed=self.seed)


class Accounts:
    """Every account by its key, in the order they were made, and the seeds they reset to.

    Changes and the harness's reads are serialised by a lock; looking a key up (`find`, every
    API request) takes none.
    """

    def __init__(self, folder: Folder) -> None:
        self._folder = folder
        self._lock = threading.RLock()
        entries = folder.entries()
        folder.delete_unnamed(entries)
        self._seeds = {number: _seed(folder.open(SEED, number)) for number in sorted({entry.seed for entry in entries})}
        self._accounts = {
            entry.api_key: Account(entry.api_key, entry.number, entry.seed, folder.open(ACCOUNT, entry.number))
            for entry in entries
        }
        # Databases of dropped accounts, by the small seed they have attached, for new tenants.
        self._spares: dict[int, list[tuple[int, Database]]] = {}
        self._template: int | None = None
        self._reclaimer = Reclaimer()
        # The state `restore_start` brings back: each account's key, seed and a copy of its
        # database, None where that is the seed.
        self._start: list[tuple[str, int, Database | None]] = []

    def find(self, api_key: str) -> Account | None:
        return self._accounts.get(api_key)

    def is_empty(self) -> bool:
        return not self._accounts

    def api_keys(self) -> list[str]:
        return list(self._accounts)

    # The start state

    def choose_template(self, default: Callable[[], AccountSeed]) -> None:
        """What tenants made without a document hold: the seed of the first account, or `default()`
        when there is no account. Seeds left from an earlier run that nothing uses are dropped,
        and the state as it is now is what `restore_start` brings back."""
        with self._lock:
            first = next(iter(self._accounts.values()), None)
            self._template = first.seed if first else self._new_seed(default())
            # An account that holds its seed starts again from the seed: no copy of it is kept.
            self._start = [
                (account.api_key, account.seed, None if account.holds_its_seed() else Database(image=account.db))
                for account in self._accounts.values()
            ]
            self._drop_unused_seeds()

    def restore_start(self) -> None:
        """The accounts as they were when the server started; accounts made since are dropped."""
        with self._lock:
            self._replace(
                lambda: (self._copy(api_key, seed, image) for api_key, seed, image in self._start),
                keep_others=False,
            )

    # Accounts

    def add(self, accounts: list[AccountSeed]) -> None:
        """Adds accounts checked by `seeding`; their keys must not be in use."""
        with self._lock:
            self._replace(lambda: (self._seeded(account) for account in accounts), keep_others=True)

    def add_from_template(self, api_key: str) -> None:
        """A new account under `api_key` holding what the template holds."""
        template = self._template
        assert template is not None, "choose_template() comes first"
        with self._lock:
            self._replace(lambda: [self._copy(api_key, template)], keep_others=True)

    def replace_all(self, accounts: list[AccountSeed]) -> None:
        """Makes these accounts the whole state."""
        with self._lock:
            self._replace(lambda: (self._seeded(account) for account in accounts), keep_others=False)

    def replace(self, account: AccountSeed) -> bool:
        """Makes `account` what the account with its key holds and resets to; False if there is none."""
        with self._lock:
            if account.api_key not in self._accounts:
                return False
            self._replace(lambda: [self._seeded(account)], keep_others=True)
            return True

    def reset(self, api_key: str) -> bool:
        """Brings the account back to its seed; False if there is no such account."""
        with self._lock:
            account = self._accounts.get(api_key)
            if account is None:
                return False
            seed = self._seeds[account.seed]
            if seed.copied_in_sql:
                self._fill(account.db, account.transaction(), seed)
            else:
                account.db.restore(seed.db)
            return True

    def delete(self, api_key: str) -> bool:
        with self._lock:
            account = self._accounts.pop(api_key, None)
            if account is None:
                return False
            self._folder.save(self._entries())
            self._drop([account])
            return True

    def _replace(self, build: Callable[[], Iterable[Account]], *, keep_others: bool) -> None:
        """Takes in the accounts `build` yields, in place of those with their keys and, unless
        `keep_others`, of all the others; if building fails, nothing changes."""
        seeds_before = set(self._seeds)
        built: list[Account] = []
        try:
            for account in build():  # one at a time: those built before a failure are removed
                built.append(account)
        except BaseException:
            for account in built:
                self._folder.remove(account.db)
            self._drop_unused_seeds(*(set(self._seeds) - seeds_before))
            raise
        accounts = dict(self._accounts) if keep_others else {}
        for account in built:
            accounts[account.api_key] = account
        replaced = [account for account in self._accounts.values() if accounts.get(account.api_key) is not account]
        self._accounts = accounts
        self._folder.save(self._entries())
        self._drop(replaced)

    def _seeded(self, account: AccountSeed) -> Account:
        """A new database for `account`, copied from a new seed of what it holds."""
        seed = self._new_seed(account)
        return self._copy(account.api_key, seed)

    def _copy(self, api_key: str, seed: int, image: Database | None = None) -> Account:
        """A new account resetting to `seed`, holding what `image` holds, or the seed itself."""
        spares = self._spares.get(seed)
        if image is None and spares:
            number, db = spares.pop()
            try:
                self._fill(db, db.transaction(), self._seeds[seed])
            except BaseException:
                self._folder.remove(db)
                raise
            return Account(api_key, number, seed, db, copied=True)
        number, db = self._folder.new(ACCOUNT, image or self._seeds[seed].db)
        return Account(api_key, number, seed, db, copied=image is None)

    def _fill(self, db: Database, transaction: Transaction, seed: _Seed) -> None:
        """Makes `db` what the small seed holds, in SQL, so its statements stay compiled."""
        db.attach(seed.db)
        with transaction as conn:
            for statement in (*_EMPTY, *_FILL):
                conn.execute(statement)

    def _new_seed(self, account: AccountSeed) -> int:
        """Stores what `account` holds as a seed; its number."""
        number, db = self._folder.new(SEED)
        try:
            with db.transaction() as conn:
                exchange.insert_avatars(conn, account.avatars)
            small = _small(db)
            if db.path is None and small:
                # Shared, for its accounts to attach; only when small, as a shared one has a size limit.
                private, db = db, Database(image=db, shared=True)
                private.close()
        except BaseException:
            self._folder.remove(db)
            raise
        self._seeds[number] = _Seed(db, db.location is not None and small)
        return number

    def _drop(self, accounts: list[Account]) -> None:
        """Deletes the databases of accounts no longer taken in, or keeps a few in memory for the
        next tenants of their seed (in the --db folder, only what the state holds is kept);
        then drops the seeds no one uses."""
        for account in accounts:
            spares = self._spares.setdefault(account.seed, [])
            if account.db.path is None and self._seeds[account.seed].copied_in_sql and len(spares) < _SPARES:
                account.db.hand_over()
                spares.append((account.number, account.db))
            else:
                self._remove(account.db)
        self._drop_unused_seeds(*(account.seed for account in accounts))
        self._reclaimer.release()

    def _remove(self, db: Database) -> None:
        """Deletes `db`, counting what it held towards giving memory back to the system."""
        self._reclaimer.freed(db.size())
        self._folder.remove(db)

    def _drop_unused_seeds(self, *candidates: int) -> None:
        """Drops the seeds among `candidates` (all of them, if none is named) that neither an
        account, the template nor the start state resets to."""
        used = {self._template, *(account.seed for account in self._accounts.values())}
        used.update(seed for _, seed, _ in self._start)
        for number in set(candidates or self._seeds) - used:
            for _, spare in self._spares.pop(number, []):
                self._remove(spare)
            seed = self._seeds.pop(number, None)
            if seed is not None:
                self._remove(seed.db)

    def _entries(self) -> list[Entry]:
        return [account.entry() for account in self._accounts.values()]

    # What the harness shows

    def export(self, api_key: str | None = None) -> dict:
        """The state (or one account's) as a fixture document that loads back to the same state,
        stamped with the fixture format and the version of the fake that wrote it."""
        with self._lock:
            exported = []
            for account in self._selected(api_key):
                with account.reading() as conn:
                    exported.append(exchange.export_account(conn, account.api_key))
            return {"format": FORMAT, "fake_smartengage": __version__, "accounts": exported}

    def get_subscriber(self, api_key: str, avatar_id: int, subscriber_id: int) -> SubscriberObject | None:
        """One subscriber of the account with this key; None if there is no such account."""
        with self._lock:
            account = self._accounts.get(api_key)
            if account is None:
                return None
            with account.reading() as conn:
                _, subscriber = subscriber_pks(conn, avatar_id, subscriber_id)
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
        conditions: list[str] = ["TRUE"]
        values: list[str | int | None] = []
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
        query = (
            "SELECT s.pk FROM avatar AS a JOIN subscriber AS s ON s.avatar_pk = a.pk "
            f"WHERE {' AND '.join(conditions)} ORDER BY a.ordinal DESC, s.ordinal DESC"
        )
        with self._lock:
            found = []
            for account in self._selected(api_key):
                with account.reading() as conn:
                    pks = [pk for (pk,) in conn.execute(query, values)]
                    found += [subscriber.public() for subscriber in hydration.load(conn, pks)]
            return found

    def _selected(self, api_key: str | None) -> list[Account]:
        """Every account, or the one this key opens (none if it opens none)."""
        if api_key is None:
            return list(self._accounts.values())
        account = self._accounts.get(api_key)
        return [account] if account else []

    def close(self) -> None:
        """Closes every database: in the --db folder, SQLite then folds each WAL file into its
        database and deletes it. `serve` closes them once the server has stopped."""
        with self._lock:
            spares = [db for kept in self._spares.values() for _, db in kept]
            accounts = [account.db for account in self._accounts.values()]
            for db in (*spares, *accounts, *(seed.db for seed in self._seeds.values())):
                db.close()
            for _, _, image in self._start:
                if image is not None:
                    image.close()

    def dump(self) -> list[str]:
        """Every database as SQL statements, seeds first: two equal dumps mean two equal states."""
        with self._lock:
            statements = []
            for number, seed in sorted(self._seeds.items()):
                statements += [f"-- seed {number}", *seed.db.dump()]
            for account in self._accounts.values():
                statements += [f"-- account {account.api_key}, seed {account.seed}", *account.db.dump()]
            return statements


def _seed(db: Database) -> _Seed:
    return _Seed(db, db.location is not None and _small(db))


def _small(seed: Database) -> bool:
    """A seed small enough to be copied in SQL (`_COPIED_IN_SQL`)."""
    return seed.page_count() <= _COPIED_IN_SQL
