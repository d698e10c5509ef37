"""The pytest plugin, proven by real pytest runs of fresh test files with no conftest.py.

The plugin is registered through the `pytest11` entry point of the installed package, so the
runs below load it exactly as a user's runs do.
"""

import json
import re
from pathlib import Path

import httpcore  # noqa: F401  imported before any inline run (see below)
import pytest

from fake_smartengage.testing import FakeSmartEngage
from processes import free_port, running_server

pytest_plugins = ["pytester"]

# An inline run (runpytest_inprocess) takes modules it imported out of sys.modules again. Had it
# been the first to import httpcore, httpx would afterwards no longer recognise httpcore's
# exceptions (it caches their classes): hence the import of httpcore above.

SUBPROCESS_TIMEOUT = 120

# Each test adds the same email to avatar 123 of its tenant: it is subscriber 2 only if no other
# test's subscriber is in the same tenant, so these fail if tenants leak between tests.
COLLIDING_TESTS = """
import os
from pathlib import Path

import pytest


@pytest.mark.parametrize("n", range(6))
def test_same_email(smartengage, n):
    smartengage.fail("GET", "/avatars/list", times=None)  # removed with the tenant, never fired
    added = smartengage.client.post("/subscribers/add", data={"avatar_id": 123, "email": "same@example.com"})
    assert added.status_code == 200, added.text
    assert added.json()["id"] == "2"
    assert len(smartengage.subscribers(email="same@example.com")) == 1
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(Path(__file__).parent / f"url-{worker}.txt", "a") as log:
        log.write(smartengage.base_url + "\\n")
"""


