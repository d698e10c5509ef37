"""A server started with --upstream: its dashboard and banner say the state shown is local, and the
dashboard marks the answers that diverge from the fake's."""

import httpx
from playwright.sync_api import expect
from test_ui import browser, journal_rows, open_page, screenshot  # noqa: F401  (browser: a fixture)

from conftest import DEFAULT_KEY
from fake_smartengage.testing import ServerThread
from planted import Planted, each_item, numeric_id
from processes import running_server


def test_entries_with_divergences_are_marked_and_listed(browser, tmp_path):  # noqa: F811
    planted = Planted("tags/list", each_item(numeric_id("tag_id")))
    with (
        ServerThread(planted) as upstream,
        running_server(tmp_path, "--upstream", upstream.base_url) as proxy,
        httpx.Client(base_url=proxy.url, headers={"Authorization": f"Bearer {DEFAULT_KEY}"}, trust_env=False) as api,
    ):
        api.get("/avatars/list").raise_for_status()
        api.get("/tags/list/", params={"avatar_id": 1}).raise_for_status()
        for page in open_page(browser, proxy.url):
            expect(page.get_by_role("note")).to_have_text(
                f"Every SmartEngage request is forwarded to {upstream.base_url} and gets its answer. The state shown "
                "here is this server's local state, which no request reads or changes; the journal shows the "
                "upstream's answers."
            )
            expect(journal_rows(page)).to_have_count(2)
            expect(journal_rows(page).nth(0).locator(".divergence")).to_have_text("diverges")
            expect(journal_rows(page).nth(1).locator(".divergence")).to_have_count(0)
            journal_rows(page).nth(0).click()
            dialog = page.get_by_role("dialog")
            expect(dialog.locator(".divergences li")).to_have_text(["body[0].tag_id is a number (1), not a string"])
            screenshot(page, "upstream-divergence", full_page=False)
            page.keyboard.press("Escape")
            journal_rows(page).nth(1).click()
            expect(dialog).to_contain_text("Conforms: the fake would answer in the same shape.")
    banner = proxy.stdout().splitlines()
    assert banner[1:3] == [
        f"forwarded to {upstream.base_url}: every request goes there with its own key, and gets its answer",
        "the local state below is not served: /_fake/state and the dashboard show it, no request reads it",
    ]
    assert "fixtures loaded:" in banner and not [line for line in banner if "API keys" in line or "try:" in line]
