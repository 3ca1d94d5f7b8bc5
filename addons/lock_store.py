"""The production lock store: Rasa's Redis lock store, configured by one REDIS_URL.

Several Rasa processes share the conversations in PostgreSQL; the lock makes sure one
conversation's messages are handled one at a time, whichever process receives them.

    REDIS_URL=redis://:password@host:6379/0      (rediss:// for TLS)

If Redis cannot be reached, no message can be handled safely: the channel then
answers with 111, the 0800 line and the advisors (addons/channels.py) until Redis is
back, and the error is logged. Connection attempts give up after a few seconds so the
person is not left waiting.
"""
from __future__ import annotations

from typing import Any, Optional

import redis
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from serving.settings import settings

CONNECT_TIMEOUT_SECONDS = 3
KEY_PREFIX = "rj"


class RedisUrlLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **_: Any) -> None:
        url = settings().redis_url or (endpoint_config.url if endpoint_config else None)
        if not url:
            raise ValueError("Set REDIS_URL (for example redis://127.0.0.1:6379/0) for the "
                             "Redis lock store.")
        super().__init__(key_prefix=KEY_PREFIX)
        self.red = redis.StrictRedis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=CONNECT_TIMEOUT_SECONDS)
