"""Behaviour profiles: where the reference is silent, the fake's answer is a named switch.

Each switch names a behaviour the reference does not document, with the alternatives a real
service plausibly shows; the first alternative is the fake's default, today's answer. A profile
sets some switches (the rest keep their defaults). `fake-smartengage verify` tells, for each switch
it can observe, which alternative a server follows, and `--write-profile` writes that down, so
`serve --profile FILE` answers like that server.
"""

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from ..settings import DuplicatePolicy


@dataclass(frozen=True)
class Switch:
    name: str
    alternatives: tuple[str, ...]  # the first is the default
    description: str
    learned_by: str  # what `verify` sends to tell the alternatives apart

    @property
    def default(self) -> str:
        return self.alternatives[0]


SWITCHES = (
    Switch(
        "check_order",
        ("route-first", "key-first"),
        "What a request without a valid key to an unknown path gets: 404 (the route is looked up first) "
        "or 401 (the key is checked first, on every path).",
        "an unknown path with a wrong key: 404 or 401",
    ),
    Switch(
        "list_without_avatar",
        ("400", "empty", "all-avatars"),
        "A list route of an avatar's items (tags, custom fields, sequences; subscribers with promised "
        "routes on) without avatar_id: 400 naming the parameter, "
        "an empty list, or the items of every avatar of the account.",
        "a tag list without avatar_id, against the lists of each avatar",
    ),
    Switch(
        "promised_routes",
        ("off", "on"),
        "The routes the reference promises but does not document: GET /subscribers/list/, "
        "POST /tags/create and POST /customfields/create: unknown (404), or answered.",
        "the subscribers list of an avatar: 404 or a list",
    ),
    Switch(
        "duplicates",
        ("update", "conflict", "create"),
        "Adding a subscriber with an email, facebook_id or push_id that a subscriber of the avatar has: "
        "that subscriber updated and returned, 409, or a new subscriber with the same identity.",
        "(--writes) the same email added twice: the same id, 409, or another id",
    ),
    Switch(
        "error_body",
        ("object", "string"),
        'An error\'s body: {"error": {"type", "message", "param"}}, or {"error": "<message>"}.',
        "the body of any error",
    ),
    Switch(
        "add_status",
        ("200", "201"),
        "The status of a successful creation: a new subscriber, tag or custom field.",
        "(--writes) the status of adding a subscriber",
    ),
    Switch(
        "list_post",
        ("answered", "405"),
        "POST on the list routes, which the reference documents as GET (it shows one POST to the "
        "avatars' list): answered as GET, or 405.",
        "POST on the tag list: 200 or 405",
    ),
    Switch(
        "other_spelling",
        ("answered", "404"),
        "A route's path with the other trailing slash than the reference gives it (the tag list without its slash): "
        "answered, or 404.",
        "the tag list without its trailing slash: 200 or 404",
    ),
    Switch(
        "unknown_parameters",
        ("ignored", "400"),
        "A parameter the route does not take: ignored, or 400 naming it.",
        "a tag list with a parameter no route takes: 200 or 400",
    ),
)
SWITCH_NAMES = tuple(switch.name for switch in SWITCHES)
_BY_NAME = {switch.name: switch for switch in SWITCHES}


class ProfileError(ValueError):
    """A profile that names an unknown switch or alternative; the message is one line."""


class Profile:
    """A value for every switch: those given, and the defaults for the rest."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values = {switch.name: switch.default for switch in SWITCHES} | dict(values or {})
        self._hash = hash(tuple(self._values.items()))  # a key of every kept read

    def follows(self, name: str, alternative: str) -> bool:
        """Whether switch `name` is set to `alternative` (both checked: a typo is an error, not False)."""
        if alternative not in _BY_NAME[name].alternatives:
            raise ValueError(f"{name} has no alternative {alternative!r}")
        return self._values[name] == alternative

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    @property
    def duplicates(self) -> DuplicatePolicy:
        return cast(DuplicatePolicy, self._values["duplicates"])  # checked against its alternatives

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Profile) and other._values == self._values

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Profile({self.changes()!r})"

    def values(self) -> dict[str, str]:
        """Every switch and its alternative."""
        return dict(self._values)

    def changes(self) -> dict[str, str]:
        """The switches set to another alternative than their default: what a profile file holds."""
        return {switch.name: self[switch.name] for switch in SWITCHES if self[switch.name] != switch.default}

    def with_changes(self, changes: Mapping[str, Any], *, source: str | None = None) -> "Profile":
        """This profile with `changes` set; a ProfileError naming the valid switches and values,
        and `source` (a file) if given."""
        values = dict(self._values)
        where = f"{source}: " if source else ""
        for name, value in changes.items():
            switch = _BY_NAME.get(name)
            if switch is None:
                close = difflib.get_close_matches(str(name), SWITCH_NAMES, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise ProfileError(f"{where}no switch {name!r}{hint}; the switches are {', '.join(SWITCH_NAMES)}")
            if not isinstance(value, str) or value not in switch.alternatives:
                raise ProfileError(f"{where}{name} is one of {', '.join(switch.alternatives)}, not {json.dumps(value)}")
            values[name] = value
        return Profile(values)


DEFAULT = Profile()


def parse_profile(raw: object, *, source: str) -> Profile:
    """A profile from a JSON object of switch names and alternatives."""
    if not isinstance(raw, dict):
        example = json.dumps({SWITCHES[0].name: SWITCHES[0].alternatives[1]})
        raise ProfileError(f"{source}: a profile is a JSON object of switches, like {example}")
    return DEFAULT.with_changes(raw, source=source)


def read_profile(path: Path) -> Profile:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProfileError(f"{path}: cannot read the profile: {error.strerror or error}") from None
    except ValueError as error:
        raise ProfileError(f"{path}: not a JSON document: {error}") from None
    return parse_profile(raw, source=str(path))
