"""Subscribers with everything attached to them, loaded in batches: one statement for the rows
and one for each kind of attachment, however many subscribers are asked for.

`load` serves every reader: the API's answers (`public`), the harness's listings (`shown`) and
the export of fixture documents (`seed`), so a subscriber reads the same wherever it is shown.
"""

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from ..schemas import SubscriberObject, SubscriberPublic
from .columns import SUBSCRIBER_DETAILS

# The public shape's own fields that are columns of the subscriber table, in the shape's order,
# with where each is in a row.
_PUBLIC_DETAILS = tuple(
    (name, SUBSCRIBER_DETAILS.index(name)) for name in SubscriberPublic.model_fields if name in SUBSCRIBER_DETAILS
)
_SELECTED = ", ".join(SUBSCRIBER_DETAILS)
# The subscribers a batch asks about, passed as one JSON array: no limit on their number. One
# subscriber alone (what every API write loads) is passed as it is: reading a JSON array costs
# each statement a third more.
_BATCH = "IN (SELECT value FROM json_each(?))"
_ONE = "= ?"

# Each kind of attachment: the `Loaded` list it fills, and the statement reading it ({rows}: which).
_ATTACHMENTS = (
    (
        "tags",
        "SELECT st.subscriber_pk, t.tag_id, t.tag_name FROM subscriber_tag AS st JOIN tag AS t ON t.pk = st.tag_pk "
        "WHERE st.subscriber_pk {rows} ORDER BY st.subscriber_pk, st.ordinal",
    ),
    (
        "values",
        "SELECT v.subscriber_pk, f.custom_field_id, f.custom_field_name, v.custom_value "
        "FROM subscriber_field_value AS v JOIN custom_field AS f ON f.pk = v.custom_field_pk "
        "WHERE v.subscriber_pk {rows} ORDER BY v.subscriber_pk, v.ordinal",
    ),
    (
        "sequences",
        "SELECT s.subscriber_pk, q.sequence_id, q.sequence_name, s.status "
        "FROM subscriber_sequence AS s JOIN sequence AS q ON q.pk = s.sequence_pk "
        "WHERE s.subscriber_pk {rows} ORDER BY s.subscriber_pk, s.ordinal",
    ),
)
# For each way of passing the subscribers: the statement reading their rows, and those reading
# what is attached to them.
_STATEMENTS = {
    rows: (
        f"SELECT pk, subscriber_id, {_SELECTED} FROM subscriber WHERE pk {rows}",
        tuple((attribute, query.format(rows=rows)) for attribute, query in _ATTACHMENTS),
    )
    for rows in (_BATCH, _ONE)
}


@dataclass
class Loaded:
    """One subscriber as stored: its id, its columns (in `SUBSCRIBER_DETAILS` order), and what is
    attached to it, in attachment order."""

    subscriber_id: int
    details: tuple[str | None, ...]
    tags: list[tuple[int, str]] = field(default_factory=list)  # (tag_id, tag_name)
    values: list[tuple[int, str, str]] = field(default_factory=list)  # (custom_field_id, name, value)
    sequences: list[tuple[int, str, str]] = field(default_factory=list)  # (sequence_id, name, status)

    def public(self) -> SubscriberObject:
        """The subscriber object every SmartEngage write returns, in the shape of `SubscriberPublic`.

        A plain dict rather than the model: the values come from our own tables, and validating
        20,000 models would cost a harness listing more than reading the rows does.
        """
        return {
            "id": str(self.subscriber_id),
            **{name: self.details[index] for name, index in _PUBLIC_DETAILS},
            "tags": [name for _, name in self.tags],
            "custom_fields": [
                {"custom_field_id": str(i), "custom_field_name": name, "custom_value": value}
                for i, name, value in self.values
            ],
            "sequences": [
                {"sequence_id": str(i), "sequence_name": name, "status": status} for i, name, status in self.sequences
            ],
        }

    def seed(self) -> dict[str, Any]:
        """The subscriber as a fixture document's entry (`seeding.SubscriberSeed`)."""
        return {
            "id": self.subscriber_id,
            **{name: value for name, value in zip(SUBSCRIBER_DETAILS, self.details, strict=True) if value is not None},
            "tags": [tag_id for tag_id, _ in self.tags],
            "custom_fields": [{"custom_field_id": i, "custom_value": value} for i, _, value in self.values],
            "sequences": [{"sequence_id": i, "status": status} for i, _, status in self.sequences],
        }


def load(conn: sqlite3.Connection, pks: list[int]) -> list[Loaded]:
    """The subscribers with these surrogate keys, in the order given."""
    if not pks:
        return []
    rows, argument = (_ONE, pks[0]) if len(pks) == 1 else (_BATCH, json.dumps(pks))
    subscribers, attachments = _STATEMENTS[rows]
    found = {
        pk: Loaded(subscriber_id, details) for pk, subscriber_id, *details in conn.execute(subscribers, (argument,))
    }
    for attribute, query in attachments:
        for pk, *attached in conn.execute(query, (argument,)):
            getattr(found[pk], attribute).append(tuple(attached))
    return [found[pk] for pk in pks]


def load_one(conn: sqlite3.Connection, pk: int) -> Loaded:
    return load(conn, [pk])[0]
