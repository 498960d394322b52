"""Block work in worker processes, kept within the time limit, capped in memory, ended with their caller.

A block's computation runs in a separate Python process (:mod:`mdjacobian.serving`) that has SymPy
loaded already. The time limit counts the processor time the block uses: the worker's own timer
ends it there, whatever it is doing, so a busy machine does not change a block's verdict. A worker
that cannot get the processor at all is ended after :data:`~mdjacobian.serving.WALL_FACTOR` times
the limit of waiting, by its own wall-clock timer and by the caller. Each worker is capped in
address space (``RLIMIT_AS``), so a block that builds something huge ends in a MemoryError inside
the worker, or in the worker's death, and never takes the caller's memory. A worker that was
killed or died is replaced by a fresh one at the next block, so nothing a block left behind
reaches the next.

Workers never outlive their caller: they die with it (see :mod:`mdjacobian.serving`); a SIGTERM
to the caller stops them before the caller ends; :func:`stop` ends them all at once, busy ones
too, for a build that failed or was interrupted.

A worker that dies without answering (killed from outside, out of memory, or unable to start) says
nothing about the block: the block is tried once more in a fresh worker, and if that one dies too
the error is a :class:`WorkerDied`, which caches do not keep.

Workers are started on demand, at most one per concurrent caller up to :data:`DEFAULT_JOBS`, and
reused: a single-threaded build uses one worker; a parallel build uses several, and threads that
share the pool each get a worker of their own, so they never share SymPy's process-wide state.

What a worker runs is named, not sent: a request holds the dotted name of a function in this
package (say ``"mdjacobian.api:html_here"``) and its arguments. The block text is an argument,
never code.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from .errors import BlockError, LimitError
from .limits import Limits, run_with_time_limit
from .serving import ANSWER_HEADER, PACKAGE, TIMED_OUT, WALL_FACTOR, answer_size, converted, encode_request, resolve

DEFAULT_JOBS = max(1, os.cpu_count() or 1)
"""How many workers may run at once unless a host says otherwise: one per core."""
STARTUP_SECONDS = 120.0
"""How long a new worker may take to start Python and import SymPy before it counts as broken."""
CAN_ISOLATE = os.name == "posix"
"""Worker processes need POSIX pipes that ``select`` can wait on; elsewhere blocks are computed in-process."""

_resolve = resolve  # the name the rest of the package and its tests know


class WorkerDied(BlockError):
    """A worker ended without answering: killed from outside, out of memory, crashed, or never started."""

    @property
    def lasting(self) -> bool:
        return False  # the machine's doing, not the block's: the next build tries again


class Stopped(WorkerDied):
    """The block was computing when every worker was stopped (a build that failed or was interrupted)."""


def timed_out(seconds: float, waited: float | None = None) -> LimitError:
    """The error of a block past its time limit; ``waited`` when it was the wall-clock allowance that ran out."""
    reason = f"took longer than the time limit of {seconds:g} s"
    if waited is not None:
        reason += f" (stopped after {waited:g} s of waiting: the machine gave it too little of the processor)"
    return LimitError(reason, limit="timeout")


class _Spawner:
    """Starts worker processes from one thread that lives as long as this process.

    On Linux a worker dies with the thread that started it (that is what ``PR_SET_PDEATHSIG``
    watches), so workers must not be started by threads that end before the process, such as
    those of a build's thread pool.
    """

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue[tuple[Future[subprocess.Popen[bytes]], list[str], dict[str, Any]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def popen(self, command: list[str], **options: Any) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="mdjacobian-spawner", daemon=True)
                self._thread.start()
        started: Future[subprocess.Popen[bytes]] = Future()
        self._requests.put((started, command, options))
        return started.result()

    def _loop(self) -> None:
        while True:
            started, command, options = self._requests.get()
            try:
                started.set_result(subprocess.Popen(command, **options))
            except BaseException as exc:  # handed to the caller, whatever it is
                started.set_exception(exc)


class _Worker:
    """One worker process and the pipes to it; used by one caller at a time."""

    def __init__(self, memory_mb: int, spawner: _Spawner) -> None:
        self.memory_mb = memory_mb
        env = dict(os.environ)
        # The worker imports this very copy of the package, wherever it was imported from.
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
        try:
            self.log = tempfile.TemporaryFile()
        except OSError as exc:  # no file descriptor left, no temporary directory
            raise WorkerDied(f"could not start a worker process ({exc.strerror or exc})") from None
        command = [sys.executable, "-m", f"{PACKAGE}.serving", str(memory_mb), str(os.getpid())]
        try:
            self.process = spawner.popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, env=env, close_fds=True)
        except OSError as exc:
            self.log.close()
            raise WorkerDied(f"could not start a worker process ({exc.strerror or exc})") from None
        answer = self._answer(time.monotonic() + STARTUP_SECONDS)
        if answer is None or answer[0] != "ready":
            self.kill()
            words = self._last_words()
            self.log.close()
            raise WorkerDied(f"could not start a worker process{words}")

    def call(self, target: str, args: tuple[Any, ...], seconds: float) -> Any:
        """Run ``target(*args)`` in the worker, within ``seconds`` of its processor time (0: no limit)."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(encode_request(target, args, seconds))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            self.kill()
            raise WorkerDied(f"the worker process stopped unexpectedly{self._last_words()}") from None
        # The worker's own timers end it first; this is for a worker that cannot even do that.
        waited = seconds * WALL_FACTOR + 1 if seconds and seconds > 0 else None
        try:
            answer = self._answer(None if waited is None else time.monotonic() + waited)
        except TimeoutError:
            self.kill()
            raise timed_out(seconds, waited) from None
        except BaseException:
            self.kill()  # interrupted (Ctrl-C): the answer still to come must not reach the next caller
            raise
        if answer is None:
            self.kill()
            status = self.process.returncode
            if status is not None and -status in TIMED_OUT:
                raise timed_out(seconds, None if -status == signal.SIGPROF else seconds * WALL_FACTOR)
            raise WorkerDied(f"the computation stopped unexpectedly{self._last_words()}")
        status, value = answer
        if status == "error":
            raise value
        return value

    def _answer(self, deadline: float | None) -> Any:
        """The next message from the worker; None at end of file; TimeoutError past ``deadline``."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        header = self._read(fd, ANSWER_HEADER, deadline)
        if header is None:
            return None
        data = self._read(fd, answer_size(header), deadline)
        return None if data is None else pickle.loads(data)

    @staticmethod
    def _read(fd: int, size: int, deadline: float | None) -> bytes | None:
        chunks: list[bytes] = []
        wanted = size
        while wanted:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                continue
            chunk = os.read(fd, min(wanted, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            wanted -= len(chunk)
        return b"".join(chunks)

    def _last_words(self) -> str:
        status = self.process.poll()
        how = ""
        if status is not None and status < 0:
            how = f", killed by signal {-status}"
        elif status:
            how = f", exit status {status}"
        try:
            self.log.seek(0)
            lines = self.log.read().decode("utf-8", "replace").strip().splitlines()
        except (OSError, ValueError):
            lines = []
        said = f": {lines[-1][:200]}" if lines else ""
        return f" ({how.lstrip(', ')}{said})" if how or said else ""

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def signal_kill(self) -> None:
        """Kill the process and nothing more: safe while another thread waits for its answer."""
        try:
            self.process.kill()
        except OSError:
            pass

    def kill(self) -> None:
        """Kill the process, collect its exit status and close the pipes."""
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a process that survives SIGKILL
            pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    def close(self) -> None:
        """Ask the worker to stop (end of its input), then make sure it has."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()
        self.log.close()


