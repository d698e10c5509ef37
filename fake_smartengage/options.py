"""The options of `fake-smartengage serve`: each a flag and a FAKE_SMARTENGAGE_* variable, read by
one parser so that both spellings of a bad value get the same message; and the same options as a
dict, for the pytest plugin's `smartengage_settings`."""

import argparse
import difflib
import os
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from .settings import Settings

ENV_PREFIX = "FAKE_SMARTENGAGE_"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
DUPLICATE_POLICIES = ("update", "conflict", "create")
EVENT_LOOPS = ("auto", "uvloop", "asyncio")
HTTP_PARSERS = ("auto", "httptools", "h11")
# Options that take several values: a flag repeated, or one variable with separators.
REPEATABLE = ("fixtures", "cors_origins")


# argparse shows an ArgumentTypeError's text as it is, where another error would name the function.
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
    from .harness.ratelimit import RATE_FORMAT, parse_rate

    try:
        parse_rate(value)
    except ValueError:
        raise _invalid(value, f"write {RATE_FORMAT}") from None
    return value


def _profile(value: str) -> dict[str, str]:
    from .api.behaviour import ProfileError, read_profile

    try:
        return read_profile(Path(_text(value))).changes()
    except ProfileError as error:
        raise _invalid(value, str(error).removeprefix(f"{value}: ")) from None


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def choice(value: str) -> str:
        if value not in choices:
            raise _invalid(value, f"choose from {', '.join(choices)}")
        return value

    return choice


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise _invalid(value, "write an http:// or https:// URL")
    return value


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise _invalid(value, "write a number of seconds above 0")
    return seconds


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

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


# The options of `serve`, by theme, in the order `--help` shows them.
GROUPS: list[tuple[str, list[Option]]] = [
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
            Option("--db", "db", _path, "keep state in this folder across restarts (default: in memory)", "FOLDER"),
        ],
    ),
    (
        "how the API behaves",
        [
            Option(
                "--profile",
                "profile",
                _profile,
                "a behaviour profile: a JSON file of switches, where the reference is silent, e.g. "
                '{"check_order": "key-first"} (as `verify --write-profile` writes one; default: none, '
                "every switch at its default)",
                "FILE",
            ),
            Option(
                "--duplicates",
                "duplicates",
                _one_of(DUPLICATE_POLICIES),
                "a new subscriber with an email, facebook_id or push_id that exists: update that subscriber "
                "(default), answer 409, or create another; the profile's duplicates switch, which this overrides",
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
                "--journal-entry-bytes",
                "journal_entry_bytes",
                _positive,
                "bytes of path, query, response and parameters one journal entry keeps; longer values are cut "
                "and marked (default 65536: 64 KiB)",
                "BYTES",
            ),
            Option(
                "--journal-bytes",
                "journal_bytes",
                _positive,
                "bytes the whole journal keeps; the oldest entries go first (default 33554432: 32 MiB)",
                "BYTES",
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
        "checking against the real service",
        [
            Option(
                "--upstream",
                "upstream",
                _http_url,
                "forward every SmartEngage request to this server (e.g. https://api.smartengage.com) and journal "
                "where its answers differ in shape from the fake's; faults and rate limits still apply first",
                "URL",
            ),
            Option(
                "--upstream-timeout",
                "upstream_timeout",
                _positive_seconds,
                "seconds to wait for the upstream before answering 502 (default 30)",
                "SECONDS",
            ),
        ],
    ),
    (
        "server stack",
        [
            Option(
                "--loop",
                "loop",
                _one_of(EVENT_LOOPS),
                "event loop: auto (default) takes uvloop where installed",
                "{" + ",".join(EVENT_LOOPS) + "}",
            ),
            Option(
                "--http",
                "http",
                _one_of(HTTP_PARSERS),
                "HTTP/1.1 parser: auto (default) takes httptools where installed",
                "{" + ",".join(HTTP_PARSERS) + "}",
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
OPTIONS = [option for _, options in GROUPS for option in options]


def add_argument(group: argparse._ActionsContainer, option: Option) -> None:
    help = f"{option.help} [{option.env}]"
    if option.name in REPEATABLE:
        item = Path if option.name == "fixtures" else str
        group.add_argument(option.flag, dest=option.name, type=item, action="append", metavar=option.metavar, help=help)
    else:
        group.add_argument(option.flag, dest=option.name, type=option.parse, metavar=option.metavar, help=help)


def option_name(flag: str) -> str:
    """A flag as a key of `settings_from_options`: --rate-limit is rate_limit."""
    return flag.removeprefix("--").replace("-", "_")


def _switches(value: Mapping[str, Any]) -> dict[str, str]:
    from .api.behaviour import ProfileError, parse_profile

    try:
        return parse_profile(dict(value), source="profile").changes()
    except ProfileError as error:
        raise ValueError(str(error)) from None


def settings_from_options(
    options: Mapping[str, Any], *, exclude: Collection[str] = (), defaults: Mapping[str, Any] | None = None
) -> Settings:
    """Settings from options keyed like the flags (`option_name`) but those in `exclude`; what
    they leave out is as in `defaults`, else as in Settings. A value is what the flag takes (a
    string; a number; a path; a list for a repeatable flag). ValueError names the key and what is
    wrong with it, in the words the flag would use."""
    table = {option_name(option.flag): option for option in OPTIONS}
    allowed = [key for key in table if key not in exclude]
    values: dict[str, Any] = dict(defaults or {})
    for key, value in options.items():
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(allowed))}"
            raise ValueError(f"unknown option {key!r} ({hint})")
        if value is None:
            continue
        option = table[key]
        if option.name == "profile" and isinstance(value, Mapping):  # the switches themselves
            values["profile"] = _switches(value)
            continue
        repeatable = option.name in REPEATABLE
        items = value if repeatable and isinstance(value, (list, tuple)) else [value]
        parsed = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (str, int, os.PathLike)):
                raise ValueError(f"{key}: invalid value {item!r}: not a string, a whole number or a path")
            try:
                parsed.append(option.parse(os.fspath(item) if isinstance(item, os.PathLike) else str(item)))
            except argparse.ArgumentTypeError as error:
                raise ValueError(f"{key}: {error}") from None
        values[option.name] = tuple(part for item in parsed for part in item) if repeatable else parsed[0]
    return Settings(**values)
