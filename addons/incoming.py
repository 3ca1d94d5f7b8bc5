"""Checks on what arrives from the internet, shared by the website's channels
(addons/channels.py, addons/live_chat.py): a clear 4xx saying what is wrong."""
from __future__ import annotations

import re
from typing import Any, Dict

from sanic import response
from sanic.request import Request

MAX_MESSAGE_CHARS = 1000  # the widget's input box allows no more
MAX_BODY_BYTES = 16 * 1024
# Long and random enough that nobody can guess another person's conversation: the
# widget sends a UUID.
SENDER_ID = re.compile(r"[A-Za-z0-9_-]{20,128}")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class Rejected(ValueError):
    """A request the channel refuses; the message tells the sender what to fix."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def is_sender(value: Any) -> bool:
    return isinstance(value, str) and bool(SENDER_ID.fullmatch(value))


def valid_sender(sender: Any, field: str = "sender") -> str:
    if not is_sender(sender):
        raise Rejected(f'"{field}" must be a random id of 20 to 128 letters, digits, "-" '
                       'or "_" (for example a UUID), so nobody else can guess it.')
    return sender


def valid_text(text: Any) -> str:
    if text is None:
        raise Rejected('"message" is missing: send the person\'s words as a string.')
    if not isinstance(text, str):
        raise Rejected('"message" must be a string.')
    if len(text) > MAX_MESSAGE_CHARS:
        raise Rejected(f'"message" is longer than {MAX_MESSAGE_CHARS:,} characters.', 413)
    return CONTROL.sub("", text)


def json_object(request: Request, example: str) -> Dict[str, Any]:
    """The request's body, which must be a JSON object like `example`."""
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise Rejected(f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.", 413)
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own error for invalid JSON
        body = None
    if not isinstance(body, dict):
        raise Rejected(f"The body must be a JSON object: {example}.")
    return body


def refused(rejected: Rejected) -> response.HTTPResponse:
    return response.json({"error": str(rejected)}, status=rejected.status)


async def too_large(request: Request, exception: Exception) -> response.HTTPResponse:
    return response.json({"error": f"The request body is larger than "
                                   f"{MAX_BODY_BYTES // 1024} KB."}, status=413)
