"""The Socket.IO channel (what a website widget uses) answers like the REST channel."""
import queue
import uuid

import pytest
import socketio

from tools import run

pytestmark = pytest.mark.slow


def test_a_socketio_client_gets_an_answer_with_the_line(assistant):
    replies = queue.Queue()
    client = socketio.Client()
    client.on("bot_uttered", replies.put)
    client.connect(f"http://localhost:{run.RASA_PORT}", socketio_path="/socket.io",
                   transports=["polling"])
    try:
        session = str(uuid.uuid4())
        client.emit("session_request", {"session_id": session})
        client.emit("user_uttered", {"message": "is it free?", "session_id": session})
        reply = replies.get(timeout=30)
    finally:
        client.disconnect()
    assert "no charge" in reply["text"]
    assert "0800 650 654" in reply["text"]
    assert {"title": "Talk to a victim advisor", "payload": "/request_advisor"} in [
        {"title": b["title"], "payload": b["payload"]} for b in reply.get("quick_replies", [])
    ] + [{"title": b["title"], "payload": b["payload"]} for b in reply.get("buttons", [])]
