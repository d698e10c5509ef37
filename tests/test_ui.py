"""The dashboard at /_fake/ui, driven in a real browser.

Headless Chromium from Debian's packages (`make test` installs it), through Playwright for
Python pointed at that executable: Playwright's own browser downloads are never used. One
server and one browser serve the whole module; each test gets a fresh page and a server reset
through the harness API. A screenshot of each view lands in test-artifacts/ui/.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import DEFAULT_KEY
from processes import Server, running_server

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "ui"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1366, "height": 768}
TOKEN_STORAGE = "fake-smartengage.admin-token"
DEFAULT_AVATARS = [
    ("3", "BacklinksIndexer"),
    ("2", "The Bachelor Bracket"),
    ("1", "SmartEngage"),
    ("123", "Example Brand"),
]

# The page polls the journal every second; a slow CI machine gets some slack beyond that.
expect.set_options(timeout=10_000)


def launch_browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium package."
            " `make test` installs it (apt-get install -y chromium); it could not here.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Browser, url: str) -> Iterator[Page]:
    """A fresh tab on the dashboard; fails the test if the page's script throws."""
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{url}/_fake/ui")
    try:
        yield page
    finally:
        context.close()
    assert errors == [], f"the dashboard's script failed: {errors}"


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=full_page)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_browser()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("ui-server")) as server:
        yield server


@pytest.fixture
def api(server) -> Iterator[httpx.Client]:
    """The code under test's view: SmartEngage calls with the default key, and the harness API."""
    with httpx.Client(
        base_url=server.url, trust_env=False, headers={"Authorization": f"Bearer {DEFAULT_KEY}"}
    ) as client:
        for method, path in (("POST", "/_fake/reset"), ("DELETE", "/_fake/faults"), ("DELETE", "/_fake/requests")):
            client.request(method, path).raise_for_status()
        yield client


@pytest.fixture
def page(browser, server, api) -> Iterator[Page]:
    yield from open_page(browser, server.url)


def avatar(page: Page, avatar_id: str):
    return page.locator(f"details.avatar[data-avatar='{avatar_id}']")


def journal_rows(page: Page):
    return page.locator("#journal-rows tr")


def json_under(page: Page, heading: str):
    return json.loads(
        page.get_by_role("dialog")
        .locator("section.json", has=page.get_by_role("heading", name=heading))
        .locator("pre")
        .inner_text()
    )


# ---- without a browser ---------------------------------------------------------------------


def test_page_and_its_files_are_served_without_a_token(server, api):
    page = httpx.get(f"{server.url}/_fake/ui")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert 'data-token-required="false"' in page.text
    assert 'id="upstream-notice"' not in page.text  # only with --upstream
    for name, media_type in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")):
        assert f"/_fake/ui/static/{name}" in page.text
        served = httpx.get(f"{server.url}/_fake/ui/static/{name}")
        assert served.status_code == 200
        assert served.headers["content-type"].startswith(media_type)
        assert served.content == (ROOT / "fake_smartengage" / "harness" / "ui" / "static" / name).read_bytes()
    for missing in ("nope.js", "..%2Fadmin%2Fui.py", ".hidden.js", "dashboard.html"):
        assert httpx.get(f"{server.url}/_fake/ui/static/{missing}").status_code == 404
    # Not part of the documented API, and never recorded as a SmartEngage request.
    assert not [path for path in api.get("/openapi.json").json()["paths"] if path.startswith("/_fake/ui")]
    assert api.get("/_fake/requests").json() == []


# ---- in the browser ------------------------------------------------------------------------


