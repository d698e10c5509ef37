"""The SQLite connection: one per app, shared by every request, serialised by a lock.

One connection (rather than a pool) is what makes the default in-memory database possible at
all, and serialising requests on it is what keeps concurrent writes from ever meeting SQLite's
"database is locked": the fake's requests take microseconds, so a lock costs nothing a test
would notice. The schema is that of the SQLModel tables in `models`, compiled into `schema.sql`.
"""

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


SCHEMA = Path(__file__).parent / "schema.sql"  # the DDL of the SQLModel tables in `models`
# Every statement, with its values, at DEBUG level: `--log-level debug` shows what a request ran.
sql_log = logging.getLogger("fake_smartengage.sql")


class Database:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._connection = sqlite3.connect(
            str(path) if path else ":memory:",
            check_same_thread=False,
            isolation_level=None,  # transactions are explicit, see transaction()
        )
        self._lock = threading.RLock()
        if sql_log.isEnabledFor(logging.DEBUG):
            self._connection.set_trace_callback(sql_log.debug)
        self._connection.execute("PRAGMA foreign_keys = ON")
        if path:
            # WAL with synchronous=NORMAL survives a killed process with every committed write.
            self._connection.execute("PRAGMA journal_mode = WAL")
            self._connection.execute("PRAGMA synchronous = NORMAL")
        if self._connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'account'").fetchone() is None:
            self._connection.executescript(SCHEMA.read_text())

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All statements inside commit together, or not at all if anything raises."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A consistent view for a read of several statements."""
        with self._lock:
            yield self._connection

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

    def dump(self) -> list[str]:
        """The whole database as SQL statements: two equal dumps mean two equal states."""
        with self._lock:
            return list(self._connection.iterdump())

    def close(self) -> None:
        with self._lock:
            self._connection.close()
