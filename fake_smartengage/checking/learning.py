"""How `verify` learns which alternative of each switch (api/behaviour.py) a server follows.

Every switch is either learned here, from reads, or by the write checks (`writes`, only with
--writes), or named in UNLEARNABLE with the reason; tests/test_learning.py fails on a switch that
is none of these. What a request with a wrong key gets (check_order) shows the server's own
profile: a tenant's profile applies only to requests carrying its key.
"""

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ..api.behaviour import SWITCHES
from ..api.table import CUSTOM_FIELDS_LIST, SEQUENCES_LIST, SUBSCRIBERS_ADD, SUBSCRIBERS_LIST, TAGS_LIST, ApiRoute
from .answers import body_of, error_body_shown, seen, shape_of
from .remote import Remote
from .report import Seen

# A path no SmartEngage route has.
UNKNOWN_PATH = "/fake-smartengage-verify/no-such-route"
# A parameter no SmartEngage route takes.
UNKNOWN_PARAMETER = "fake_smartengage_verify"
NO_AVATAR = "the account lists no avatar to ask about"


@dataclass
class Sight:
    """What the learners may use: the server, its avatars, their lists, and answers already had."""

    remote: Remote
    avatar: int | None
    avatars: list[int]
    items: Callable[[ApiRoute, int], list[dict] | None]  # an avatar's list, None if not a valid one
    unknown_avatar: httpx.Response  # the answer to a list of an avatar the account lacks


@dataclass(frozen=True)
class Learner:
    request: str  # the request that tells the alternatives apart, as the check shows it
    learn: Callable[[Sight], Seen | str] | None  # None: the write checks learn it


def _by_status(response: httpx.Response, alternatives: dict[int, str]) -> Seen:
    return Seen(alternatives.get(response.status_code), seen(response))


def _check_order(sight: Sight) -> Seen:
    response = sight.remote.call("GET", UNKNOWN_PATH, authorization=f"Bearer {sight.remote.api_key}-not-a-key")
    return _by_status(response, {404: "route-first", 401: "key-first", 403: "key-first"})


def _list_without_avatar(sight: Sight) -> Seen | str:
    for route in (TAGS_LIST, CUSTOM_FIELDS_LIST, SEQUENCES_LIST):
        response = sight.remote.call("GET", route.path)
        if response.status_code == 400:
            return Seen("400", seen(response))
        body = body_of(response)
        problems = [seen(response)] if response.status_code != 200 else shape_of(body, route.answer)
        if problems:
            return Seen(None, f"GET {route.path}: {problems[0]}")
        if body == []:
            # The first avatar with items tells: the one verify reads usually has some.
            filled = next((avatar for avatar in sight.avatars if sight.items(route, avatar)), None)
            if filled is None:
                continue  # [] is both empty and all-avatars: the next list may tell
            return Seen("empty", f"GET {route.path}: [], where avatar {filled} has items")
        every = [item for avatar in sight.avatars for item in sight.items(route, avatar) or []]
        if body == every:
            return Seen("all-avatars", f"GET {route.path}: the items of every avatar")
        return Seen(None, f"GET {route.path}: {len(body)} items, not the {len(every)} of every avatar")
    return "every avatar's tags, custom fields and sequences are empty: [] is both empty and all-avatars"


def _promised_routes(sight: Sight) -> Seen | str:
    if sight.avatar is None:
        return NO_AVATAR
    response = sight.remote.call("GET", SUBSCRIBERS_LIST.path, params={"avatar_id": sight.avatar})
    if response.status_code == 200 and not shape_of(body_of(response), SUBSCRIBERS_LIST.answer):
        return Seen("on", "a list of subscribers")
    return _by_status(response, {404: "off"})


def _error_body(sight: Sight) -> Seen | str:
    answer = sight.unknown_avatar
    if answer.status_code < 400:
        return f"an unknown avatar's tags answered {seen(answer)}: no error to look at"
    return Seen(error_body_shown(body_of(answer)), seen(answer))


def _tag_list(method: str, path: str, alternatives: dict[int, str], **extra: str) -> Callable[[Sight], Seen | str]:
    """A learner that reads an avatar's tags as told and knows the alternatives by the status."""

    def learn(sight: Sight) -> Seen | str:
        if sight.avatar is None:
            return NO_AVATAR
        parameters = {"avatar_id": str(sight.avatar), **extra}
        if method == "GET":
            return _by_status(sight.remote.call(method, path, params=parameters), alternatives)
        return _by_status(sight.remote.call(method, path, data=parameters), alternatives)

    return learn


LEARNERS: dict[str, Learner] = {
    "check_order": Learner(f"GET {UNKNOWN_PATH} (a wrong key)", _check_order),
    "list_without_avatar": Learner(f"GET {TAGS_LIST.path} (no avatar_id)", _list_without_avatar),
    "promised_routes": Learner(f"GET {SUBSCRIBERS_LIST.path}", _promised_routes),
    "duplicates": Learner(f"POST {SUBSCRIBERS_ADD.path} (an email twice)", None),
    "error_body": Learner(f"GET {TAGS_LIST.path} (an unknown avatar)", _error_body),
    "add_status": Learner(f"POST {SUBSCRIBERS_ADD.path}", None),
    "list_post": Learner(f"POST {TAGS_LIST.path}", _tag_list("POST", TAGS_LIST.path, {200: "answered", 405: "405"})),
    "other_spelling": Learner(
        f"GET {TAGS_LIST.other_path}", _tag_list("GET", TAGS_LIST.other_path, {200: "answered", 404: "404"})
    ),
    "unknown_parameters": Learner(
        f"GET {TAGS_LIST.path} (?{UNKNOWN_PARAMETER}=1)",
        _tag_list("GET", TAGS_LIST.path, {200: "ignored", 400: "400"}, **{UNKNOWN_PARAMETER: "1"}),
    ),
}
# Switches whose alternatives no safe request tells apart, each with the reason.
UNLEARNABLE: dict[str, str] = {}
BY_WRITES = frozenset(name for name, learner in LEARNERS.items() if learner.learn is None)


def learn_reads(sight: Sight) -> dict[str, Seen | str]:
    """Every switch in the order of SWITCHES: what the reads showed, or why they do not tell."""
    learned: dict[str, Seen | str] = {}
    for switch in SWITCHES:
        learner = LEARNERS.get(switch.name)
        if learner is None:
            learned[switch.name] = f"verify cannot learn it: {UNLEARNABLE.get(switch.name, 'no request tells')}"
        elif learner.learn is None:
            learned[switch.name] = "needs --writes and --avatar-id"
        else:
            learned[switch.name] = learner.learn(sight)
    return learned
