"""Serve the newest model in models/ to the Rasa servers, the way Rasa's "model server"
expects, so a new model is deployed by copying it into models/ (or `make train`):
every Rasa worker checks every few seconds and swaps to it without a restart or a
dropped request.

    python -m serving.model_server --port 5056

GET /model answers with the newest models/*.tar.gz and an ETag naming it, or
304 Not Modified when the caller's If-None-Match already names it.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


def newest_model(folder: Path = MODELS_DIR) -> Optional[Path]:
    # Copy a model in under another name, then rename it to *.tar.gz: a half-copied
    # file is never served.
    models = [p for p in folder.glob("*.tar.gz") if p.is_file()]
    return max(models, key=lambda p: p.stat().st_mtime, default=None)


def etag(model: Path) -> str:
    stat = model.stat()
    key = f"{model.name}:{stat.st_size}:{stat.st_mtime_ns}".encode()
    return hashlib.sha256(key).hexdigest()[:20]


class ModelHandler(BaseHTTPRequestHandler):
    folder = MODELS_DIR

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if self.path == "/health":
            self._reply(HTTPStatus.OK, b"ok")
            return
        if self.path.split("?")[0] != "/model":
            self._reply(HTTPStatus.NOT_FOUND, b"GET /model")
            return
        model = newest_model(self.folder)
        if model is None:
            self._reply(HTTPStatus.NOT_FOUND, b"no model in models/ yet: make train")
            return
        tag = etag(model)
        if self.headers.get("If-None-Match") == tag:
            self._reply(HTTPStatus.NOT_MODIFIED, b"")
            return
        with model.open("rb") as file:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/gzip")
            self.send_header("Content-Length", str(model.stat().st_size))
            self.send_header("ETag", tag)
            self.send_header("filename", model.name)
            self.end_headers()
            shutil.copyfileobj(file, self.wfile)

    def _reply(self, status: HTTPStatus, body: bytes) -> None:
        self.send_response(status)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:  # one line per pull would flood the log
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5056)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--folder", type=Path, default=MODELS_DIR)
    args = parser.parse_args()
    ModelHandler.folder = args.folder
    server = ThreadingHTTPServer((args.host, args.port), ModelHandler)
    print(f"Serving the newest model in {args.folder} on http://{args.host}:{args.port}/model",
          flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
