"""Block work in worker processes that are killed at the time limit and capped in memory.

A block's computation runs in a separate Python process (``python -m mdjacobian.workers``) that has
SymPy loaded already. The caller waits for the answer until the block's wall-clock limit and then
kills the worker, so no computation can outlast its limit, however deep in C it is, and no
exception is ever delivered into SymPy. Each worker is capped in address space (``RLIMIT_AS``), so a
block that builds something huge ends in a MemoryError inside the worker, or in the worker's death,
and never takes the caller's memory. A worker that was killed or died is replaced by a fresh one at
the next block, so nothing a block left behind reaches the next.

A worker that dies without answering (killed from outside, out of memory, or unable to start) says
nothing about the block: the block is tried once more in a fresh worker, and if that one dies too
the error is a :class:`WorkerDied`, which caches do not keep.

Workers are started on demand, at most one per concurrent caller up to :data:`DEFAULT_JOBS`, and
reused: a single-threaded build uses one worker; a parallel build uses several, and threads that
share the pool each get a worker of their own, so they never share SymPy's process-wide state.

What a worker runs is named, not sent: a request holds the dotted name of a function in this
package (say ``"mdjacobian.api:render_here"``) and its arguments. The block text is an argument,
never code.
"""

from __future__ import annotations

import atexit
import importlib
import os
import pickle
import select
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .errors import BlockError, LimitError
from .limits import Limits, run_with_time_limit

T = TypeVar("T")

DEFAULT_JOBS = max(1, os.cpu_count() or 1)
"""How many workers may run at once unless a host says otherwise: one per core."""
STARTUP_SECONDS = 120.0
"""How long a new worker may take to start Python and import SymPy before it counts as broken."""
CAN_ISOLATE = os.name == "posix"
"""Worker processes need POSIX pipes that ``select`` can wait on; elsewhere blocks are computed in-process."""
_HEADER = struct.Struct("!Q")
_PACKAGE = __package__ or "mdjacobian"


# -- what runs inside a worker (and in-process) -----------------------------------------------------


def converted(work: Callable[[], T]) -> T:
    """Run ``work``; anything it raises becomes a BlockError, which is what authors see."""
    try:
        return work()
    except BlockError:
        raise
    except RecursionError:
        raise BlockError("the expression is too deeply nested to compute", kind="computation") from None
    except MemoryError:
        raise LimitError("needed more memory than the limit allows", limit="max_memory_mb") from None
    except Exception as exc:  # SymPy can fail in many ways; an author should see a message, not a traceback.
        raise BlockError(f"could not compute this block ({type(exc).__name__}: {exc})", kind="computation") from None


def _resolve(target: str) -> Callable[..., Any]:
    """The function a request names; only this package's functions can be named."""
    module, _, name = target.partition(":")
    if not (module == _PACKAGE or module.startswith(_PACKAGE + ".")) or not name.isidentifier():
        raise ValueError(f"not a function of {_PACKAGE}: {target!r}")
    return getattr(importlib.import_module(module), name)


def _send(stream: Any, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream: Any) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    return pickle.loads(stream.read(size))


