"""The pytest plugin of fake-smartengage, registered through the `pytest11` entry point.

Fixtures (nothing to put in a conftest.py):

* `smartengage_settings` (session): the options of the plugin's own server, as a dict keyed like
  the flags of `fake-smartengage serve` (`{"duplicates": "conflict", "rate_limit": "5/s"}`); {}
  unless a conftest.py overrides it. Ignored, with a warning, for a server at --smartengage-url.
* `smartengage_server` (session): a `FakeSmartEngage` client of a server for this run: a real
  uvicorn server on 127.0.0.1 and a free port, in a background thread, started with
  `smartengage_settings` the first time a test asks for it; or, with `--smartengage-url URL`
  (env FAKE_SMARTENGAGE_URL), the server at that URL (a docker sidecar, say), once it answers
  its health check; or, with `--smartengage-image IMAGE` (env FAKE_SMARTENGAGE_IMAGE), a container
  of that image started with `smartengage_settings` (`SmartEngageContainer`, which needs the
  `container` extra and a Docker engine).
* `smartengage` (function): a fresh `Tenant` on that server for each test: `base_url`,
  `api_key`, a ready `client`, and the harness API scoped to the tenant. Seeded from
  `@pytest.mark.smartengage(fixtures="file.json" or a dict)` when the test has that marker.
  Dropped, with the faults made through it, after the test.
* `smartengage_app` (function): a fresh ASGI app, for tests that want no socket at all:
  `httpx.AsyncClient(transport=httpx.ASGITransport(app=smartengage_app), base_url="http://fake")`.

When a test that used `smartengage` fails, its report gets a section listing the requests it
sent to the fake, from the journal.

The plugin costs nothing in a run that does not use these fixtures: this module imports no
more than pytest, and the server starts only when a test asks for it.
"""

import json
import os
import time
import warnings
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from ..keys import mask
from .documents import read_fixture

if TYPE_CHECKING:
    from pluggy import Result

    from .client import FakeSmartEngage, Tenant

URL_ENV = "FAKE_SMARTENGAGE_URL"
IMAGE_ENV = "FAKE_SMARTENGAGE_IMAGE"
ADMIN_TOKEN_ENV = "FAKE_SMARTENGAGE_ADMIN_TOKEN"
TIMEOUT_ENV = "FAKE_SMARTENGAGE_TIMEOUT"
DEFAULT_TIMEOUT = 30.0
MARKER = "smartengage"
SHOWN_REQUESTS = 50
SHOWN_BODY_CHARS = 600
_POLL_INTERVAL = 0.05

