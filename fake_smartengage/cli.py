"""The command line: flags (each also a FAKE_SMARTENGAGE_* variable) to settings, then serve."""

import argparse
import os
import sys
from pathlib import Path

import uvicorn

from . import __version__
from .app import create_app
from .seeding import FixtureError, bundled_fixtures
from .settings import Settings

ENV_PREFIX = "FAKE_SMARTENGAGE_"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fake-smartengage",
        description="A faithful, stateful fake of the SmartEngage REST API.",
        epilog="Every option can also be set with an environment variable, shown in brackets.",
    )
    parser.add_argument("--version", action="version", version=f"fake-smartengage {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the fake API")
    serve.add_argument("--host", default=_env("HOST", "127.0.0.1"), help="address to bind [FAKE_SMARTENGAGE_HOST]")
    serve.add_argument("--port", type=int, default=int(_env("PORT", "8000")), help="port [FAKE_SMARTENGAGE_PORT]")
    env_fixtures = _env("FIXTURES")
    serve.add_argument(
        "--fixtures",
        type=Path,
        action="append",
        default=None,
        help=(
            "fixture file or folder of *.json files, repeatable (default: the bundled default fixtures) "
            f"[FAKE_SMARTENGAGE_FIXTURES, several separated by '{os.pathsep}']"
        ),
    )
    serve.set_defaults(
        env_fixtures=[Path(part) for part in env_fixtures.split(os.pathsep) if part] if env_fixtures else None
    )
    serve.add_argument(
        "--db",
        type=Path,
        default=_path(_env("DB")),
        help="keep state in this SQLite file across restarts (default: in memory) [FAKE_SMARTENGAGE_DB]",
    )
    serve.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default=_env("LOG_LEVEL", "info"),
        help="info logs one line per request, warning silences them [FAKE_SMARTENGAGE_LOG_LEVEL]",
    )
    serve.add_argument(
        "--duplicates",
        choices=("update", "conflict"),
        default=_env("DUPLICATES", "update"),
        help=(
            "subscribers/add with an email, facebook_id or push_id that exists: update that subscriber, "
            "or answer 409 [FAKE_SMARTENGAGE_DUPLICATES]"
        ),
    )
    serve.add_argument("--ssl-certfile", type=Path, default=_path(_env("SSL_CERTFILE")), help="[FAKE_SMARTENGAGE_SSL_CERTFILE]")
    serve.add_argument("--ssl-keyfile", type=Path, default=_path(_env("SSL_KEYFILE")), help="[FAKE_SMARTENGAGE_SSL_KEYFILE]")
    return parser


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings(
        host=args.host,
        port=args.port,
        fixtures=tuple(args.fixtures or args.env_fixtures or [bundled_fixtures()]),
        db=args.db,
        log_level=args.log_level,
        duplicates=args.duplicates,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )


def _banner(settings: Settings, app) -> str:
    store = app.state.store
    lines = [f"fake-smartengage {__version__} serving the SmartEngage API on {settings.base_url}"]
    if app.state.fixture_files:
        lines.append("fixtures loaded:")
        lines += [f"  {path}" for path in app.state.fixture_files]
    else:
        lines.append(f"state kept from {settings.db} (fixtures load only into an empty database)")
    lines.append("API keys accepted (Authorization: Bearer <key>):")
    lines += [f"  {key}" for key in store.api_keys()]
    lines.append(f"try: curl -H 'Authorization: Bearer {store.api_keys()[0]}' {settings.base_url}/avatars/list" if store.api_keys() else "no accounts: load a fixture with --fixtures")
    lines.append(f"API docs: {settings.base_url}/docs")
    return "\n".join(lines)


def serve(settings: Settings) -> int:
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
        ssl_certfile=str(settings.ssl_certfile) if settings.ssl_certfile else None,
        ssl_keyfile=str(settings.ssl_keyfile) if settings.ssl_keyfile else None,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(settings_from_args(args))
    return 2
