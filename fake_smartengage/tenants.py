"""Accounts as test tenants: created with fresh keys, reset to their seed, replaced, dropped.

Every key sees only its own avatars, so one server can serve many tests at once, each in a
tenant of its own. The server's start state is kept as an in-memory copy of the database, so a
whole reset is one SQLite backup rather than a rebuild from fixture files.
"""

import secrets

from . import errors
from .db import Database
from .seeding import AccountSeed, FixtureDocument, check_unique_keys
from .store import Store


def new_api_key() -> str:
    return f"se_{secrets.token_urlsafe(18)}"


def mask(api_key: str) -> str:
    """What logs, the journal and the admin API show of a key: enough to tell keys apart."""
    return f"{api_key[: min(6, len(api_key) // 3)]}…"


def unknown_tenant(api_key: str) -> errors.ApiError:
    return errors.ApiError(404, f"No such tenant: '{mask(api_key)}'", param="api_key")


class Tenants:
    """Seeds are kept as JSON: as parsed models, 100,000 subscribers would take 270 MB."""

    def __init__(self, db: Database, store: Store, seeds: list[AccountSeed], template: AccountSeed) -> None:
        """`seeds` are the accounts the state starts with; `template` seeds tenants created without a document."""
        self._db = db
        self._store = store
        self._template = template.model_dump_json().encode()
        self._start_seeds = {seed.api_key: seed.model_dump_json().encode() for seed in seeds}
        self._seeds = dict(self._start_seeds)
        self._start = db.copy()

    def create(self, seed: AccountSeed | None = None) -> str:
        """A new account under a fresh key, seeded from `seed` (its key is ignored) or the template."""
        api_key = new_api_key()
        raw = seed.model_dump_json().encode() if seed else self._template
        self._store.add_accounts([_account(raw, api_key)])
        self._seeds[api_key] = raw
        return api_key

    def delete(self, api_key: str) -> None:
        if not self._store.delete_account(api_key):
            raise unknown_tenant(api_key)
        self._seeds.pop(api_key, None)

    def reset(self, api_key: str | None = None) -> None:
        """The whole server back to its start state, or one tenant back to its own seed."""
        if api_key is None:
            self._db.restore(self._start)
            self._seeds = dict(self._start_seeds)
            return
        seed = self._seeds.get(api_key)
        if seed is None or not self._store.replace_account(_account(seed, api_key)):
            raise unknown_tenant(api_key)

    def load(self, document: FixtureDocument) -> None:
        """Makes the document the whole state; its accounts are then reset to what it holds."""
        check_unique_keys([("document", document)])
        self._store.replace_accounts(document.accounts)
        self._seeds = {account.api_key: account.model_dump_json().encode() for account in document.accounts}

    def load_one(self, account: AccountSeed) -> None:
        """Replaces one tenant's state; the tenant is then reset to what `account` holds."""
        if not self._store.replace_account(account):
            raise unknown_tenant(account.api_key)
        self._seeds[account.api_key] = account.model_dump_json().encode()

    def export(self, api_key: str | None = None) -> dict:
        document = self._store.export(api_key)
        if api_key is not None and not document["accounts"]:
            raise unknown_tenant(api_key)
        return document

    def exists(self, api_key: str) -> bool:
        return self._store.account_for_key(api_key) is not None


def _account(seed: bytes, api_key: str) -> AccountSeed:
    return AccountSeed.model_validate_json(seed).model_copy(update={"api_key": api_key})
