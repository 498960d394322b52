"""The workers' lifecycle: a worker killed from outside.

Processes are watched through ``/proc``; the tests that need it are skipped elsewhere.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import sympy as sp

from mdjacobian import BlockError, LimitError, Limits, evaluate, render_block, workers
from mdjacobian.cache import Cache, block_key
from mdjacobian.workers import WorkerDied

from .heavy import SLOW
from .needs import need

PROC = Path("/proc")

x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)


def need_proc() -> None:
    need((PROC / "self" / "stat").exists(), "needs /proc to watch processes")


def _stat(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # after the command name, which may hold spaces


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie has ended)."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in "ZX"


def workers_of(parent: int) -> list[int]:
    """The worker processes ``parent`` started."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if fields is not None and int(fields[1]) == parent and b"mdjacobian." in command:
            found.append(int(entry.name))
    return found


def idle_pids() -> list[int]:
    return [worker.process.pid for worker in workers.pool()._idle]


# -- a worker killed from outside -----------------------------------------------------------------------


@pytest.fixture
def deaths(monkeypatch):
    """A list: for each item, the next worker called is killed as the request reaches it."""
    planned: list[int] = []
    real = workers._Worker.call

    def call(self, target, args, seconds):
        if planned:
            planned.pop()
            self.process.kill()
            self.process.wait()
        return real(self, target, args, seconds)

    monkeypatch.setattr(workers._Worker, "call", call)
    return planned


def test_a_worker_killed_from_outside_is_replaced_and_the_block_computed_again(deaths):
    deaths.append(1)
    assert evaluate("f(x, y) = x y").matrix == sp.Matrix([[y, x]])
    assert not deaths


def test_a_block_whose_workers_die_twice_fails_and_nothing_is_kept(deaths, tmp_path):
    cache = Cache(tmp_path)
    key = block_key(host="test", source="f(x, y) = x y")

    def work() -> str:
        return render_block("f(x, y) = x y")

    deaths.extend([1, 1])
    with pytest.raises(WorkerDied) as died:
        cache.compute(key, work)
    assert "killed by signal 9" in str(died.value)
    assert cache.get(key) is None and not list(tmp_path.rglob("*.json"))
    # The next build computes the block and keeps it.
    assert cache.compute(key, work) == render_block("f(x, y) = x y")
    assert cache.get(key) == render_block("f(x, y) = x y")


def _kill_busy_workers(count: int) -> None:
    """SIGKILL the next ``count`` workers seen computing, as the system's out-of-memory killer would."""
    killed: set[int] = set()
    deadline = time.monotonic() + 120
    while len(killed) < count and time.monotonic() < deadline:
        busy = [pid for pid in workers_of(os.getpid()) if pid not in idle_pids() and running(pid)]
        for pid in busy:
            if pid not in killed:
                time.sleep(0.2)  # well into the block, which takes minutes
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
        time.sleep(0.01)


def test_a_worker_killed_while_computing_is_replaced_and_the_block_given_its_own_outcome():
    need_proc()
    evaluate("f(x) = x")
    killer = threading.Thread(target=_kill_busy_workers, args=(1,))
    killer.start()
    with pytest.raises(LimitError) as error:  # the second attempt runs to the block's own limit
        evaluate(SLOW, limits=Limits(timeout=0.5))
    killer.join()
    assert error.value.limit == "timeout"


def test_a_worker_killed_twice_is_an_error_that_is_not_lasting_and_the_next_block_works():
    need_proc()
    evaluate("f(x) = x")
    killer = threading.Thread(target=_kill_busy_workers, args=(2,))
    killer.start()
    start = time.monotonic()
    with pytest.raises(WorkerDied) as died:
        evaluate(SLOW, limits=Limits(timeout=60))
    killer.join()
    assert "killed by signal 9" in str(died.value)  # while computing, or while the second one started
    assert not died.value.lasting and isinstance(died.value, BlockError)
    assert time.monotonic() - start < 60
    assert evaluate("f(x, y) = x y").matrix == sp.Matrix([[y, x]])