_TENANT = pytest.StashKey["Tenant"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smartengage", "fake SmartEngage API (fake-smartengage)")
    group.addoption(
        "--smartengage-url",
        metavar="URL",
        default=None,
        help=f"use the fake-smartengage server at URL instead of starting one in this process [{URL_ENV}]",
    )
    group.addoption(
        "--smartengage-image",
        metavar="IMAGE",
        default=None,
        help=f"run the server as a container of IMAGE (pip install 'fake-smartengage[container]') [{IMAGE_ENV}]",
    )
    group.addoption(
        "--smartengage-admin-token",
        metavar="TOKEN",
        default=None,
        help=f"the admin token of that server, if it was started with --admin-token [{ADMIN_TOKEN_ENV}]",
    )
    group.addoption(
        "--smartengage-timeout",
        metavar="SECONDS",
        type=float,
        default=None,
        help=f"how long to wait for the server to be healthy (default {DEFAULT_TIMEOUT:g}) [{TIMEOUT_ENV}]",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(fixtures, profile, faults): seed this test's `smartengage` tenant from a fixture "
        "document: a dict, or the path of a JSON file (relative paths from the test file's folder); "
        "answer it under these behaviour switches (a dict, e.g. {'check_order': 'key-first'}); and add "
        "these faults (fail()'s arguments as dicts, method and path included, e.g. kind='reset', when='after')",
    )


def _setting(config: pytest.Config, option: str, env: str) -> Any:
    value = config.getoption(option)
    return value if value is not None else (os.environ.get(env) or None)


def _client_module() -> Any:
    try:
        from . import client
    except ImportError as error:  # httpx is what may be missing
        pytest.fail(f"the smartengage fixtures need httpx ({error}): pip install httpx", pytrace=False)
    return client


@pytest.fixture(scope="session")
def smartengage_settings() -> dict[str, Any]:
    """The options of the plugin's own server, keyed like the flags of `fake-smartengage serve`
    (--rate-limit is "rate_limit"): none by default. Override this fixture in a conftest.py."""
    return {}


@pytest.fixture(scope="session")
def smartengage_server(
    pytestconfig: pytest.Config, smartengage_settings: dict[str, Any]
) -> Iterator["FakeSmartEngage"]:
    """The harness API of this run's fake server: in a thread of this process, or at --smartengage-url."""
    testing = _client_module()
    url = _setting(pytestconfig, "smartengage_url", URL_ENV)
    token = _setting(pytestconfig, "smartengage_admin_token", ADMIN_TOKEN_ENV)
    timeout = float(_setting(pytestconfig, "smartengage_timeout", TIMEOUT_ENV) or DEFAULT_TIMEOUT)
    settings = _server_settings(smartengage_settings)
    if url:
        if smartengage_settings:
            warnings.warn(
                f"smartengage_settings are not applied to the fake SmartEngage server at {url}: "
                "it runs with the options it was started with",
                SmartEngageSettingsIgnored,
                stacklevel=1,
            )
        with testing.FakeSmartEngage(url, token) as fake:
            _wait_until_healthy(fake, timeout, testing)
            yield fake
        return
    image = _setting(pytestconfig, "smartengage_image", IMAGE_ENV)
    if image:
        yield from _container_server(image, smartengage_settings, timeout)
        return

    from ..app import create_app
    from ..errors import FixtureError, StartupError
    from .in_process import InProcessFakeSmartEngage
    from .server import ServerError, ServerThread

    try:
        server = ServerThread(create_app(settings), startup_timeout=timeout, log_level=settings.log_level)
        server.start()
    except (FixtureError, StartupError, ServerError, OSError) as error:
        _fail_from_none(f"could not start the fake SmartEngage server: {error}")
    try:
        with InProcessFakeSmartEngage(server, settings.admin_token or token) as fake:
            yield fake
    finally:
        server.stop()


def _container_server(image: str, options: dict[str, Any], timeout: float) -> Iterator["FakeSmartEngage"]:
    try:
        from .container import SmartEngageContainer
    except ImportError as error:  # testcontainers is what may be missing
        _fail_from_none(f"--smartengage-image needs testcontainers ({error}): pip install fake-smartengage[container]")
    with SmartEngageContainer(image, options=options, startup_timeout=timeout) as container:
        yield container.harness


class SmartEngageSettingsIgnored(UserWarning):
    """smartengage_settings were given, but the tests use a server started elsewhere."""


# The plugin decides where its server listens; by default, it logs only warnings.
_NOT_SETTABLE = ("host", "port", "ssl_certfile", "ssl_keyfile", "port_file")
_DEFAULTS = {"log_level": "warning"}


def _server_settings(options: Any) -> Any:
    """The Settings of the plugin's own servers, from the `smartengage_settings` fixture's options."""
    from ..options import settings_from_options

    if not isinstance(options, dict):
        pytest.fail(f"smartengage_settings must return a dict, not {options!r}", pytrace=False)
    for key in _NOT_SETTABLE:
        if key in options:
            pytest.fail(
                f"smartengage_settings: {key!r} is not an option of the plugin's server: "
                "it listens on 127.0.0.1 and a free port, over http",
                pytrace=False,
            )
    try:
        return settings_from_options(options, exclude=_NOT_SETTABLE, defaults=_DEFAULTS)
    except ValueError as error:
        _fail_from_none(f"smartengage_settings: {error}")


def _wait_until_healthy(fake: "FakeSmartEngage", timeout: float, testing: Any) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fake.health()
            break
        except Exception as error:  # refused, reset, not yet healthy...: all mean "not yet"
            last = error
        if time.monotonic() > deadline:
            pytest.fail(
                f"the fake SmartEngage server at {fake.base_url} was not healthy within {timeout:g}s "
                f"(last: {last!r}); check --smartengage-url / {URL_ENV}",
                pytrace=False,
            )
        time.sleep(_POLL_INTERVAL)
    try:
        fake.faults()  # any guarded route: is the admin token right?
    except testing.FakeSmartEngageError as error:
        if error.status == 401:
            pytest.fail(
                f"the fake SmartEngage server at {fake.base_url} wants an admin token: "
                f"pass --smartengage-admin-token or set {ADMIN_TOKEN_ENV} ({error.message})",
                pytrace=False,
            )
        raise


def _marker_document(request: pytest.FixtureRequest) -> tuple[dict[str, Any], str] | None:
    """The test's marker document, checked, and how to name it in a message."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return None
    if (
        len(marker.args) > 1
        or set(marker.kwargs) - {"fixtures", "profile", "faults"}
        or (marker.args and "fixtures" in marker.kwargs)
    ):
        pytest.fail(
            f"@pytest.mark.{MARKER} takes fixtures= (a dict or a path), profile= (a dict of switches) "
            "and faults= (a list of fail() arguments as dicts)",
            pytrace=False,
        )
    fixtures = marker.kwargs.get("fixtures", marker.args[0] if marker.args else None)
    if fixtures is None:
        return None
    if isinstance(fixtures, dict):
        document, source = fixtures, f"@pytest.mark.{MARKER}(fixtures={{...}})"
    elif isinstance(fixtures, (str, os.PathLike)):
        path = Path(fixtures)
        if not path.is_absolute():
            path = Path(request.node.path).parent / path
        try:
            document = read_fixture(path)
        except (OSError, ValueError) as error:
            _fail_from_none(f"@pytest.mark.{MARKER}: cannot read {path}: {error}")
        source = f"@pytest.mark.{MARKER}: {path}"
    else:
        pytest.fail(f"@pytest.mark.{MARKER}(fixtures=...) takes a dict or a path, not {fixtures!r}", pytrace=False)
    _seed(document, api_key="marker", source=source)  # fails the test here, in the user's terms
    return document, source


def _marker_profile(request: pytest.FixtureRequest) -> dict[str, str] | None:
    """The switches of the test's marker, checked: this test's behaviour profile."""
    marker = request.node.get_closest_marker(MARKER)
    switches = marker.kwargs.get("profile") if marker is not None else None
    if switches is None:
        return None
    from ..api.behaviour import ProfileError, parse_profile

    try:
        return parse_profile(switches, source=f"@pytest.mark.{MARKER}(profile=...)").changes()
    except ProfileError as error:
        _fail_from_none(str(error))


def _fail_from_none(message: str) -> NoReturn:
    """pytest.fail(pytrace=False) from an except clause, without the exception it handled."""
    raise pytest.fail.Exception(message, pytrace=False) from None


def _seed(document: dict[str, Any], *, api_key: str, source: str) -> Any:
    from ..errors import FixtureError
    from ..store.seeding import parse_account_document

    try:
        return parse_account_document(document, api_key=api_key, source=source)
    except FixtureError as error:
        _fail_from_none(str(error))


def _marker_faults(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    """The faults of the test's marker: each a dict of `fail()`'s arguments, method and path included."""
    marker = request.node.get_closest_marker(MARKER)
    faults = marker.kwargs.get("faults", []) if marker is not None else []
    if not isinstance(faults, list) or not all(isinstance(fault, dict) for fault in faults):
        pytest.fail(f"@pytest.mark.{MARKER}(faults=...) takes a list of dicts, not {faults!r}", pytrace=False)
    return faults


def _add_marker_faults(tenant: "Tenant", faults: list[dict[str, Any]]) -> None:
    from .errors import FakeSmartEngageError

    for fault in faults:
        try:
            tenant.fail(**fault)
        except (FakeSmartEngageError, TypeError) as error:
            _fail_from_none(f"@pytest.mark.{MARKER}(faults=...): {fault!r}: {error}")


@pytest.fixture
def smartengage(request: pytest.FixtureRequest, smartengage_server: "FakeSmartEngage") -> Iterator["Tenant"]:
    """A fresh tenant for this test, seeded from its `smartengage` marker if it has one."""
    marked = _marker_document(request)
    switches = _marker_profile(request)
    tenant = smartengage_server.tenant(marked[0] if marked else None)
    request.node.stash[_TENANT] = tenant
    try:
        if switches:
            tenant.set_profile(switches)
        _add_marker_faults(tenant, _marker_faults(request))
        yield tenant
    finally:
        tenant.delete()


@pytest.fixture
def smartengage_app(request: pytest.FixtureRequest, smartengage_settings: dict[str, Any]) -> Any:
    """A fresh fake as an ASGI app, no socket, with the options of `smartengage_settings`: by
    default the default fixture (key se_k73DUceVnvRCusWxDN2qQQ1a). The test's `smartengage` marker
    document, if it has one, replaces its first account."""
    from ..app import create_app

    switches = _marker_profile(request)
    app = create_app(_server_settings({**smartengage_settings, **({"profile": switches} if switches else {})}))
    marked = _marker_document(request)
    if marked is not None:
        seed = _seed(marked[0], api_key=app.state.accounts.api_keys()[0], source=marked[1])
        if seed is not None:
            app.state.harness.load_tenant(seed)
    for fault in _marker_faults(request):
        _add_fault_in_process(app, fault)
    return app


def _add_fault_in_process(app: Any, fault: dict[str, Any]) -> None:
    from pydantic import ValidationError

    from ..errors import ApiError
    from ..harness.faults import FaultSpec
    from .client import fail_spec

    options = {name: value for name, value in fault.items() if name not in ("method", "path")}
    try:
        spec = FaultSpec.model_validate({**fail_spec(options), "method": fault["method"], "path": fault["path"]})
        app.state.harness.faults.add(spec)
    except (KeyError, ValidationError, ApiError) as error:
        _fail_from_none(f"@pytest.mark.{MARKER}(faults=...): {fault!r}: {error}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, "Result[pytest.TestReport]", None]:
    outcome = yield
    report = outcome.get_result()
    if not report.failed or report.when == "teardown":
        return
    tenant = item.stash.get(_TENANT, None)
    if tenant is not None:
        report.sections.append(("fake SmartEngage requests", _journal_section(tenant)))


def _journal_section(tenant: "Tenant") -> str:
    try:
        entries = tenant.requests(limit=SHOWN_REQUESTS + 1)
    except Exception as error:  # a report must never fail: say why the journal is missing
        return f"could not read the journal of the fake: {error!r}"
    who = f"tenant {mask(tenant.api_key)} on {tenant.base_url}"
    if not entries:
        return f"no requests reached the fake ({who})"
    lines = [f"requests this test sent ({who}), oldest first:"]
    if len(entries) > SHOWN_REQUESTS:
        entries = entries[:SHOWN_REQUESTS]
        lines.append(f"(only the last {SHOWN_REQUESTS})")
    for entry in reversed(entries):
        target = entry["path"] + (f"?{entry['query']}" if entry.get("query") else "")
        status = "no answer" if entry["status"] is None else entry["status"]
        lines.append(f"{entry['method']} {target} -> {status}  ({entry.get('duration_ms')} ms)")
        if entry.get("sent"):
            lines.append(f"    sent: {_compact(entry['sent'])}")
        if entry.get("fault") is not None:
            changed = "the state changed" if entry.get("state_changed") else "the state did not change"
            lines.append(f"    fault {entry['fault']} ({entry.get('fault_kind')}) hit it: {changed}")
        lines.append(f"    response: {_compact(entry.get('response'))}")
    return "\n".join(lines)


def _compact(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= SHOWN_BODY_CHARS else text[:SHOWN_BODY_CHARS] + "…"
