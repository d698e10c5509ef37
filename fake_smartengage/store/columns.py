"""The tables' columns, as the SQLModel declarations in `models` define them.

The server reads them from `schema.sql`, the DDL those declarations compile to, rather than
from the models (importing SQLModel would add 140 ms to every start-up). Everything that lists
an entity's fields (the store's statements, the fixture format, the export) takes them from
here, so a new column is declared once, in `models`.
"""

import sqlite3
from pathlib import Path

SCHEMA = Path(__file__).parent / "schema.sql"

# Columns that place a row rather than describe it: keys, the owner's key and creation order.
_PLACEMENT = frozenset({"pk", "avatar_pk", "ordinal"})


def _read_schema() -> dict[str, tuple[str, ...]]:
    connection = sqlite3.connect(":memory:")
    try:
        connection.executescript(SCHEMA.read_text())
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: tuple(row[1] for row in connection.execute(f"PRAGMA table_info({table})")) for table in tables}
    finally:
        connection.close()


# Tables in the DDL's order, in which every table comes after those it refers to.
COLUMNS = _read_schema()


def details(table: str, local_id: str) -> tuple[str, ...]:
    """The columns that describe a row of `table`: all but its keys, its local id and its ordinal."""
    return tuple(column for column in COLUMNS[table] if column not in _PLACEMENT and column != local_id)


AVATAR_DETAILS = details("avatar", "avatar_id")
SUBSCRIBER_DETAILS = details("subscriber", "subscriber_id")

# The subscriber's columns that no API parameter sets: only a fixture document does. Every other
# detail is a parameter of subscribers/add and subscribers/update, written as sent.
SUBSCRIBER_READ_ONLY = frozenset({"ip", "gender", "language", "place"})
SUBSCRIBER_WRITABLE = tuple(column for column in SUBSCRIBER_DETAILS if column not in SUBSCRIBER_READ_ONLY)
