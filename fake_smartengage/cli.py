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
from typing import TYPE_CHECKING, Any

from . import __version__
from .keys import REFERENCE_KEY, mask
from .settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

ENV_PREFIX = "FAKE_SMARTENGAGE_"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
DUPLICATE_POLICIES = ("update", "conflict")
EVENT_LOOPS = ("auto", "uvloop", "asyncio")
HTTP_PARSERS = ("auto", "httptools", "h11")


def _paths(value: str) -> tuple[Path, ...]:
    return tuple(Path(part) for part in value.split(os.pathsep) if part)


def _rate(value: str) -> str:
    from .harness.ratelimit import parse_rate

    parse_rate(value)
    return value


def _origins(value: str) -> tuple[str, ...]:
    return tuple(origin.strip() for origin in value.split(",") if origin.strip())


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"{value} is not a positive number")
    return number


# (flag, Settings field, parse an environment value, choices, help); the first three also say
# where `healthcheck` looks for the server.
_OPTIONS: list[tuple[str, str, Callable[[str], Any], tuple[str, ...] | None, str]] = [
    ("--host", "host", str, None, "address to bind (default 127.0.0.1)"),
    ("--port", "port", int, None, "port to listen on (default 8000)"),
    ("--ssl-certfile", "ssl_certfile", Path, None, "serve https with this certificate"),
    (
        "--fixtures",
        "fixtures",
        _paths,
        None,
        f"fixture file or folder of *.json files; repeatable (the variable takes several, '{os.pathsep}'-separated); "
        "default: the bundled default fixture",
    ),
    ("--db", "db", Path, None, "keep state in this SQLite file across restarts (default: in memory)"),
    ("--log-level", "log_level", str, LOG_LEVELS, "info logs one line per request, warning silences them"),
    (
        "--duplicates",
        "duplicates",
        str,
        DUPLICATE_POLICIES,
        "subscribers/add with an email, facebook_id or push_id that exists: update that subscriber, or answer 409",
    ),
    ("--ssl-keyfile", "ssl_keyfile", Path, None, "the certificate's private key"),
    ("--admin-token", "admin_token", str, None, "require this bearer token on the /_fake/ routes but health"),
    ("--rate-limit", "rate_limit", _rate, None, "per-key token bucket, e.g. 10/s, 600/m, 1000/h (default: off)"),
    (
        "--max-body-bytes",
        "max_body_bytes",
        _positive,
        None,
        "largest body a SmartEngage request may have (default 1 MiB)",
    ),
    (
        "--max-harness-body-bytes",
        "max_harness_body_bytes",
        _positive,
        None,
        "largest body a /_fake/ request may have, e.g. a fixture document (default 64 MiB)",
    ),
    ("--journal-size", "journal_size", _positive, None, "how many requests the journal keeps (default 1000)"),
    (
        "--journal-entry-bytes",
        "journal_entry_bytes",
        _positive,
        None,
        "bytes of path, query, response and parameters one journal entry keeps; longer values are cut (default 64 KiB)",
    ),
    (
        "--journal-bytes",
        "journal_bytes",
        _positive,
        None,
        "bytes the journal keeps in all; the oldest entries go first (default 32 MiB)",
    ),
    (
        "--loop",
        "loop",
        str,
        EVENT_LOOPS,
        "event loop: auto is uvloop where it is installed, else asyncio (default auto)",
    ),
    (
        "--http",
        "http",
        str,
        HTTP_PARSERS,
        "HTTP/1.1 parser: auto is httptools where it is installed, else h11 (default auto)",
    ),
    ("--port-file", "port_file", Path, None, "write the port listened on to this file (for --port 0)"),
    (
        "--cors-origin",
        "cors_origins",
        _origins,
        None,
        "let browser pages from this origin call the API (repeatable; the variable takes several, comma-separated)",
    ),
]


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
        "if it answers, 1 if not. What a container HEALTHCHECK runs.",
    )
    for flag, name, parse, choices, help in _OPTIONS:
        env = ENV_PREFIX + name.upper()
        if name in ("fixtures", "cors_origins"):
            item = Path if name == "fixtures" else str
            serve.add_argument(flag, dest=name, type=item, action="append", help=f"{help} [{env}]")
        else:
            serve.add_argument(flag, dest=name, type=parse, choices=choices, help=f"{help} [{env}]")
    for flag, name, parse, _, help in _OPTIONS[:3]:
        healthcheck.add_argument(flag, dest=name, type=parse, help=f"{help} [{ENV_PREFIX + name.upper()}]")
    return parser


def parse_args(argv: list[str] | None = None) -> tuple[str, Settings]:
    """The command and its settings, from flags and, where a flag is absent, the environment."""
    parser = _parser()
    args = parser.parse_args(argv)
    values: dict[str, Any] = {}
    for _, name, parse, choices, _ in _OPTIONS:
        if not hasattr(args, name):
            continue
        value = getattr(args, name)
        env = ENV_PREFIX + name.upper()
        if value is None and os.environ.get(env):
            raw = os.environ[env]
            try:
                value = parse(raw)
            except ValueError as error:
                parser.error(f"{env}: invalid value {raw!r}: {error}")
            if choices and value not in choices:
                parser.error(f"{env}: invalid value {raw!r} (choose from {', '.join(choices)})")
        if value is not None:
            values[name] = tuple(value) if name in ("fixtures", "cors_origins") else value
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
    from .serving import listening_socket

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
        loop=settings.loop,
        http=settings.http,
        access_log=settings.log_level in ("info", "debug"),
        ssl_certfile=settings.ssl_certfile,
        ssl_keyfile=settings.ssl_keyfile,
    )
    # Bound here rather than by uvicorn so that with --port 0 the banner can say which port.
    try:
        sock = listening_socket(settings.host, settings.port)
    except OSError as error:
        print(f"fake-smartengage: cannot listen on {settings.base_url}: {error}", file=sys.stderr)
        return 3
    settings = replace(settings, port=sock.getsockname()[1])
    if settings.port_file:
        settings.port_file.write_text(f"{settings.port}\n")
    print(_banner(settings, app), flush=True)
    # uvicorn shuts down gracefully on SIGTERM or SIGINT and then raises the signal again for the
    # handler it found: make that handler end the process with success, as a stopped container should.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, _exit_after_shutdown)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def healthcheck(settings: Settings) -> int:
    url = f"{settings.local_url}/_fake/health"
    # The check asks whether the server answers, not whether its certificate is trusted here.
    context = ssl._create_unverified_context() if settings.ssl_certfile else None
    try:
        with urllib.request.urlopen(url, timeout=3, context=context) as response:
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
