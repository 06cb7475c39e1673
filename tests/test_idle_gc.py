"""The full garbage collection runs once, after the runs have stopped for a moment (monitoring/idle_gc.py)."""
from __future__ import annotations

import time

from monitoring import idle_gc


def test_runs_in_quick_succession_give_one_collection_after_the_last(monkeypatch):
    collections = []
    monkeypatch.setattr(idle_gc.gc, "collect", lambda: collections.append(time.monotonic()))
    started = time.monotonic()
    for _ in range(3):  # three runs 20 ms apart: each postpones the collection
        idle_gc.collect_when_idle(0.1)
        time.sleep(0.02)
    assert collections == []  # not while runs are coming in
    time.sleep(0.3)
    assert len(collections) == 1 and collections[0] - started >= 0.1 + 0.04
