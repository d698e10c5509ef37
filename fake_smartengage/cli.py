"""The command line: flags (each also a FAKE_SMARTENGAGE_* variable) to settings, then serve.

The app and the server are imported only to serve: `healthcheck`, which a container runs every
few seconds, needs no more than the standard library.
"""

import argparse
import difflib
import json
import logging
import os
import signal
import ssl
import sys
import urllib.error
import urllib.request
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import __version__
from .checking import commands as commands_module
from .keys import REFERENCE_KEY, mask
from .options import GROUPS, OPTIONS, REPEATABLE, add_argument
from .settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

# Where `healthcheck` looks for the server.
_HEALTHCHECK_OPTIONS = [option for option in OPTIONS if option.name in ("host", "port", "ssl_certfile")]


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
    verify = commands.add_parser(
        "verify",
        help="check that a SmartEngage API (the real one, or a fake) behaves as the fake does",
        description="Run the contract checks against BASE_URL: PASS, DIVERGES or SKIP for each, then a summary. "
        "Exit 0 if nothing diverged, 1 if something did, 2 if the checks could not run. Read-only unless --writes.",
    )
    commands_module.add_verify_arguments(verify)
    snapshot = commands.add_parser(
        "snapshot",
        help="write a SmartEngage account's avatars, tags, custom fields and sequences as a fixture",
        description="Read the account's avatars and, for each avatar, its tags, custom fields and sequences, and write "
        "them as a fixture document that --fixtures loads: ids and order kept, no subscribers (the API cannot list "
        "them). Progress goes to standard error. Exit 2, naming the URL, if it cannot.",
    )
    commands_module.add_snapshot_arguments(snapshot, REFERENCE_KEY)
    for title, options in GROUPS:
        group = serve.add_argument_group(title)
        for option in options:
            add_argument(group, option)
    for option in _HEALTHCHECK_OPTIONS:
        add_argument(healthcheck, option)
    return parser


def parse_args(argv: list[str] | None = None) -> tuple[str, Settings]:
    """The command and its settings, from flags and, where a flag is absent, the environment."""
    parser = _parser()
    args = _arguments(parser, argv)
    return args.command, _settings(parser, args)


def _arguments(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """argparse's `parse_args`, which also says which flag a misspelt one (`--prot`) may have meant."""
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        command = next(
            action.choices[args.command] for action in parser._actions if isinstance(action, argparse._SubParsersAction)
        )
        flags = [flag for flag in command._option_string_actions if flag.startswith("--")]
        names = [argument.split("=", 1)[0] for argument in unknown if argument.startswith("--")]
        hints = [f"; {name}: did you mean {meant[0]}?" for name in names if (meant := _closest(name, flags))]
        command.error(f"unrecognized arguments: {' '.join(unknown)}{''.join(hints)}")
    return args


def _closest(flag: str, flags: list[str]) -> list[str]:
    return difflib.get_close_matches(flag, flags, n=1)


def _settings(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Settings:
    values: dict[str, Any] = {}
    for option in OPTIONS:
        if not hasattr(args, option.name):
            continue
        value = getattr(args, option.name)
        if value is None and os.environ.get(option.env):
            try:
                value = option.parse(os.environ[option.env])
            except argparse.ArgumentTypeError as error:
                # One line, no usage: no argument was wrong, and a container's log shows just this.
                parser.exit(2, f"{parser.prog}: error: {option.env}: {error}\n")
        if value is not None:
            values[option.name] = tuple(value) if option.name in REPEATABLE else value
    if values.get("ssl_keyfile") and not values.get("ssl_certfile"):
        parser.error("--ssl-keyfile needs --ssl-certfile (or their variables)")
    return Settings(**values)


def _shown(api_key: str) -> str:
    # Keys are never logged in full, but for the one SmartEngage's reference itself prints.
    return api_key if api_key == REFERENCE_KEY else f"{mask(api_key)} (masked; see your fixture file)"


def _banner(settings: Settings, app: "FastAPI") -> str:
    keys = app.state.accounts.api_keys()
    lines = [f"fake-smartengage {__version__}: the SmartEngage API on {settings.base_url}"]
    if settings.upstream:
        lines += [
            f"forwarded to {settings.upstream}: every request goes there with its own key, and gets its answer",
            "the local state below is not served: /_fake/state and the dashboard show it, no request reads it",
        ]
    if app.state.fixture_files:
        lines += ["fixtures loaded:", *(f"  {path}" for path in app.state.fixture_files)]
    elif settings.db and keys:
        lines.append(f"state kept in {settings.db} (fixtures load only into an empty folder)")
    else:
        lines.append(f"no fixture files in {', '.join(map(str, settings.fixtures))}: no accounts")
    if not settings.upstream:  # the upstream's keys open its accounts, not these
        lines += ["API keys (Authorization: Bearer <key>):", *(f"  {_shown(key)}" for key in keys)]
        if REFERENCE_KEY in keys:
            from .api.table import AVATARS_LIST  # loaded with the app already: serving only

            url = f"{settings.base_url}{AVATARS_LIST.path}"
            lines.append(f"try:  curl -H 'Authorization: Bearer {REFERENCE_KEY}' {url}")
    switches = app.state.harness.profile.changes()
    if switches:
        lines.append("behaviour profile: " + ", ".join(f"{name}={value}" for name, value in switches.items()))
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
    from .app import create_app
    from .errors import FixtureError, StartupError
    from .serving import PortFile, Server, listening_socket, uvicorn_config

    _configure_logging(settings.log_level)
    try:
        app = create_app(settings)
    except FixtureError as error:
        print(f"fake-smartengage: cannot load fixtures: {error}", file=sys.stderr)
        return 2
    except StartupError as error:
        print(f"fake-smartengage: {error}", file=sys.stderr)
        return 2
    config = uvicorn_config(
        app,
        http=settings.http,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        loop=settings.loop,
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
        app.state.accounts.close()
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
    except urllib.error.HTTPError as error:
        print(f"fake-smartengage: {url} is not healthy: it answered {error.code}", file=sys.stderr)
        return 1
    except urllib.error.URLError as error:  # nothing listens there, or the host is unknown
        print(f"fake-smartengage: no server answers at {url}: {_plainly(error.reason)}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"fake-smartengage: {url} is not healthy: {error}", file=sys.stderr)
        return 1
    if not healthy:
        print(f"fake-smartengage: {url} answered, but not with status ok", file=sys.stderr)
    return 0 if healthy else 1


def _plainly(reason: str | BaseException) -> str:
    """`[Errno 111] Connection refused` as `connection refused`."""
    text = (reason.strerror if isinstance(reason, OSError) else None) or str(reason)
    return text[:1].lower() + text[1:]


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = _arguments(parser, argv)
    if args.command == "verify":
        return commands_module.verify(args)
    if args.command == "snapshot":
        return commands_module.snapshot(args)
    settings = _settings(parser, args)
    return healthcheck(settings) if args.command == "healthcheck" else serve(settings)
