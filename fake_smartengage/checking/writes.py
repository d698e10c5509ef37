"""The write checks of `verify --writes`, on one subscriber VERIFY_EMAIL of the avatar named.

They also learn the two switches only a write shows: what adding an existing email does
(duplicates) and the status of a creation (add_status). The API cannot delete a subscriber, so
a run reuses, or finds, the one an earlier run left behind, whatever the duplicates switch.
A server that refuses an existing email (conflict) shows the status of a creation only to an
add that creates, so a run after the first adds one more subscriber, under an email of its own,
to judge subscribers-add and learn add_status as the first run did: every run checks the same.
"""

import re
import secrets
from collections.abc import Callable
from typing import Any, Protocol

import httpx

from ..api.shapes import kind
from ..api.table import (
    CUSTOM_FIELDS_LIST,
    CUSTOM_FIELDS_UPDATE,
    SEQUENCES_ADD,
    SEQUENCES_LIST,
    SEQUENCES_REMOVE,
    SUBSCRIBERS_ADD,
    SUBSCRIBERS_LIST,
    SUBSCRIBERS_UPDATE,
    TAGS_ADD,
    TAGS_DELETE,
    TAGS_LIST,
    ApiRoute,
)
from ..schemas import SubscriberPublic
from .answers import body_of, message_of, seen, shape_of, status_problems
from .remote import Remote
from .report import DOCUMENTED, FAKE, Report, Seen

# What --writes creates: recognisable, and the same on every run, so that a second run finds it.
VERIFY_EMAIL = "fake-smartengage-verify@example.com"
VERIFY_NAME = "fake-smartengage verify"
VERIFY_VALUE = "written by fake-smartengage verify"
# The emails of the subscribers a run adds when VERIFY_EMAIL is refused: VERIFY_EMAIL's, tagged.
_VERIFY_EMAILS = re.compile(r"fake-smartengage-verify(\+[0-9a-f]+)?@example\.com")
_SHAPE = "the documented subscriber object"
_CREATED = {200: "200", 201: "201"}


class Recorder(Protocol):
    """What the write checks need of the verifier: its server, its report, and how it records."""

    remote: Remote
    report: Report

    def check(self, check_id: str, route: str, basis: str, expected: str, problems: list[str]) -> None: ...

    def skip(self, check_id: str, route: str, basis: str, reason: str) -> None: ...


