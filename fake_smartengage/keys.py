"""API keys: how a request presents one, the digest the harness keeps, and how the fake shows one.

The store finds an account in a dict by its key, and a dict compares keys only once their hashes
match, so how long a lookup takes says nothing about how close a guessed key came to a real one.
The journal, the faults and the rate limits keep SHA-256 digests of keys; logs, the journal and
the harness API show keys masked.
"""

import hashlib
import secrets
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

# An ASGI scope, spelled without Starlette: `healthcheck` imports this module and nothing else.
Scope = Mapping[str, Any]

# The key SmartEngage's reference prints in its examples, and the default fixture's.
REFERENCE_KEY = "se_k73DUceVnvRCusWxDN2qQQ1a"


@lru_cache(maxsize=4096)  # the same few keys come with every request, several times
def key_digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_api_key() -> str:
    return f"se_{secrets.token_urlsafe(18)}"


def mask(api_key: str) -> str:
    """What logs, the journal and the harness API show of a key: enough to tell keys apart."""
    return f"{api_key[: min(6, len(api_key) // 3)]}…"


def presented_key(scope: Scope) -> str | None:
    """The bearer key a request carries (the scheme's case does not matter), if any."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            return key.strip() if scheme.lower() == "bearer" and key.strip() else None
    return None
