"""The command line: flags (each also a FAKE_SMARTENGAGE_* variable) to settings, then serve.

The app and the server are imported only to serve: `healthcheck`, which a container runs every
few seconds, needs no more than the standard library.
"""

import argparse
import json
import logging
import os
import signal
import ssl
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from . import __version__
from .keys import REFERENCE_KEY, mask
from .settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

ENV_PREFIX = "FAKE_SMARTENGAGE_"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
DUPLICATE_POLICIES = ("update", "conflict")
# Options that take several values: a flag repeated, or one variable with separators.
_REPEATABLE = ("fixtures", "cors_origins")


# Each parser serves both a flag and its variable, so that both spellings of a bad value get the
# same message; argparse shows an ArgumentTypeError's text as it is.
def _invalid(value: str, reason: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(f"invalid value {value!r}: {reason}")


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise _invalid(value, "a port is a whole number from 0 to 65535 (0: any free port)")
    return int(value)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise _invalid(value, "write a whole number of at least 1")
    return int(value)


def _rate(value: str) -> str:
    from .harness.ratelimit import parse_rate

    try:
        parse_rate(value)
    except ValueError:
        raise _invalid(value, "write N/s, N/m or N/h, e.g. 10/s, or off") from None
    return value


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def choice(value: str) -> str:
        if value not in choices:
            raise _invalid(value, f"choose from {', '.join(choices)}")
        return value

    return choice


def _text(value: str) -> str:
    if not value:
        raise _invalid(value, "must not be empty")
    return value


def _path(value: str) -> Path:
    return Path(_text(value))


def _paths(value: str) -> tuple[Path, ...]:
    return tuple(Path(part) for part in value.split(os.pathsep) if part)


def _origins(value: str) -> tuple[str, ...]:
    return tuple(origin.strip() for origin in value.split(",") if origin.strip())


class Option(NamedTuple):
    flag: str
    name: str  # the Settings field
    parse: Callable[[str], Any]  # of the variable's value; of the flag's too, but for repeatable options
    help: str
    metavar: str | None = None


# The options of `serve`, by theme, in the order `--help` shows them.
_GROUPS: list[tuple[str, list[Option]]] = [
    (
        "where it listens",
        [
            Option("--host", "host", _text, "address to bind (default 127.0.0.1; 0.0.0.0 in a container)", "ADDRESS"),
            Option("--port", "port", _port, "port to listen on (default 8000; 0: any free port)"),
            Option(
                "--port-file",
                "port_file",
                _path,
                "once the server accepts connections, write its port to this file (for --port 0); "
                "removed when the server stops",
                "FILE",
            ),
        ],
    ),
    (
        "https",
        [
            Option("--ssl-certfile", "ssl_certfile", _path, "serve https with this certificate (PEM)", "FILE"),
            Option("--ssl-keyfile", "ssl_keyfile", _path, "the certificate's private key (PEM)", "FILE"),
        ],
    ),
    (
        "state and fixtures",
        [
            Option(
                "--fixtures",
                "fixtures",
                _paths,
                "fixture file or folder of *.json files; 'default' is the bundled default fixture unless a "
                "file or folder of that name exists; repeatable (the variable takes several, "
                f"'{os.pathsep}'-separated); default: the bundled default fixture",
                "PATH",
            ),
            Option("--db", "db", _path, "keep state in this SQLite file across restarts (default: in memory)", "FILE"),
        ],
    ),
    (
        "how the API behaves",
        [
            Option(
                "--duplicates",
                "duplicates",
                _one_of(DUPLICATE_POLICIES),
                "subscribers/add with an email, facebook_id or push_id that exists: update that subscriber "
                "(default), or answer 409",
                "{" + ",".join(DUPLICATE_POLICIES) + "}",
            ),
            Option(
                "--rate-limit",
                "rate_limit",
                _rate,
                "per-key token bucket, e.g. 10/s, 600/m, 1000/h (default: off)",
                "RATE",
            ),
            Option(
                "--max-body-bytes",
                "max_body_bytes",
                _positive,
                "largest body a SmartEngage request may have, in bytes (default 1048576: 1 MiB)",
                "BYTES",
            ),
            Option(
                "--cors-origin",
                "cors_origins",
                _origins,
                "let browser pages from this origin call the API (repeatable; the variable takes several, "
                "comma-separated)",
                "ORIGIN",
            ),
        ],
    ),
    (
        "the test harness (/_fake/)",
        [
            Option(
                "--admin-token",
                "admin_token",
                _text,
                "require this bearer token on the /_fake/ routes but health",
                "TOKEN",
            ),
            Option(
                "--journal-size", "journal_size", _positive, "how many requests the journal keeps (default 1000)", "N"
            ),
            Option(
                "--max-harness-body-bytes",
                "max_harness_body_bytes",
                _positive,
                "largest body a /_fake/ request may have, e.g. a fixture document, in bytes (default 67108864: 64 MiB)",
                "BYTES",
            ),
        ],
    ),
    (
        "logging",
        [
            Option(
                "--log-level",
                "log_level",
                _one_of(LOG_LEVELS),
                "info (default) logs one line per request, warning silences them",
                "{" + ",".join(LOG_LEVELS) + "}",
            ),
        ],
    ),
]
_OPTIONS = [option for _, options in _GROUPS for option in options]
# Where `healthcheck` looks for the server.
_HEALTHCHECK_OPTIONS = [option for option in _OPTIONS if option.name in ("host", "port", "ssl_certfile")]


def _add(group: argparse._ActionsContainer, option: Option) -> None:
    help = f"{option.help} [{ENV_PREFIX + option.name.upper()}]"
    if option.name in _REPEATABLE:
        item = Path if option.name == "fixtures" else str
        group.add_argument(option.flag, dest=option.name, type=item, action="append", metavar=option.metavar, help=help)
    else:
        group.add_argument(option.flag, dest=option.name, type=option.parse, metavar=option.metavar, help=help)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fake-smartengage",
        description="A faithful, stateful fake of the SmartEngage REST API.",
    )
    parser.add_argument("--version", action="version", version=f"fake-smartengage {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the fake API",
        description="Serve the fake SmartEngage API. Every option can also be set by the environment variable "
        "shown in brackets; a flag wins over its variable.",
    )
    healthcheck = commands.add_parser(
        "healthcheck",
        help="exit 0 if the server configured by these options (or their variables) is healthy",
        description="Ask /_fake/health of the server that `serve` with the same options would run; exit 0 "
        "if it answers, 1 if not. What a container HEALTHCHECK runs; proxy variables are ignored.",
    )
    for title, options in _GROUPS:
        group = serve.add_argument_group(title)
        for option in options:
            _add(group, option)
    for option in _HEALTHCHECK_OPTIONS:
        _add(healthcheck, option)
    return parser


