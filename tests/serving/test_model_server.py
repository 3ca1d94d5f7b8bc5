"""The model server hands the Rasa workers the newest model, and only when it is new."""
import os
import threading
import time
from http.server import ThreadingHTTPServer

import pytest
import requests

from serving import model_server


@pytest.fixture
def served(tmp_path):
    class Handler(model_server.ModelHandler):
        folder = tmp_path

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{server.server_port}/model"
    server.shutdown()


def test_no_model_yet_is_a_clear_404(served):
    _, url = served
    response = requests.get(url, timeout=10)
    assert response.status_code == 404 and b"make train" in response.content


def test_the_newest_model_is_sent_once_then_not_modified(served):
    folder, url = served
    (folder / "old.tar.gz").write_bytes(b"old model")
    os.utime(folder / "old.tar.gz", (time.time() - 60, time.time() - 60))
    (folder / "new.tar.gz").write_bytes(b"new model")
    (folder / "half-copied.part").write_bytes(b"incomplete")
    first = requests.get(url, timeout=10)
    assert first.content == b"new model" and first.headers["filename"] == "new.tar.gz"
    again = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    assert again.status_code == 304 and again.content == b""

    (folder / "newer.tar.gz").write_bytes(b"newer model")
    os.utime(folder / "newer.tar.gz", (time.time() + 5, time.time() + 5))
    changed = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    assert changed.content == b"newer model" and changed.headers["ETag"] != first.headers["ETag"]
