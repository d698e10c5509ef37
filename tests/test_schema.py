"""The DDL the server runs is what the SQLModel tables compile to."""

from pathlib import Path

import fake_smartengage
from fake_smartengage.store.models import schema_ddl


def test_schema_sql_is_the_ddl_of_the_models():
    shipped = (Path(fake_smartengage.__file__).parent / "store" / "schema.sql").read_text()
    assert shipped == schema_ddl(), "the models changed: run `make schema` and commit fake_smartengage/store/schema.sql"
