"""The production lock store (addons/lock_store.py) on the machine's Redis: one holder at
a time for a conversation, across processes, with no message failing for lack of a lock."""
import asyncio
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from addons.lock_store import RedisUrlLockStore

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def stores(monkeypatch):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    from serving.settings import settings

    settings.cache_clear()
    yield [RedisUrlLockStore() for _ in range(4)]  # as four Rasa processes would have
    settings.cache_clear()


def test_one_holder_at_a_time_and_nobody_refused(stores):
    """Four threads, each with its own store and event loop, as four processes would be."""
    conversation = f"lock-test-{uuid.uuid4()}"
    inside, most, done = [0], [0], []
    count = threading.Lock()

    async def handle(store, n):
        async with store.lock(conversation, lock_lifetime=10):
            with count:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            await asyncio.sleep(0.002)
            with count:
                inside[0] -= 1
            done.append(n)

    def process(index):
        async def messages():
            for n in range(index, 80, 4):
                await handle(stores[index], n)
        asyncio.run(messages())

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(process, range(4)))  # re-raises a LockError, if any
    assert most[0] == 1 and sorted(done) == list(range(80))
    assert not redis.Redis.from_url(REDIS_URL).exists(f"rj{conversation}")


def test_a_holder_that_died_keeps_the_lock_only_for_its_lifetime(stores):
    conversation = f"lock-test-{uuid.uuid4()}"
    stores[0].red.lock(f"rj{conversation}", timeout=0.3).acquire()  # never released

    async def later():
        async with stores[1].lock(conversation, lock_lifetime=5):
            return True

    assert asyncio.run(later())
