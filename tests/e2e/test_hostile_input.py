"""Hostile input from the internet, against the real servers over loopback.

The fuzz tests send over a thousand malformed or hostile requests to the REST and
Socket.IO channels (seeded, so a failure can be replayed). Nothing may produce a 5xx
or stop a server; malformed requests get a 4xx that says what is wrong; every
well-formed message gets a reply with the line and an advisor; and afterwards each
conversation still answers.
"""
import json
import queue
import random
import socket
import time
import uuid

import pytest
import requests
import socketio

from serving.settings import settings
from tests.conftest import METRICS, assert_offers_line_and_advisor

pytestmark = pytest.mark.slow

HOSTILE_TEXTS = [
    "", " ", "\n\n\t", "\x00", "kia ora\x00\x01\x02\x1b[31m", "\u202eevil\u202c",
    "مرحبا، هل المؤتمر مجاني؟",
    "שלום", "🙂" * 300, "🏳️‍🌈👨‍👩‍👧‍👦", "Z̸̢̛̛a̷l̶g̸o̵", "\ufeff\u200b\u200d", "\ud800",
    "'; DROP TABLE events; --", "1' OR '1'='1", "\" OR 1=1 --", "%' AND 1=1 --",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
    "{{7*7}}", "${jndi:ldap://x/a}", "%s%s%n%x", "{0.__class__}", "../../../../etc/passwd",
    "/request_advisor", "/request_callback", "/delete_conversation", "/stop",
    '/request_callback{"contact_detail": "021 555 0123", "contact_method": "phone"}',
    '/deletion_form{"delete_confirmed": true}', '/greet{"first_name": "Mallory"}',
    "/crisis", "/faq/cost", "/nlu_fallback", "/action_delete_conversation", "/restart",
    "/session_start", "//", "/", '/request_advisor{"requested_slot": "contact_detail"}',
    "x" * 1000, "is it free? " * 80, "a\nb\rc\td", "kia ora " + "\u0301" * 500,
]


def rest_cases(rng: random.Random):
    """(description, body bytes, content type, expected status class)."""
    def body(value):
        return json.dumps(value).encode()

    def sender():
        return f"fuzz-{uuid.uuid4()}"

    malformed = [
        b"", b"{", b"}", b"null", b"[]", b"true", b"42", b'"kia ora"', b"\xff\xfe\xfd",
        b"{\"sender\": ", b"[" * 5000 + b"]" * 5000, b"sender=abc&message=hi",
        body({}), body({"message": "hi"}), body({"sender": sender()}),
        body({"sender": None, "message": "hi"}), body({"sender": 12345678901234567890123,
                                                       "message": "hi"}),
        body({"sender": "alice", "message": "hi"}), body({"sender": "", "message": "hi"}),
        body({"sender": ["x" * 30], "message": "hi"}), body({"sender": sender(), "message": 42}),
        body({"sender": sender(), "message": None}), body({"sender": sender(), "message": ["hi"]}),
        body({"sender": sender(), "message": {"text": "hi"}}),
        body({"sender": sender(), "message": True}),
        body({"sender": sender(), "message": "x" * 100_000}),
        body({"sender": sender(), "message": "hi", "metadata": {"k": "v" * 100_000}}),
        body({"sender": sender() + "'; DROP TABLE events; --", "message": "hi"}),
        body({"sender": "<script>alert(1)</script>aaaaaaa", "message": "hi"}),
    ]
    valid = body({"sender": sender(), "message": "is it free?"})
    odd = [None, 0, -1, 1e308, True, [], {}, ["hi"], {"text": "hi"}, "", "x" * 5000, "🙂"]
    for _ in range(400):  # random ones: cut-off JSON, random bytes, odd types
        kind = rng.randrange(3)
        if kind == 0:
            malformed.append(valid[:rng.randrange(1, len(valid))])
        elif kind == 1:
            malformed.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))))
        else:
            malformed.append(body({"sender": rng.choice(odd), "message": rng.choice(odd + ["hi"])}))
    cases = [("malformed", raw, rng.choice(["application/json", "text/plain"]), 4)
             for raw in malformed]
    for text in HOSTILE_TEXTS:
        for _ in range(8):
            extra = rng.choice([{}, {"metadata": {"a": 1}}, {"input_channel": "callback"},
                                {"metadata": "x" * 2000}, {"extra": [1, 2, 3]}])
            cases.append(("hostile text", body({"sender": sender(), "message": text, **extra}),
                          "application/json", 2))
    rng.shuffle(cases)
    return cases