def test_state_journal_and_details_follow_what_the_api_is_sent(page, api):
    for avatar_id, brand in DEFAULT_AVATARS:
        expect(avatar(page, avatar_id).locator("summary")).to_contain_text(f"Avatar {avatar_id} · {brand}")
    expect(page.locator("#tenants h3")).to_have_text("Tenant se_k73… 4 avatars")
    expect(avatar(page, "123").locator("summary")).to_contain_text("1 subscriber")
    expect(page.locator("#journal-empty")).to_be_visible()
    screenshot(page, "1-state")

    added = api.post(
        "/subscribers/add",
        data={
            "avatar_id": "123",
            "first_name": "Jane",
            "last_name": "Roe",
            "email": "jane@example.com",
            "tags[]": ["tags1", "124"],
            "custom_field[]": "111",
            "field_value[]": "CA",
        },
    )
    assert added.status_code == 200
    sequenced = api.post("/sequences/add", data={"avatar_id": "123", "subscriber_id": "2", "sequence": "2"})
    assert sequenced.status_code == 200

    # The journal shows both, newest first, without a reload.
    expect(journal_rows(page)).to_have_count(2)
    expect(journal_rows(page).nth(0)).to_contain_text("POST/sequences/add200")
    expect(journal_rows(page).nth(1)).to_contain_text("POST/subscribers/add200")
    expect(journal_rows(page).nth(1).locator("td").last).to_have_text("se_k73…")
    # And the state view holds the new subscriber.
    expect(avatar(page, "123").locator("summary")).to_contain_text("2 subscribers")
    avatar(page, "123").locator("summary").click()
    expect(avatar(page, "123").locator("table.subscribers tbody tr").first).to_contain_text("2Jane Roejane@example.com")
    expect(avatar(page, "123").locator(".catalogue").first).to_contain_text("124tags2")
    assert DEFAULT_KEY not in page.content(), "the full API key reached the page"
    screenshot(page, "2-state-after-writes")

    # The subscriber's detail, exactly as the API answers it.
    page.get_by_role("button", name="Open subscriber 2, Jane Roe").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", level=2)).to_have_text("Subscriber 2 · Jane Roe")
    expect(dialog.locator("ul.tags li")).to_have_text(["tags1", "tags2"])
    expect(dialog.locator("table").nth(0).locator("tbody tr")).to_have_text(["111locationCA"])
    expect(dialog.locator("table").nth(1).locator("tbody tr")).to_have_text(["2Seq 2Active"])
    assert json_under(page, "As the API returns it") == sequenced.json()
    screenshot(page, "3-subscriber-detail", full_page=False)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # A request's detail: the parameters as parsed (arrays resolved) and the answer.
    journal_rows(page).nth(1).get_by_role("button").click()
    expect(dialog.get_by_role("heading", level=2)).to_have_text("Request 1 · POST /subscribers/add → 200")
    (entry,) = api.get("/_fake/requests", params={"path": "/subscribers/add"}).json()
    expect(dialog.locator("dt:text-is('content type') + dd")).to_have_text(entry["content_type"])
    assert json_under(page, "Parameters, as sent") == entry["sent"]
    assert entry["sent"]["tags[]"] == ["tags1", "124"] and entry["sent"]["avatar_id"] == "123"
    assert json_under(page, "Parameters, as the route parsed them") == entry["form"]
    assert entry["form"]["tags"] == ["tags1", "124"] and entry["form"]["field_value"] == ["CA"]
    assert json_under(page, "Response body") == added.json()
    screenshot(page, "4-request-detail", full_page=False)
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_search_subscribers_by_email(page, api):
    api.post(
        "/subscribers/add", data={"avatar_id": "1", "email": "Ann@Example.org", "full_name": "Ann"}
    ).raise_for_status()
    expect(avatar(page, "1").locator("summary")).to_contain_text("1 subscriber")
    page.get_by_label("Search subscribers by email").fill("EXAMPLE")
    results = page.locator(".search-results")
    expect(results.get_by_role("heading")).to_have_text("2 subscribers with “example” in the email")
    expect(results.locator("tbody tr")).to_have_text(
        [
            "Ann@Example.orgAnnsubscriber 1 of avatar 1, tenant se_k73…Open",
            "admin@example.comJohn Doesubscriber 1 of avatar 123, tenant se_k73…Open",
        ]
    )
    page.get_by_label("Search subscribers by email").fill(".org")
    expect(results.locator("tbody tr")).to_have_count(1)
    screenshot(page, "5-search")
    results.get_by_role("button", name="Open subscriber 1, Ann").click()
    expect(page.get_by_role("dialog")).to_contain_text("Avatar 1 (SmartEngage) of tenant se_k73…")
    assert json_under(page, "As the API returns it")["email"] == "Ann@Example.org"


