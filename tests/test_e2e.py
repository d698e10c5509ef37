"""End to end: the `fake-smartengage serve` console script as a real process, reached over TCP.

One server serves the whole module. Tests stay independent of their order by each owning a part
of the state and leaving the rest alone:

* the reference's write examples own subscriber 1 of avatar 123 (and run in reference order
  inside one test, asserting after each step);
* the array-spelling test only creates subscribers in avatar 1;
* the failed-write test is the only one that creates a subscriber in avatar 123 (and only
  no-op writes touch subscriber 1);
* everything else only reads.

The reference's curl examples are run with the real curl, translated faithfully into argv lists,
and checked against what the reference says they answer; the other checks use httpx. The user's
recipe for the same examples (docs/guides/curl-examples.md) is run through a real shell by
test_curl_examples.py.
"""

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from conftest import DEFAULT_KEY, SUBSCRIBER_KEYS
from fake_smartengage.settings import bundled_fixtures
from processes import Server, running_server

CURL = "/usr/bin/curl"
AUTH = {"Authorization": f"Bearer {DEFAULT_KEY}"}

# What the reference's examples contain, replaced at run time by the server's URL and the key.
REFERENCE_HOST = "https://api.smartengage.com"
KEY_PLACEHOLDER = "{api-key}"

SUBSCRIBER_CUSTOM_FIELD_KEYS = ["custom_field_id", "custom_field_name", "custom_value"]
SUBSCRIBER_SEQUENCE_KEYS = ["sequence_id", "sequence_name", "status"]
AVATAR_KEYS = ["brand_name", "avatar_id", "brand_image", "user_role", "facebook_page_id"]
ERROR_KEYS = ["type", "message", "param"]

JOHN_PUSH_ID = "https://fcm.googleapis.com/fcm/send/dAh9lRTaKVo:X...XXX"

# The reference's example responses, verbatim; the default fixture reproduces them.
DOCUMENTED_AVATARS = [
    {
        "brand_name": "BacklinksIndexer",
        "avatar_id": "3",
        "brand_image": "https://smartengage.com/uploads/avatars/76082f2b90607b7731cd619f96aa6111.png",
        "user_role": "2",
        "facebook_page_id": "1xxxxxxxxxxxx57",
    },
    {
        "brand_name": "The Bachelor Bracket",
        "avatar_id": "2",
        "brand_image": "https://smartengage.com/uploads/avatars/e72d12d1c4a864add0116a0bb891c6d3.png",
        "user_role": "2",
        "facebook_page_id": "3xxxxxxxxxxxx04",
    },
    {
        "brand_name": "SmartEngage",
        "avatar_id": "1",
        "brand_image": "https://smartengage.com/uploads/avatars/30124196_426878104401893_6352101114313179136_n.png",
        "user_role": "2",
        "facebook_page_id": "2xxxxxxxxxxxx53",
    },
]
# The default fixture's fourth avatar, which the reference's write examples use.
EXAMPLE_BRAND = {
    "brand_name": "Example Brand",
    "avatar_id": "123",
    "brand_image": None,
    "user_role": "2",
    "facebook_page_id": None,
}
DOCUMENTED_TAGS = [{"tag_id": "1", "tag_name": "push_test"}, {"tag_id": "2", "tag_name": "fb_test"}]
DOCUMENTED_CUSTOM_FIELDS = [
    {"custom_field_id": "1", "custom_field_name": "Number"},
    {"custom_field_id": "2", "custom_field_name": "Location"},
]
DOCUMENTED_SEQUENCES = [
    {"sequence_id": "1", "sequence_name": "Seq 1"},
    {"sequence_id": "2", "sequence_name": "Seq 1"},
]
DOCUMENTED_SUBSCRIBER = {
    "id": "1",
    "full_name": "John Doe",
    "email": "admin@example.com",
    "ip": None,
    "gender": None,
    "language": None,
    "place": None,
    "facebook_id": "212312312353",
    "push_id": JOHN_PUSH_ID,
    "tags": ["tags1", "tags2"],
    "custom_fields": [{"custom_field_id": "111", "custom_field_name": "location", "custom_value": "US"}],
    "sequences": [
        {"sequence_id": "1", "sequence_name": "Seq 1", "status": "Completed"},
        {"sequence_id": "2", "sequence_name": "Seq 2", "status": "Active"},
    ],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("e2e-server")) as running:
        yield running


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, trust_env=False, timeout=10.0) as client:
        yield client


# curl


@dataclass
class CurlResult:
    status: int
    content_type: str
    body: str

    def json(self):
        return json.loads(self.body)


