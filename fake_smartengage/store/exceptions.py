"""What the store refuses, and what stops the server from starting or a fixture from loading.

The store's errors carry the facts (what was not found, which identity is taken) and nothing of
HTTP: `errors` words each one, once, and turns it into the answer the client sees.
"""

from dataclasses import dataclass


class StartupError(Exception):
    """The server cannot start as configured; the message names the path and the reason."""


class FixtureError(Exception):
    """A fixture document that cannot be loaded; the message names its source and the entry."""


class StoreError(Exception):
    """A request the state cannot serve as asked."""


@dataclass
class NotFound(StoreError):
    """No `kind` is `value` (sent as `param`), in this account."""

    kind: str
    param: str
    value: object


@dataclass
class AmbiguousName(StoreError):
    """More than one `kind` is named `value` (sent as `param`)."""

    kind: str
    param: str
    value: str


@dataclass
class InvalidEmail(StoreError):
    value: str


@dataclass
class MissingIdentity(StoreError):
    """None of the identities that find a subscriber again (email, facebook_id, push_id) was sent."""


@dataclass
class IdentityTaken(StoreError):
    """The identity sent as `param` belongs to another subscriber."""

    param: str
    subscriber_id: int


@dataclass
class IdentitySplit(StoreError):
    """The identities sent belong to different subscribers."""

    subscriber_ids: list[int]


@dataclass
class IdsExhausted(StoreError):
    """The highest id a `kind` can have is taken."""

    kind: str


@dataclass
class AccountGone(StoreError):
    """The account a request found was dropped before the request reached its database."""


@dataclass
class CannotStore(StoreError):
    """No database can be made or opened for another account: no space, no file handle left."""

    reason: str