class Pool:
    """Worker processes shared by every caller in this process, started on demand and reused."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = jobs or DEFAULT_JOBS
        self.stopped = False
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._condition = threading.Condition()
        self._pid = os.getpid()
        self._spawner = _Spawner()

    def run(self, target: str, args: tuple[Any, ...], limits: Limits) -> Any:
        """``target(*args)`` in a worker, under ``limits.timeout`` and ``limits.max_memory_mb``.

        A worker that dies without answering is replaced and the call made once more: only a second
        death of the same kind is the block's error.
        """
        for attempt in (1, 2):
            try:
                worker = self._acquire(limits.max_memory_mb)
                try:
                    return worker.call(target, args, limits.timeout)
                finally:
                    self._release(worker)
            except WorkerDied as died:
                if self.stopped:
                    raise Stopped("the computation was stopped, with the build", kind="computation") from None
                if attempt == 2:
                    raise died.of("computation") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _acquire(self, memory_mb: int) -> _Worker:
        with self._condition:
            while True:
                if self.stopped:
                    raise Stopped("the computation was stopped, with the build", kind="computation")
                for dead in [worker for worker in self._idle if not worker.alive]:
                    self._idle.remove(dead)
                    dead.close()
                for index, worker in enumerate(self._idle):
                    if worker.memory_mb == memory_mb:
                        worker = self._idle.pop(index)
                        self._busy.add(worker)
                        return worker
                if len(self._busy) + len(self._idle) < self.jobs:
                    break
                if self._idle:  # idle workers with another memory cap: one makes room
                    self._idle.pop(0).close()
                    break
                self._condition.wait()
            placeholder = _Starting()
            self._busy.add(placeholder)  # counts against jobs while it starts
        try:
            worker = _Worker(memory_mb, self._spawner)
        except BaseException:
            self._release(placeholder)
            raise
        with self._condition:
            self._busy.discard(placeholder)
            self._busy.add(worker)
            if self.stopped:
                worker.signal_kill()  # stopped while it started
        return worker

    def _release(self, worker: _Worker | _Starting) -> None:
        """Take back a worker after a call: kept when alive, cleaned up when it was killed or died."""
        keep = isinstance(worker, _Worker) and worker.alive and not self.stopped
        if isinstance(worker, _Worker) and not keep:
            worker.close()
        with self._condition:
            self._busy.discard(worker)
            if keep:
                self._idle.append(worker)  # type: ignore[arg-type]
            self._condition.notify()

    def close(self) -> None:
        """Stop the idle workers; busy ones stay with their callers (:meth:`stop` ends them too)."""
        with self._condition:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()

    def stop(self) -> None:
        """Kill every worker now, busy ones too: their callers get :class:`Stopped`, and so does any later call."""
        with self._condition:
            self.stopped = True
            idle, self._idle = self._idle, []
            busy = [worker for worker in self._busy if isinstance(worker, _Worker)]
            self._condition.notify_all()
        for worker in busy:
            worker.signal_kill()  # its caller notices, and cleans up
        for worker in idle:
            worker.close()

    def pids(self) -> list[int]:
        """The process ids of the workers, idle and busy (read without the lock: for a signal handler)."""
        return [worker.process.pid for worker in [*self._idle, *self._busy] if isinstance(worker, _Worker)]


class _Starting:
    """A worker being started: it counts against the pool's jobs but has no process yet."""


