"""Value rules shared by request parsing, the store and fixture loading."""

import re

# SQLite stores signed 64-bit integers: no id can be larger.
MAX_ID = 2**63 - 1

# Deliberately loose (one @, a dot in the domain, no spaces): the aim is to reject what a real
# mail system would certainly refuse, not to second-guess unusual but valid addresses.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL_LENGTH = 254


def is_valid_email(value: str) -> bool:
    return len(value) <= MAX_EMAIL_LENGTH and _EMAIL.fullmatch(value) is not None


def as_id(value: str) -> int | None:
    """The positive integer id `value` spells (spaces around it allowed), or None if none can exist."""
    digits = value.strip()
    if not (digits.isascii() and digits.isdigit()):  # ASCII digits only: "٣" is a digit too
        return None
    number = int(digits)
    return number if 1 <= number <= MAX_ID else None
