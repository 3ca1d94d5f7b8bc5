"""The Socket.IO channel (what a website widget uses) answers like the REST channel."""
import queue
import uuid

import pytest
import socketio

from serving.settings import settings

pytestmark = pytest.mark.slow


def test_a_socketio_client_gets_an_answer_with_the_line_and_buttons(assistant):
    parts = queue.Queue()
    client = socketio.Client()
    client.on("bot_uttered", parts.put)
    client.connect(f"http://localhost:{settings().rasa_port}", socketio_path="/socket.io",
                   transports=["polling"])
    try:
        session = str(uuid.uuid4())
        client.emit("session_request", {"session_id": session})
        client.emit("user_uttered", {"message": "is it free?", "session_id": session})
        # Rasa sends each paragraph as its own event, with the buttons on the last one.
        reply = [parts.get(timeout=30)]
        while not reply[-1].get("quick_replies"):
            reply.append(parts.get(timeout=30))
    finally:
        client.disconnect()
    text = "\n\n".join(part["text"] for part in reply)
    assert "no charge" in text and "0800 650 654" in text
    buttons = {b["title"]: b["payload"] for b in reply[-1]["quick_replies"]}
    assert buttons == {"Call 0800 650 654": "tel:0800650654",
                       "Talk to a victim advisor": "/request_advisor"}


def connects(origin, transport):
    client = socketio.Client(reconnection=False)
    try:
        client.connect(f"http://localhost:{settings().rasa_port}", socketio_path="/socket.io",
                       transports=[transport], headers={"Origin": origin}, wait_timeout=10)
        return client.connected
    except socketio.exceptions.ConnectionError:
        return False
    finally:
        client.disconnect()


@pytest.mark.parametrize("origin, allowed", [
    ("http://localhost:8080", True), ("https://evil.example", False),
    ("http://localhost:9999", False)])
def test_a_page_from_another_site_cannot_connect(assistant, origin, allowed):
    """A page on any other site could otherwise chat as its visitors, from their browser."""
    assert connects(origin, "polling") is allowed
    if not allowed:
        # (the websocket client adds an Origin of its own, so only a refusal is clear-cut)
        assert connects(origin, "websocket") is False
