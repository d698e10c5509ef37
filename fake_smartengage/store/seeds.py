"""An account's rows copied from its seed, and cleared, in SQL: one statement per table.

A seed is an account without a key (see `models.Account`), so a new tenant or a reset copies
rows inside SQLite instead of validating a document and inserting it row by row. Each table's
rows get their surrogate keys shifted past the table's highest key, and every reference follows
the shift of the table it refers to, so no lookup of new keys is ever needed. The tables and
their references are read from the DDL (`columns`): a new table is copied without a change here.
"""

import sqlite3

from .columns import COLUMNS, REFERENCES

# Every table an account owns, each after the tables it refers to (the DDL's order).
_OWNED = tuple(table for table in COLUMNS if table != "account")


def _owner(table: str) -> str:
    """The column naming the row a row of `table` belongs to: its last reference.

    A link table's last reference is its catalogue (`subscriber_tag.tag_pk`): an avatar has far
    fewer tags than subscribers, so its links are found by a few index ranges, not a lookup per
    subscriber (half the time of a copy or clear of a seed of 10,000 subscribers)."""
    return [column for column in COLUMNS[table] if column in REFERENCES[table]][-1]


def _rows_of(table: str, account: str) -> str:
    """A condition on `table` that holds for the rows the account `account` (a parameter) owns."""
    owner = _owner(table)
    parent = REFERENCES[table][owner]
    if parent == "account":
        return f"{owner} = {account}"
    return f"{owner} IN (SELECT pk FROM {parent} WHERE {_rows_of(parent, account)})"


def _copy_statement(table: str) -> str:
    selected = []
    for column in COLUMNS[table]:
        parent = REFERENCES[table].get(column)
        if column == "pk":
            selected.append(f"pk + :{table}")
        elif parent == "account":
            selected.append(":account")
        elif parent is not None:
            selected.append(f"{column} + :{parent}")
        else:
            selected.append(column)
    return (
        f"INSERT INTO {table} ({', '.join(COLUMNS[table])}) "
        f"SELECT {', '.join(selected)} FROM {table} WHERE {_rows_of(table, ':seed')}"
    )


# How far each table's copied keys move: past the table's highest key, from the lowest key of the
# seed's rows; NULL for a table in which the seed has no rows (then nothing in it, or below it, is
# copied, and its statement is skipped). One statement asks for all of them: copying into one
# table does not move another's keys.
_SHIFTED = tuple(table for table in _OWNED if "pk" in COLUMNS[table])
_SHIFTS = "SELECT " + ", ".join(
    f"(SELECT MAX(pk) FROM {table}) + 1 - (SELECT MIN(pk) FROM {table} WHERE {_rows_of(table, ':seed')})"
    for table in _SHIFTED
)
# The shifts a table's copy adds: its own and those of the tables it refers to.
_SHIFTS_USED = {table: [name for name in (table, *REFERENCES[table].values()) if name in _SHIFTED] for table in _OWNED}
_COPIES = {table: _copy_statement(table) for table in _OWNED}
_CLEARS = {table: f"DELETE FROM {table} WHERE {_rows_of(table, ':account')}" for table in reversed(_OWNED)}


def copy(conn: sqlite3.Connection, seed: int, account: int) -> None:
    """Gives `account` (which owns nothing) a copy of everything `seed` owns."""
    values: dict[str, int | None] = {"seed": seed, "account": account}
    values.update(zip(_SHIFTED, conn.execute(_SHIFTS, values).fetchone(), strict=True))
    for table in _OWNED:
        if all(values[name] is not None for name in _SHIFTS_USED[table]):
            conn.execute(_COPIES[table], values)


def clear(conn: sqlite3.Connection, account: int) -> None:
    """Deletes everything `account` owns, the account itself aside; children first."""
    for statement in _CLEARS.values():
        conn.execute(statement, {"account": account})
