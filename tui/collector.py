"""The garbage collector tuned for a console that follows an outage for hours.

Textual, the state and what was loaded at start are tens of thousands of objects
that live as long as the process; every full collection walked them all again
(150 to 250 ms of the event loop each, several a minute in an alert storm:
``benchmarks/storm.py`` counts them). Frozen after loading, they are left out
of collections, and the youngest generation is collected every 20,000
allocations rather than 700, so a storm's short-lived objects rarely reach the
older generations. Reference counting still frees almost everything at once;
the collector is only for cycles. The console freezes again once its first
snapshot is drawn (``WarroomApp._settled``): the state and the tables' rows
then join what was loaded.
"""

from __future__ import annotations

import gc

__all__ = ["GEN0_THRESHOLD", "tune_collector"]

GEN0_THRESHOLD = 20_000


def tune_collector() -> None:
    """Call once, after the program has loaded and before it starts its work."""
    gc.collect()  # what loading left for the collector goes now, not into the frozen set
    gc.freeze()
    gc.set_threshold(GEN0_THRESHOLD, 20, 10)
