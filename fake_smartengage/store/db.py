"""A SQLite database: one connection, shared by every request, serialised by a lock.

Each account, and each seed an account resets to, is a database of its own (`accounts`). One
connection per database (rather than a pool) is what makes in-memory databases possible at
all, and serialising requests on it is what keeps concurrent writes from ever meeting SQLite's
"database is locked": the fake's requests take microseconds, so a lock costs nothing a test
would notice. The schema is that of the SQLModel tables in `models`, compiled into `schema.sql`.
"""

import logging
import sqlite3
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar

from .. import __version__, errors
from ..errors import StartupError
from .columns import COLUMNS, SCHEMA

# Every statement, with its values, at DEBUG level: `--log-level debug` shows what a request ran.
sql_log = logging.getLogger("fake_smartengage.sql")
_SCHEMA = SCHEMA.read_text()
# Every account is a database, and an empty one is mostly the first page of each table and
# index: at SQLite's default of 4 KiB, a tenant of the default fixture holds 160 KB, at 1 KiB 60.
_PAGE_SIZE = 1024


class Database:
    """In memory, or in the file `path`; a copy of `image` when given, else what the file holds
    (a new file or an in-memory database starts with the schema and nothing in it)."""

    def __init__(self, path: Path | None = None, *, image: "Database | None" = None) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            self._connection = self._open(path, image)
        except sqlite3.Error as error:
            raise StartupError(f"{path}: not a database fake-smartengage can use: {error}") from None
        self._restores = 0
        self.closed = False
        self._locked = _Locked(self)
        self._transaction = _Transaction(self)

    def _open(self, path: Path | None, image: "Database | None") -> sqlite3.Connection:
        connection = sqlite3.connect(
            str(path) if path else ":memory:",
            check_same_thread=False,
            isolation_level=None,  # transactions are explicit, see transaction()
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

    def transaction(self) -> "_Transaction":
        """All statements inside commit together, or not at all if anything raises."""
        return self._transaction

    def reading(self) -> "_Locked":
        """A consistent view for a read of several statements."""
        return self._locked

    def restore(self, image: "Database") -> None:
        """Makes the database exactly what `image` holds (SQLite's backup API: page by page, fast)."""
        with self._lock, image._lock:
            image._connection.backup(self._connection)
            self._restores += 1

    def version(self) -> tuple[int, int]:
        """Changes whenever the state may have: after any write, and after a restore (which SQLite
        does not count as changes)."""
        with self._locked:
            return self._connection.total_changes, self._restores

    def dump(self) -> list[str]:
        """The whole database as SQL statements: two equal dumps mean two equal states."""
        with self._lock:
            return list(self._connection.iterdump())

    def close(self) -> None:
        """Closes the connection; a request that found the database before then is answered as
        one whose key opens nothing (its account was just dropped)."""
        with self._lock:
            self._connection.close()
            self.closed = True


Kept = TypeVar("Kept")


class KeptUntilChanged(Generic[Kept]):
    """Answers computed from the state, kept until it next changes: at most `size` of them, so
    that keys a client makes up cannot grow memory."""

    def __init__(self, db: Database, size: int) -> None:
        self._db = db
        self._size = size
        self._kept: tuple[tuple[int, int], dict[Hashable, Kept]] = (db.version(), {})

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


class _Locked:
    """The connection, held under the lock. Every request goes through this or `_Transaction`,
    so they are plain classes rather than generator context managers, which cost several times
    as much to enter."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = db._lock
        self._connection = db._connection

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        if self._db.closed:
            self._lock.release()
            raise errors.invalid_api_key()
        return self._connection

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


class _Transaction(_Locked):
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