class Writes:
    CHECKS = [
        ("subscribers-add", SUBSCRIBERS_ADD, DOCUMENTED),
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

    def __init__(self, verifier: Recorder, avatar: int, catalogues: dict[ApiRoute, list[dict]]) -> None:
        self.verifier = verifier
        self.avatar = avatar
        self.catalogues = catalogues
        self.done: set[str] = set()
        self.subscribers: list[tuple[str, str]] = []  # the ids and emails this run added or found
        self.refused_again = False  # VERIFY_EMAIL was refused (conflict): this run added one of its own
        self.field_written = ""
        self.not_run = "the avatar has none to use"

    def run(self) -> None:
        subscriber = self._add()
        if subscriber is not None:
            self._update(subscriber)
            self._tags(subscriber)
            self._custom_field(subscriber)
            self._sequences(subscriber)
        self._left_behind()
        for check_id, route, basis in self.CHECKS:
            if check_id not in self.done:
                self.verifier.skip(check_id, f"POST {route.path}", basis, self.not_run)

    def _learned(self, switch: str, seen_there: Seen | str) -> None:
        self.verifier.report.switches[switch] = seen_there

    def _call(self, route: ApiRoute, data: dict) -> tuple[Any, list[str], Any]:
        """POSTs to the route; the answer, where it is not a 2xx subscriber object, and its body."""
        response = self.verifier.remote.call("POST", route.path, data={"avatar_id": self.avatar, **data})
        body = body_of(response)
        return (
            response,
            status_problems(response, lambda status: 200 <= status < 300) or shape_of(body, SubscriberPublic),
            body,
        )

    def _write(
        self, check_id: str, route: ApiRoute, data: dict, expected: str, changed: Callable[[dict], str | None]
    ) -> dict | None:
        """POSTs the write, checks the answer is the subscriber shape and `changed` finds nothing
        wrong (it returns what it saw instead); the body if it has the shape."""
        basis = dict((check_id, basis) for check_id, _, basis in self.CHECKS)[check_id]
        _, problems, body = self._call(route, data)
        if not problems:
            wrong = changed(body)
            problems = [wrong] if wrong else []
        self.verifier.check(check_id, f"POST {route.path}", basis, f"{_SHAPE}, {expected}", problems)
        self.done.add(check_id)
        return body if not problems else None

    def _add(self) -> dict | None:
        identity = {"email": VERIFY_EMAIL, "full_name": VERIFY_NAME}
        response, problems, body = self._call(SUBSCRIBERS_ADD, identity)
        if response.status_code == 409:
            return self._existing(seen(response), body)
        body = self._judge_add(response, problems, body, VERIFY_EMAIL, "email and name as sent")
        if body is None:
            self.not_run = "subscribers-add diverged"
            self._learned("duplicates", "subscribers-add diverged")
            return None
        again, problems, second = self._call(SUBSCRIBERS_ADD, identity)
        if again.status_code == 409:
            self._learned("duplicates", Seen("conflict", seen(again)))
        elif problems:
            self._learned("duplicates", Seen(None, problems[0]))
        elif second["id"] == body["id"]:
            self._learned("duplicates", Seen("update", f"subscriber {body['id']} again"))
        else:
            self.subscribers.append((second["id"], VERIFY_EMAIL))
            self._learned("duplicates", Seen("create", f"subscriber {second['id']} besides {body['id']}"))
        return body

    def _judge_add(self, response: httpx.Response, problems: list[str], body: Any, email: str, expected: str) -> Any:
        """The subscribers-add check of an add of `email` meant to create; it learns add_status.
        The subscriber added, if the answer is one with the email and name sent."""
        if 200 <= response.status_code < 300:
            self._learned("add_status", Seen(_CREATED.get(response.status_code), seen(response)))
        if not problems and ((body["email"] or "").lower() != email or body["full_name"] != VERIFY_NAME):
            problems = [f"email {kind(body['email'])}, full_name {kind(body['full_name'])}"]
        self.verifier.check(
            "subscribers-add", f"POST {SUBSCRIBERS_ADD.path}", DOCUMENTED, f"{_SHAPE}, {expected}", problems
        )
        self.done.add("subscribers-add")
        if problems:
            return None
        self.subscribers.append((body["id"], email))
        return body

    def _existing(self, answer: str, body: Any) -> dict | None:
        """The subscriber with VERIFY_EMAIL that a 409 to adding it means exists: listed, or the
        one the error names (looked at with an update that changes nothing). Then, as the first
        run did, subscribers-add and add_status on an add that creates: of an email of this run."""
        listed = self._listed()
        candidates = [id_ for id_, email in listed if email == VERIFY_EMAIL][-1:] if listed else []
        for candidate in candidates or re.findall(r"\d+", message_of(body) or "")[:3]:
            _, problems, found = self._call(SUBSCRIBERS_UPDATE, {"subscriber_id": candidate})
            if not problems and (found["email"] or "").lower() == VERIFY_EMAIL:
                self.subscribers.append((found["id"], VERIFY_EMAIL))
                self._learned("duplicates", Seen("conflict", f"{answer}, for subscriber {found['id']}'s email"))
                self.refused_again = True
                email = f"fake-smartengage-verify+{secrets.token_hex(4)}@example.com"
                response, problems, added = self._call(SUBSCRIBERS_ADD, {"email": email, "full_name": VERIFY_NAME})
                expected = f"email and name as sent ({VERIFY_EMAIL} is subscriber {found['id']}'s, from an earlier run)"
                self._judge_add(response, problems, added, email, expected)
                return found
        self.not_run = f"subscribers-add answered {answer}, and no subscriber with {VERIFY_EMAIL} could be found"
        self._learned("duplicates", self.not_run)
        self._learned("add_status", f"no subscriber was created: {answer}")
        self.done.add("subscribers-add")
        self.verifier.skip("subscribers-add", f"POST {SUBSCRIBERS_ADD.path}", DOCUMENTED, self.not_run)
        return None

    def _listed(self) -> list[tuple[str, str]] | None:
        """The ids and emails of the subscribers verify adds, newest first as listed, if the
        server lists subscribers."""
        response = self.verifier.remote.call("GET", SUBSCRIBERS_LIST.path, params={"avatar_id": self.avatar})
        body = body_of(response)
        if response.status_code != 200 or shape_of(body, SUBSCRIBERS_LIST.answer):
            return None
        emails = [(item["id"], (item["email"] or "").lower()) for item in body]
        return [(id_, email) for id_, email in emails if _VERIFY_EMAILS.fullmatch(email)]

    def _left_behind(self) -> None:
        listed = self._listed()
        left = self.verifier.report.left_behind
        for subscriber, email in listed if listed is not None else self.subscribers:
            left.append(f"subscriber {subscriber} ({email}) of avatar {self.avatar}: there is no route to delete it")
        duplicates = self.verifier.report.switches.get("duplicates")
        if listed is None and isinstance(duplicates, Seen) and duplicates.alternative == "create":
            left.append("and those earlier runs added: the server adds a subscriber for each add of the same email")
        if listed is None and self.refused_again:
            left.append(
                "and the one each earlier run but the first added under an email of its own "
                "(the server refuses to add an email twice)"
            )
        if self.field_written:
            left.append(self.field_written)

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
        self.field_written = (
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
