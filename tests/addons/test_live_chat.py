"""What the `live` channel reads from typed words (addons/live_chat.py); the chat itself
is tested end to end in tests/e2e/test_live_chat.py."""
import pytest

from addons.live_chat import END_WORDS


@pytest.mark.parametrize("typed", [
    "end chat", "End the chat", "leave the queue", "please end the chat now", "close chat",
    "cancel the live chat", "get me out of the queue", "i want to end this chat",
    "ok end the chat now", "quit the live chat", "END CHAT!", "stop the chat thanks"])
def test_typed_end_chat_is_the_button(typed):
    assert END_WORDS.fullmatch(typed)


@pytest.mark.parametrize("typed", [
    "what's the purpose of this chat", "does this chat get sent to the police", "end",
    "the chat ended?", "how do i end the chat", "stop", "i want to end my life",
    "end it all", "chat"])
def test_other_messages_about_the_chat_are_read_as_they_are(typed):
    assert not END_WORDS.fullmatch(typed)