_pool: Pool | None = None
_jobs: int | None = None
_pool_lock = threading.Lock()
_in_process = threading.RLock()
"""Serialises in-process block work (systems without worker processes): SymPy's state is shared by every thread."""


def pool() -> Pool:
    """The process's pool; a forked child (e.g. ``sphinx-build -j``) gets a pool of its own."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool._pid != os.getpid():
            _pool = Pool(_jobs)
            _stop_on_sigterm()
        return _pool


def set_jobs(jobs: int) -> None:
    """How many workers may run at once in this process (``jobs:`` in the MkDocs plugin)."""
    global _jobs
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    _jobs = jobs
    pool().jobs = jobs


def stop() -> None:
    """Stop every worker of this process at once, busy ones too (a build that failed or was interrupted).

    Blocks still computing end in :class:`Stopped`; the next block starts a new pool.
    """
    global _pool
    with _pool_lock:
        stopping, _pool = _pool, None
    if stopping is not None and stopping._pid == os.getpid():
        stopping.stop()


def run(target: str, args: tuple[Any, ...], limits: Limits) -> Any:
    """Run ``target(*args)`` under ``limits``, in a worker process.

    On a system without POSIX processes the block is computed here instead, where the time limit
    is a watchdog that stops Python code but not a long C call, and the memory cap does not apply;
    blocks computed here never run at the same time, since SymPy's state is shared by the threads
    of a process.
    """
    if CAN_ISOLATE:
        return pool().run(target, args, limits)
    function = resolve(target)
    with _in_process:
        return converted(lambda: run_with_time_limit(lambda: function(*args), limits.timeout))


def _stop_on_sigterm() -> None:
    """Kill the workers before this process ends on SIGTERM, when nothing else handles the signal."""
    if threading.current_thread() is not threading.main_thread():
        return
    try:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return  # the application handles SIGTERM its own way
        signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):  # pragma: no cover - not the main interpreter
        pass


def _on_sigterm(number: int, frame: object) -> None:
    # No locks here: the signal may have arrived while this very thread held one.
    found = _pool
    for pid in found.pids() if found is not None and found._pid == os.getpid() else []:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)  # end as SIGTERM ends a process, now that the workers are gone


@atexit.register
def _shutdown() -> None:
    if _pool is not None and _pool._pid == os.getpid():
        _pool.stop()

