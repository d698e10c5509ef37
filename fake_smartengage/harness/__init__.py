"""The test harness: everything a server keeps beside the SmartEngage state itself.

`Harness` owns the tenants (accounts made for tests), the fault list, the request journal and
the rate limits, and is the one place where they change together: `reset()` and
`drop_tenant()` are written once here, and the `/_fake/` routes only call them.
"""

from .. import errors
from ..keys import mask, new_api_key
from ..store import Accounts
from ..store.seeding import AccountSeed, FixtureDocument, check_unique_keys
from .faults import Faults
from .journal import Journal
from .ratelimit import Rate, RateLimiter


class Harness:
    def __init__(self, accounts: Accounts, *, rate_limit: Rate | None, journal: Journal) -> None:
        """`rate_limit` is every key's default."""
        self._accounts = accounts
        self._default_rate = rate_limit
        self.limiter = RateLimiter(rate_limit)
        self.faults = Faults()
        self.journal = journal

    # The whole server

    def reset(self, api_key: str | None = None) -> None:
        """The whole server back to its start state, or one tenant back to its seed.

        A whole reset rebuilds the state and the rate limits; the journal and the faults are
        kept (they have their own DELETE).
        """
        if api_key is not None:
            if not self._accounts.reset(api_key):
                raise _unknown_tenant(api_key)
            return
        self._accounts.restore_start()
        self.limiter = RateLimiter(self._default_rate)

    def load(self, document: FixtureDocument) -> None:
        """Makes the document the whole state; its accounts then reset to what it holds."""
        check_unique_keys([("document", document)])
        self._accounts.replace_all(document.accounts)

    def export(self, api_key: str | None = None) -> dict:
        document = self._accounts.export(api_key)
        if api_key is not None and not document["accounts"]:
            raise _unknown_tenant(api_key)
        return document

    # Tenants

    def create_tenant(self, seed: AccountSeed | None = None) -> str:
        """A new account under a fresh key, seeded from `seed` (its key is ignored) or the template
        (`Accounts.choose_template`)."""
        api_key = new_api_key()
        if seed is None:
            self._accounts.add_from_template(api_key)
        else:
            self._accounts.add([seed.model_copy(update={"api_key": api_key})])
        return api_key

    def drop_tenant(self, api_key: str) -> None:
        """The account, all it owns, its own rate limit and the faults aimed at its key."""
        if not self._accounts.delete(api_key):
            raise _unknown_tenant(api_key)
        self.limiter.use_default(api_key)
        self.faults.remove_for_key(api_key)

    def load_tenant(self, account: AccountSeed) -> None:
        """Replaces one tenant's state; it then resets to what `account` holds."""
        if not self._accounts.replace(account):
            raise _unknown_tenant(account.api_key)

    def set_rate_limit(self, api_key: str, rate: Rate | None, *, own: bool) -> Rate | None:
        """A tenant's own limit (`own`: `rate`, None meaning none at all) or the server's default;
        the limit now in force."""
        if self._accounts.find(api_key) is None:
            raise _unknown_tenant(api_key)
        if own:
            self.limiter.set_limit(api_key, rate)
        else:
            self.limiter.use_default(api_key)
        return self.limiter.limit_for(api_key)


def _unknown_tenant(api_key: str) -> errors.ApiError:
    return errors.unknown_tenant(mask(api_key))
