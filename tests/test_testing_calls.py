"""Tenant.assert_called and Tenant.calls: assertions on the requests a tenant made, against a
real server over TCP."""

from collections.abc import Iterator

import pytest

from fake_smartengage.testing import FakeSmartEngage, ServerThread

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSmartEngage]:
    with ServerThread() as server, FakeSmartEngage(server.base_url) as fake:
        yield fake


def test_assert_called_compares_what_was_sent(tenant):
    tenant.client.post("/subscribers/add?avatar_id=123", data={"email": "jane@example.com", "tags[]": ["tags1", "124"]})
    tenant.client.post("/tags/add", json={"avatar_id": 123, "subscriber_id": 2, "tag": "tags2"})
    tenant.client.post("/tags/add", data={"avatar_id": "123", "subscriber_id": "2", "tag[0]": "x"})
    (added,) = tenant.assert_called("post", "/subscribers/add/", params={"avatar_id": 123, "tags": ["tags1", "124"]})
    assert added["form"]["email"] == "jane@example.com"
    assert tenant.assert_called("POST", "/subscribers/add", params={"tags[]": ("tags1", 124)}, times=1) == [added]
    assert tenant.assert_called("POST", "/tags/add", params={"subscriber_id": "2", "tag": "tags2"}, times=1)
    assert tenant.assert_called("POST", "/tags/add", params={"tag": ["x"]}, times=1)  # as tag[0]
    assert len(tenant.assert_called("POST", "/tags/add", times=2)) == 2
    assert tenant.assert_called("GET", "/avatars/list", times=0) == []
    assert [call["sent"].get("tag") for call in tenant.calls("POST", "/tags/add")] == ["tags2", None]
    assert [call["path"] for call in tenant.calls(params={"avatar_id": 123})] == [
        "/subscribers/add",
        "/tags/add",
        "/tags/add",
    ]


def test_assert_called_shows_the_closest_requests_when_none_matches(tenant, other):
    other.client.post("/tags/add", data={"avatar_id": "123", "subscriber_id": "1", "tag": "tags2"})
    with pytest.raises(AssertionError) as none_at_all:
        tenant.assert_called("POST", "/tags/add")
    assert str(none_at_all.value) == (
        "expected POST /tags/add to be made at least once; it was not made\n"
        "this tenant made no requests (that the journal still holds)"
    )
    tenant.client.get("/avatars/list")
    tenant.client.post("/tags/remove", data={"avatar_id": "123", "subscriber_id": "1", "tag": "tags2"})
    tenant.client.post("/tags/add", data={"avatar_id": "123", "subscriber_id": "1", "tag": "tag2"})
    tenant.client.get("/tags/list", params={"avatar_id": "123"})
    with pytest.raises(AssertionError) as typo:
        tenant.assert_called("POST", "/tags/add", params={"subscriber_id": 1, "tag": "tags2"})
    assert str(typo.value) == (
        'expected POST /tags/add with {"subscriber_id": "1", "tag": "tags2"} to be made at least once; '
        "it was not made\n"
        "the closest of the 4 requests this tenant made:\n"
        '  POST /tags/add -> 404, sent {"avatar_id": "123", "subscriber_id": "1", "tag": "tag2"}\n'
        '    differs: tag sent "tag2", not "tags2"\n'
        '  POST /tags/remove -> 404, sent {"avatar_id": "123", "subscriber_id": "1", "tag": "tags2"}\n'
        "    differs: path /tags/remove\n"
        '  GET /tags/list -> 200, sent {"avatar_id": "123"}\n'
        "    differs: method GET; path /tags/list; subscriber_id not sent; tag not sent"
    )


def test_assert_called_with_times_shows_the_matching_requests(tenant):
    for tag in ("tags1", "tags2"):
        tenant.client.post("/tags/add", data={"avatar_id": "123", "subscriber_id": "1", "tag": tag})
    with pytest.raises(AssertionError) as raised:
        tenant.assert_called("POST", "/tags/add", params={"avatar_id": "123"}, times=1)
    assert str(raised.value) == (
        'expected POST /tags/add with {"avatar_id": "123"} to be made once; it was made twice\n'
        "the matching requests, oldest first:\n"
        '  POST /tags/add -> 200, sent {"avatar_id": "123", "subscriber_id": "1", "tag": "tags1"}\n'
        '  POST /tags/add -> 200, sent {"avatar_id": "123", "subscriber_id": "1", "tag": "tags2"}'
    )
    with pytest.raises(AssertionError, match="to be made 0 times; it was made twice"):
        tenant.assert_called("POST", "/tags/add", times=0)


def test_a_failed_assert_called_points_at_the_users_line_not_the_plugins(pytester):
    pytester.makepyfile(
        test_user="""
        def test_expects_a_call(smartengage):
            smartengage.assert_called("POST", "/subscribers/add")
        """
    )
    result = pytester.runpytest_subprocess(timeout=120)
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines(
        [
            r'>\s+smartengage.assert_called\("POST", "/subscribers/add"\)',
            r"E\s+AssertionError: expected POST /subscribers/add to be made at least once; it was not made",
            r"E\s+this tenant made no requests .*",
            r"",
            r"test_user.py:2: AssertionError",
        ],
        consecutive=True,
    )
    assert "fake_smartengage" not in result.stdout.str().split("fake SmartEngage requests")[0]
