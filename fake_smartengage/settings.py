"""The one settings object; `cli` builds it from flags and FAKE_SMARTENGAGE_* variables."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

MIB = 1024 * 1024
DuplicatePolicy = Literal["update", "conflict", "create"]
EventLoop = Literal["auto", "uvloop", "asyncio"]
HttpParser = Literal["auto", "httptools", "h11"]


def bundled_fixtures() -> Path:
    """The default fixture folder: inside the installed package, or beside it in a checkout."""
    inside_package = Path(__file__).parent / "fixtures"
    return inside_package if inside_package.is_dir() else Path(__file__).parent.parent / "fixtures"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    fixtures: tuple[Path, ...] = field(default_factory=lambda: (bundled_fixtures(),))
    db: Path | None = None
    log_level: str = "info"
    # The behaviour profile's switches (api/behaviour.py) by name, and --duplicates, which sets one
    # of them; None leaves it to the profile.
    profile: Mapping[str, str] = field(default_factory=dict)
    duplicates: DuplicatePolicy | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    max_body_bytes: int = MIB
    max_harness_body_bytes: int = 64 * MIB
    admin_token: str | None = None
    journal_size: int = 1000
    journal_entry_bytes: int = 64 * 1024
    journal_bytes: int = 32 * MIB
    rate_limit: str | None = None
    port_file: Path | None = None
    cors_origins: tuple[str, ...] = ()
    upstream: str | None = None
    upstream_timeout: float = 30.0
    # uvicorn's choices; "auto" takes uvloop and httptools where they are installed.
    loop: EventLoop = "auto"
    http: HttpParser = "auto"

    @property
    def base_url(self) -> str:
        """Where the server listens, as configured."""
        return self._url(self.host)

    @property
    def local_url(self) -> str:
        """Where a client on this machine reaches the server: a wildcard address means loopback."""
        return self._url({"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host))

    def _url(self, host: str) -> str:
        scheme = "https" if self.ssl_certfile else "http"
        return f"{scheme}://{f'[{host}]' if ':' in host else host}:{self.port}"