def test_a_fault_added_on_the_page_fails_the_next_call(page, api):
    page.get_by_label("Method").select_option("POST")
    page.get_by_label("Route").fill("/subscribers/add")
    page.get_by_label("Status").fill("503")
    page.get_by_label("Times").fill("1")
    page.get_by_role("button", name="Add fault").click()
    expect(page.get_by_role("status")).to_have_text("Fault 1 added: POST /subscribers/add: answer 503, 1 time")
    expect(page.locator("#faults tbody tr")).to_have_text(["1POST/subscribers/addanswer 50310Remove"])
    assert [(fault["path"], fault["status"]) for fault in api.get("/_fake/faults").json()] == [
        ("/subscribers/add", 503)
    ]

    data = {"avatar_id": "123", "email": "late@example.com"}
    assert api.post("/subscribers/add", data=data).status_code == 503
    assert api.post("/subscribers/add", data=data).status_code == 200
    expect(journal_rows(page).locator(".status")).to_have_text(["200", "503"])
    expect(page.locator("#faults tbody tr")).to_have_text(["1POST/subscribers/addanswer 50301Remove"])
    screenshot(page, "6-fault-fired")
    journal_rows(page).nth(1).click()  # the whole row opens the request, not only its path
    expect(page.get_by_role("dialog")).to_contain_text("Injected fault 1: status 503")
    page.keyboard.press("Escape")

    # A delay alone, until removed; then clear them all.
    page.get_by_label("Status").fill("")
    page.get_by_label("Delay (ms)").fill("250")
    page.get_by_label("Times").fill("")
    page.get_by_role("button", name="Add fault").click()
    expect(page.get_by_role("status")).to_have_text("Fault 2 added: POST /subscribers/add: wait 250 ms until removed")
    assert api.get("/_fake/faults").json()[1] | {"remaining": None} == {
        "id": 2,
        "method": "POST",
        "path": "/subscribers/add",
        "api_key": None,
        "params": None,
        "kind": "status",
        "when": "before",
        "status": None,
        "body": None,
        "retry_after": None,
        "delay_ms": 250,
        "times": None,
        "rate": 1.0,
        "seed": 0,
        "remaining": None,
        "fired": 0,
    }
    # The API's own validation speaks through the page.
    page.get_by_label("Delay (ms)").fill("")
    page.get_by_role("button", name="Add fault").click()
    expect(page.get_by_role("status")).to_have_text("A fault needs a status, a delay, or both")
    expect(page.get_by_role("status")).to_have_class("message error")
    page.get_by_role("button", name="Clear faults").click()
    expect(page.locator("#faults")).to_have_text("No faults.")
    assert api.get("/_fake/faults").json() == []


