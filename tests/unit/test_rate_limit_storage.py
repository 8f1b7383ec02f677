"""Rate limits without Redis: counted in the process, with no timer thread per hit."""

import threading
import time

from shop.extensions import SweptMemoryStorage


def test_hits_are_counted_per_key_without_starting_threads():
    storage = SweptMemoryStorage("shop-memory://")
    before = threading.active_count()
    counts = [storage.incr("api/127.0.0.1", 60) for _ in range(50)]
    assert counts == list(range(1, 51))
    assert storage.incr("api/10.0.0.1", 60) == 1
    assert threading.active_count() == before


def test_a_counter_past_its_window_is_read_as_zero_and_swept_out_later():
    storage = SweptMemoryStorage("shop-memory://")
    storage.timer.join()  # MemoryStorage's constructor starts one sweep of its own
    storage.incr("api/127.0.0.1", 0.01)
    time.sleep(0.02)
    assert storage.incr("api/10.0.0.1", 60) == 1  # within the second: no sweep yet
    assert "api/127.0.0.1" in storage.storage
    storage.swept_at -= SweptMemoryStorage.SWEEP_SECONDS  # a second later
    storage.incr("api/10.0.0.1", 60)
    assert "api/127.0.0.1" not in storage.storage
    assert storage.get("api/10.0.0.1") == 2
