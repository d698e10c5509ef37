"""A SQLite database: one connection, shared by every request, serialised by a lock.

Each account, and each seed an account resets to, is a database of its own (`accounts`). One
connection per database (rather than a pool) is what makes in-memory databases possible at
all, and serialising requests on it is what keeps concurrent writes from ever meeting SQLite's
"database is locked": the fake's requests take microseconds, so a lock costs nothing a test
would notice. The schema is that of the SQLModel tables in `models`, compiled into `schema.sql`.
"""

import itertools
import logging
import sqlite3
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar

from .. import __version__
from .columns import COLUMNS, SCHEMA
from .exceptions import AccountGone, CannotStore, StartupError

# Every statement, with its values, at DEBUG level: `--log-level debug` shows what a request ran.
sql_log = logging.getLogger("fake_smartengage.sql")
_SCHEMA = SCHEMA.read_text()
_SHARED_NAMES = itertools.count(1)
# SQLite's memdb VFS, which lets connections of one process share an in-memory database, came in
# SQLite 3.36; before it, no in-memory database is shared (`location` is None).
_MEMDB = sqlite3.sqlite_version_info >= (3, 36)
# Every account is a database, and a small one is mostly the first page of each table and index:
# a tenant of the default fixture is 38 pages, 152 KB at SQLite's default of 4 KiB, 38 KB at 1 KiB.
_PAGE_SIZE = 1024


class Database:
    """In memory, or in the file `path`; a copy of `image` when given, else what the file holds
    (a new file or an in-memory database starts with the schema and nothing in it).

    An in-memory database that is `shared` can be attached by other connections of the process
    (SQLite's memdb, which holds at most 1 GiB), as a file can: see `location`.
    """

    def __init__(self, path: Path | None = None, *, image: "Database | None" = None, shared: bool = False) -> None:
        self.path = path
        if path is not None:
            self.location: str | None = path.resolve().as_uri()
        elif shared and _MEMDB:
            self.location = f"file:/fake-smartengage-{next(_SHARED_NAMES)}?vfs=memdb"
        else:
            self.location = None
        self._lock = threading.RLock()
        try:
            self._connection = self._open(path, image)
        except sqlite3.Error as error:
            raise StartupError(f"{path}: not a database fake-smartengage can use: {error}") from None
        self._restores = 0
        self._attached: Database | None = None
        self._generation = 0
        self._renew()

    def _open(self, path: Path | None, image: "Database | None") -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.location or ":memory:",
            check_same_thread=False,
            isolation_level=None,  # transactions are explicit, see transaction()
            uri=True,
        )
        if sql_log.isEnabledFor(logging.DEBUG):
            connection.set_trace_callback(sql_log.debug)
        if image is None:
            # Set before anything is written (a file that holds pages keeps its own page size).
            connection.execute(f"PRAGMA page_size = {_PAGE_SIZE}")
        else:
            with image._lock:
                # A copy in memory can only take pages of its own size.
                (page_size,) = image._connection.execute("PRAGMA page_size").fetchone()
                connection.execute(f"PRAGMA page_size = {page_size}")
                image._connection.backup(connection)
        connection.execute("PRAGMA foreign_keys = ON")
        if path:
            # WAL with synchronous=NORMAL survives a killed process with every committed write.
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
        if image is not None:
            return connection
        if path is None or not connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
            connection.executescript(_SCHEMA)
            return connection
        for table, columns in COLUMNS.items():
            found = tuple(row[1] for row in connection.execute(f"PRAGMA table_info({table})"))
            if found != columns:
                connection.close()
                raise StartupError(
                    f"{path}: its tables are not those of fake-smartengage {__version__} "
                    f"(table {table}: {', '.join(found) or 'missing'}); start with a new folder"
                )
        return connection

    def transaction(self) -> "Transaction":
        """All statements inside commit together, or not at all if anything raises. The object is
        the same until the database is handed over (`hand_over`) or closed, after which it
        answers as if the key that found the database opened nothing."""
        return self._transaction

    def reading(self) -> "Locked":
        """A consistent view for a read of several statements; handed over like `transaction`."""
        return self._locked

    def hand_over(self) -> None:
        """Makes the database another account's: what an account took from `reading` and
        `transaction` before then no longer opens it."""
        with self._lock:
            self._renew()

    def _renew(self) -> None:
        self._generation += 1
        self._locked = Locked(self, self._generation)
        self._transaction = Transaction(self, self._generation)

    def attach(self, seed: "Database") -> None:
        """Attaches `seed` (shared, or a file) under the name `seed`, for statements to copy from;
        once (attaching reads every schema again: 0.15 ms). Read-only: a write transaction here
        then takes no lock on the seed, which every account of the seed attaches."""
        if self._attached is seed:
            return
        assert seed.location is not None, "only a shared database or a file can be attached"
        separator = "&" if "?" in seed.location else "?"
        with self._locked as conn:
            try:
                conn.execute("ATTACH DATABASE ? AS seed", (f"{seed.location}{separator}mode=ro",))
            except sqlite3.OperationalError as error:  # no file handle left, say
                raise CannotStore(f"{seed.location}: {error}") from None
            self._attached = seed

    def page_count(self) -> int:
        with self._locked as conn:
            return conn.execute("PRAGMA page_count").fetchone()[0]

    def size(self) -> int:
        """Bytes: in memory, what the database takes; in a file, at most that, in its page cache."""
        with self._lock:
            (page_size,) = self._connection.execute("PRAGMA page_size").fetchone()
            (page_count,) = self._connection.execute("PRAGMA page_count").fetchone()
            return page_size * page_count

    def restore(self, image: "Database") -> None:
        """Makes the database exactly what `image` holds (SQLite's backup API: page by page, fast)."""
        with self._lock, image._lock:
            image._connection.backup(self._connection)
            self._restores += 1

    def version(self) -> tuple[int, int, int]:
        """Changes whenever the state may have: after any write, after a restore (which SQLite
        does not count as changes), and once the database is handed over."""
        with self._locked:
            return self._connection.total_changes, self._restores, self._generation

    def dump(self) -> list[str]:
        """The whole database as SQL statements: two equal dumps mean two equal states."""
        with self._lock:
            return list(self._connection.iterdump())

    def close(self) -> None:
        """Closes the connection; a request that found the database before then is answered as
        one whose key opens nothing (its account was just dropped)."""
        with self._lock:
            self._connection.close()
            self._generation += 1


