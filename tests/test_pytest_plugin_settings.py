"""The pytest plugin's `smartengage_settings`: the options of its own server, proven by real
pytest runs of fresh test files. (That a server at --smartengage-url ignores them, with a
warning, is shown in test_pytest_plugin.py, which starts such a server.)"""

import json

import httpcore  # noqa: F401  imported before any inline run (see test_pytest_plugin.py)
import pytest

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def no_settings_from_the_environment(monkeypatch):
    for name in ("FAKE_SMARTENGAGE_URL", "FAKE_SMARTENGAGE_ADMIN_TOKEN", "FAKE_SMARTENGAGE_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)


def test_smartengage_settings_configure_the_plugins_server(pytester):
    shop = {"accounts": [{"api_key": "shop_key", "avatars": [{"avatar_id": 7, "brand_name": "Shop"}]}]}
    (pytester.path / "shop.json").write_text(json.dumps(shop))
    pytester.makeconftest(
        """
        from pathlib import Path

        import pytest


        @pytest.fixture(scope="session")
        def smartengage_settings():
            return {
                "duplicates": "conflict",
                "rate_limit": "4/m",
                "journal_size": 2,
                "fixtures": [Path(__file__).parent / "shop.json"],
            }
        """
    )
    pytester.makepyfile(
        """
        import httpx
        import pytest


        def test_the_options_hold(smartengage, smartengage_server):
            avatars = smartengage.client.get("/avatars/list")
            assert [a["brand_name"] for a in avatars.json()] == ["Shop"]  # tenants copy the first account
            data = {"avatar_id": 7, "email": "same@example.com"}
            assert smartengage.client.post("/subscribers/add", data=data).status_code == 200
            assert smartengage.client.post("/subscribers/add", data=data).status_code == 409
            assert smartengage.client.get("/avatars/list").status_code == 200
            assert smartengage.client.get("/avatars/list").status_code == 429
            assert len(smartengage_server.requests()) == 2
            assert [a["api_key"] for a in smartengage_server.state()["accounts"]][0] == "shop_key"


        @pytest.mark.anyio
        async def test_the_app_fixture_has_them_too(smartengage_app):
            transport = httpx.ASGITransport(app=smartengage_app)
            headers = {"Authorization": "Bearer shop_key"}
            async with httpx.AsyncClient(transport=transport, base_url="http://fake", headers=headers) as client:
                data = {"avatar_id": 7, "email": "same@example.com"}
                assert (await client.post("/subscribers/add", data=data)).status_code == 200
                assert (await client.post("/subscribers/add", data=data)).status_code == 409
        """
    )
    pytester.runpytest_inprocess("-p", "anyio", "-W", "error").assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ('{"rate_limt": "5/s"}', "smartengage_settings: unknown option 'rate_limt' (did you mean 'rate_limit'?)"),
        (
            '{"duplicates": "never"}',
            "smartengage_settings: duplicates: invalid value 'never': choose from update, conflict, create",
        ),
        (
            '{"journal_size": 0}',
            "smartengage_settings: journal_size: invalid value '0': write a whole number of at least 1",
        ),
        (
            '{"port": 8000}',
            "smartengage_settings: 'port' is not an option of the plugin's server: "
            "it listens on 127.0.0.1 and a free port, over http",
        ),
        ('["duplicates"]', "smartengage_settings must return a dict, not ['duplicates']"),
        (
            '{"fixtures": "missing.json"}',
            "could not start the fake SmartEngage server: missing.json: no such file or folder",
        ),
    ],
)
def test_bad_smartengage_settings_fail_clearly(pytester, settings, message):
    pytester.makeconftest(
        f"""
        import pytest


        @pytest.fixture(scope="session")
        def smartengage_settings():
            return {settings}
        """
    )
    pytester.makepyfile(
        """
        def test_one(smartengage):
            pass


        def test_two(smartengage_server):
            pass
        """
    )
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(errors=2)
    assert result.stdout.lines.count(message) == 2
    assert "Traceback" not in result.stdout.str() and "pytest_plugin.py" not in result.stdout.str()