def parse_args(argv: list[str] | None = None) -> tuple[str, Settings]:
    """The command and its settings, from flags and, where a flag is absent, the environment."""
    parser = _parser()
    args = parser.parse_args(argv)
    values: dict[str, Any] = {}
    for option in _OPTIONS:
        if not hasattr(args, option.name):
            continue
        value = getattr(args, option.name)
        env = ENV_PREFIX + option.name.upper()
        if value is None and os.environ.get(env):
            try:
                value = option.parse(os.environ[env])
            except argparse.ArgumentTypeError as error:
                parser.error(f"{env}: {error}")
        if value is not None:
            values[option.name] = tuple(value) if option.name in _REPEATABLE else value
    if values.get("ssl_keyfile") and not values.get("ssl_certfile"):
        parser.error("--ssl-keyfile needs --ssl-certfile (or their variables)")
    return args.command, Settings(**values)


def _shown(api_key: str) -> str:
    # Keys are never logged in full, but for the one SmartEngage's reference itself prints.
    return api_key if api_key == REFERENCE_KEY else f"{mask(api_key)} (masked; see your fixture file)"


def _banner(settings: Settings, app: "FastAPI") -> str:
    keys = app.state.accounts.api_keys()
    lines = [f"fake-smartengage {__version__}: the SmartEngage API on {settings.base_url}"]
    if app.state.fixture_files:
        lines += ["fixtures loaded:", *(f"  {path}" for path in app.state.fixture_files)]
    elif settings.db and keys:
        lines.append(f"state kept in {settings.db} (fixtures load only into an empty database)")
    else:
        lines.append(f"no fixture files in {', '.join(map(str, settings.fixtures))}: no accounts")
    lines += ["API keys (Authorization: Bearer <key>):", *(f"  {_shown(key)}" for key in keys)]
    if REFERENCE_KEY in keys:
        lines.append(f"try:  curl -H 'Authorization: Bearer {REFERENCE_KEY}' {settings.base_url}/avatars/list")
    lines.append(f"dashboard: {settings.base_url}/_fake/ui    API docs: {settings.base_url}/docs")
    return "\n".join(lines)


