"""A real browser (Debian's Chromium, driven by Playwright) on the demo page served by
the running assistant."""
import os
from pathlib import Path

import pytest

from tests.conftest import RESULTS
from tools import run

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
EXIT_URL = "https://www.metservice.com/"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (make browser installs it)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


def neutral_site(route):
    route.fulfill(status=200, content_type="text/html",
                  body="<!doctype html><title>Weather</title><h1>Weather</h1>")


@pytest.fixture
def context(browser, assistant):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.route(EXIT_URL + "**", neutral_site)  # nothing outside this machine is reachable
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(run.SITE_URL)
    return page


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = RESULTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
