"""The workers' lifecycle: limits kept by the worker itself, death with the caller, a build stopped
by a signal, a worker killed from outside, and a verdict that does not depend on the machine's load.

Processes are watched through ``/proc``; the tests that need it are skipped elsewhere.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import sympy as sp

from mdjacobian import BlockError, LimitError, Limits, evaluate, render_block, workers
from mdjacobian.cache import Cache, block_key
from mdjacobian.serving import WALL_FACTOR, encode_request
from mdjacobian.workers import WorkerDied

from .heavy import SLOW
from .needs import INSTALL, need, need_command

SLACK = 10.0
"""Seconds allowed for processes to start, end and be noticed: wall-clock assertions must never be tight."""
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


def cpu_seconds(pid: int) -> float:
    """Processor time ``pid`` has used, user and system."""
    fields = _stat(pid)
    assert fields is not None, f"process {pid} is gone"
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def wait_until(condition, seconds: float) -> float | None:
    """Seconds until ``condition()`` held, polling; None if it did not within ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if condition():
            return time.monotonic() - start
        time.sleep(0.02)
    return None


def idle_pids() -> list[int]:
    return [worker.process.pid for worker in workers.pool()._idle]


def startup_cpu() -> float:
    """Processor time a worker of this machine uses to start, measured on a fresh one."""
    workers.stop()
    evaluate("f(x) = x")
    (pid,) = idle_pids()
    return cpu_seconds(pid)


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


# -- limits the worker keeps itself --------------------------------------------------------------------


def test_a_worker_ends_itself_at_its_processor_time_limit_without_its_caller():
    """Sent a block and then ignored, a worker still stops at the limit: its own timer ends it."""
    root = Path(workers.__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "mdjacobian.serving", "0", str(os.getpid())]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env) as process:
        try:
            assert process.stdout.read(8)  # the size of its "ready"
            process.stdin.write(encode_request("mdjacobian.api:html_here", (SLOW, {}, None, Limits(), [], ""), 0.5))
            process.stdin.flush()
            status = process.wait(timeout=0.5 * WALL_FACTOR + SLACK)
        finally:
            process.kill()
    assert status == -signal.SIGPROF


def test_a_worker_that_gets_no_processor_is_stopped_after_its_wall_clock_allowance():
    evaluate("f(x) = x")
    pids = idle_pids()
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)  # it will never answer, nor reach its own timers
    start = time.monotonic()
    with pytest.raises(LimitError) as error:
        evaluate("f(x) = x^2", limits=Limits(timeout=0.1))
    elapsed = time.monotonic() - start
    assert error.value.limit == "timeout" and "stopped after" in str(error.value)
    assert 0.1 * WALL_FACTOR <= elapsed < 0.1 * WALL_FACTOR + SLACK
    assert not any(running(pid) for pid in pids)  # killed, not left stopped
    assert evaluate("f(x) = x^2").matrix == sp.Matrix([[2 * x]])


def test_a_busy_machine_does_not_change_a_block_s_verdict():
    """The limit counts the block's own processor time: a block given a fifth of a processor, which
    takes far longer than its limit by the clock, still passes."""
    need_proc()
    need(hasattr(os, "sched_setaffinity"), "needs sched_setaffinity to share one processor")
    block = "\n".join(f"f{i}(x1, x2, x3, x4, x5, x6) = " + " ".join(f"sin(x{j} + {i})" for j in range(1, 7)) for i in range(1, 7))
    evaluate("f(x) = x")
    (pid,) = idle_pids()[:1]
    before = cpu_seconds(pid)
    alone = evaluate(block, limits=Limits(timeout=0))
    needed = cpu_seconds(pid) - before
    limit = max(2 * needed, 0.2)
    cpu = min(os.sched_getaffinity(0))
    for worker in idle_pids():
        os.sched_setaffinity(worker, {cpu})
    hog = f"import os\nos.sched_setaffinity(0, {{{cpu}}})\nwhile True:\n    pass\n"
    hogs = [subprocess.Popen([sys.executable, "-c", hog]) for _ in range(4)]
    try:
        time.sleep(0.3)  # the hogs are running
        start = time.monotonic()
        loaded = evaluate(block, limits=Limits(timeout=limit))
        elapsed = time.monotonic() - start
    finally:
        for process in hogs:
            process.kill()
            process.wait()
        workers.stop()  # no worker stays tied to one processor
    assert loaded.to_html() == alone.to_html()
    assert elapsed > limit, f"the hogs did not slow the block ({elapsed:.2f} s for a limit of {limit:.2f} s)"


# -- workers end with their caller ----------------------------------------------------------------------


def test_workers_die_with_their_parent_even_when_a_finished_thread_started_them():
    need_proc()
    script = textwrap.dedent(
        f"""
        import sys, threading
        import mdjacobian
        started = threading.Thread(target=lambda: mdjacobian.evaluate("f(x) = x"))
        started.start()
        started.join()
        print("ready", flush=True)
        mdjacobian.evaluate({SLOW!r}, limits=mdjacobian.Limits(timeout=300))
        """
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as parent:
        try:
            assert parent.stdout.readline() == "ready\n"
            (worker,) = workers_of(parent.pid)  # the worker the finished thread started is still there
            assert wait_until(lambda: cpu_seconds(worker) > 0, SLACK) is not None
        finally:
            parent.kill()
    assert wait_until(lambda: not running(worker), SLACK) is not None


SITE = """\
site_name: stopped
plugins:
  - mdjacobian:
      timeout: 300
      jobs: 2
"""


@pytest.fixture
def building(tmp_path):
    """A real ``mkdocs build`` of two pages whose blocks take minutes, once both workers compute."""
    need_proc()
    mkdocs = need_command("mkdocs", INSTALL)
    (tmp_path / "mkdocs.yml").write_text(SITE, encoding="utf-8")
    (tmp_path / "docs").mkdir()
    for name, variable in (("index", "z"), ("other", "w")):
        block = SLOW.replace("z", variable)
        (tmp_path / "docs" / f"{name}.md").write_text(f"# {name}\n\n```jacobian\n{block}\n```\n", encoding="utf-8")
    started = startup_cpu()
    build = subprocess.Popen([mkdocs, "build"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def computing() -> bool:
        found = workers_of(build.pid)
        return len(found) == 2 and all(cpu_seconds(pid) > started + 1 for pid in found if running(pid))

    try:
        assert wait_until(computing, 120) is not None, "the build's workers never started computing"
        yield build, workers_of(build.pid)
    finally:
        build.kill()
        build.wait()


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_build_stopped_by_a_signal_ends_at_once_and_leaves_no_worker(building, number):
    build, pids = building
    build.send_signal(number)
    start = time.monotonic()
    build.wait(timeout=SLACK)
    assert wait_until(lambda: not any(running(pid) for pid in pids), SLACK) is not None
    assert time.monotonic() - start < SLACK
