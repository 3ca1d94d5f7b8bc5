"""The Socket.IO channel (what a website widget uses) answers like the REST channel."""
import queue
import uuid

import pytest
import socketio

from tools import run

pytestmark = pytest.mark.slow


def test_a_socketio_client_gets_an_answer_with_the_line_and_buttons(assistant):
    parts = queue.Queue()
    client = socketio.Client()
    client.on("bot_uttered", parts.put)
    client.connect(f"http://localhost:{run.RASA_PORT}", socketio_path="/socket.io",
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
