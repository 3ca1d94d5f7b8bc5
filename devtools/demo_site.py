"""Serve the demo page with the chat widget (what `make run` starts on port 8080).

    python -m devtools.demo_site [--port 8080]

Only the widget's own files are served, with headers a victims' site should send: a
Content-Security-Policy that allows scripts from this site only and connections to the
assistant, no referrer, and no caching.
"""
from __future__ import annotations

import argparse
import os
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WIDGET = Path(__file__).resolve().parent.parent / "widget"
FILES = {"/": "index.html", "/index.html": "index.html",
         "/chat-widget.js": "chat-widget.js", "/chat-widget.css": "chat-widget.css"}
PORT = 8080


def assistant_url() -> str:
    return os.environ.get("ASSISTANT_URL", "http://localhost:5005")


class SiteHandler(SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(WIDGET), **kwargs)

    def do_GET(self) -> None:
        name = FILES.get(self.path.split("?", 1)[0])
        if name is None:
            self.send_error(404, "Not found")
            return
        self.path = "/" + name
        super().do_GET()

    def do_HEAD(self) -> None:
        self.do_GET()

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy",
                         "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                         f"connect-src 'self' {assistant_url()}; img-src 'self'; "
                         "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        pass  # no access log: which pages someone opened is nobody's business


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=PORT)
    args = parser.parse_args()
    ThreadingHTTPServer(("127.0.0.1", args.port), SiteHandler).serve_forever()


if __name__ == "__main__":
    main()