def _cap_memory(megabytes: int) -> None:
    if megabytes and os.name == "posix":
        import resource

        cap = megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def serve(memory_mb: int) -> None:
    """The worker's loop: answer requests on stdin, on stdout, until stdin closes."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle; the worker ends with its input
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not corrupt the answers
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4000))
    for module in ("sympy", f"{_PACKAGE}.calculus.engine", f"{_PACKAGE}.render.html", f"{_PACKAGE}.result"):
        importlib.import_module(module)  # paid once per worker, never inside a block's time
    # One small block, for what SymPy and the printers load on first use.
    _resolve(f"{_PACKAGE}.api:html_here")("f(x, y) = sin(x) y\nat: x = 0, y = 1", {}, None, Limits(), [], "")
    _cap_memory(memory_mb)
    _send(answers, ("ready", os.getpid()))
    while (request := _receive(requests)) is not None:
        target, args = request
        try:
            answer: tuple[str, Any] = ("ok", converted(lambda: _resolve(target)(*args)))
        except BlockError as error:
            answer = ("error", error)
        try:
            _send(answers, answer)
        except MemoryError:
            _send(answers, ("error", LimitError("needed more memory than the limit allows", limit="max_memory_mb")))
        except Exception as exc:  # an answer that cannot be pickled is a bug, reported as one
            _send(answers, ("error", BlockError(f"could not return this block's result ({type(exc).__name__})")))


# -- the caller's side ------------------------------------------------------------------------------


class WorkerDied(BlockError):
    """A worker ended without answering: killed from outside, out of memory, crashed, or never started."""

    @property
    def lasting(self) -> bool:
        return False  # the machine's doing, not the block's: the next build tries again


class _Worker:
    """One worker process and the pipes to it; used by one caller at a time."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        env = dict(os.environ)
        # The worker imports this very copy of the package, wherever it was imported from.
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
        try:
            self.log = tempfile.TemporaryFile()
        except OSError as exc:  # no file descriptor left, no temporary directory
            raise WorkerDied(f"could not start a worker process ({exc.strerror or exc})") from None
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", f"{_PACKAGE}.workers", str(memory_mb)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.log,
                env=env,
                close_fds=True,
            )
        except OSError as exc:
            self.log.close()
            raise WorkerDied(f"could not start a worker process ({exc.strerror or exc})") from None
        answer = self._answer(time.monotonic() + STARTUP_SECONDS)
        if answer is None or answer[0] != "ready":
            self.kill()
            self.log.close()
            raise WorkerDied(f"could not start a worker process{self._last_words()}")

    def call(self, target: str, args: tuple[Any, ...], seconds: float) -> Any:
        """Run ``target(*args)`` in the worker; the worker is killed if it takes more than ``seconds``."""
        assert self.process.stdin is not None
        try:
            _send(self.process.stdin, (target, args))
        except (BrokenPipeError, OSError):
            self.kill()
            raise WorkerDied(f"the worker process stopped unexpectedly{self._last_words()}") from None
        deadline = time.monotonic() + seconds if seconds and seconds > 0 else None
        try:
            answer = self._answer(deadline)
        except TimeoutError:
            self.kill()
            raise LimitError(f"took longer than the time limit of {seconds:g} s", limit="timeout") from None
        except BaseException:
            self.kill()  # interrupted (Ctrl-C): the answer still to come must not reach the next caller
            raise
        if answer is None:
            self.kill()
            raise WorkerDied(f"the computation stopped unexpectedly{self._last_words()}")
        status, value = answer
        if status == "error":
            raise value
        return value

    def _answer(self, deadline: float | None) -> Any:
        """The next message from the worker; None at end of file; TimeoutError past ``deadline``."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        header = self._read(fd, _HEADER.size, deadline)
        if header is None:
            return None
        (size,) = _HEADER.unpack(header)
        data = self._read(fd, size, deadline)
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

    def kill(self) -> None:
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
        self._idle: list[_Worker] = []
        self._busy = 0
        self._condition = threading.Condition()
        self._pid = os.getpid()

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
                if attempt == 2:
                    raise died.of("computation") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _acquire(self, memory_mb: int) -> _Worker:
        with self._condition:
            while True:
                for dead in [worker for worker in self._idle if not worker.alive]:
                    self._idle.remove(dead)
                    dead.close()
                for index, worker in enumerate(self._idle):
                    if worker.memory_mb == memory_mb:
                        self._busy += 1
                        return self._idle.pop(index)
                if self._busy + len(self._idle) < self.jobs:
                    break
                if self._idle:  # idle workers with another memory cap: one makes room
                    self._idle.pop(0).close()
                    break
                self._condition.wait()
            self._busy += 1
        try:
            return _Worker(memory_mb)
        except BaseException:
            self._release(None)
            raise

    def _release(self, worker: _Worker | None) -> None:
        """Take back a worker after a call: kept when alive, cleaned up when it was killed or died."""
        if worker is not None and not worker.alive:
            worker.close()
            worker = None
        with self._condition:
            self._busy -= 1
            if worker is not None:
                self._idle.append(worker)
            self._condition.notify()

    def close(self) -> None:
        """Stop every idle worker (busy ones stop when their caller releases them and the pool is gone)."""
        with self._condition:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()


_pool: Pool | None = None
_pool_lock = threading.Lock()
_in_process = threading.RLock()
"""Serialises in-process block work (systems without worker processes): SymPy's state is shared by every thread."""


def pool() -> Pool:
    """The process's pool; a forked child (e.g. ``sphinx-build -j``) gets a pool of its own."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool._pid != os.getpid():
            _pool = Pool()
        return _pool


def set_jobs(jobs: int) -> None:
    """How many workers may run at once in this process (``jobs:`` in the MkDocs plugin)."""
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    pool().jobs = jobs


def run(target: str, args: tuple[Any, ...], limits: Limits) -> Any:
    """Run ``target(*args)`` under ``limits``, in a worker process.

    On a system without POSIX processes the block is computed here instead, where the time limit
    is a watchdog that stops Python code but not a long C call, and the memory cap does not apply;
    blocks computed here never run at the same time, since SymPy's state is shared by the threads
    of a process.
    """
    if CAN_ISOLATE:
        return pool().run(target, args, limits)
    function = _resolve(target)
    with _in_process:
        return converted(lambda: run_with_time_limit(lambda: function(*args), limits.timeout))


@atexit.register
def _shutdown() -> None:
    if _pool is not None and _pool._pid == os.getpid():
        _pool.close()


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