def run_curl(server: Server, args: list[str]) -> CurlResult:
    """Runs the real curl with `args`, the reference's host and key placeholders filled in."""
    assert Path(CURL).exists(), f"{CURL} is needed to run the reference's curl examples"
    args = [arg.replace(REFERENCE_HOST, server.url).replace(KEY_PLACEHOLDER, DEFAULT_KEY) for arg in args]
    # Harness options only: quiet but showing errors, no proxy from the environment, a time limit,
    # and the content type and status code on two lines after the body.
    harness = ["-sS", "--noproxy", "*", "--max-time", "10", "-w", "\n%{content_type}\n%{http_code}"]
    completed = subprocess.run([CURL, *harness, *args], capture_output=True, text=True, timeout=20)
    assert completed.returncode == 0, f"curl {args} failed ({completed.returncode}): {completed.stderr}"
    body, content_type, status = completed.stdout.rsplit("\n", 2)
    return CurlResult(int(status), content_type, body)


def curl_json(server: Server, args: list[str]):
    result = run_curl(server, args)
    assert result.status == 200, f"{args}: {result.status} {result.body}"
    assert result.content_type.startswith("application/json"), result.content_type
    return result.json()


# Shape checks


def assert_subscriber_shape(subscriber: dict) -> None:
    assert list(subscriber) == SUBSCRIBER_KEYS
    assert isinstance(subscriber["id"], str) and subscriber["id"].isdigit()
    assert all(isinstance(tag, str) for tag in subscriber["tags"])
    for value in subscriber["custom_fields"]:
        assert list(value) == SUBSCRIBER_CUSTOM_FIELD_KEYS
        assert isinstance(value["custom_field_id"], str) and value["custom_field_id"].isdigit()
    for status in subscriber["sequences"]:
        assert list(status) == SUBSCRIBER_SEQUENCE_KEYS
        assert isinstance(status["sequence_id"], str) and status["sequence_id"].isdigit()


def assert_list_shape(items: list, keys: list[str]) -> None:
    assert isinstance(items, list) and items
    id_key = next(key for key in keys if key.endswith("_id"))
    for item in items:
        assert list(item) == keys
        assert isinstance(item[id_key], str) and item[id_key].isdigit()


