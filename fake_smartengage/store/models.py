"""The persistent state of one account, declared as SQLModel tables.

Each account, and each seed an account resets to, is a database of its own with these tables
(`accounts`); which key opens which is kept beside the databases (`folder`). Every item carries
two identities: `pk`, a surrogate key unique in its table, and the id SmartEngage shows
(`avatar_id`, `tag_id`, ...), which is local to its scope (avatar ids to their account,
everything else to its avatar). Every account seeded from the same fixture therefore has the
same ids, so tests can hard-code them.

`ordinal` records creation order within a scope: lists are shown newest first, i.e. by
descending ordinal, independently of the ids a fixture chose.

The server does not import this module: it runs `schema.sql`, the DDL these tables compile to
(`make schema` writes it, a test keeps it equal), which spares every start-up the 140 ms that
importing SQLModel and SQLAlchemy takes.
"""

from sqlalchemy import Column, Index, String, UniqueConstraint, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import Field, SQLModel


class Avatar(SQLModel, table=True):
    __tablename__ = "avatar"
    __table_args__ = (UniqueConstraint("avatar_id"), Index("ix_avatar_order", "ordinal"))

    pk: int | None = Field(default=None, primary_key=True)
    avatar_id: int
    ordinal: int
    brand_name: str | None = None
    brand_image: str | None = None
    user_role: str | None = None
    facebook_page_id: str | None = None


class Tag(SQLModel, table=True):
    __tablename__ = "tag"
    __table_args__ = (
        UniqueConstraint("avatar_pk", "tag_id"),
        Index("ix_tag_name", "avatar_pk", "tag_name"),
        Index("ix_tag_order", "avatar_pk", "ordinal"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    avatar_pk: int = Field(foreign_key="avatar.pk", ondelete="CASCADE")
    tag_id: int
    ordinal: int
    tag_name: str


class CustomField(SQLModel, table=True):
    __tablename__ = "custom_field"
    __table_args__ = (
        UniqueConstraint("avatar_pk", "custom_field_id"),
        Index("ix_custom_field_name", "avatar_pk", "custom_field_name"),
        Index("ix_custom_field_order", "avatar_pk", "ordinal"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    avatar_pk: int = Field(foreign_key="avatar.pk", ondelete="CASCADE")
    custom_field_id: int
    ordinal: int
    custom_field_name: str


class Sequence(SQLModel, table=True):
    __tablename__ = "sequence"
    __table_args__ = (
        UniqueConstraint("avatar_pk", "sequence_id"),
        Index("ix_sequence_name", "avatar_pk", "sequence_name"),
        Index("ix_sequence_order", "avatar_pk", "ordinal"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    avatar_pk: int = Field(foreign_key="avatar.pk", ondelete="CASCADE")
    sequence_id: int
    ordinal: int
    sequence_name: str


class Subscriber(SQLModel, table=True):
    __tablename__ = "subscriber"
    __table_args__ = (
        Index("ix_subscriber_id", "avatar_pk", "subscriber_id", unique=True),
        Index("ix_subscriber_order", "avatar_pk", text("ordinal DESC")),
        # Identities are only looked up by value: a subscriber without one costs no index entry.
        Index("ix_subscriber_email", "avatar_pk", "email", sqlite_where=text("email IS NOT NULL")),
        Index("ix_subscriber_facebook_id", "avatar_pk", "facebook_id", sqlite_where=text("facebook_id IS NOT NULL")),
        Index("ix_subscriber_push_id", "avatar_pk", "push_id", sqlite_where=text("push_id IS NOT NULL")),
    )

    pk: int | None = Field(default=None, primary_key=True)
    avatar_pk: int = Field(foreign_key="avatar.pk", ondelete="CASCADE")
    subscriber_id: int
    ordinal: int
    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    # Email addresses identify a subscriber regardless of letter case.
    email: str | None = Field(default=None, sa_column=Column(String(collation="NOCASE")))
    ip: str | None = None
    gender: str | None = None
    language: str | None = None
    place: str | None = None
    facebook_id: str | None = None
    push_id: str | None = None


class SubscriberTag(SQLModel, table=True):
    __tablename__ = "subscriber_tag"
    __table_args__ = (Index("ix_subscriber_tag_tag", "tag_pk"),)

    subscriber_pk: int = Field(foreign_key="subscriber.pk", primary_key=True, ondelete="CASCADE")
    tag_pk: int = Field(foreign_key="tag.pk", primary_key=True, ondelete="CASCADE")
    ordinal: int


class SubscriberFieldValue(SQLModel, table=True):
    __tablename__ = "subscriber_field_value"
    __table_args__ = (Index("ix_subscriber_field_value_field", "custom_field_pk"),)

    subscriber_pk: int = Field(foreign_key="subscriber.pk", primary_key=True, ondelete="CASCADE")
    custom_field_pk: int = Field(foreign_key="custom_field.pk", primary_key=True, ondelete="CASCADE")
    ordinal: int
    custom_value: str


class SubscriberSequence(SQLModel, table=True):
    __tablename__ = "subscriber_sequence"
    __table_args__ = (Index("ix_subscriber_sequence_sequence", "sequence_pk"),)

    subscriber_pk: int = Field(foreign_key="subscriber.pk", primary_key=True, ondelete="CASCADE")
    sequence_pk: int = Field(foreign_key="sequence.pk", primary_key=True, ondelete="CASCADE")
    ordinal: int
    status: str


def schema_ddl() -> str:
    """The SQLite DDL of the tables above: what `schema.sql` holds."""
    dialect = sqlite.dialect()
    statements = []
    for table in SQLModel.metadata.sorted_tables:
        statements.append(str(CreateTable(table).compile(dialect=dialect)).strip())
        statements += [
            str(CreateIndex(index).compile(dialect=dialect)).strip()
            for index in sorted(table.indexes, key=lambda i: str(i.name))
        ]
    return "".join(f"{statement};\n\n" for statement in statements)


if __name__ == "__main__":
    print(schema_ddl(), end="")
