"""The testing side of fake-smartengage: what a test suite imports.

* `FakeSmartEngage`, `Tenant` (`client`): a typed client of the harness API of any
  fake-smartengage server, which raises `FakeSmartEngageError` (`errors`) when the server refuses;
* `Fixture`, `read_fixture` (`documents`): a fixture document given as a dict or a file;
* `ServerThread`, `ServerError` (`server`): a real server in a background thread of this process;
* `SmartEngageContainer` (`container`): the image as a Testcontainers module (the `container` extra);
* the pytest plugin (`pytest_plugin`), registered through the `pytest11` entry point.

Names are imported on first use, so that loading the pytest plugin (which pytest does in every
run where the package is installed) costs no more than the plugin module itself.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import FakeSmartEngage, Tenant
    from .container import SmartEngageContainer
    from .documents import Fixture, read_fixture
    from .errors import FakeSmartEngageError
    from .server import ServerError, ServerThread

_HOMES = {
    "FakeSmartEngage": "client",
    "FakeSmartEngageError": "errors",
    "Fixture": "documents",
    "Tenant": "client",
    "read_fixture": "documents",
    "ServerError": "server",
    "ServerThread": "server",
    "SmartEngageContainer": "container",
}
__all__ = [
    "FakeSmartEngage",
    "FakeSmartEngageError",
    "Fixture",
    "ServerError",
    "ServerThread",
    "SmartEngageContainer",
    "Tenant",
    "read_fixture",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOMES[name]}", __name__), name)