@pytest.fixture(autouse=True)
def no_settings_from_the_environment(monkeypatch):
    for name in ("FAKE_SMARTENGAGE_URL", "FAKE_SMARTENGAGE_ADMIN_TOKEN", "FAKE_SMARTENGAGE_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)


def urls_by_worker(folder: Path) -> dict[str, set[str]]:
    return {path.stem.removeprefix("url-"): set(path.read_text().split()) for path in folder.glob("url-*.txt")}


def test_fixtures_marker_in_process_app_and_failure_report(pytester):
    (pytester.path / "seeds").mkdir()
    (pytester.path / "seeds" / "shop.json").write_text(
        json.dumps({"accounts": [{"api_key": "replaced", "avatars": [{"avatar_id": 7, "brand_name": "Shop"}]}]})
    )
    pytester.makepyfile(
        test_fresh="""
        import subprocess
        import sys

        import httpx
        import pytest

        DICT = {"avatars": [{"avatar_id": 8, "brand_name": "Dict"}]}


        def test_importing_the_plugin_started_nothing():
            assert "fake_smartengage.app" not in sys.modules
            assert "fake_smartengage.server" not in sys.modules


        def test_a_fresh_tenant_of_the_default_fixture(smartengage, smartengage_server):
            assert smartengage.base_url == smartengage_server.base_url
            assert smartengage.base_url.startswith("http://127.0.0.1:")
            avatars = smartengage.client.get("/avatars/list").json()
            assert [a["avatar_id"] for a in avatars] == ["3", "2", "1", "123"]
            added = smartengage.client.post("/subscribers/add", data={"avatar_id": 123, "email": "a@example.com"})
            assert added.json()["id"] == "2"
            smartengage.fail("GET", "/avatars/list", times=None)


        def test_another_fresh_tenant(smartengage):
            added = smartengage.client.post("/subscribers/add", data={"avatar_id": 123, "email": "a@example.com"})
            assert added.json()["id"] == "2"
            assert smartengage.client.get("/avatars/list").status_code == 200  # the last test's fault is gone


        @pytest.mark.smartengage(fixtures="seeds/shop.json")
        def test_marker_with_a_file(smartengage):
            assert [a["avatar_id"] for a in smartengage.client.get("/avatars/list").json()] == ["7"]


        @pytest.mark.smartengage(fixtures=DICT)
        def test_marker_with_a_dict(smartengage):
            assert [a["avatar_id"] for a in smartengage.client.get("/avatars/list").json()] == ["8"]


        @pytest.mark.smartengage(DICT)
        class TestMarkedClass:
            def test_marker_on_a_class(self, smartengage):
                assert smartengage.state()["accounts"][0]["avatars"][0]["brand_name"] == "Dict"


        def test_a_subprocess_reaches_the_server(smartengage):
            code = (
                "import sys, urllib.request;"
                "request = urllib.request.Request("
                "sys.argv[1] + '/avatars/list', headers={'Authorization': sys.argv[2]});"
                "print(urllib.request.urlopen(request).status)"
            )
            done = subprocess.run(
                [sys.executable, "-c", code, smartengage.base_url, smartengage.headers["Authorization"]],
                capture_output=True, text=True, timeout=30, env={"PATH": ""},
            )
            assert done.stdout.strip() == "200", done.stderr


        @pytest.mark.anyio
        async def test_in_process_app(smartengage_app):
            transport = httpx.ASGITransport(app=smartengage_app)
            headers = {"Authorization": "Bearer se_k73DUceVnvRCusWxDN2qQQ1a"}
            async with httpx.AsyncClient(transport=transport, base_url="http://fake", headers=headers) as client:
                added = await client.post("/subscribers/add", data={"avatar_id": 123, "email": "a@example.com"})
                assert added.json()["id"] == "2"


        @pytest.mark.anyio
        @pytest.mark.smartengage(fixtures=DICT)
        async def test_in_process_app_with_the_marker(smartengage_app):
            transport = httpx.ASGITransport(app=smartengage_app)
            headers = {"Authorization": "Bearer se_k73DUceVnvRCusWxDN2qQQ1a"}
            async with httpx.AsyncClient(transport=transport, base_url="http://fake", headers=headers) as client:
                assert [a["avatar_id"] for a in (await client.get("/avatars/list")).json()] == ["8"]


        def test_that_fails_with_its_requests_shown(smartengage):
            smartengage.fail("POST", "/tags/add", status=503)
            smartengage.client.post("/subscribers/add", data={"avatar_id": 123, "email": "shown@example.com"})
            answer = smartengage.client.post("/tags/add", data={"avatar_id": 123, "subscriber_id": 2, "tag": "tags2"})
            assert answer.status_code == 200


        def test_that_fails_without_the_fake():
            assert False, "no fake here"


        def test_every_tenant_and_fault_is_gone(smartengage_server):
            assert [account["api_key"] for account in smartengage_server.state()["accounts"]] == [
                "se_k73DUceVnvRCusWxDN2qQQ1a"
            ]
            assert smartengage_server.faults() == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "anyio", timeout=SUBPROCESS_TIMEOUT)
    result.assert_outcomes(passed=10, failed=2)
    output = result.stdout.str()
    assert output.count("fake SmartEngage requests") == 1  # only the test that used the fake
    result.stdout.re_match_lines(
        [r"_+ test_that_fails_with_its_requests_shown _+", r"test_fresh.py:\d+: AssertionError"]
    )
    result.stdout.re_match_lines(
        [
            r"test_fresh.py:\d+: AssertionError",
            r"-+ fake SmartEngage requests -+",
            r"requests this test sent \(tenant se_.{3}… on http://127\.0\.0\.1:\d+\), oldest first:",
            r"POST /subscribers/add -> 200  \(.* ms\)",
            r'    sent: \{"avatar_id":"123","email":"shown@example\.com"\}',
            r'    response: \{"id":"2",.*"email":"shown@example\.com".*\}',
            r"POST /tags/add -> 503  \(.* ms\)",
            r'    sent: \{"avatar_id":"123","subscriber_id":"2","tag":"tags2"\}',
            r"    fault \d+ \(status\) hit it: the state did not change",
            r'    response: \{"error":\{"type":"api_error","message":"Injected fault \d+: status 503","param":null\}\}',
        ],
        consecutive=True,
    )


def test_marker_faults_and_the_report_of_a_lost_answer(pytester):
    pytester.makepyfile(
        test_faults="""
        import httpx
        import pytest

        LOST = {"method": "POST", "path": "/subscribers/add", "kind": "reset", "when": "after"}


        @pytest.mark.smartengage(faults=[LOST])
        def test_lost_answer_shown(smartengage):
            with pytest.raises(httpx.ReadError):
                smartengage.client.post("/subscribers/add", data={"avatar_id": 123, "email": "lost@example.com"})
            assert smartengage.subscribers(email="lost@example.com") == []


        @pytest.mark.anyio
        @pytest.mark.smartengage(faults=[{"method": "GET", "path": "/avatars/list", "status": 502}])
        async def test_in_process_fault(smartengage_app):
            transport = httpx.ASGITransport(app=smartengage_app)
            headers = {"Authorization": "Bearer se_k73DUceVnvRCusWxDN2qQQ1a"}
            async with httpx.AsyncClient(transport=transport, base_url="http://fake", headers=headers) as client:
                assert (await client.get("/avatars/list")).status_code == 502


        @pytest.mark.smartengage(faults=[{"method": "POST", "path": "/subscriber/add"}])
        def test_fault_for_no_route(smartengage):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "anyio", timeout=SUBPROCESS_TIMEOUT)
    result.assert_outcomes(passed=1, failed=1, errors=1)
    result.stdout.re_match_lines(
        [
            r"requests this test sent \(tenant se_.{3}… on http://127\.0\.0\.1:\d+\), oldest first:",
            r"POST /subscribers/add -> no answer  \(.* ms\)",
            r'    sent: \{"avatar_id":"123","email":"lost@example\.com"\}',
            r"    fault \d+ \(reset\) hit it: the state changed",
        ],
        consecutive=True,
    )
    result.stdout.re_match_lines([r".*@pytest.mark.smartengage\(faults=...\): .*did you mean /subscribers/add\?"])


def test_bad_marker_arguments_fail_clearly(pytester):
    (pytester.path / "typo.json").write_text(json.dumps({"avatars": [{"avatar_id": 1, "brand": "Shop"}]}))
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.smartengage(fixtures="missing.json")
        def test_missing_file(smartengage):
            pass

        @pytest.mark.smartengage(fixtures=42)
        def test_not_a_document(smartengage):
            pass

        @pytest.mark.smartengage(fixtures={"avatars": [{"avatar_id": 0}]})
        def test_invalid_document(smartengage):
            pass

        @pytest.mark.smartengage(fixtures={"avatars": [{"avatar_id": 1, "subscribers": [{"id": 1, "email": "x"}]}]})
        def test_invalid_document_without_a_socket(smartengage_app):
            pass

        @pytest.mark.smartengage(fixtures="typo.json")
        def test_invalid_file(smartengage):
            pass
        """
    )
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(errors=5)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.smartengage: cannot read */missing.json: *No such file*",
            "*@pytest.mark.smartengage(fixtures=...) takes a dict or a path, not 42",
        ]
    )
    lines = result.stdout.lines
    assert "@pytest.mark.smartengage(fixtures={...}): avatars[0].avatar_id: must be at least 1, not 0" in lines
    assert (
        "@pytest.mark.smartengage(fixtures={...}): avatars[0].subscribers[0].email: invalid email address 'x'" in lines
    )
    assert (
        f"@pytest.mark.smartengage: {pytester.path / 'typo.json'}: avatars[0].brand: unknown field "
        "(did you mean 'brand_name'?)" in lines
    )
    # One line each, in the user's terms: no traceback through the plugin or the client.
    output = result.stdout.str()
    for leaked in ("During handling", "pytest_plugin.py", "client.py", "FakeSmartEngageError", "Input should"):
        assert leaked not in output


def test_under_xdist_each_worker_runs_its_own_server(pytester):
    pytester.makepyfile(test_colliding=COLLIDING_TESTS)
    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2", timeout=SUBPROCESS_TIMEOUT)
    result.assert_outcomes(passed=6)
    urls = urls_by_worker(pytester.path)
    assert set(urls) == {"gw0", "gw1"}
    assert all(len(worker_urls) == 1 for worker_urls in urls.values())
    assert urls["gw0"] != urls["gw1"]


def test_an_external_server_by_option_or_environment(pytester, tmp_path, monkeypatch):
    pytester.makepyfile(test_colliding=COLLIDING_TESTS)
    logs = tmp_path / "logs"
    logs.mkdir()
    with running_server(logs, "--admin-token", "t0ken") as server:
        # Two workers share the one server: tenants keep their tests apart.
        result = pytester.runpytest_subprocess(
            "-p",
            "xdist",
            "-n",
            "2",
            f"--smartengage-url={server.url}",
            "--smartengage-admin-token=t0ken",
            timeout=SUBPROCESS_TIMEOUT,
        )
        result.assert_outcomes(passed=6)
        assert set().union(*urls_by_worker(pytester.path).values()) == {server.url}

        monkeypatch.setenv("FAKE_SMARTENGAGE_URL", server.url)
        monkeypatch.setenv("FAKE_SMARTENGAGE_ADMIN_TOKEN", "t0ken")
        monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # this suite may itself run under xdist
        # The server's own options hold: settings for the plugin's server are ignored, with a warning.
        pytester.makeconftest(
            """
            import pytest


            @pytest.fixture(scope="session")
            def smartengage_settings():
                return {"journal_size": 1}
            """
        )
        result = pytester.runpytest_inprocess("-k", "test_same_email and 0")
        result.assert_outcomes(passed=1, warnings=1)
        result.stdout.fnmatch_lines(
            [
                f"*SmartEngageSettingsIgnored: smartengage_settings are not applied to the fake SmartEngage server "
                f"at {server.url}: it runs with the options it was started with"
            ]
        )
        assert urls_by_worker(pytester.path)["main"] == {server.url}

        # What the tests left behind on the shared server: nothing but their journal entries.
        with FakeSmartEngage(server.url, "t0ken") as fake:
            assert [account["api_key"] for account in fake.state()["accounts"]] == ["se_k73DUceVnvRCusWxDN2qQQ1a"]
            assert fake.faults() == []
            assert len(fake.requests(path="/subscribers/add")) == 7

        monkeypatch.setenv("FAKE_SMARTENGAGE_ADMIN_TOKEN", "wrong")
        result = pytester.runpytest_inprocess("-k", "test_same_email and 0")
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(
            ["*wants an admin token: pass --smartengage-admin-token or set FAKE_SMARTENGAGE_ADMIN_TOKEN*"]
        )


def test_an_external_server_that_does_not_answer(pytester):
    pytester.makepyfile(test_colliding=COLLIDING_TESTS)
    url = f"http://127.0.0.1:{free_port()}"
    result = pytester.runpytest_inprocess(f"--smartengage-url={url}", "--smartengage-timeout=0.2")
    result.assert_outcomes(errors=6)
    result.stdout.fnmatch_lines([f"*the fake SmartEngage server at {url} was not healthy within 0.2s*"])
    assert len(re.findall("was not healthy", result.stdout.str())) >= 6


def test_the_marker_sets_a_tests_behaviour_profile(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.smartengage(profile={"list_without_avatar": "empty", "error_body": "string"})
        def test_a_tenant_with_its_own_switches(smartengage):
            assert smartengage.client.get("/tags/list/").json() == []
            unknown = smartengage.client.get("/tags/list/", params={"avatar_id": 9})
            assert unknown.json() == {"error": "No such avatar: '9'"}

        def test_the_next_tenant_has_the_defaults(smartengage):
            assert smartengage.client.get("/tags/list/").status_code == 400

        @pytest.mark.anyio
        @pytest.mark.smartengage(profile={"add_status": "201"})
        async def test_an_app_with_the_switches(smartengage_app):
            import httpx

            transport = httpx.ASGITransport(app=smartengage_app)
            headers = {"Authorization": "Bearer se_k73DUceVnvRCusWxDN2qQQ1a"}
            async with httpx.AsyncClient(transport=transport, base_url="http://fake", headers=headers) as client:
                added = await client.post("/subscribers/add", data={"avatar_id": 123, "email": "a@example.com"})
                assert added.status_code == 201

        @pytest.mark.smartengage(profile={"check_ordr": "key-first"})
        def test_a_misspelt_switch(smartengage):
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "anyio")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.smartengage(profile=...): no switch 'check_ordr' (did you mean check_order?)*"]
    )
