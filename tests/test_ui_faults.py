"""The dashboard's fault form with the network kinds, and how the journal shows a lost answer,
driven in a real browser (see test_ui.py)."""

import re

import httpx
import pytest
from playwright.sync_api import expect
from test_ui import api, browser, journal_rows, page, server  # noqa: F401  (fixtures)


def test_a_lost_answer_added_on_the_page_shows_in_the_journal(page, api):  # noqa: F811  (the fixtures)
    page.get_by_label("Method").select_option("POST")
    page.get_by_label("Route").fill("/subscribers/add")
    page.get_by_label("Kind").select_option("reset")
    page.get_by_label("When").select_option("after")
    page.get_by_label("Rate").fill("1")
    page.get_by_label("Parameters").fill("email=lost@example.com")
    page.get_by_role("button", name="Add fault").click()
    expect(page.get_by_role("status")).to_have_text(
        re.compile(
            r"Fault (\d+) added: POST /subscribers/add: after the route: reset the connection "
            r"when sent email=lost@example\.com, 1 time"
        )
    )
    (fault,) = api.get("/_fake/faults").json()
    assert api.post("/subscribers/add", data={"avatar_id": "123", "email": "kept@example.com"}).status_code == 200
    with pytest.raises(httpx.ReadError):
        api.post("/subscribers/add", data={"avatar_id": "123", "email": "lost@example.com"})
    expect(journal_rows(page).locator(".status")).to_have_text(["no answer", "200"])
    expect(journal_rows(page).first.locator(".fault-mark")).to_have_text(f" fault {fault['id']}")
    journal_rows(page).first.click()
    expect(page.get_by_role("dialog")).to_contain_text(f"fault {fault['id']} (reset): the state changed")