def assert_error_body(response: httpx.Response, status: int, type: str, param: str | None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    assert list(body["error"]) == ERROR_KEYS
    assert body["error"]["type"] == type
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert body["error"]["param"] == param
    return body["error"]


# 1. Every curl example of the reference.
#
# Shell quote removal is applied as the shell would (-d facebook_id="212312312353" is the argument
# facebook_id=212312312353, -H 'Authorization: ...' loses its quotes); the reference's slips are
# fixed and each fix is commented.

READ_EXAMPLES = {
    "auth example: POST /avatars/list": (
        # Fixed: the reference ends the first line with "\ " (backslash, space), which escapes the
        # space instead of the newline, so the shell would run the -H line as a separate command.
        ["-X", "POST", "https://api.smartengage.com/avatars/list", "-H", "Authorization: Bearer {api-key}"],
        AVATAR_KEYS,
        [*DOCUMENTED_AVATARS, EXAMPLE_BRAND],
    ),
    "GET /avatars/list": (
        ["-X", "GET", "https://api.smartengage.com/avatars/list", "-H", "Authorization: Bearer {api-key}"],
        AVATAR_KEYS,
        [*DOCUMENTED_AVATARS, EXAMPLE_BRAND],
    ),
    "GET /tags/list/?avatar_id=1": (
        # The unquoted ? would be a glob in a shell; as an argv element it is just the query string.
        ["-X", "GET", "https://api.smartengage.com/tags/list/?avatar_id=1", "-H", "Authorization: Bearer {api-key}"],
        ["tag_id", "tag_name"],
        DOCUMENTED_TAGS,
    ),
    "GET /customfields/list/?avatar_id=1": (
        [
            "-X",
            "GET",
            "https://api.smartengage.com/customfields/list/?avatar_id=1",
            "-H",
            "Authorization: Bearer {api-key}",
        ],
        ["custom_field_id", "custom_field_name"],
        DOCUMENTED_CUSTOM_FIELDS,
    ),
    "GET /sequences/list/?avatar_id=1": (
        [
            "-X",
            "GET",
            "https://api.smartengage.com/sequences/list/?avatar_id=1",
            "-H",
            "Authorization: Bearer {api-key}",
        ],
        ["sequence_id", "sequence_name"],
        DOCUMENTED_SEQUENCES,
    ),
}


@pytest.mark.parametrize("name", list(READ_EXAMPLES))
def test_reference_list_example(server: Server, name: str) -> None:
    args, keys, expected = READ_EXAMPLES[name]
    items = curl_json(server, args)
    assert_list_shape(items, keys)
    assert items == expected


# The write examples all change subscriber 1 of avatar 123, so they run in the reference's order.
# Fixed in each: the trailing backslash after the last -d, which continues the command onto the
# following (blank) line.

TAGS_ADD = [
    "-X",
    "POST",
    "https://api.smartengage.com/tags/add",
    "-H",
    "Authorization: Bearer {api-key}",
    "-d",
    "avatar_id=123",
    "-d",
    "subscriber_id=1",
    "-d",
    "tag=123",  # fixed: trailing backslash removed
]
TAGS_DELETE = [
    "-X",
    "POST",
    "https://api.smartengage.com/tags/delete",
    "-H",
    "Authorization: Bearer {api-key}",
    "-d",
    "avatar_id=123",
    "-d",
    "subscriber_id=1",
    "-d",
    "tag=123",  # fixed: trailing backslash removed
]
CUSTOMFIELDS_UPDATE = [
    "-X",
    "POST",
    "https://api.smartengage.com/customfields/update",
    "-H",
    "Authorization: Bearer {api-key}",
    "-d",
    "avatar_id=123",
    "-d",
    "subscriber_id=1",
    "-d",
    "field=123",
    "-d",
    "value=CA",  # fixed: trailing backslash removed
]
SEQUENCES_ADD = [
    "-X",
    "POST",
    "https://api.smartengage.com/sequences/add",
    "-H",
    "Authorization: Bearer {api-key}",
    "-d",
    "avatar_id=123",
    "-d",
    "subscriber_id=1",
    "-d",
    "sequence=1",  # fixed: trailing backslash removed
]
SEQUENCES_REMOVE = [
    "-X",
    "POST",
    "https://api.smartengage.com/sequences/remove",
    "-H",
    "Authorization: Bearer {api-key}",
    "-d",
    "avatar_id=123",
    "-d",
    "subscriber_id=1",
    "-d",
    "sequence=1",  # fixed: trailing backslash removed
]
SUBSCRIBERS_ADD = [
    "-X",
    "POST",
    "https://api.smartengage.com/subscribers/add",
    "-H",
    "Authorization: Bearer {api-key}",
    "-d",
    "avatar_id=123",
    "-d",
    "first_name=John",
    "-d",
    "last_name=Doe",
    # Fixed: the reference's unquoted `-d full_name=John Doe` splits into `-d full_name=John` and a
    # stray `Doe`, which curl would fetch as a second URL.
    "-d",
    "full_name=John Doe",
    "-d",
    "email=admin@example.com",
    "-d",
    "facebook_id=212312312353",
    "-d",
    f"push_id={JOHN_PUSH_ID}",
    "-d",
    "tags[]=123",
    "-d",
    "tags[]=124",
    "-d",
    "custom_field[]=111",
    "-d",
    "field_value[]=Field Value",  # the reference's last line has no backslash: nothing to fix
]
SUBSCRIBERS_UPDATE = [
    "-X",
    "POST",
    "https://api.smartengage.com/subscribers/update",
    "-H",
    "Authorization: Bearer {api-key}",
    "-d",
    "avatar_id=123",
    "-d",
    "subscriber_id=1",
    "-d",
    "first_name=John",
    "-d",
    "last_name=Doe",
    "-d",
    "full_name=John Doe",  # fixed: one argument, as in subscribers/add
    "-d",
    "email=admins@example.com",
    "-d",
    "facebook_id=212312312353",  # fixed: trailing backslash removed
]


def _without(subscriber: dict, *keys: str) -> dict:
    return {key: value for key, value in subscriber.items() if key not in keys}


def test_reference_write_examples_in_order(server: Server) -> None:
    # tags/add tag=123: John Doe already has tags1, so the answer is the documented example itself.
    john = curl_json(server, TAGS_ADD)
    assert_subscriber_shape(john)
    assert john == DOCUMENTED_SUBSCRIBER

    # tags/delete tag=123 removes "tags1" and nothing else.
    john = curl_json(server, TAGS_DELETE)
    assert_subscriber_shape(john)
    assert john["tags"] == ["tags2"]
    assert _without(john, "tags") == _without(DOCUMENTED_SUBSCRIBER, "tags")

    # customfields/update field=123 value=CA sets region and keeps location.
    john = curl_json(server, CUSTOMFIELDS_UPDATE)
    assert_subscriber_shape(john)
    values = {value["custom_field_name"]: value for value in john["custom_fields"]}
    assert values == {
        "location": {"custom_field_id": "111", "custom_field_name": "location", "custom_value": "US"},
        "region": {"custom_field_id": "123", "custom_field_name": "region", "custom_value": "CA"},
    }
    assert john["tags"] == ["tags2"]
    assert john["sequences"] == DOCUMENTED_SUBSCRIBER["sequences"]

    # sequences/add sequence=1 restarts the completed "Seq 1": it becomes Active.
    john = curl_json(server, SEQUENCES_ADD)
    assert_subscriber_shape(john)
    assert john["sequences"] == [
        {"sequence_id": "1", "sequence_name": "Seq 1", "status": "Active"},
        {"sequence_id": "2", "sequence_name": "Seq 2", "status": "Active"},
    ]
    assert john["tags"] == ["tags2"]
    assert len(john["custom_fields"]) == 2

    # sequences/remove sequence=1 removes it.
    john = curl_json(server, SEQUENCES_REMOVE)
    assert_subscriber_shape(john)
    assert john["sequences"] == [{"sequence_id": "2", "sequence_name": "Seq 2", "status": "Active"}]

    # subscribers/add with John Doe's email, facebook_id and push_id updates subscriber 1.
    john = curl_json(server, SUBSCRIBERS_ADD)
    assert_subscriber_shape(john)
    assert john["id"] == "1"
    assert (john["full_name"], john["email"], john["facebook_id"], john["push_id"]) == (
        "John Doe",
        "admin@example.com",
        "212312312353",
        JOHN_PUSH_ID,
    )
    assert sorted(john["tags"]) == ["tags1", "tags2"]
    values = {value["custom_field_name"]: value for value in john["custom_fields"]}
    assert values == {
        "location": {"custom_field_id": "111", "custom_field_name": "location", "custom_value": "Field Value"},
        "region": {"custom_field_id": "123", "custom_field_name": "region", "custom_value": "CA"},
    }
    assert john["sequences"] == [{"sequence_id": "2", "sequence_name": "Seq 2", "status": "Active"}]
    before_update = john

    # subscribers/update sets the new email and leaves everything else as it was.
    john = curl_json(server, SUBSCRIBERS_UPDATE)
    assert_subscriber_shape(john)
    assert john["id"] == "1"
    assert john["email"] == "admins@example.com"
    assert _without(john, "email") == _without(before_update, "email")


# 2. The three array spellings, in multipart and urlencoded bodies (avatar 1 only).

SPELLINGS = {
    "brackets": [
        ("tags[]", "1"),
        ("tags[]", "2"),
        ("custom_field[]", "1"),
        ("custom_field[]", "2"),
        ("field_value[]", "42"),
        ("field_value[]", "Paris, France"),
    ],
    "repeated": [
        ("tags", "1"),
        ("tags", "2"),
        ("custom_field", "1"),
        ("custom_field", "2"),
        ("field_value", "42"),
        ("field_value", "Paris, France"),
    ],
    "indexed": [
        ("tags[0]", "1"),
        ("tags[1]", "2"),
        ("custom_field[0]", "1"),
        ("custom_field[1]", "2"),
        ("field_value[0]", "42"),
        ("field_value[1]", "Paris, France"),
    ],
}


def test_array_spellings_in_multipart_and_urlencoded_bodies(server: Server) -> None:
    results = {}
    for encoding in ("multipart", "urlencoded"):
        for spelling, arrays in SPELLINGS.items():
            email = f"arrays-{encoding}-{spelling}@example.com"
            pairs = [("avatar_id", "1"), ("email", email), ("full_name", "Array Tester"), *arrays]
            if encoding == "multipart":
                body_args = [arg for name, value in pairs for arg in ("-F", f"{name}={value}")]
            else:
                # One properly percent-encoded body: brackets as %5B%5D, the space as +, the comma as %2C.
                body_args = ["-H", "Content-Type: application/x-www-form-urlencoded", "--data-binary", urlencode(pairs)]
            subscriber = curl_json(
                server,
                [
                    "-X",
                    "POST",
                    f"{REFERENCE_HOST}/subscribers/add",
                    "-H",
                    f"Authorization: Bearer {KEY_PLACEHOLDER}",
                    *body_args,
                ],
            )
            assert_subscriber_shape(subscriber)
            assert subscriber["email"] == email
            results[encoding, spelling] = _without(subscriber, "id", "email")
    assert results["multipart", "brackets"] == {
        "full_name": "Array Tester",
        "ip": None,
        "gender": None,
        "language": None,
        "place": None,
        "facebook_id": None,
        "push_id": None,
        "tags": ["push_test", "fb_test"],
        "custom_fields": [
            {"custom_field_id": "1", "custom_field_name": "Number", "custom_value": "42"},
            {"custom_field_id": "2", "custom_field_name": "Location", "custom_value": "Paris, France"},
        ],
        "sequences": [],
    }
    for key, result in results.items():
        assert result == results["multipart", "brackets"], key


def test_urlencoded_body_is_really_urlencoded() -> None:
    # Guards the test above: the urlencoded variant must not send brackets or spaces raw.
    assert urlencode([("tags[]", "1"), ("field_value[]", "Paris, France")]) == (
        "tags%5B%5D=1&field_value%5B%5D=Paris%2C+France"
    )


# 3. A failed write changes nothing.


def test_failed_subscribers_add_writes_nothing(http: httpx.Client) -> None:
    email = "e2e-failed-write@example.com"
    failed = http.post(
        "/subscribers/add",
        headers=AUTH,
        data={
            "avatar_id": "123",
            "email": email,
            "full_name": "Ghost Writer",
            "tags[]": ["123", "999999"],
            "custom_field[]": ["111"],
            "field_value[]": ["ghost"],
        },
    )
    error = assert_error_body(failed, 404, "invalid_request_error", "tags")
    assert "999999" in error["message"]

    # The same email again, with a valid tag only: a new subscriber with the next free id (2, after
    # the fixture's John Doe), and none of the failed request's name, tags or values.
    created = http.post("/subscribers/add", headers=AUTH, data={"avatar_id": "123", "email": email, "tags[]": ["124"]})
    assert created.status_code == 200, created.text
    subscriber = created.json()
    assert_subscriber_shape(subscriber)
    assert subscriber == {
        "id": "2",
        "full_name": None,
        "email": email,
        "ip": None,
        "gender": None,
        "language": None,
        "place": None,
        "facebook_id": None,
        "push_id": None,
        "tags": ["tags2"],
        "custom_fields": [],
        "sequences": [],
    }


def test_failed_customfields_update_leaves_subscriber_unchanged(http: httpx.Client) -> None:
    def john_now() -> dict:
        # A no-op write: John Doe has tag 124 in the fixture, and no other test removes it.
        response = http.post("/tags/add", headers=AUTH, data={"avatar_id": "123", "subscriber_id": "1", "tag": "124"})
        assert response.status_code == 200, response.text
        assert "tags2" in response.json()["tags"]
        return response.json()

    before = john_now()
    for field in ("999999", "no such field"):
        failed = http.post(
            "/customfields/update",
            headers=AUTH,
            data={"avatar_id": "123", "subscriber_id": "1", "field": field, "value": "changed"},
        )
        error = assert_error_body(failed, 404, "invalid_request_error", "field")
        assert field in error["message"]
    assert john_now() == before


# 4. Authentication over TCP.


def test_missing_api_key_is_401_with_bearer_challenge(http: httpx.Client) -> None:
    response = http.get("/avatars/list")
    assert response.headers["www-authenticate"] == "Bearer"
    assert_error_body(response, 401, "authentication_error", None)


def test_unknown_api_key_is_401_with_bearer_challenge(http: httpx.Client) -> None:
    response = http.get("/avatars/list", headers={"Authorization": "Bearer se_not_a_key"})
    assert response.headers["www-authenticate"] == "Bearer"
    assert_error_body(response, 401, "authentication_error", None)


def test_lower_case_bearer_scheme_is_accepted(http: httpx.Client) -> None:
    response = http.get("/avatars/list", headers={"Authorization": f"bearer {DEFAULT_KEY}"})
    assert response.status_code == 200, response.text
    assert [avatar["avatar_id"] for avatar in response.json()] == ["3", "2", "1", "123"]


# 5. The banner.


def test_banner_names_url_key_and_fixture_file(server: Server) -> None:
    # The banner is printed and flushed before the server listens, so a healthy server has written it.
    stdout = server.stdout()
    lines = stdout.splitlines()
    assert server.url in lines[0], stdout
    assert f"  {DEFAULT_KEY}" in lines, stdout
    assert f"  {bundled_fixtures() / 'default.json'}" in lines, stdout
    assert f"{server.url}/avatars/list" in stdout


def test_health_answers_without_a_key(http: httpx.Client) -> None:
    response = http.get("/_fake/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
