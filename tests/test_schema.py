"""The DDL the server runs is what the SQLModel tables compile to, and the shapes it serves are
the documented ones."""

from pathlib import Path

import fake_smartengage
from conftest import DEFAULT_KEY
from fake_smartengage.schemas import CustomValuePublic, SequenceStatusPublic, SubscriberPublic
from fake_smartengage.store.models import schema_ddl


def test_schema_sql_is_the_ddl_of_the_models():
    shipped = (Path(fake_smartengage.__file__).parent / "store" / "schema.sql").read_text()
    assert shipped == schema_ddl(), "the models changed: run `make schema` and commit fake_smartengage/store/schema.sql"


async def test_subscriber_objects_have_exactly_the_documented_shape(client):
    """The store builds subscriber objects as dicts; they must be what `SubscriberPublic` documents."""
    response = await client.post(
        "/subscribers/add",
        data={
            "avatar_id": "123",
            "email": "shape@example.com",
            "tags[]": "123",
            "custom_field[]": "111",
            "field_value[]": "x",
        },
    )
    await client.post(
        "/sequences/add", data={"avatar_id": "123", "subscriber_id": response.json()["id"], "sequence": "1"}
    )
    listed = (await client.get(f"/_fake/subscribers?api_key={DEFAULT_KEY}&email=shape@example.com")).json()
    for subscriber in [response.json(), *listed]:
        assert list(subscriber) == list(SubscriberPublic.model_fields)
        SubscriberPublic.model_validate(subscriber, strict=True)
    (subscriber,) = listed
    assert list(subscriber["custom_fields"][0]) == list(CustomValuePublic.model_fields)
    assert list(subscriber["sequences"][0]) == list(SequenceStatusPublic.model_fields)
