"""The contract checks that define "behaves like SmartEngage", runnable against any base URL.

Each check has a stable id, the route it calls as documented, and a basis: `documented` (the
reference says so) or `fake` (the reference is silent and this is the fake's documented choice,
docs/reference/behaviour.md). Where the reference is silent the fake's choice is a switch of its
behaviour profile (api/behaviour.py): `verify` judges by the profile it is given (by default the
fake's), and learns which alternative of each switch the server follows (`learning`), so that
`serve --profile` can answer like it.

    with Remote(base_url, api_key) as remote:
        report = Verifier(remote, avatar_id=7, writes=True).run()

`fake-smartengage verify` (`commands.verify`) prints the report; the test suite runs the same code.
"""

from typing import Any, get_args

import httpx

from ..api.behaviour import DEFAULT, SWITCHES, Profile
from ..api.table import AVATARS_LIST, CUSTOM_FIELDS_LIST, ROUTES, SEQUENCES_LIST, TAGS_LIST, ApiRoute
from .answers import NotJson, body_of, error_problems, error_shape, seen, shape_of, status_problems
from .learning import LEARNERS, Sight, learn_reads
from .remote import CannotRun, Remote
from .report import DIVERGES, DOCUMENTED, FAKE, PASS, SKIP, Check, Report, Seen
from .writes import VERIFY_EMAIL, Writes

__all__ = ["VERIFY_EMAIL", "Verifier", "Report", "Check", "PASS", "DIVERGES", "SKIP"]

_CATALOGUES = (TAGS_LIST, CUSTOM_FIELDS_LIST, SEQUENCES_LIST)
_NOT_THE_API = "this does not answer like the SmartEngage API"


