"""A full garbage collection once the server has been idle for a moment, instead of after every script run.

Streamlit collects (gc.collect(2)) right after each run by default (runner.postScriptGC, switched off in
.streamlit/config.toml).  With the cached chart views (thousands of Plotly objects) that takes ~90 ms and holds the
GIL while the run's last messages wait to be sent, so every click waited for it; left to Python alone, the full
collections came in the middle of later runs instead (Arbeit's script ~50 instead of ~40 ms).  Here it runs when
no session has run the script for a few seconds (a reader looking at the page); every run postpones it, so it
never holds back a run that is being sent.  A shorter wait fell into the next click of someone clicking on.
"""
from __future__ import annotations

import gc
import threading

IDLE_SECONDS = 3.0

_lock = threading.Lock()
_timer: threading.Timer | None = None


def collect_when_idle(delay: float = IDLE_SECONDS) -> None:
    """(Re)start the countdown to one full collection."""
    global _timer
    with _lock:
        if _timer is not None:
            _timer.cancel()
        _timer = threading.Timer(delay, gc.collect)
        _timer.daemon = True  # never keeps a stopping server alive
        _timer.start()
