"""An avatar's named lists that subscribers refer to: tags, custom fields and sequences."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Catalogue:
    table: str
    id_column: str
    name_column: str
    label: str  # as error messages name an item
    fixture_key: str  # the avatar's list of them in a fixture document


TAGS = Catalogue("tag", "tag_id", "tag_name", "tag", "tags")
CUSTOM_FIELDS = Catalogue("custom_field", "custom_field_id", "custom_field_name", "custom field", "custom_fields")
SEQUENCES = Catalogue("sequence", "sequence_id", "sequence_name", "sequence", "sequences")
CATALOGUES = (TAGS, CUSTOM_FIELDS, SEQUENCES)
