"""The demo page served by the running assistant, in a real browser."""
from urllib.parse import urlparse

import pytest

from serving.settings import settings
from tests.conftest import ROOT, new_page

EXIT_URL = "https://www.metservice.com/"
WIDGET = ROOT / "widget"
# The demo site's files and headers (devtools/demo_site.py), for pages without the assistant.
SITE_FILES = {"/": "index.html", "/index.html": "index.html",
              "/chat-widget.js": "chat-widget.js", "/chat-widget.css": "chat-widget.css"}
SITE_TYPES = {"html": "text/html", "js": "text/javascript", "css": "text/css"}


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
    page = new_page(context)
    page.goto(settings().site_url)
    return page


def serve_the_widget(route):
    """The demo site as devtools/demo_site.py serves it, straight from widget/."""
    name = SITE_FILES.get(urlparse(route.request.url).path)
    if name is None:
        route.fulfill(status=404, body="not found")
        return
    body = (WIDGET / name).read_text()
    if name == "index.html":
        body = body.replace('data-server="http://localhost:5005"',
                            f'data-server="{settings().assistant_url}"')
    route.fulfill(status=200, content_type=SITE_TYPES[name.rsplit(".", 1)[1]], body=body,
                  headers={
                      "Content-Security-Policy":
                          "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                          f"connect-src 'self' {settings().assistant_url}; img-src 'self'; "
                          "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
                      "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})


def new_offline_context(browser, **options):
    """A browser context whose demo page needs no running server: the page and the widget
    come from widget/, and the assistant answers only what each test routes (page.route
    takes precedence); anything else sent to it fails as if it were down."""
    context = browser.new_context(**options)
    context.route(settings().site_url + "**", serve_the_widget)
    context.route(settings().assistant_url + "/**", lambda route: route.abort())
    context.route(EXIT_URL + "**", neutral_site)
    return context


@pytest.fixture
def offline_context(browser):
    context = new_offline_context(browser, viewport={"width": 1280, "height": 800})
    yield context
    context.close()


@pytest.fixture
def offline_page(offline_context):
    page = new_page(offline_context)
    return page
