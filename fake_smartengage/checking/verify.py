"""The contract checks that define "behaves like SmartEngage", runnable against any base URL.

Each check has a stable id, the route it calls as documented, and a basis: `documented` (the
reference says so) or `fake` (the reference is silent and this is the fake's documented choice,
docs/reference/behaviour.md). A `fake` check that diverges on the real
service means one of the fake's guesses is wrong.

    with Remote(base_url, api_key) as remote:
        report = Verifier(remote, avatar_id=7, writes=True).run()

`fake-smartengage verify` (`commands.verify`) prints the report; the test suite runs the same code.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, get_args

import httpx

from ..api.shapes import kind, shape_problems
from ..api.table import (
    AVATARS_LIST,
    CUSTOM_FIELDS_LIST,
    CUSTOM_FIELDS_UPDATE,
    ROUTES,
    SEQUENCES_ADD,
    SEQUENCES_LIST,
    SEQUENCES_REMOVE,
    SUBSCRIBERS_ADD,
    SUBSCRIBERS_UPDATE,
    TAGS_ADD,
    TAGS_DELETE,
    TAGS_LIST,
    ApiRoute,
)
from ..schemas import ErrorBody, SubscriberPublic
from .remote import CannotRun, Remote

DOCUMENTED = "documented"
FAKE = "fake"
PASS, DIVERGES, SKIP = "pass", "diverges", "skip"

# What --writes creates: recognisable, and the same on every run, so that a second run finds it.
VERIFY_EMAIL = "fake-smartengage-verify@example.com"
VERIFY_NAME = "fake-smartengage verify"
VERIFY_VALUE = "written by fake-smartengage verify"

_ERROR_SHAPE = 'the error shape {"error": {type, message, param}}'


@dataclass
class Check:
    id: str
    route: str
    basis: str
    status: str
    expected: str
    observed: str = ""


@dataclass
class Report:
    base_url: str
    checks: list[Check] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(check.status == status for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "checks": [asdict(check) for check in self.checks],
            "left_behind": self.left_behind,
        }


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _status_problem(response: httpx.Response, wanted: Callable[[int], bool]) -> list[str]:
    if wanted(response.status_code):
        return []
    error = _json(response)
    message = error.get("error", {}).get("message") if isinstance(error, dict) else None
    return [f"status {response.status_code}" + (f" ({message})" if isinstance(message, str) else "")]


class Verifier:
    def __init__(self, remote: Remote, *, avatar_id: int | None = None, writes: bool = False) -> None:
        self.remote = remote
        self.avatar_id = avatar_id
        self.writes = writes
        self.report = Report(remote.base_url)

    def run(self) -> Report:
        avatars = self._avatars()
        ids = [int(avatar["avatar_id"]) for avatar in avatars if str(avatar.get("avatar_id", "")).isdigit()]
        if self.avatar_id is not None and self.avatar_id not in ids:
            raise CannotRun(f"{self.remote.base_url}{AVATARS_LIST.path} has no avatar {self.avatar_id}")
        avatar = self.avatar_id if self.avatar_id is not None else (ids[0] if ids else None)
        catalogues = {route: self._list_checks(route, avatar) for route in ROUTES if route.lists}
        self._auth_checks()
        self._parameter_checks(max(ids, default=0) + 1000)
        # Writes go only to an avatar the user named: never to one picked here.
        if self.writes and self.avatar_id is not None:
            _Writes(self, self.avatar_id, catalogues).run()
        else:
            for check_id, route, basis in _Writes.CHECKS:
                self.skip(check_id, f"POST {route.path}", basis, "needs --writes and --avatar-id")
        return self.report

    def _avatars(self) -> list[dict]:
        response = self.remote.call("GET", AVATARS_LIST.path)
        if response.status_code in (401, 403):
            raise CannotRun(f"{self.remote.base_url}{AVATARS_LIST.path} refused the API key ({response.status_code})")
        body = _json(response)
        return [avatar for avatar in body if isinstance(avatar, dict)] if isinstance(body, list) else []

    def check(self, check_id: str, route: str, basis: str, expected: str, problems: list[str]) -> None:
        """Records a check: it passes if there are no problems, else diverges, saying the first few."""
        status = DIVERGES if problems else PASS
        self.report.checks.append(Check(check_id, route, basis, status, expected, "; ".join(problems[:3])))

    def skip(self, check_id: str, route: str, basis: str, reason: str) -> None:
        self.report.checks.append(Check(check_id, route, basis, SKIP, "", reason))

    def _list_checks(self, route: ApiRoute, avatar: int | None) -> list[dict]:
        """The shape checks of every spelling and method of a list route; its items, as listed."""
        (model,) = get_args(route.answer)
        resource = route.path.strip("/").split("/")[0]
        needs_avatar = "avatar_id" in route.form.fields
        expected = f"200, a bare JSON array of {{{', '.join(model.model_fields)}}}, ids strings of digits"
        canonical: Any = None
        for method in sorted(route.served_methods - {"HEAD"}):
            for path in route.paths:
                spelling = "slash" if path.endswith("/") else "no-slash"
                check_id = f"{resource}-list-{method.lower()}-{spelling}"
                documented = path == route.path and method in route.methods
                basis = DOCUMENTED if documented else FAKE
                shown = f"{method} {path}"
                if needs_avatar and avatar is None:
                    self.skip(check_id, shown, basis, "the account has no avatar")
                    continue
                parameters = {"avatar_id": avatar} if needs_avatar else None
                if method == "GET":
                    response = self.remote.call(method, path, params=parameters)
                else:
                    response = self.remote.call(method, path, data=parameters)
                body = _json(response)
                problems = _status_problem(response, lambda status: status == 200)
                problems = problems or shape_problems(body, route.answer)
                if not problems and canonical is None:
                    canonical = body
                elif not problems and body != canonical:
                    problems = [f"a different list from {route.methods[0]} {route.path}"]
                self.check(check_id, shown, basis, expected, problems)
        return canonical or []

    def _auth_checks(self) -> None:
        scenarios = {
            "no-key": None,
            "other-scheme": f"Basic {self.remote.api_key}",
            "wrong-key": f"Bearer {self.remote.api_key}-not-a-key",
        }
        for name, authorization in scenarios.items():
            response = self.remote.call("GET", AVATARS_LIST.path, authorization=authorization)
            self.check(
                f"auth-{name}-refused",
                f"GET {AVATARS_LIST.path}",
                DOCUMENTED,
                "no 2xx without a valid key",
                _status_problem(response, lambda status: not 200 <= status < 300),
            )
            problems = _status_problem(response, lambda status: status == 401)
            if not problems and response.headers.get("WWW-Authenticate", "").lower() != "bearer":
                problems = [f"WWW-Authenticate {response.headers.get('WWW-Authenticate')!r}"]
            problems = problems or shape_problems(_json(response), ErrorBody)
            self.check(
                f"auth-{name}-401",
                f"GET {AVATARS_LIST.path}",
                FAKE,
                f"401, WWW-Authenticate: Bearer, {_ERROR_SHAPE}",
                problems,
            )

    def _parameter_checks(self, unknown_avatar: int) -> None:
        cases = [
            ("unknown-avatar-404", {"avatar_id": unknown_avatar}, 404),
            ("missing-avatar-id-400", None, 400),
        ]
        for check_id, parameters, status in cases:
            expected = f"{status}, {_ERROR_SHAPE}, param avatar_id"
            response = self.remote.call("GET", TAGS_LIST.path, params=parameters)
            problems = _status_problem(response, status.__eq__)
            body = _json(response)
            problems = problems or shape_problems(body, ErrorBody)
            if not problems and body["error"]["param"] != "avatar_id":
                problems = [f"param {body['error']['param']!r}"]
            self.check(check_id, f"GET {TAGS_LIST.path}", FAKE, expected, problems)


class _Writes:
    """The write checks, in order, on one subscriber with VERIFY_EMAIL in the given avatar."""

    CHECKS = [
        ("subscribers-add", SUBSCRIBERS_ADD, DOCUMENTED),
        ("subscribers-add-status-200", SUBSCRIBERS_ADD, FAKE),
        ("subscribers-add-existing-email", SUBSCRIBERS_ADD, FAKE),
        ("subscribers-update", SUBSCRIBERS_UPDATE, DOCUMENTED),
        ("tags-add", TAGS_ADD, DOCUMENTED),
        ("tags-add-twice", TAGS_ADD, FAKE),
        ("tags-delete", TAGS_DELETE, DOCUMENTED),
        ("tags-delete-absent", TAGS_DELETE, FAKE),
        ("customfields-update", CUSTOM_FIELDS_UPDATE, DOCUMENTED),
        ("sequences-add", SEQUENCES_ADD, DOCUMENTED),
        ("sequences-add-status-active", SEQUENCES_ADD, FAKE),
        ("sequences-remove", SEQUENCES_REMOVE, FAKE),
    ]
    _SHAPE = "the documented subscriber object"

    def __init__(self, verifier: Verifier, avatar: int, catalogues: dict[ApiRoute, list[dict]]) -> None:
        self.verifier = verifier
        self.avatar = avatar
        self.catalogues = catalogues
        self.done: set[str] = set()

    def run(self) -> None:
        subscriber = self._add()
        if subscriber is not None:
            self._update(subscriber)
            self._tags(subscriber)
            self._custom_field(subscriber)
            self._sequences(subscriber)
        for check_id, route, basis in self.CHECKS:
            if check_id not in self.done:
                reason = "subscribers-add diverged" if subscriber is None else "the avatar has none to use"
                self.verifier.skip(check_id, f"POST {route.path}", basis, reason)

    def _write(
        self, check_id: str, route: ApiRoute, data: dict, expected: str, changed: Callable[[dict], str | None]
    ) -> tuple[httpx.Response, dict | None]:
        """POSTs the write, checks the answer is the subscriber shape and `changed` finds nothing
        wrong (it returns what it saw instead); the answer, and its body if it has the shape."""
        basis = dict((check_id, basis) for check_id, _, basis in self.CHECKS)[check_id]
        response = self.verifier.remote.call("POST", route.path, data={"avatar_id": self.avatar, **data})
        body = _json(response)
        problems = _status_problem(response, lambda status: 200 <= status < 300)
        problems = problems or shape_problems(body, SubscriberPublic)
        if not problems:
            wrong = changed(body)
            problems = [wrong] if wrong else []
        self.verifier.check(check_id, f"POST {route.path}", basis, f"{self._SHAPE}, {expected}", problems)
        self.done.add(check_id)
        return response, (body if isinstance(body, dict) and not problems else None)

    def _add(self) -> dict | None:
        identity = {"email": VERIFY_EMAIL, "full_name": VERIFY_NAME}

        def created(body: dict) -> str | None:
            if (body["email"] or "").lower() != VERIFY_EMAIL or body["full_name"] != VERIFY_NAME:
                return f"email {kind(body['email'])}, full_name {kind(body['full_name'])}"
            return None

        response, subscriber = self._write("subscribers-add", SUBSCRIBERS_ADD, identity, "as sent", created)
        if subscriber is None:
            return None
        self.verifier.check(
            "subscribers-add-status-200",
            f"POST {SUBSCRIBERS_ADD.path}",
            FAKE,
            "200 for a new or existing subscriber",
            _status_problem(response, lambda status: status == 200),
        )
        self.done.add("subscribers-add-status-200")
        self._write(
            "subscribers-add-existing-email",
            SUBSCRIBERS_ADD,
            identity,
            f"the existing subscriber {subscriber['id']}",
            lambda body: None if body["id"] == subscriber["id"] else f"another subscriber, id {body['id']}",
        )
        self.verifier.report.left_behind.append(
            f"subscriber {subscriber['id']} ({VERIFY_EMAIL}) of avatar {self.avatar}: there is no route to delete it"
        )
        return subscriber

    def _update(self, subscriber: dict) -> None:
        name = f"{VERIFY_NAME} (updated)"
        self._write(
            "subscribers-update",
            SUBSCRIBERS_UPDATE,
            {"subscriber_id": subscriber["id"], "full_name": name},
            f"full_name {name!r}",
            lambda body: None if body["full_name"] == name else f"full_name {kind(body['full_name'])}",
        )

    def _tags(self, subscriber: dict) -> None:
        if not self.catalogues[TAGS_LIST]:
            return
        tag = self.catalogues[TAGS_LIST][0]
        data = {"subscriber_id": subscriber["id"], "tag": tag["tag_id"]}
        name = tag["tag_name"]

        def listed_once(body: dict) -> str | None:
            return None if body["tags"].count(name) == 1 else f"tags {body['tags']}"

        def absent(body: dict) -> str | None:
            return None if name not in body["tags"] else f"tags {body['tags']}"

        self._write("tags-add", TAGS_ADD, data, f"tags listing {name!r}", listed_once)
        self._write("tags-add-twice", TAGS_ADD, data, f"2xx, tags listing {name!r} once", listed_once)
        self._write("tags-delete", TAGS_DELETE, data, f"tags without {name!r}", absent)
        self._write("tags-delete-absent", TAGS_DELETE, data, f"2xx, tags without {name!r}", absent)

    def _custom_field(self, subscriber: dict) -> None:
        if not self.catalogues[CUSTOM_FIELDS_LIST]:
            return
        field = self.catalogues[CUSTOM_FIELDS_LIST][0]
        wanted = {**field, "custom_value": VERIFY_VALUE}

        def value_set(body: dict) -> str | None:
            return None if wanted in body["custom_fields"] else f"custom_fields {body['custom_fields']}"

        self._write(
            "customfields-update",
            CUSTOM_FIELDS_UPDATE,
            {"subscriber_id": subscriber["id"], "field": field["custom_field_id"], "value": VERIFY_VALUE},
            f"custom_fields holding {wanted}",
            value_set,
        )
        self.verifier.report.left_behind.append(
            f"its custom field {field['custom_field_name']!r} ({field['custom_field_id']}) = {VERIFY_VALUE!r}"
        )

    def _sequences(self, subscriber: dict) -> None:
        if not self.catalogues[SEQUENCES_LIST]:
            return
        sequence_id = self.catalogues[SEQUENCES_LIST][0]["sequence_id"]
        data = {"subscriber_id": subscriber["id"], "sequence": sequence_id}

        def status_of(body: dict) -> str | None:
            found = [item["status"] for item in body["sequences"] if item["sequence_id"] == sequence_id]
            return found[0] if found else None

        self._write(
            "sequences-add",
            SEQUENCES_ADD,
            data,
            f"sequences listing {sequence_id}",
            lambda body: None if status_of(body) else f"sequences {body['sequences']}",
        )
        self._write(
            "sequences-add-status-active",
            SEQUENCES_ADD,
            data,
            f"sequence {sequence_id} with status 'Active'",
            lambda body: None if status_of(body) == "Active" else f"status {status_of(body)!r}",
        )
        self._write(
            "sequences-remove",
            SEQUENCES_REMOVE,
            data,
            f"sequences without {sequence_id}",
            lambda body: None if status_of(body) is None else f"sequences {body['sequences']}",
        )