def test_a_thousand_hostile_rest_requests_get_no_5xx_and_clear_4xx(assistant):
    rng = random.Random(7)
    cases = rest_cases(rng)
    assert len(cases) >= 750  # and the Socket.IO test sends about 300 more
    statuses = {}
    answered = []
    for description, raw, content_type, expected in cases:
        response = requests.post(settings().rest_url, data=raw, timeout=60,
                                 headers={"Content-Type": content_type})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code // 100 == expected, (description, raw[:200],
                                                         response.status_code, response.text)
        if expected == 4:
            assert response.json()["error"], raw[:200]
        else:
            assert_offers_line_and_advisor(raw[:80], response.json())
            answered.append(json.loads(raw)["sender"])
    for method in ("GET", "PUT", "DELETE"):
        assert requests.request(method, settings().rest_url, timeout=30).status_code == 405
    # no conversation is left stuck: each still answers, and "stop" leaves any form
    for sender in rng.sample(answered, 30):
        assistant.say("stop", sender)
        assistant.say("is it free?", sender)
    assert assistant.stack.running(), "a process stopped: honcho stopped them all"
    METRICS["fuzz REST requests (status: count)"] = str(dict(sorted(statuses.items())))


def test_commands_typed_by_a_person_cannot_set_intents_or_slots(assistant):
    typed = ['/request_callback{"contact_detail": "021 555 0123", '
             '"contact_method": "phone", "first_name": "Mallory"}',
             '/greet{"first_name": "Mallory"}', '/ /request_callback{"first_name": "Mallory"}',
             '/\t/greet{"first_name": "Mallory"}']
    for text, read_as in zip(typed, ["request_callback{", "greet{", "request_callback{",
                                     "greet{"], strict=True):
        sender = assistant.new_sender()  # each on its own: one could start a form
        assistant.say(text, sender)
        event = assistant.stored_events(sender, "type_name = 'user'")[0]
        assert event["text"].startswith(read_as)  # read as words
        assert event["parse_data"]["entities"] == []
        assert event["parse_data"]["intent"]["confidence"] < 1.0  # not a command
        slots = assistant.stored_events(sender, "type_name = 'slot'")
        assert not [s for s in slots if s["name"] in ("contact_detail", "first_name")
                    and s["value"] not in (None, "")]
    # our own buttons still work
    reply = assistant.say("/request_advisor", assistant.new_sender())
    assert any(b["payload"] == "/request_callback" for m in reply for b in m.get("buttons", []))


SOCKET_EVENTS = [
    None, "kia ora", 42, ["kia ora"], {"message": "hi"}, {"session_id": "abc", "message": "hi"},
    {"session_id": None, "message": "hi"}, {"message": 42}, {"message": None},
    {"message": "x" * 1001}, {"message": "hi", "metadata": "{not json"},
    {"message": "hi", "metadata": {"k": "v" * 5_000}}, {"message": "hi", "session_id": 42},
]
# Sent a few times only: the polling transport batches events into one HTTP request,
# and the server rightly refuses a request over 1 MB.
HUGE_SOCKET_EVENTS = [{"message": "x" * 100_000}, {"message": "hi", "metadata": "v" * 100_000}]


def well_formed(data) -> bool:
    return (isinstance(data, dict) and isinstance(data.get("message"), str)
            and len(data["message"]) <= 1000 and isinstance(data.get("session_id"), str)
            and len(data["session_id"]) >= 20)


