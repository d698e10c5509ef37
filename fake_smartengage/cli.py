"""The command line: flags (each also a FAKE_SMARTENGAGE_* variable) to settings, then serve."""

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from . import __version__
from .app import create_app
from .seeding import FixtureError
from .settings import Settings

ENV_PREFIX = "FAKE_SMARTENGAGE_"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
DUPLICATE_POLICIES = ("update", "conflict")


def _paths(value: str) -> tuple[Path, ...]:
    return tuple(Path(part) for part in value.split(os.pathsep) if part)


# (flag, Settings field, parse an environment value, choices, help)
_OPTIONS: list[tuple[str, str, Callable[[str], Any], tuple[str, ...] | None, str]] = [
    ("--host", "host", str, None, "address to bind (default 127.0.0.1)"),
    ("--port", "port", int, None, "port to listen on (default 8000)"),
    ("--fixtures", "fixtures", _paths, None,
     f"fixture file or folder of *.json files; repeatable (the variable takes several, '{os.pathsep}'-separated); "
     "default: the bundled default fixture"),
    ("--db", "db", Path, None, "keep state in this SQLite file across restarts (default: in memory)"),
    ("--log-level", "log_level", str, LOG_LEVELS, "info logs one line per request, warning silences them"),
    ("--duplicates", "duplicates", str, DUPLICATE_POLICIES,
     "subscribers/add with an email, facebook_id or push_id that exists: update that subscriber, or answer 409"),
    ("--ssl-certfile", "ssl_certfile", Path, None, "serve https with this certificate"),
    ("--ssl-keyfile", "ssl_keyfile", Path, None, "the certificate's private key"),
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
    for flag, name, parse, choices, help in _OPTIONS:
        env = ENV_PREFIX + name.upper()
        if name == "fixtures":
            serve.add_argument(flag, dest=name, type=Path, action="append", help=f"{help} [{env}]")
        else:
            serve.add_argument(flag, dest=name, type=parse, choices=choices, help=f"{help} [{env}]")
    return parser


def parse_settings(argv: list[str] | None = None) -> Settings:
    parser = _parser()
    args = parser.parse_args(argv)
    values: dict[str, Any] = {}
    for _, name, parse, choices, _ in _OPTIONS:
        value = getattr(args, name)
        env = ENV_PREFIX + name.upper()
        if value is None and os.environ.get(env):
            raw = os.environ[env]
            try:
                value = parse(raw)
            except ValueError:
                parser.error(f"{env}: invalid value {raw!r}")
            if choices and value not in choices:
                parser.error(f"{env}: invalid value {raw!r} (choose from {', '.join(choices)})")
        if value is not None:
            values[name] = tuple(value) if name == "fixtures" else value
    return Settings(**values)


def _banner(settings: Settings, app: FastAPI) -> str:
    keys = app.state.store.api_keys()
    lines = [f"fake-smartengage {__version__}: the SmartEngage API on {settings.base_url}"]
    if app.state.fixture_files:
        lines += ["fixtures loaded:", *(f"  {path}" for path in app.state.fixture_files)]
    else:
        lines.append(f"state kept in {settings.db} (fixtures load only into an empty database)")
    lines += ["API keys (Authorization: Bearer <key>):", *(f"  {key}" for key in keys)]
    if keys:
        lines.append(f"try:  curl -H 'Authorization: Bearer {keys[0]}' {settings.base_url}/avatars/list")
    lines.append(f"docs: {settings.base_url}/docs")
    return "\n".join(lines)


def _configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    logger = logging.getLogger("fake_smartengage")
    logger.addHandler(handler)
    logger.setLevel(level.upper())


def serve(settings: Settings) -> int:
    _configure_logging(settings.log_level)
    try:
        app = create_app(settings)
    except FixtureError as error:
        print(f"fake-smartengage: cannot load fixtures: {error}", file=sys.stderr)
        return 2
    print(_banner(settings, app), flush=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.log_level in ("info", "debug"),
        ssl_certfile=settings.ssl_certfile,
        ssl_keyfile=settings.ssl_keyfile,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    return serve(parse_settings(argv))
