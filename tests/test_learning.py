"""`verify` learns the behaviour profile: a fake serving any profile P, verified, gives back P."""

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DEFAULT_KEY
from fake_smartengage.api.behaviour import SWITCH_NAMES, SWITCHES, Profile, parse_profile
from fake_smartengage.app import create_app
from fake_smartengage.checking.learning import BY_WRITES, LEARNERS, UNLEARNABLE
from fake_smartengage.checking.remote import Remote
from fake_smartengage.checking.verify import Verifier
from fake_smartengage.settings import Settings
from fake_smartengage.testing import ServerThread

PROFILES = st.fixed_dictionaries({switch.name: st.sampled_from(switch.alternatives) for switch in SWITCHES}).map(
    Profile
)
# Avatar 123 of the default fixture has tags, custom fields, sequences and a subscriber.
AVATAR = 123


@pytest.fixture(scope="module")
def server():
    with ServerThread(create_app(Settings(log_level="warning"))) as running:
        yield running


def _serve(server: ServerThread, profile: Profile) -> None:
    """The server back to its fixture, serving `profile`."""
    with httpx.Client(base_url=server.base_url) as harness:
        assert harness.post("/_fake/reset").status_code == 204
        response = harness.put("/_fake/profile", json=profile.changes())
        assert response.status_code == 200, response.text


def _learn(server: ServerThread, *, writes: bool, avatar_id: int | None = AVATAR):
    with Remote(server.base_url, DEFAULT_KEY, max_rps=None, timeout=10) as remote:
        return Verifier(remote, avatar_id=avatar_id, writes=writes).run()


def test_every_switch_is_learned_or_declared_unlearnable():
    assert set(LEARNERS) | set(UNLEARNABLE) == set(SWITCH_NAMES)
    assert not set(LEARNERS) & set(UNLEARNABLE)
    assert all(reason for reason in UNLEARNABLE.values())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profile=PROFILES)
def test_verify_with_writes_gives_back_the_profile_the_fake_serves(server, profile):
    _serve(server, profile)
    report = _learn(server, writes=True)
    learned = report.learned()
    assert learned == {name: profile[name] for name in LEARNERS}
    # The profile file verify writes is one the fake reads back as P.
    assert parse_profile(learned, source="learned") == profile
    assert report.count("diverges") == 0 or profile.changes()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profile=PROFILES)
def test_verify_without_writes_learns_every_switch_but_those_writes_show(server, profile):
    _serve(server, profile)
    report = _learn(server, writes=False, avatar_id=None)
    assert report.learned() == {name: profile[name] for name in LEARNERS if name not in BY_WRITES}
    assert set(report.undecided()) == BY_WRITES
    assert all(report.undecided()[name] == "needs --writes and --avatar-id" for name in BY_WRITES)


def test_the_fakes_own_profile_passes_when_verify_judges_by_it(server):
    profile = Profile().with_changes({"error_body": "string", "list_post": "405", "other_spelling": "404"})
    _serve(server, profile)
    with Remote(server.base_url, DEFAULT_KEY, max_rps=None, timeout=10) as remote:
        report = Verifier(remote, avatar_id=AVATAR, writes=True, profile=profile).run()
    assert [check.id for check in report.checks if check.status != "pass"] == []
    # Only what the profile serves is checked: no POST on the list routes, one spelling each.
    assert {check.id for check in report.checks if "-list-" in check.id} == {
        f"{resource}-list-get-{'no-slash' if resource == 'avatars' else 'slash'}"
        for resource in ("avatars", "tags", "customfields", "sequences")
    } | {"avatars-list-post-no-slash"}


def test_profile_divergences_judges_an_answer_by_the_profile_in_force(server):
    from fake_smartengage.api.shapes import profile_divergences

    profile = Profile().with_changes({"error_body": "string", "add_status": "201", "other_spelling": "404"})
    _serve(server, profile)
    requests = [
        ("POST", "/subscribers/add", {"avatar_id": "123", "email": "judged@example.com"}),
        ("GET", "/tags/list", {"avatar_id": "123"}),  # the other spelling: 404 under the profile
        ("GET", "/tags/list/", {"avatar_id": "123"}),
    ]
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {DEFAULT_KEY}"}) as client:
        for method, path, parameters in requests:
            response = client.request(
                method, path, **({"params": parameters} if method == "GET" else {"data": parameters})
            )
            assert profile_divergences(method, path, response.status_code, response.json(), profile) == []
            judged_by_default = profile_divergences(method, path, response.status_code, response.json(), Profile())
            assert (
                judged_by_default
                == {
                    "/subscribers/add": ["status 201, where the fake answers 200"],
                    "/tags/list": ["body.error is a string ('Unknown route: GET /tags/list'), not an object"],
                    "/tags/list/": [],
                }[path]
            )


def _run_cli(*args: str) -> tuple[int, str, str]:
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from fake_smartengage.checking import commands
    from fake_smartengage.cli import _parser

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = commands.verify(_parser().parse_args(["verify", *args]))
    return status, out.getvalue(), err.getvalue()


def test_write_profile_writes_the_switches_decided_and_names_the_others(server, tmp_path):
    profile = Profile().with_changes({"check_order": "key-first", "promised_routes": "on"})
    _serve(server, profile)
    written = tmp_path / "learned.json"
    base = ["--base-url", server.base_url, "--api-key", DEFAULT_KEY, "--write-profile", str(written)]
    status, stdout, stderr = _run_cli(*base)
    assert (status, stderr) == (1, "")  # it diverges from the fake's defaults
    undecided = ", ".join(sorted(BY_WRITES, key=SWITCH_NAMES.index))
    assert f"wrote {len(LEARNERS) - len(BY_WRITES)} switches to {written} (undecided: {undecided})" in stdout
    learned = json.loads(written.read_text())
    assert learned == {name: profile[name] for name in LEARNERS if name not in BY_WRITES}
    # Judged by the profile it wrote, the same server passes.
    status, stdout, _ = _run_cli(*base[:4], "--profile", str(written))
    assert status == 0, stdout
    nowhere = tmp_path / "no-such-dir" / "p.json"
    status, _, stderr = _run_cli(*base[:4], "--write-profile", str(nowhere))
    assert (status, stderr) == (2, f"fake-smartengage: cannot write {nowhere}: No such file or directory\n")


def test_a_tenants_profile_is_learned_but_for_what_a_wrong_key_shows(server):
    _serve(server, Profile().with_changes({"check_order": "key-first"}))
    tenant_profile = {"list_without_avatar": "all-avatars", "error_body": "string", "check_order": "route-first"}
    with httpx.Client(base_url=server.base_url) as harness:
        key = harness.post("/_fake/tenants").json()["api_key"]
        assert harness.put(f"/_fake/tenants/{key}/profile", json=tenant_profile).status_code == 200
    with Remote(server.base_url, key, max_rps=None, timeout=10) as remote:
        learned = Verifier(remote).run().learned()
    # A wrong key is no tenant's: it shows the server's check order.
    assert learned["check_order"] == "key-first"
    assert (learned["list_without_avatar"], learned["error_body"]) == ("all-avatars", "string")
