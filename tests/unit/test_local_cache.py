"""The in-process cache used when no Redis is configured."""

from shop.cache import LocalCache, key


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_is_kept_until_its_time_is_up():
    clock = FakeClock()
    cache = LocalCache(clock=clock)
    cache.set("count", 21, ttl=30)
    clock.now += 29.9
    assert cache.get("count") == 21
    clock.now += 0.1
    assert cache.get("count") is None


def test_a_full_cache_drops_expired_entries_first_and_never_grows_past_its_bound():
    clock = FakeClock()
    cache = LocalCache(max_entries=3, clock=clock)
    cache.set("old", 1, ttl=1)
    cache.set("a", 2, ttl=60)
    cache.set("b", 3, ttl=60)
    clock.now += 5
    cache.set("c", 4, ttl=60)
    assert [cache.get(k) for k in ("old", "a", "b", "c")] == [None, 2, 3, 4]
    cache.set("d", 5, ttl=60)
    assert len(cache.entries) <= 3 and cache.get("d") == 5


def test_keys_are_short_and_tell_their_parts_apart():
    assert key("count", "a", "bc") != key("count", "ab", "c")
    assert len(key("count", "x" * 500)) == 32
