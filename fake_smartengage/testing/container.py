"""`SmartEngageContainer`: the fake's image as a Testcontainers module (pip install 'fake-smartengage[container]').

    with SmartEngageContainer("fake-smartengage:0.1.0") as fake:
        httpx.get(f"{fake.get_base_url()}/avatars/list", headers={"Authorization": f"Bearer {fake.api_key}"})
        with fake.harness.tenant() as tenant: ...

Shaped like Testcontainers' LocalStack and WireMock modules: a `DockerContainer` whose `start()`
returns once the image's own HEALTHCHECK reports healthy, with `get_*` accessors for the address.
"""

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import HealthcheckWaitStrategy

from ..keys import REFERENCE_KEY
from ..options import OPTIONS, REPEATABLE, option_name, settings_from_options

if TYPE_CHECKING:
    from .client import FakeSmartEngage

PORT = 8000
STARTUP_TIMEOUT = 60.0


class SmartEngageContainer(DockerContainer):
    """The fake SmartEngage API in a container of `image`, serving the image's default fixture.

    `options` are those of `fake-smartengage serve`, keyed like the pytest plugin's
    `smartengage_settings` ({"duplicates": "conflict"}); each becomes its FAKE_SMARTENGAGE_* variable.
    ValueError names a bad one, in the words of its flag.
    `api_key` is the default fixture's key; `harness` is the harness client (tenants, faults,
    journal) of the started container.
    """

    def __init__(
        self,
        image: str,
        *,
        options: Mapping[str, Any] | None = None,
        admin_token: str | None = None,
        startup_timeout: float = STARTUP_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(image, **kwargs)
        self.api_key = REFERENCE_KEY
        options = {**(options or {}), **({"admin_token": admin_token} if admin_token else {})}
        settings_from_options(options)  # checked here rather than by a container that would not start
        self.admin_token = options.get("admin_token")
        self._harness: FakeSmartEngage | None = None
        self.with_exposed_ports(PORT)
        table = {option_name(option.flag): option for option in OPTIONS}
        for key, value in options.items():
            if value is not None:
                listed = table[key].name in REPEATABLE and isinstance(value, (list, tuple))
                self.with_env(table[key].env, ":".join(map(str, value)) if listed else str(value))
        self.waiting_for(HealthcheckWaitStrategy().with_startup_timeout(timedelta(seconds=startup_timeout)))

    def get_base_url(self) -> str:
        """Where the API, and the harness API under /_fake/, answer from this machine."""
        return f"http://{self.get_container_host_ip()}:{self.get_exposed_port(PORT)}"

    @property
    def harness(self) -> "FakeSmartEngage":
        """The harness client of the started container, closed when the container stops."""
        if self._harness is None:
            from .client import FakeSmartEngage

            self._harness = FakeSmartEngage(self.get_base_url(), self.admin_token)
        return self._harness

    def stop(self, force: bool = True, delete_volume: bool = True) -> None:
        if self._harness is not None:
            self._harness.close()
            self._harness = None
        super().stop(force, delete_volume)
