"""Value rules shared by request parsing, the store, fixture loading and the OpenAPI document."""

import re

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

# The largest integer every JSON reader holds exactly (RFC 7493, I-JSON): a client in JavaScript,
# or a tool that reads the OpenAPI document's bounds as doubles, sees the same limit as the server.
MAX_ID = 2**53 - 1

# Deliberately loose (one @, a dot in the domain, no spaces): the aim is to reject what a real
# mail system would certainly refuse, not to second-guess unusual but valid addresses. Written
# so that Python and the ECMA regexes of JSON Schema read it alike: the characters Python counts
# as white space are spelled out, rather than left to each engine's own `\s` (NUL: no parameter holds it).
_NOT_IN_ADDRESS = r"@\x00\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
EMAIL_PATTERN = rf"[^{_NOT_IN_ADDRESS}]+@[^{_NOT_IN_ADDRESS}]+\.[^{_NOT_IN_ADDRESS}]+"
_EMAIL = re.compile(EMAIL_PATTERN)
MAX_EMAIL_LENGTH = 254


def is_valid_email(value: str) -> bool:
    return len(value) <= MAX_EMAIL_LENGTH and _EMAIL.fullmatch(value) is not None


def as_id(value: str, *, whole_decimal: bool = False) -> int | None:
    """The positive integer id `value` spells (spaces around it allowed), or None if none can exist.
    With `whole_decimal`, also written with zeros after a point ("5.0"): an integer to JSON and JSON
    Schema, so to a client or tool that reads the OpenAPI document's integer as a number."""
    digits = value.strip()
    if whole_decimal:
        digits = _WHOLE_DECIMAL.sub("", digits)
    if not (digits.isascii() and digits.isdigit()):  # ASCII digits only: "٣" is a digit too
        return None
    number = int(digits)
    return number if 1 <= number <= MAX_ID else None


_WHOLE_DECIMAL = re.compile(r"(?<=[0-9])\.0+$")


def _json_integer(value: object) -> object:
    if isinstance(value, (bool, str, bytes)):  # what pydantic's own int would call them
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# For an int field, last in its Annotated (after its bounds, which the schema then states): an
# integer as JSON (and JSON Schema) has it, 5 or 5.0, but not true or "5", which pydantic's own
# int would also take, though the OpenAPI document says integer.
JSON_INTEGER = BeforeValidator(_json_integer)
