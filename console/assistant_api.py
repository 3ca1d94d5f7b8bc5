"""What the console asks of the Rasa server, through Rasa's HTTP API: adding an
advisor's live chat message to the conversation, which the `live` channel's output
(addons/live_chat.py) hands to the person's widget.

The API needs RASA_API_TOKEN; `make run` and `make run-prod` give the console and the
Rasa processes the same one.
"""
from __future__ import annotations

import asyncio
import time
from typing import Optional
from urllib.parse import quote

import aiohttp

from records.live_chat import ADVISOR_KEY
from serving.settings import settings

TIMEOUT = aiohttp.ClientTimeout(total=10)


class AssistantUnavailable(RuntimeError):
    """The message could not be added; the text says why, for the advisor."""


class AssistantApi:
    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None) -> None:
        config = settings()
        self.base_url = (base_url or config.rasa_api_url).rstrip("/")
        secret = config.rasa_api_token
        self.token = token or (secret.get_secret_value() if secret else None)

    async def say(self, sender_id: str, text: str, advisor_name: str) -> None:
        """Add what the advisor wrote to the conversation, and send it to the person."""
        if not self.token:
            raise AssistantUnavailable(
                "The message was not sent: live chat needs Rasa's HTTP API. Give the console "
                "and the Rasa server the same RASA_API_TOKEN (make run and make run-prod do).")
        event = {"event": "bot", "text": text, "timestamp": time.time(),
                 "metadata": {ADVISOR_KEY: advisor_name}}
        url = f"{self.base_url}/conversations/{quote(sender_id, safe='')}/tracker/events"
        params = {"token": self.token, "output_channel": "live",
                  "execute_side_effects": "true", "include_events": "NONE"}
        try:
            async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
                async with session.post(url, params=params, json=[event]) as answer:
                    if answer.status != 200:
                        raise AssistantUnavailable(
                            f"The assistant's server refused the message (HTTP "
                            f"{answer.status}). It was not sent: try again.")
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise AssistantUnavailable(
                "The assistant's server did not answer, so the message was not sent: try "
                f"again in a moment ({type(error).__name__}).") from error
