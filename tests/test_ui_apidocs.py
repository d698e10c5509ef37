"""/docs (Swagger UI) and /redoc (ReDoc) render the API in a browser that can reach only the server.

Every request the page makes to anywhere but the test server is refused and recorded, as on a CI
runner or a laptop without internet; the pages must still show the operations, load nothing from
another origin, and run without a script error or a Content-Security-Policy violation. Headless
Chromium from Debian's packages, as in test_ui.py.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page, Route, expect
from test_ui import LAPTOP, browser, screenshot  # noqa: F401  (browser: a fixture)

from processes import Server, running_server


@dataclass
class OfflinePage:
    page: Page
    elsewhere: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    policy_violations: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("apidocs-server")) as server:
        yield server


@pytest.fixture
def offline(browser, server) -> Iterator[OfflinePage]:  # noqa: F811  (browser: the imported fixture)
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    offline = OfflinePage(page)

    def only_the_server(route: Route) -> None:
        if route.request.url.startswith(f"{server.url}/"):
            route.continue_()
        else:
            offline.elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_the_server)
    page.on("pageerror", lambda error: offline.script_errors.append(str(error)))
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and offline.policy_violations.append(message.text),
    )
    try:
        yield offline
    finally:
        context.close()


# ReDoc's sidebar link to Redocly shows a logo from Redocly's CDN, whatever its options say. The
# pages' policy refuses it (so nothing is fetched, online or not) and ReDoc hides the image.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def assert_self_contained(offline: OfflinePage, *, refused: tuple[str, ...] = ()) -> None:
    assert offline.elsewhere == [], f"the page asked for other origins: {offline.elsewhere}"
    assert offline.script_errors == []
    unexpected = [text for text in offline.policy_violations if not any(f"'{url}'" in text for url in refused)]
    assert unexpected == []


def test_swagger_ui_shows_the_operations_offline(offline: OfflinePage, server: Server) -> None:
    page = offline.page
    page.goto(f"{server.url}/docs")
    operation = page.locator(".opblock-summary").filter(has_text="/avatars/list").first
    expect(operation).to_be_visible()
    expect(page.locator(".opblock-summary").filter(has_text="/subscribers/add")).to_contain_text("Create a subscriber")
    # Opening an operation draws its parameters and responses from /openapi.json.
    page.locator(".opblock-summary").filter(has_text="/subscribers/add").click()
    expect(page.locator(".opblock-body").first).to_contain_text("avatar_id")
    # "Try it out" calls this server from the page: the policy lets it. With no key given, a 401.
    avatars = page.locator(".opblock").filter(has=page.locator(".opblock-summary", has_text="/avatars/list")).first
    avatars.locator(".opblock-summary").click()
    avatars.get_by_role("button", name="Try it out").click()
    avatars.get_by_role("button", name="Execute").click()
    expect(avatars.locator(".live-responses-table tbody .response-col_status")).to_have_text("401")
    screenshot(page, "apidocs-swagger-ui")
    assert_self_contained(offline)


def test_redoc_shows_the_operations_offline(offline: OfflinePage, server: Server) -> None:
    page = offline.page
    page.goto(f"{server.url}/redoc")
    expect(page.get_by_role("heading", name="Create a subscriber")).to_be_visible()
    expect(page.get_by_text("/subscribers/add").first).to_be_attached()
    # The search box runs in ReDoc's worker, which the page's policy must allow.
    page.get_by_placeholder("Search...").fill("sequence")
    expect(page.locator("[role=search] li, [data-role='search:result']").first).to_be_attached()
    expect(page.get_by_role("img", name="redocly logo")).to_have_count(0)
    screenshot(page, "apidocs-redoc")
    assert_self_contained(offline, refused=(REDOCLY_LOGO,))
