"""What the console asks of the Rasa server, through Rasa's HTTP API: adding an
advisor's live chat message to the conversation, which the `live` channel's output
(addons/live_chat.py) hands to the person's widget.

The API needs RASA_API_TOKEN; `make run` and `make run-prod` give the console and the
Rasa processes the same one. The console calls the Rasa processes directly
(RASA_API_URLS), never through nginx, whose logs would then hold conversation ids.
"""
from __future__ import annotations

import asyncio
import time
from typing import List, Optional
from urllib.parse import quote

import aiohttp

from records.live_chat import ADVISOR_KEY
from serving.settings import settings

# A conversation's lock can be held a while by the message before; not for ever.
TIMEOUT = aiohttp.ClientTimeout(total=30)


class AssistantUnavailable(RuntimeError):
    """The message could not be added; the text says why, for the advisor."""


class AssistantApi:
    def __init__(self, base_urls: Optional[List[str]] = None,
                 token: Optional[str] = None) -> None:
        config = settings()
        self.base_urls = [url.rstrip("/") for url in base_urls or config.rasa_api_addresses]
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
        path = f"/conversations/{quote(sender_id, safe='')}/tracker/events"
        params = {"token": self.token, "output_channel": "live",
                  "execute_side_effects": "true", "include_events": "NONE"}
        refused: Optional[Exception] = None
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            for base_url in self.base_urls:  # a process that is down: the next one
                try:
                    async with session.post(base_url + path, params=params,
                                            json=[event]) as answer:
                        if answer.status != 200:
                            raise AssistantUnavailable(
                                f"The assistant's server refused the message (HTTP "
                                f"{answer.status}). It was not sent: try again.")
                        return
                except aiohttp.ClientConnectionError as error:
                    refused = error
                except asyncio.TimeoutError as error:
                    raise AssistantUnavailable(
                        "The assistant's server did not answer in time. The message may "
                        "not have been sent: check the conversation before sending it "
                        "again.") from error
        raise AssistantUnavailable(
            "The assistant's server could not be reached, so the message was not sent: "
            f"try again in a moment ({type(refused).__name__}).") from refused
