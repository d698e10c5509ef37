"""`verify` tells the truth about what it checked: the avatar it read and why, the empty lists it
could not check, and what `--writes` left behind, run after run, whatever the duplicates switch."""

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


@pytest.mark.parametrize(
    "server", [{}, {"duplicates": "create"}, {"promised_routes": "on", "duplicates": "create"}], indirect=True
)
def test_a_second_run_with_writes_gives_the_same_result(server):
    first = _verify(server, avatar_id=AVATAR, writes=True)
    second = _verify(server, avatar_id=AVATAR, writes=True)
    assert _statuses(second) == _statuses(first)
    assert first.count("skip") == 0
    # What is there: one subscriber (update), or every one the runs added, if the server lists them.
    subscribers = [item for item in second.left_behind if item.startswith("subscriber ")]
    duplicates = first.learned()["duplicates"]
    promised = first.learned()["promised_routes"] == "on"
    assert len(subscribers) == {"update": 1, "create": 4 if promised else 2}[duplicates]
    assert all(f"({VERIFY_EMAIL}) of avatar {AVATAR}" in item for item in subscribers)
    if duplicates == "create" and not promised:
        assert "and those earlier runs added" in second.left_behind[-2]


@pytest.mark.parametrize(
    "server", [{"duplicates": "conflict"}, {"duplicates": "conflict", "promised_routes": "on"}], indirect=True
)
def test_a_second_run_finds_the_subscriber_a_server_refuses_to_add_twice(server):
    first = _verify(server, avatar_id=AVATAR, writes=True)
    second = _verify(server, avatar_id=AVATAR, writes=True)
    # The second run cannot add a subscriber: it finds the first run's, and says so.
    created = {"subscribers-add", "profile-add_status"}
    assert {key: value for key, value in _statuses(second).items() if key not in created} == {
        key: value for key, value in _statuses(first).items() if key not in created
    }
    skipped = {check.id: check.observed for check in second.checks if check.status == "skip"}
    assert set(skipped) == created
    assert skipped["subscribers-add"].startswith("subscriber 2 has the email from an earlier run")
    assert second.learned()["duplicates"] == "conflict"
    assert second.left_behind == first.left_behind
    assert second.left_behind[0] == f"subscriber 2 ({VERIFY_EMAIL}) of avatar {AVATAR}: there is no route to delete it"


def test_the_subscribers_of_an_earlier_run_are_found_in_the_list_when_it_is_served(server):
    with httpx.Client(base_url=server.base_url) as harness:
        harness.put("/_fake/profile", json={"promised_routes": "on", "duplicates": "create"})
    _verify(server, avatar_id=AVATAR, writes=True)
    report = _verify(server, avatar_id=AVATAR, writes=True)
    listed = [item.split()[1] for item in report.left_behind if item.startswith("subscriber ")]
    assert listed == ["5", "4", "3", "2"]  # newest first, as the server lists them
