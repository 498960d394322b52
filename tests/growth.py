"""How a reader's work grows with its input: a ratio of CPU times, never a reading against a clock.

:func:`assert_linear` times one function on an input and on one of the same family ``FACTOR`` times
longer. Linear work gives a ratio near ``FACTOR`` (below it, where fixed costs count), quadratic work
``FACTOR**2``; the bound sits between, ``SLACK`` times from each, so a busy machine that slows one
measurement more than the other does not fail the test. CPU time of this process is what is
measured, best of a few runs, each long enough for the clock. Work that grows much faster (a
pattern that backtracks exponentially) is stopped by an alarm and fails at once.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

FACTOR = 16
SLACK = 4
BATCH_SECONDS = 0.02
ALARM_SECONDS = 20.0


class TooSlow(AssertionError):
    """The measurement did not end in time: the work grows far faster than its input."""


@contextmanager
def alarm(seconds: float):
    """Raise :class:`TooSlow` in this (the main) thread after ``seconds``, even inside a regex match."""

    def ring(signum: int, frame: Any) -> None:
        raise TooSlow(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def seconds_per_call(func: Callable[[Any], object], arg: object, calls: int, runs: int = 3) -> float:
    """The least CPU time per call of ``func(arg)`` over ``runs`` batches of ``calls`` calls."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        for _ in range(calls):
            func(arg)
        best = min(best, (time.process_time() - start) / calls)
    return max(best, 1e-9)


def growth(func: Callable[[Any], object], small: object, large: object, factor: int = FACTOR) -> float:
    """How many times longer ``func`` takes on ``large`` than on ``small``."""
    with alarm(ALARM_SECONDS):
        start = time.process_time()
        func(small)
        once = max(time.process_time() - start, 1e-6)
        calls = max(1, int(BATCH_SECONDS / once))
        little = seconds_per_call(func, small, calls)
        big = seconds_per_call(func, large, max(1, calls // factor))
    return big / little


def assert_linear(func: Callable[[Any], object], make: Callable[[int], object], n: int, factor: int = FACTOR) -> None:
    """``func`` takes time in proportion to the input ``make`` builds from a size (``n`` and ``factor * n``).

    A ratio past the bound is measured once more before it counts, since one busy moment can
    slow a single batch.
    """
    small, large = make(n), make(factor * n)
    bound = factor * SLACK
    ratio = growth(func, small, large, factor)
    if ratio >= bound:
        ratio = min(ratio, growth(func, small, large, factor))
    assert ratio < bound, f"{factor} times the input took {ratio:.0f} times as long (linear: about {factor})"
