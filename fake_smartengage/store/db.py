"""The SQLite connection: one per app, shared by every request, serialised by a lock.

One connection (rather than a pool) is what makes the default in-memory database possible at
all, and serialising requests on it is what keeps concurrent writes from ever meeting SQLite's
"database is locked": the fake's requests take microseconds, so a lock costs nothing a test
would notice. The schema is that of the SQLModel tables in `models`, compiled into `schema.sql`.
"""

import logging
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Generic, TypeVar

from .. import __version__
from ..errors import StartupError
from .columns import COLUMNS, SCHEMA

# Every statement, with its values, at DEBUG level: `--log-level debug` shows what a request ran.
sql_log = logging.getLogger("fake_smartengage.sql")


class Database:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.RLock()
        if path is not None and not path.parent.is_dir():
            raise StartupError(f"{path}: cannot create the database file: no folder {path.parent}")
        try:
            self._connection = self._open(path)
        except sqlite3.Error as error:
            raise StartupError(f"{path}: not a database fake-smartengage can use: {error}") from None
        self._restores = 0
        self._locked = _Locked(self._lock, self._connection)
        self._transaction = _Transaction(self._lock, self._connection)

    def _open(self, path: Path | None) -> sqlite3.Connection:
        connection = sqlite3.connect(
            str(path) if path else ":memory:",
            check_same_thread=False,
            isolation_level=None,  # transactions are explicit, see transaction()
        )
        if sql_log.isEnabledFor(logging.DEBUG):
            connection.set_trace_callback(sql_log.debug)
        connection.execute("PRAGMA foreign_keys = ON")
        if path:
            # WAL with synchronous=NORMAL survives a killed process with every committed write.
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            connection.executescript(SCHEMA.read_text())
            return connection
        for table, columns in COLUMNS.items():
            found = tuple(row[1] for row in connection.execute(f"PRAGMA table_info({table})"))
            if found != columns:
                connection.close()
                raise StartupError(
                    f"{path}: its tables are not those of fake-smartengage {__version__} "
                    f"(table {table}: {', '.join(found) or 'missing'}); start with a new file"
                )
        return connection

    def transaction(self) -> "_Transaction":
        """All statements inside commit together, or not at all if anything raises."""
        return self._transaction

    @contextmanager
    def unchecked_transaction(self) -> Iterator[sqlite3.Connection]:
        """A transaction in which SQLite neither checks nor cascades foreign keys: for copying and
        clearing whole accounts (`seeds`), whose statements keep every reference by construction
        and delete children before parents; checking each copied row would double the cost."""
        with self._lock:
            # The pragma is ignored inside a transaction, so it is set around one.
            self._connection.execute("PRAGMA foreign_keys = OFF")
            try:
                with self.transaction() as conn:
                    yield conn
            finally:
                self._connection.execute("PRAGMA foreign_keys = ON")

    def reading(self) -> "_Locked":
        """A consistent view for a read of several statements."""
        return self._locked

    def copy(self) -> sqlite3.Connection:
        """An in-memory copy of the whole database, for `restore` to bring back later."""
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        with self._lock:
            self._connection.backup(copy)
        return copy

    def restore(self, copy: sqlite3.Connection) -> None:
        """Makes the database exactly what `copy` holds (SQLite's backup API: page by page, fast)."""
        with self._lock:
            copy.backup(self._connection)
            self._restores += 1

    def version(self) -> tuple[int, int]:
        """Changes whenever the state may have: after any write, and after a restore (which SQLite
        does not count as changes)."""
        return self._connection.total_changes, self._restores

    def dump(self) -> list[str]:
        """The whole database as SQL statements: two equal dumps mean two equal states."""
        with self._lock:
            return list(self._connection.iterdump())

    def close(self) -> None:
        with self._lock:
            self._connection.close()


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

    def __init__(self, lock: threading.RLock, connection: sqlite3.Connection) -> None:
        self._lock = lock
        self._connection = connection

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
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