def test_reset_clear_journal_and_fixture_upload_from_the_page(page, api, tmp_path):
    api.post("/subscribers/add", data={"avatar_id": "123", "email": "jane@example.com"}).raise_for_status()
    expect(avatar(page, "123").locator("summary")).to_contain_text("2 subscribers")
    expect(journal_rows(page)).to_have_count(1)

    page.get_by_role("button", name="Reset server").click()
    expect(page.get_by_role("status")).to_have_text("Server reset to its start state")
    expect(avatar(page, "123").locator("summary")).to_contain_text("1 subscriber")
    assert api.get("/_fake/subscribers", params={"email": "jane@example.com"}).json() == []

    page.get_by_role("button", name="Clear journal").click()
    expect(page.get_by_role("status")).to_have_text("Journal cleared")
    expect(journal_rows(page)).to_have_count(0)
    expect(page.locator("#journal-empty")).to_be_visible()
    assert api.get("/_fake/requests").json() == []

    shop = {
        "accounts": [
            {
                "api_key": "test_key_shop",
                "avatars": [
                    {
                        "avatar_id": 7,
                        "brand_name": "Acme <Shop>",
                        "tags": [{"tag_id": 10, "tag_name": "lead"}],
                        "subscribers": [
                            {"id": 5, "full_name": "Ada Lovelace", "email": "ada@example.com", "tags": [10]}
                        ],
                    }
                ],
            }
        ]
    }
    fixture = tmp_path / "shop.json"
    fixture.write_text(json.dumps(shop))
    page.get_by_label("Fixture document (JSON); it replaces the whole state").set_input_files(fixture)
    page.get_by_role("button", name="Load fixture").click()
    expect(page.get_by_role("status")).to_have_text("Loaded shop.json")
    expect(page.locator("details.avatar summary")).to_have_count(1)
    expect(avatar(page, "7").locator("summary")).to_contain_text("Avatar 7 · Acme <Shop>")  # text, not markup
    expect(page.locator("#tenants h3")).to_have_text("Tenant test… 1 avatar")
    assert [account["api_key"] for account in api.get("/_fake/state").json()["accounts"]] == ["test_key_shop"]
    screenshot(page, "7-fixture-loaded")

    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"accounts": [{"api_key": "k", "avatars": [{"avatar_id": 0}]}]}))
    page.get_by_label("Fixture document (JSON); it replaces the whole state").set_input_files(broken)
    page.get_by_role("button", name="Load fixture").click()
    expect(page.get_by_role("status")).to_contain_text("Invalid fixture document")
    expect(avatar(page, "7")).to_be_visible()

    page.get_by_role("button", name="Reset server").click()
    for avatar_id, brand in DEFAULT_AVATARS:
        expect(avatar(page, avatar_id).locator("summary")).to_contain_text(f"Avatar {avatar_id} · {brand}")
    expect(avatar(page, "7")).to_have_count(0)
    screenshot(page, "8-after-reset")


def test_controls_are_labelled_and_keyboard_focus_is_visible(page):
    expect(avatar(page, "123")).to_be_visible()
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
             .filter((field) => field.labels.length === 0 && !field.getAttribute('aria-label'))
             .map((field) => field.id || field.outerHTML)"""
    )
    assert unlabelled == []
    nameless = page.evaluate(
        "() => [...document.querySelectorAll('button')]"
        ".filter((b) => !(b.getAttribute('aria-label') || b.textContent.trim())).length"
    )
    assert nameless == 0
    assert page.locator("main, header, h1, section[aria-labelledby], table caption").count() >= 6

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the request journal")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Reset server")).to_be_focused()
    outline = page.evaluate(
        "() => getComputedStyle(document.activeElement).outlineStyle + ' '"
        " + getComputedStyle(document.activeElement).outlineWidth"
    )
    assert outline == "solid 3px"
    # An avatar opens from the keyboard.
    avatar(page, "1").locator("summary").focus()
    page.keyboard.press("Enter")
    expect(avatar(page, "1").locator(".catalogue").first).to_contain_text("1push_test")


def test_long_values_are_cut_and_keep_the_state_on_the_page(page, api):
    long = "x" * 900_000  # one word: nothing to wrap at
    avatar_seed = {"avatar_id": 9, "brand_name": long, "tags": [{"tag_id": 1, "tag_name": long}]}
    avatar_seed["subscribers"] = [{"id": 1, "full_name": long, "email": "long@example.com"}]
    api.put("/_fake/state", json={"accounts": [{"api_key": "long_key", "avatars": [avatar_seed]}]}).raise_for_status()
    page.get_by_role("button", name="Refresh state").click()
    avatar(page, "9").locator("summary").click()
    row = avatar(page, "9").locator("table.subscribers tbody tr")
    expect(row.locator("td").nth(1)).to_have_text(f"{'x' * 200}…")
    expect(avatar(page, "9").locator(".catalogue td").nth(1)).to_have_text(f"{'x' * 200}…")
    state = page.locator("#state")
    assert state.evaluate("(panel) => panel.scrollWidth <= panel.clientWidth"), "the state spills out of its panel"
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "9-long-values")
