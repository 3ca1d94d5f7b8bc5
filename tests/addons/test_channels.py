"""The channels' checks on what arrives from the internet (addons/channels.py)."""
import uuid

import pytest
from rasa.shared.core.domain import Domain

from addons import channels
from addons.channels import Rejected
from tests.conftest import ROOT, assert_offers_line_and_advisor


@pytest.fixture(scope="module")
def own_payloads():
    domain = Domain.load([str(ROOT / "domain.yml"), str(ROOT / "data" / "responses")])
    return channels.button_payloads(domain)


def test_the_allow_list_holds_exactly_our_buttons_and_the_widgets_commands(own_payloads):
    assert own_payloads == {"/request_advisor", "/request_callback", "/delete_conversation",
                            "/crisis", "/safe_now", "/greet", "/request_live_chat",
                            "/end_live_chat"}


@pytest.mark.parametrize("text, read_as", [
    ('/request_callback{"contact_detail": "021 555 0123"}',
     'request_callback{"contact_detail": "021 555 0123"}'),
    ("/greet", "/greet"),  # the widget opens the chat with it
    ('/greet{"first_name": "Mallory"}', 'greet{"first_name": "Mallory"}'),
    ("/goodbye", "goodbye"),
    ("  //faq/cost", "faq/cost"),
    ('/ /request_callback{"contact_detail": "021 555 0123"}',
     'request_callback{"contact_detail": "021 555 0123"}'),
    ('/\t/greet{"first_name": "Mallory"}', 'greet{"first_name": "Mallory"}'),
    ("/\u200b/greet", "greet"),
    (" / / / /stop", "stop"),
    ("/ /request_advisor", "request_advisor"),  # not exactly our button's payload
    ('/deletion_form{"delete_confirmed": true}', 'deletion_form{"delete_confirmed": true}'),
    ("/request_advisor ", "/request_advisor "),  # our own button, as the widget sends it
    ("/delete_conversation", "/delete_conversation"),
    ("/crisis", "/crisis"),  # "Yes, I'm in danger now": a person may type it too
    ('/crisis{"crisis_kind": "unclear"}', 'crisis{"crisis_kind": "unclear"}'),
    ("is it free / is there a cost", "is it free / is there a cost"),
])
def test_only_our_own_buttons_may_send_commands(own_payloads, text, read_as):
    assert channels.without_commands(text, own_payloads) == read_as


@pytest.mark.parametrize("sender", [str(uuid.uuid4()), uuid.uuid4().hex,
                                    f"test-{uuid.uuid4()}", "a" * 128])
def test_random_sender_ids_are_accepted(sender):
    assert channels.valid_sender(sender) == sender


@pytest.mark.parametrize("sender", [None, "", "alice", "default", "1234", 123456789012345678901,
                                    ["x" * 30], "a" * 129, "../../etc/passwd-aaaaaaaaaa",
                                    "x' OR '1'='1' -- aaaaaaaaaa", "<script>aaaaaaaaaaaaaaaa"])
def test_guessable_or_odd_sender_ids_are_refused(sender):
    with pytest.raises(Rejected, match="random id"):
        channels.valid_sender(sender)


def test_messages_are_checked_and_cleaned():
    assert channels.valid_text("kia ora\x00\x07\u202e\n") == "kia ora\u202e\n"
    assert channels.valid_text("a\ud800b") == "ab"
    assert channels.valid_text("") == ""
    for bad, status in [(None, 400), (42, 400), (["hi"], 400), ({"t": 1}, 400),
                        ("x" * 1001, 413)]:
        with pytest.raises(Rejected) as refused:
            channels.valid_text(bad)
        assert refused.value.status == status


def test_the_reply_when_the_assistant_fails_puts_111_first_and_offers_the_line():
    message = {"text": channels.UNAVAILABLE_TEXT, "buttons": channels.UNAVAILABLE_BUTTONS}
    assert channels.UNAVAILABLE_TEXT.startswith("If you are in danger right now, call 111")
    assert_offers_line_and_advisor("(assistant failed)", [message])