Kept = TypeVar("Kept")


class KeptUntilChanged(Generic[Kept]):
    """Answers computed from a database, kept until it next changes (`Database.version`): at most
    `size` of them, so that keys a client makes up cannot grow memory."""

    def __init__(self, db: Database, size: int) -> None:
        self._db = db
        self._size = size
        self._kept: tuple[tuple[int, int, int], dict[Hashable, Kept]] = (db.version(), {})

    def __len__(self) -> int:
        return len(self._kept[1])

    def get(self, key: Hashable, compute: Callable[[], Kept]) -> Kept:
        # The version is read before computing: a change meanwhile leaves the answer in a dict
        # of the version before it, which the next request discards.
        version = self._db.version()
        kept_version, kept = self._kept
        if kept_version != version:
            kept = {}
            self._kept = (version, kept)
        if key in kept:
            return kept[key]
        answer = compute()
        if len(kept) < self._size:
            kept[key] = answer
        return answer


class Locked:
    """The connection, held under the lock. Every request goes through this or `Transaction`,
    so they are plain classes rather than generator context managers, which cost several times
    as much to enter."""

    def __init__(self, db: Database, generation: int) -> None:
        self._db = db
        self._generation = generation
        self._lock = db._lock
        self._connection = db._connection

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        if self._db._generation != self._generation:
            self._lock.release()
            raise AccountGone()
        return self._connection

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        self._lock.release()


class Transaction(Locked):
    def __enter__(self) -> sqlite3.Connection:
        connection = super().__enter__()
        try:
            connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        return connection

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        try:
            self._connection.execute("COMMIT" if exc_type is None else "ROLLBACK")
        finally:
            self._lock.release()
