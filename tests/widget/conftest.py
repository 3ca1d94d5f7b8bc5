"""The demo page served by the running assistant, in a real browser."""
import pytest

from serving.settings import settings

EXIT_URL = "https://www.metservice.com/"


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
    page.goto(settings().site_url)
    return page