def test_hostile_socketio_events_are_refused_and_real_ones_answered(assistant):
    rng = random.Random(11)
    answers, refusals, confirms = queue.Queue(), queue.Queue(), queue.Queue()
    client = socketio.Client()
    client.on("bot_uttered", answers.put)
    client.on("message_rejected", refusals.put)
    client.on("session_confirm", confirms.put)
    client.connect(f"http://localhost:{settings().rasa_port}", socketio_path="/socket.io",
                   transports=["websocket"])
    try:
        # a guessable or odd session id is replaced by a fresh random one
        for requested in ["alice", "", None, 42, {"$ne": 1}, "x" * 500]:
            client.emit("session_request", {"session_id": requested})
            granted = confirms.get(timeout=30)
            assert granted != requested and len(granted) == 32
        client.emit("session_request", "not an object")
        assert len(confirms.get(timeout=30)) == 32
        session = str(uuid.uuid4())
        client.emit("session_request", {"session_id": session})
        assert confirms.get(timeout=30) == session

        sent_bad = sent_good = 0
        events = [data for _ in range(20) for data in SOCKET_EVENTS]
        events += [{"message": text} for text in rng.sample(HOSTILE_TEXTS, 30)]
        events += HUGE_SOCKET_EVENTS * 2
        for data in events:
            if isinstance(data, dict) and "session_id" not in data and rng.random() < .8:
                data = {**data, "session_id": session}
            client.emit("user_uttered", data)
            if data in HUGE_SOCKET_EVENTS:
                time.sleep(0.5)
            if well_formed(data):
                sent_good += 1
            else:
                sent_bad += 1
        for _ in range(sent_bad):
            assert refusals.get(timeout=30)["error"]
        # every well-formed message gets an answer, each ending in buttons with the line
        answered = 0
        try:
            while True:
                buttons = answers.get(timeout=10).get("quick_replies")
                if buttons:
                    assert "tel:0800650654" in [b["payload"] for b in buttons]
                    answered += 1
        except queue.Empty:
            pass
        assert answered >= sent_good
        assert refusals.empty()
    finally:
        client.disconnect()
    assert assistant.stack.running(), "a process stopped: honcho stopped them all"
    METRICS["fuzz Socket.IO events"] = f"{sent_bad + sent_good} ({sent_bad} malformed)"


def test_without_the_token_rasa_http_api_refuses_everything(assistant):
    """The API is on (the console's live chat uses it), with a token made for this start:
    without it nothing can be read or changed."""
    sender = assistant.new_sender()
    assistant.say("kia ora", sender)
    base = f"http://localhost:{settings().rasa_port}"
    wrong = {"token": "not-the-token"}
    assert requests.get(f"{base}/conversations/{sender}/tracker", timeout=30).status_code == 401
    assert requests.get(f"{base}/conversations/{sender}/tracker", params=wrong,
                        timeout=30).status_code == 401
    assert requests.post(f"{base}/conversations/{sender}/tracker/events", timeout=30,
                         json={"event": "slot", "name": "first_name"}).status_code == 401
    assert requests.post(f"{base}/model/parse", json={"text": "hi"}, timeout=30).status_code == 401
    assert assistant.stored_events(sender, "type_name = 'slot' AND data LIKE '%first_name%'") \
        == []


def test_an_oversized_body_is_refused_before_it_is_read(assistant):
    """A 100 MB Content-Length gets 413 at once: the server does not wait for the body."""
    with socket.create_connection(("127.0.0.1", settings().rasa_port), timeout=10) as connection:
        connection.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: localhost\r\n"
                           b"Content-Type: application/json\r\n"
                           b"Content-Length: 100000000\r\n\r\n{\"sender\": ")
        status_line = connection.recv(200).split(b"\r\n")[0]
    assert b" 413 " in status_line