class Verifier:
    def __init__(
        self, remote: Remote, *, avatar_id: int | None = None, writes: bool = False, profile: Profile = DEFAULT
    ) -> None:
        self.remote = remote
        self.avatar_id = avatar_id
        self.writes = writes
        self.profile = profile
        self.report = Report(remote.base_url)
        self._items: dict[tuple[ApiRoute, int], list[dict] | None] = {}

    def run(self) -> Report:
        ids = self._avatar_ids()
        if self.avatar_id is not None and self.avatar_id not in ids:
            raise CannotRun(f"{self.remote.base_url}{AVATARS_LIST.path} has no avatar {self.avatar_id}")
        avatar = self._choose_avatar(ids)
        catalogues = {route: self._list_checks(route, avatar) for route in ROUTES if route.lists}
        self._auth_checks()
        unknown_avatar = self._unknown_avatar_check(max(ids, default=0) + 1000)
        self.report.switches = learn_reads(Sight(self.remote, avatar, ids, self.items, unknown_avatar))
        # Writes go only to an avatar the user named: never to one picked here.
        if self.writes and self.avatar_id is not None:
            Writes(self, self.avatar_id, catalogues).run()
        else:
            for check_id, route, basis in Writes.CHECKS:
                self.skip(check_id, f"POST {route.path}", basis, "needs --writes and --avatar-id")
        self._switch_checks()
        return self.report

    def check(self, check_id: str, route: str, basis: str, expected: str, problems: list[str]) -> None:
        """Records a check: it passes if there are no problems, else diverges, saying the first few."""
        status = DIVERGES if problems else PASS
        self.report.checks.append(Check(check_id, route, basis, status, expected, "; ".join(problems[:3])))

    def skip(self, check_id: str, route: str, basis: str, reason: str) -> None:
        self.report.checks.append(Check(check_id, route, basis, SKIP, "", reason))

    def items(self, route: ApiRoute, avatar: int) -> list[dict] | None:
        """An avatar's list as the documented request reads it; None if the answer is not one."""
        if (route, avatar) not in self._items:
            response = self.remote.call("GET", route.path, params={"avatar_id": avatar})
            body = body_of(response)
            valid = response.status_code == 200 and not shape_of(body, route.answer)
            self._items[route, avatar] = body if valid else None
        return self._items[route, avatar]

    def _avatar_ids(self) -> list[int]:
        response = self.remote.call("GET", AVATARS_LIST.path)
        where = f"{self.remote.base_url}{AVATARS_LIST.path}"
        if response.status_code in (401, 403):
            raise CannotRun(f"{where} refused the API key ({response.status_code})")
        body = body_of(response)
        if response.status_code != 200 or not isinstance(body, list):
            raise CannotRun(f"{_NOT_THE_API}: {where} answered {seen(response)}")
        return [int(item["avatar_id"]) for item in body if isinstance(item, dict) and _is_id(item.get("avatar_id"))]

    def _choose_avatar(self, ids: list[int]) -> int | None:
        """The avatar to read: the one named, else the first listed whose lists are not empty."""
        if self.avatar_id is not None:
            return self._chosen(self.avatar_id, "given by --avatar-id")
        if not ids:
            return self._chosen(None, "the account lists none, so the per-avatar lists are not read")
        filled: dict[int, int] = {}
        for avatar in ids:
            filled[avatar] = sum(bool(self.items(route, avatar)) for route in _CATALOGUES)
            if filled[avatar] == len(_CATALOGUES):
                return self._chosen(avatar, "the first listed whose tags, custom fields and sequences are not empty")
        best = max(ids, key=lambda avatar: filled[avatar])  # the first of the fullest
        if filled[best]:
            return self._chosen(best, "the first listed with the most lists that are not empty (none has all three)")
        return self._chosen(ids[0], "the first listed: every avatar's tags, custom fields and sequences are empty")

    def _chosen(self, avatar: int | None, reason: str) -> int | None:
        self.report.avatar, self.report.avatar_reason = avatar, reason
        return avatar

    def _list_checks(self, route: ApiRoute, avatar: int | None) -> list[dict]:
        """The shape checks of every spelling and method the profile serves of a list route; its
        items, as listed (the switches list_post and other_spelling say which are served)."""
        (model,) = get_args(route.answer)
        resource = route.path.strip("/").split("/")[0]
        needs_avatar = "avatar_id" in route.form.fields
        expected = f"200, a bare JSON array of {{{', '.join(model.model_fields)}}}, ids strings of digits"
        canonical: Any = None
        methods = route.methods_under(self.profile)
        for method in sorted(route.served_methods - {"HEAD"}):
            for path in route.paths:
                if method not in methods or not route.served(path, self.profile):
                    continue
                spelling = "slash" if path.endswith("/") else "no-slash"
                check_id = f"{resource}-list-{method.lower()}-{spelling}"
                basis = DOCUMENTED if path == route.path and method in route.methods else FAKE
                shown = f"{method} {path}"
                if needs_avatar and avatar is None:
                    self.skip(check_id, shown, basis, "the account lists no avatar")
                    continue
                parameters = {"avatar_id": avatar} if needs_avatar else None
                if method == "GET":
                    response = self.remote.call(method, path, params=parameters)
                else:
                    response = self.remote.call(method, path, data=parameters)
                body = body_of(response)
                problems = status_problems(response, lambda status: status == 200) or shape_of(body, route.answer)
                if not problems and body == []:
                    self.skip(check_id, shown, basis, "no element to check: the list is empty")
                    continue
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
        route = f"GET {AVATARS_LIST.path}"
        for name, authorization in scenarios.items():
            response = self.remote.call("GET", AVATARS_LIST.path, authorization=authorization)
            body = body_of(response)
            refused = status_problems(response, lambda status: status in (401, 403))
            if not refused and isinstance(body, NotJson):
                refused = [f"status {response.status_code}, {body}"]
            self.check(f"auth-{name}-refused", route, DOCUMENTED, "401 or 403 without a valid key", refused)
            problems = status_problems(response, lambda status: status == 401)
            if not problems and response.headers.get("WWW-Authenticate", "").lower() != "bearer":
                problems = [f"WWW-Authenticate {response.headers.get('WWW-Authenticate')!r}"]
            problems = problems or error_problems(body, self.profile)
            shape = error_shape(self.profile)
            self.check(f"auth-{name}-401", route, FAKE, f"401, WWW-Authenticate: Bearer, {shape}", problems)

    def _unknown_avatar_check(self, unknown_avatar: int) -> httpx.Response:
        """The error for an avatar the account lacks; the answer, which shows the error_body switch."""
        response = self.remote.call("GET", TAGS_LIST.path, params={"avatar_id": unknown_avatar})
        body = body_of(response)
        problems = status_problems(response, lambda status: status == 404) or error_problems(body, self.profile)
        object_body = self.profile.follows("error_body", "object")
        if not problems and object_body and body["error"]["param"] != "avatar_id":
            problems = [f"param {body['error']['param']!r}"]
        expected = f"404, {error_shape(self.profile)}" + (", param avatar_id" if object_body else "")
        self.check("unknown-avatar-404", f"GET {TAGS_LIST.path}", FAKE, expected, problems)
        return response

    def _switch_checks(self) -> None:
        """One check per switch: the alternative the server showed against the profile's."""
        for switch in SWITCHES:
            check_id = f"profile-{switch.name}"
            learner = LEARNERS.get(switch.name)
            route = learner.request if learner else switch.learned_by
            seen_here = self.report.switches.get(switch.name, "not looked at")
            wanted = self.profile[switch.name]
            if not isinstance(seen_here, Seen):
                self.skip(check_id, route, FAKE, seen_here)
                continue
            problems = []
            if seen_here.alternative != wanted:
                problems = [f"{seen_here.alternative or 'none of the alternatives'}: {seen_here.observed}"]
            self.check(check_id, route, FAKE, f"{switch.name} {wanted}", problems)
        self.report.switches = {switch.name: self.report.switches[switch.name] for switch in SWITCHES}


def _is_id(value: object) -> bool:
    """An id as the API sends it (a string of digits) or as a diverging server might (a number)."""
    if isinstance(value, str):
        return value.isascii() and value.isdigit() and len(value) < 20
    return type(value) is int
