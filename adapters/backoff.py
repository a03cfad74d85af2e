"""Retry delays as values: one pure function, capped and jittered."""

from __future__ import annotations

import random
from collections.abc import Callable


def compute_backoff(
    attempt: int,
    *,
    initial: float,
    cap: float,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before try ``attempt`` + 1 (``attempt`` ≥ 1 failures so far).

    Doubles from ``initial`` up to ``cap``, then keeps a random half of it ("equal jitter"):
    replicas that failed together (an engine restart, backpressure) do not return together,
    and no wait is shorter than half the nominal one.
    """
    nominal = min(cap, initial * 2.0 ** max(0, attempt - 1))
    return nominal / 2 + rand() * nominal / 2