def _configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    logger = logging.getLogger("fake_smartengage")
    logger.addHandler(handler)
    logger.setLevel(level.upper())


def _exit_after_shutdown(signum: int, frame: object) -> None:
    raise SystemExit(0)


def serve(settings: Settings) -> int:
    import uvicorn

    from .app import create_app
    from .errors import FixtureError, StartupError
    from .serving import PortFile, Server, listening_socket

    _configure_logging(settings.log_level)
    try:
        app = create_app(settings)
    except FixtureError as error:
        print(f"fake-smartengage: cannot load fixtures: {error}", file=sys.stderr)
        return 2
    except StartupError as error:
        print(f"fake-smartengage: {error}", file=sys.stderr)
        return 2
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.log_level in ("info", "debug"),
        ssl_certfile=settings.ssl_certfile,
        ssl_keyfile=settings.ssl_keyfile,
    )
    try:
        config.load()  # reads the certificate, if any
    except OSError as error:  # ssl.SSLError included
        key = f" and the key {settings.ssl_keyfile}" if settings.ssl_keyfile else ""
        reason = error.strerror or error
        print(f"fake-smartengage: {settings.ssl_certfile}: cannot serve https with it{key}: {reason}", file=sys.stderr)
        return 2
    # Bound here rather than by uvicorn so that with --port 0 the banner can say which port.
    try:
        sock = listening_socket(settings.host, settings.port)
    except OSError as error:
        print(f"fake-smartengage: cannot listen on {settings.base_url}: {error}", file=sys.stderr)
        return 3
    settings = replace(settings, port=sock.getsockname()[1])
    try:
        port_file = PortFile(settings.port_file, settings.port) if settings.port_file else None
    except StartupError as error:
        print(f"fake-smartengage: {error}", file=sys.stderr)
        return 2

    def on_listening() -> None:
        if port_file:
            port_file.publish()
        print(_banner(settings, app), flush=True)

    # uvicorn shuts down gracefully on SIGTERM or SIGINT and then raises the signal again for the
    # handler it found: make that handler end the process with success, as a stopped container should.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, _exit_after_shutdown)
    try:
        Server(config, on_listening).run(sockets=[sock])
    finally:
        if port_file:
            port_file.remove()
    return 0


def healthcheck(settings: Settings) -> int:
    url = f"{settings.local_url}/_fake/health"
    # The check asks whether the server answers, not whether its certificate is trusted here.
    context = ssl._create_unverified_context() if settings.ssl_certfile else None
    # The server is on this machine: a proxy from http_proxy and the like could not reach it.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(url, timeout=3) as response:
            healthy = response.status == 200 and json.load(response).get("status") == "ok"
    except (OSError, ValueError) as error:
        print(f"fake-smartengage: {url} is not healthy: {error}", file=sys.stderr)
        return 1
    if not healthy:
        print(f"fake-smartengage: {url} answered, but not with status ok", file=sys.stderr)
    return 0 if healthy else 1


def main(argv: list[str] | None = None) -> int:
    command, settings = parse_args(argv)
    return healthcheck(settings) if command == "healthcheck" else serve(settings)
