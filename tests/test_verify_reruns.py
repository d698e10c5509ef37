"""`verify` tells the truth about what it checked: the avatar it read and why, the empty lists it
could not check, and what `--writes` left behind, run after run, whatever the duplicates switch."""

import re

import httpx
import pytest

from conftest import DEFAULT_KEY
from fake_smartengage.api.behaviour import Profile
from fake_smartengage.app import create_app
from fake_smartengage.checking.remote import Remote
from fake_smartengage.checking.verify import VERIFY_EMAIL, Verifier
from fake_smartengage.settings import Settings
from fake_smartengage.testing import ServerThread

AVATAR = 123  # of the default fixture: tags, custom fields, sequences and subscriber 1


def _verify(server: ServerThread, *, avatar_id: int | None = None, writes: bool = False, profile=None):
    with Remote(server.base_url, DEFAULT_KEY, max_rps=None, timeout=10) as remote:
        return Verifier(remote, avatar_id=avatar_id, writes=writes, profile=profile or Profile()).run()


def _statuses(report) -> dict[str, str]:
    return {check.id: check.status for check in report.checks}


@pytest.fixture
def server(request):
    switches = getattr(request, "param", {})
    with ServerThread(create_app(Settings(log_level="warning", profile=switches))) as running:
        yield running


def test_without_avatar_id_it_reads_the_first_avatar_whose_lists_are_not_empty(server):
    report = _verify(server)
    # The default fixture lists avatars 3 and 2, both empty, before 1.
    assert (report.avatar, report.avatar_reason) == (
        1,
        "the first listed whose tags, custom fields and sequences are not empty",
    )
    assert report.lines()[0] == "avatar 1: the first listed whose tags, custom fields and sequences are not empty"
    assert report.as_json()["avatar"] == {"avatar_id": 1, "why": report.avatar_reason}
    assert _verify(server, avatar_id=2).avatar_reason == "given by --avatar-id"


def test_a_shape_check_over_an_empty_list_is_a_skip(server):
    report = _verify(server, avatar_id=3)  # avatar 3 has no tags, custom fields or sequences
    skipped = {check.id: check.observed for check in report.checks if check.status == "skip"}
    empty = "no element to check: the list is empty"
    assert {check: why for check, why in skipped.items() if "-list-" in check} == {
        f"{resource}-list-{method}-{spelling}": empty
        for resource in ("tags", "customfields", "sequences")
        for method in ("get", "post")
        for spelling in ("slash", "no-slash")
    }


OWN_EMAIL = re.compile(r"\(fake-smartengage-verify\+[0-9a-f]{8}@example\.com\)")
# Each duplicates alternative, with the defaults, and with a 201 and the subscribers list served.
SERVERS = [
    {"duplicates": duplicates, **others}
    for duplicates in ("update", "conflict", "create")
    for others in ({}, {"add_status": "201", "promised_routes": "on"})
]
# The subscribers left behind after two runs (default fixture: avatar 123 has subscriber 1), as the
# second run lists them: newest first from the list when the server has one, else those it added
# or found, and what earlier runs added.
LEFT_BEHIND = {
    ("update", False): [("2", VERIFY_EMAIL)],
    ("update", True): [("2", VERIFY_EMAIL)],
    ("create", False): [("4", VERIFY_EMAIL), ("5", VERIFY_EMAIL)],
    ("create", True): [("5", VERIFY_EMAIL), ("4", VERIFY_EMAIL), ("3", VERIFY_EMAIL), ("2", VERIFY_EMAIL)],
    ("conflict", False): [("2", VERIFY_EMAIL), ("3", "own")],
    ("conflict", True): [("3", "own"), ("2", VERIFY_EMAIL)],
}
EARLIER = {
    "create": "and those earlier runs added: the server adds a subscriber for each add of the same email",
    "conflict": "and the one each earlier run but the first added under an email of its own "
    "(the server refuses to add an email twice)",
}


@pytest.mark.parametrize("server", SERVERS, indirect=True, ids=lambda switches: "-".join(switches.values()))
def test_a_second_run_with_writes_gives_the_same_result(server, request):
    switches = request.node.callspec.params["server"]
    profile = Profile(switches)
    first = _verify(server, avatar_id=AVATAR, writes=True, profile=profile)
    second = _verify(server, avatar_id=AVATAR, writes=True, profile=profile)
    assert _statuses(second) == _statuses(first)
    assert (first.count("skip"), first.count("diverges")) == (0, 0)
    assert Profile(first.learned()) == Profile(second.learned()) == profile
    listed = "promised_routes" in switches
    subscribers = [item for item in second.left_behind if item.startswith("subscriber ")]
    assert len(subscribers) == len(LEFT_BEHIND[switches["duplicates"], listed])
    for item, (subscriber, email) in zip(subscribers, LEFT_BEHIND[switches["duplicates"], listed], strict=True):
        assert item.startswith(f"subscriber {subscriber} (")
        assert item.endswith(f" of avatar {AVATAR}: there is no route to delete it")
        assert OWN_EMAIL.search(item) if email == "own" else f"({VERIFY_EMAIL})" in item
    others = second.left_behind[len(subscribers) :]
    earlier = [] if listed or switches["duplicates"] == "update" else [EARLIER[switches["duplicates"]]]
    assert others[:-1] == earlier
    assert others[-1].startswith("its custom field")


def test_a_second_run_against_a_server_that_refuses_an_email_twice_adds_one_of_its_own(server):
    with httpx.Client(base_url=server.base_url) as harness:
        harness.put("/_fake/profile", json={"duplicates": "conflict"})
    conflict = Profile({"duplicates": "conflict"})
    _verify(server, avatar_id=AVATAR, writes=True, profile=conflict)
    second = _verify(server, avatar_id=AVATAR, writes=True, profile=conflict)
    add = next(check for check in second.checks if check.id == "subscribers-add")
    assert add.status == "pass"
    assert add.expected.endswith(f"email and name as sent ({VERIFY_EMAIL} is subscriber 2's, from an earlier run)")
    assert second.switches["duplicates"].observed.endswith("for subscriber 2's email")
    # The other writes go to the first run's subscriber, found through the 409's message.
    assert second.left_behind[0] == f"subscriber 2 ({VERIFY_EMAIL}) of avatar {AVATAR}: there is no route to delete it"


def test_the_subscribers_of_an_earlier_run_are_found_in_the_list_when_it_is_served(server):
    with httpx.Client(base_url=server.base_url) as harness:
        harness.put("/_fake/profile", json={"promised_routes": "on", "duplicates": "create"})
    _verify(server, avatar_id=AVATAR, writes=True)
    report = _verify(server, avatar_id=AVATAR, writes=True)
    listed = [item.split()[1] for item in report.left_behind if item.startswith("subscriber ")]
    assert listed == ["5", "4", "3", "2"]  # newest first, as the server lists them
