"""`fake-smartengage verify` run as a process against the fake and against planted divergences."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DEFAULT_KEY
from fake_smartengage.checking.remote import DEFAULT_REMOTE_RPS, default_max_rps
from fake_smartengage.checking.verify import VERIFY_EMAIL
from fake_smartengage.testing import ServerThread
from planted import (
    Planted,
    each_item,
    not_found,
    numeric_id,
    refused_is_ok,
    reversed_keys,
    with_extra,
    without,
    wrapped_in_object,
)
from processes import SCRIPT, free_port, running_server, server_env

SECRET_KEY = "test_key_verify_not_to_be_printed"
FIXTURE = {
    "accounts": [
        {
            "api_key": SECRET_KEY,
            "avatars": [
                {
                    "avatar_id": 40,
                    "brand_name": "Verify Brand",
                    "tags": [{"tag_id": 9, "tag_name": "newest"}, {"tag_id": 3, "tag_name": "older"}],
                    "custom_fields": [{"custom_field_id": 5, "custom_field_name": "plan"}],
                    "sequences": [{"sequence_id": 8, "sequence_name": "Welcome"}],
                }
            ],
        }
    ]
}


def verify(
    tmp_path: Path, base_url: str, *args: str, key: str = SECRET_KEY, key_in_env: bool = False
) -> tuple[int, str, str, dict]:
    """Runs the command, the key on its command line or in SMARTENGAGE_API_KEY; its status,
    output, errors and JSON report."""
    report = tmp_path / "report.json"
    report.unlink(missing_ok=True)
    key_args = [] if key_in_env else ["--api-key", key]
    done = subprocess.run(
        [str(SCRIPT), "verify", "--base-url", base_url, *key_args, "--json", str(report), *args],
        capture_output=True,
        text=True,
        env={**server_env(), "SMARTENGAGE_API_KEY": key} if key_in_env else server_env(),
        timeout=120,
    )
    document = json.loads(report.read_text()) if report.exists() else {}
    return done.returncode, done.stdout, done.stderr, document


def by_status(document: dict, status: str) -> dict[str, str]:
    return {check["id"]: check["route"] for check in document["checks"] if check["status"] == status}


@pytest.fixture
def fixture_file(tmp_path: Path) -> Path:
    path = tmp_path / "verify.json"
    path.write_text(json.dumps(FIXTURE))
    return path


def test_verify_with_writes_passes_every_check_against_the_fake_twice(tmp_path, fixture_file):
    with running_server(tmp_path, "--fixtures", str(fixture_file)) as server:
        first = verify(tmp_path, server.url, "--writes", "--avatar-id", "40")
        second = verify(tmp_path, server.url, "--writes", "--avatar-id", "40")
    for status, stdout, stderr, document in (first, second):
        assert status == 0, stdout + stderr
        assert by_status(document, "diverges") == {} and by_status(document, "skip") == {}
        assert stdout.splitlines()[-1] == f"{len(document['checks'])} passed, 0 diverged, 0 skipped"
        assert SECRET_KEY not in stdout + stderr + json.dumps(document)
    # The second run reused the subscriber the first one created.
    assert first[3]["left_behind"] == second[3]["left_behind"]
    assert first[3]["left_behind"][0].startswith(f"subscriber 1 ({VERIFY_EMAIL}) of avatar 40")


def test_json_report_names_each_check_its_route_and_basis(tmp_path, fixture_file):
    with running_server(tmp_path, "--fixtures", str(fixture_file)) as server:
        status, _, _, document = verify(tmp_path, server.url, key_in_env=True)
    assert status == 0
    assert document["base_url"] == server.url
    checks = {check["id"]: check for check in document["checks"]}
    assert set(checks["tags-list-get-slash"]) == {"id", "route", "basis", "status", "expected", "observed"}
    assert (checks["tags-list-get-slash"]["route"], checks["tags-list-get-slash"]["basis"]) == (
        "GET /tags/list/",
        "documented",
    )
    assert (checks["tags-list-get-no-slash"]["route"], checks["tags-list-get-no-slash"]["basis"]) == (
        "GET /tags/list",
        "fake",
    )
    assert checks["subscribers-add"]["status"] == "skip"
    assert checks["subscribers-add"]["observed"] == "needs --writes and --avatar-id"


def _list_checks(resource: str) -> set[str]:
    return {f"{resource}-list-{method}-{spelling}" for method in ("get", "post") for spelling in ("slash", "no-slash")}


PLANTED = {
    "an id as a number": ("tags/list", each_item(numeric_id("tag_id")), _list_checks("tags"), "tag_id is a number"),
    "a missing key": (
        "customfields/list",
        each_item(without("custom_field_name")),
        _list_checks("customfields"),
        "lacks custom_field_name",
    ),
    "an extra key": (
        "sequences/list",
        each_item(with_extra("created_at", "2024-01-01")),
        _list_checks("sequences"),
        "has extra created_at",
    ),
    "keys in another order": ("avatars/list", each_item(reversed_keys), _list_checks("avatars"), "another order"),
    "an object instead of a bare array": (
        "tags/list",
        wrapped_in_object,
        _list_checks("tags"),
        "body is an object, not an array",
    ),
    "a route answering 404": ("sequences/list", not_found, _list_checks("sequences"), "status 404 (Not Found)"),
    "200 without a key": (
        "avatars/list",
        refused_is_ok,
        {f"auth-{case}-{check}" for case in ("no-key", "other-scheme", "wrong-key") for check in ("refused", "401")},
        "status 200",
    ),
}


@pytest.mark.parametrize("divergence", PLANTED)
def test_each_planted_divergence_is_reported_on_its_route(tmp_path, divergence):
    route, change, expected, observed = PLANTED[divergence]
    with ServerThread(Planted(route, change)) as server:
        # Avatar 1 of the default fixture has tags, custom fields and sequences to plant in.
        status, stdout, stderr, document = verify(tmp_path, server.base_url, "--avatar-id", "1", key=DEFAULT_KEY)
    assert status == 1, stdout + stderr
    diverged = by_status(document, "diverges")
    assert set(diverged) == expected, stdout
    assert all(shown.rstrip("/").endswith(route) for shown in diverged.values())
    assert all(observed in check["observed"] for check in document["checks"] if check["status"] == "diverges")
    passed = len(by_status(document, "pass"))
    assert passed > 0  # the checks of the other routes still pass
    assert stdout.splitlines()[-1] == f"{passed} passed, {len(expected)} diverged, 12 skipped"


def test_a_different_subscriber_object_is_reported_on_its_write_route(tmp_path):
    planted = Planted("tags/add", lambda status, body: (status, {**body, "id": int(body["id"])}))
    with ServerThread(planted) as server:
        status, stdout, _, document = verify(
            tmp_path, server.base_url, "--writes", "--avatar-id", "123", key=DEFAULT_KEY
        )
    assert status == 1
    assert by_status(document, "diverges") == {"tags-add": "POST /tags/add", "tags-add-twice": "POST /tags/add"}
    assert "observed body.id is a number (2), not a string" in stdout  # 2: avatar 123 has a subscriber 1
    # Each request named the tool and its version.
    agents = {headers.get("user-agent", "") for headers in planted.seen_headers if "authorization" in headers}
    assert agents and all(agent.startswith("fake-smartengage/") for agent in agents)


def test_an_unreachable_url_exits_2_with_one_line_naming_it(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    status, stdout, stderr, document = verify(tmp_path, url)
    assert status == 2
    assert stderr.strip().count("\n") == 0 and f"cannot reach {url}/avatars/list" in stderr
    assert "Traceback" not in stderr and document == {}


def test_a_refused_key_exits_2(tmp_path, fixture_file):
    with running_server(tmp_path, "--fixtures", str(fixture_file)) as server:
        status, _, stderr, _ = verify(tmp_path, server.url, key="not_a_key_of_this_server")
    assert status == 2
    assert stderr.strip() == f"fake-smartengage: {server.url}/avatars/list refused the API key (401)"
    assert "not_a_key_of_this_server" not in stderr


def test_no_key_at_all_exits_2(tmp_path):
    status, _, stderr, _ = verify(tmp_path, "http://127.0.0.1:9", key="")
    assert status == 2
    assert "no API key for http://127.0.0.1:9: pass --api-key or set SMARTENGAGE_API_KEY" in stderr


def test_writes_without_an_avatar_is_a_usage_error(tmp_path):
    status, _, stderr, _ = verify(tmp_path, "http://127.0.0.1:9", "--writes")
    assert status == 2 and "--writes needs --avatar-id" in stderr


@pytest.mark.parametrize(
    ("url", "rps"),
    [
        ("http://127.0.0.1:8000", None),
        ("http://localhost:8000", None),
        ("http://[::1]:8000", None),
        ("https://api.smartengage.com", DEFAULT_REMOTE_RPS),
        ("http://10.0.0.5:8000", DEFAULT_REMOTE_RPS),
    ],
)
def test_only_loopback_is_unthrottled_by_default(url, rps):
    assert default_max_rps(url) == rps


def test_the_weekly_workflow_example_runs_a_valid_verify_command():
    import shlex

    import yaml

    from fake_smartengage import __version__
    from fake_smartengage.cli import _parser

    workflow = yaml.safe_load((Path(__file__).parent.parent / "examples" / "smartengage-drift.yml").read_text())
    assert workflow[True]["schedule"][0]["cron"].split()[2:] == ["*", "*", "1"]  # weekly; YAML reads `on` as True
    (verify_step, _) = workflow["jobs"]["verify"]["steps"]
    assert verify_step["env"] == {"SMARTENGAGE_API_KEY": "${{ secrets.SMARTENGAGE_API_KEY }}"}
    words = shlex.split(verify_step["run"].replace("${{ vars.SMARTENGAGE_VERIFY_AVATAR_ID }}", "7"))
    image = words.index(f"ghcr.io/fake-smartengage/fake-smartengage:{__version__}")
    args = _parser().parse_args(words[image + 1 :])
    assert (args.command, args.base_url, args.avatar_id, args.writes) == (
        "verify",
        "https://api.smartengage.com",
        7,
        True,
    )
    assert "--api-key" not in words  # the key comes from the variable, not the command line


def test_the_cli_imports_verify_and_httpx_only_to_run_them():
    # healthcheck, run by a container every few seconds, parses the same command line.
    probe = (
        "import sys; from fake_smartengage.cli import _parser; _parser().parse_args(['healthcheck']); "
        "print(' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "fake_smartengage.checking.commands" in loaded
    assert not loaded & {
        "httpx",
        "fake_smartengage.checking.verify",
        "fake_smartengage.checking.remote",
        "fake_smartengage.checking.snapshot",
    }
