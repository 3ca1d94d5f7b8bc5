"""The demo page with the chat widget, for development (the Procfile's `site`).

    python -m devtools.demo_site

Only the widget's own files, with the headers a victims' site should send (the same as
nginx sends in production, serving/templates/nginx.conf.j2): a Content-Security-Policy
that allows scripts from this site only and connections to the assistant, no referrer,
no caching, and no access log.
"""
from __future__ import annotations

from pathlib import Path

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, html

from serving.settings import settings

WIDGET = Path(__file__).resolve().parent.parent / "widget"
FILES = {"/chat-widget.js": "chat-widget.js", "/chat-widget.css": "chat-widget.css"}
PAGE_SERVER = 'data-server="http://localhost:5005"'  # the demo page's widget; nginx alike


def create_app() -> Sanic:
    app = Sanic("demo_site")
    app.config.MOTD = False
    for number, (path, name) in enumerate(FILES.items()):
        app.static(path, str(WIDGET / name), name=f"file{number}")

    @app.get("/")
    @app.get("/index.html", name="index_html")
    async def demo_page(_request: Request) -> HTTPResponse:
        page = (WIDGET / "index.html").read_text()
        return html(page.replace(PAGE_SERVER, f'data-server="{settings().assistant_url}"'))

    @app.on_response
    async def security_headers(_request: Request, response: HTTPResponse) -> None:
        response.headers.update({
            "Content-Security-Policy":
                "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                f"connect-src 'self' {settings().assistant_url}; img-src 'self'; "
                "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        })

    return app


if __name__ == "__main__":
    create_app().run("127.0.0.1", settings().site_port, access_log=False, workers=1)
