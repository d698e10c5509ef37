"""The dashboard of a server started with --admin-token: the page asks for the token, keeps it in
the tab's session storage and sends it on every call to the harness API."""

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect
from test_ui import TOKEN_STORAGE, avatar, browser, journal_rows, open_page, screenshot  # noqa: F401  (browser: a fixture)

from conftest import DEFAULT_KEY
from processes import Server, running_server

TOKEN = "dashboard-admin-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("ui-token-server"), "--admin-token", TOKEN) as server:
        yield server


@pytest.fixture
def page(browser, server) -> Iterator[Page]:  # noqa: F811
    yield from open_page(browser, server.url)


def test_the_page_needs_no_token_but_the_api_calls_do(server):
    page = httpx.get(f"{server.url}/_fake/ui")
    assert page.status_code == 200
    assert 'data-token-required="true"' in page.text
    assert TOKEN not in page.text
    assert httpx.get(f"{server.url}/_fake/ui/static/dashboard.js").status_code == 200
    assert httpx.get(f"{server.url}/_fake/state").status_code == 401


def test_the_page_asks_for_the_token_and_sends_it(page, server):
    prompt = page.get_by_role("region", name="Admin token needed")
    expect(prompt).to_be_visible()
    expect(page.locator("#dashboard")).to_be_hidden()
    expect(page.get_by_role("textbox", name="Admin token")).to_be_focused()
    screenshot(page, "9-token-prompt")

    page.get_by_role("textbox", name="Admin token").fill("not-the-token")
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("alert")).to_have_text("The server refused that admin token.")
    expect(page.locator("#dashboard")).to_be_hidden()
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_STORAGE}')") is None

    page.get_by_role("textbox", name="Admin token").fill(TOKEN)
    page.get_by_role("button", name="Unlock").click()
    expect(prompt).to_be_hidden()
    expect(avatar(page, "123").locator("summary")).to_contain_text("Avatar 123 · Example Brand")
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_STORAGE}')") == TOKEN

    # The live journal goes through the guarded API too.
    with httpx.Client(base_url=server.url, trust_env=False) as client:
        client.get("/avatars/list", headers={"Authorization": f"Bearer {DEFAULT_KEY}"}).raise_for_status()
    expect(journal_rows(page)).to_have_count(1)
    expect(journal_rows(page).first).to_contain_text("GET/avatars/list200")

    # The tab remembers the token across a reload, and forgets it when asked.
    page.reload()
    expect(avatar(page, "123")).to_be_visible()
    expect(prompt).to_be_hidden()
    page.get_by_role("button", name="Forget admin token").click()
    expect(prompt).to_be_visible()
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_STORAGE}')") is None
