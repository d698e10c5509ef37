"""The test harness: everything a server keeps beside the SmartEngage state itself.

`Harness` owns the tenants (accounts made for tests), the fault list, the request journal, the
rate limits and the behaviour profiles, and is the one place where they change together:
`reset()` and `drop_tenant()` are written once here, and the `/_fake/` routes only call them.
"""

from collections.abc import Mapping

from .. import errors
from ..api.behaviour import DEFAULT, Profile
from ..keys import mask, new_api_key
from ..store import Accounts
from ..store.seeding import AccountSeed, FixtureDocument, check_unique_keys
from .faults import Faults
from .journal import Journal
from .ratelimit import Rate, RateLimiter


class Harness:
    def __init__(
        self, accounts: Accounts, *, rate_limit: Rate | None, journal: Journal, profile: Profile = DEFAULT
    ) -> None:
        """`rate_limit` is every key's default, `profile` the server's."""
        self._accounts = accounts
        self._default_rate = rate_limit
        self.limiter = RateLimiter(rate_limit)
        self.faults = Faults()
        self.journal = journal
        self._start_profile = self.profile = profile
        # A tenant's own switches, and its profile: the server's with them.
        self._tenant_switches: dict[str, dict[str, str]] = {}
        self._tenant_profiles: dict[str, Profile] = {}

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
        self._tenant_switches.clear()
        self.set_server_profile(self._start_profile)

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
        """The account, all it owns, its own rate limit and profile, and the faults aimed at its key."""
        if not self._accounts.delete(api_key):
            raise _unknown_tenant(api_key)
        self.limiter.use_default(api_key)
        self.faults.remove_for_key(api_key)
        self._tenant_switches.pop(api_key, None)
        self._tenant_profiles.pop(api_key, None)

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

    # Behaviour profiles

    def profile_for(self, api_key: str | None) -> Profile:
        """The profile a request with this key is answered under: its tenant's, else the server's."""
        return self._tenant_profiles.get(api_key, self.profile) if api_key is not None else self.profile

    def set_server_profile(self, profile: Profile) -> None:
        """The server's profile, which every tenant's own switches then apply over."""
        self.profile = profile
        self._tenant_profiles = {key: profile.with_changes(switches) for key, switches in self._tenant_switches.items()}

    def set_tenant_switches(self, api_key: str, switches: Mapping[str, str]) -> Profile:
        """A tenant's own switches (none: the server's profile alone); the profile now in force."""
        if self._accounts.find(api_key) is None:
            raise _unknown_tenant(api_key)
        profile = self.profile.with_changes(switches)
        if switches:
            self._tenant_switches[api_key] = dict(switches)
            self._tenant_profiles[api_key] = profile
        else:
            self._tenant_switches.pop(api_key, None)
            self._tenant_profiles.pop(api_key, None)
        return profile

    def tenant_switches(self, api_key: str) -> dict[str, str]:
        if self._accounts.find(api_key) is None:
            raise _unknown_tenant(api_key)
        return dict(self._tenant_switches.get(api_key, {}))


def _unknown_tenant(api_key: str) -> errors.ApiError:
    return errors.unknown_tenant(mask(api_key))
