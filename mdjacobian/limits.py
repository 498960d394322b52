"""Bounds on what one block may cost: size, depth, magnitude and time."""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TypeVar

from .errors import LimitError

T = TypeVar("T")


TIMEOUT_RANGE = (0.05, 3600.0)
"""Seconds a time limit may be set to, besides 0 (no limit): shorter ones end before a block starts."""

UPPER_BOUNDS: dict[str, int] = {
    "max_block_chars": 1_000_000,
    "max_lines": 100_000,
    "max_line_chars": 1_000_000,
    "max_literal_digits": 10_000,
    "max_number_digits": 1_000_000,
    "max_exponent": 1_000_000,
    "max_depth": 500,
    "max_nodes": 10_000_000,
    "max_functions": 1_000,
    "max_variables": 1_000,
    "max_output_chars": 1_000_000_000,
}
"""The largest value each size limit may be set to; every one must be at least 1."""

MEMORY_RANGE = (32, 1_048_576)
"""MiB the memory cap may be set to, besides 0 (no cap): a worker holds about 60 MiB with SymPy loaded."""


@dataclass(frozen=True)
class Limits:
    """The limits a block is computed under. Every field can be set from configuration.

    Each value is checked when the limits are made: the timeout is 0 or a finite number of seconds
    in :data:`TIMEOUT_RANGE`, every other field a whole number from 1 to its :data:`UPPER_BOUNDS`.
    A wrong value raises ValueError naming the setting.
    """

    timeout: float = 10.0
    """Seconds of processor time the parsing, differentiation and rendering of one block may take,
    counted in the worker that computes it, so that a busy machine does not change the verdict; a
    block that gets too little of the processor to finish is stopped after ten times as many
    seconds of waiting. 0 turns the limit off."""
    max_block_chars: int = 20_000
    max_lines: int = 200
    max_line_chars: int = 1_000
    max_literal_digits: int = 40
    """Digits in one numeric literal (``12345``, ``1.5``)."""
    max_number_digits: int = 1_000
    """Digits in any number the block produces, such as ``9^999`` or a value at a point."""
    max_exponent: int = 1_000
    """Largest magnitude of a numeric exponent (``x^1000``)."""
    max_depth: int = 50
    """Nesting depth of parentheses, calls and signs."""
    max_nodes: int = 20_000
    """Size of any one expression, counted in SymPy tree nodes."""
    max_functions: int = 24
    max_variables: int = 24
    max_output_chars: int = 1_000_000
    """Characters of HTML one block may produce; each rendering of a :class:`~mdjacobian.Result`
    (TeX, MathML, HTML) is held to it as well."""
    max_memory_mb: int = 2048
    """Address space of the worker process that computes a block, in MiB; 0 for no cap."""

    def __post_init__(self) -> None:
        # Seconds are kept as a float, so that equal limits are equal however they were written.
        object.__setattr__(self, "timeout", check_timeout(self.timeout))
        for item in fields(self):
            if item.name in UPPER_BOUNDS:
                check_count(item.name, getattr(self, item.name))
        memory = self.max_memory_mb
        if isinstance(memory, bool) or not isinstance(memory, int) or not (memory == 0 or MEMORY_RANGE[0] <= memory <= MEMORY_RANGE[1]):
            low, high = MEMORY_RANGE
            raise ValueError(f"max_memory_mb must be 0 (no cap) or a whole number of MiB from {low} to {high:,}, not {_shown(memory)}")


def check_timeout(value: object, name: str = "timeout") -> float:
    """Return ``value`` as seconds if it is a valid time limit, else raise ValueError naming ``name``."""
    low, high = TIMEOUT_RANGE
    valid = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and (value == 0 or low <= value <= high)  # False for nan and infinities; safe for huge ints
        and math.isfinite(value)
    )
    if not valid:
        raise ValueError(f"{name} must be 0 (no limit) or a number of seconds from {low:g} to {high:g}, not {_shown(value)}")
    return float(value)  # type: ignore[arg-type]


def check_count(name: str, value: object) -> int:
    """Return ``value`` if it is a valid size limit ``name``, else raise ValueError naming it."""
    high = UPPER_BOUNDS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise ValueError(f"{name} must be a whole number from 1 to {high:,}, not {_shown(value)}")
    return value


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _TimeUp(BaseException):
    """Delivered asynchronously into the computing thread; a BaseException so SymPy cannot swallow it."""


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> None:
    import ctypes  # only for a watchdog that fires: importing it costs every build a few milliseconds

    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else ctypes.c_void_p(0)
    )


def run_with_time_limit(func: Callable[[], T], seconds: float) -> T:
    """Call ``func`` in this thread and stop it with a LimitError after ``seconds``.

    A watchdog thread raises an exception inside this thread at the deadline, and keeps doing so
    until the work gives up, so code that catches broad exceptions cannot outlast the limit. It works
    in any thread (unlike ``signal.alarm``), which matters under ``mkdocs serve``. Work stuck inside a
    single C call is stopped when that call returns: the size limits keep such calls short.
    """
    if not seconds or seconds <= 0:
        return func()
    target = threading.get_ident()
    lock = threading.Lock()
    finished = threading.Event()
    state = {"done": False, "landed": False}

    def watchdog() -> None:
        if finished.wait(seconds):
            return
        while True:
            with lock:
                if state["done"]:
                    return
                _set_async_exc(target, _TimeUp)
            if finished.wait(0.05):
                return

    thread = threading.Thread(target=watchdog, name="mdjacobian-watchdog", daemon=True)
    thread.start()
    try:
        return func()
    finally:
        # Stop the watchdog first thing: a timeout may still land while this runs, so repeat until
        # the watchdog is stopped and nothing is pending. Raising here replaces a returned value or
        # a propagating _TimeUp alike.
        while True:
            try:
                with lock:
                    state["done"] = True
                    _set_async_exc(target, None)
                finished.set()
                break
            except _TimeUp:
                state["landed"] = True
        if state["landed"] or isinstance(sys.exc_info()[1], _TimeUp):
            raise LimitError(f"took longer than the time limit of {seconds:g} s", limit="timeout") from None
