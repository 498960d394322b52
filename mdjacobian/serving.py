"""What runs inside a worker process: the request loop, and the limits the worker keeps on itself.

A worker (``python -m mdjacobian.serving``) answers requests on its standard input, one at a time,
on its standard output. The caller (:mod:`mdjacobian.workers`) kills it at the limit; the worker
does not rely on that alone. It arms two timers of the operating system for each request, whose
signals end the process whatever it is doing, in Python or deep in C:

- ``ITIMER_PROF`` counts the processor time the worker itself uses, so a block gets the same
  number of seconds of computing however busy the machine is;
- ``ITIMER_REAL`` counts wall-clock time, :data:`WALL_FACTOR` times the limit, for a worker that
  cannot get the processor at all.

And it dies with its parent: on Linux the kernel kills it when the parent ends (``PR_SET_PDEATHSIG``);
elsewhere a thread notices that the parent has gone and ends the process.
"""

from __future__ import annotations

import importlib
import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar

from .errors import BlockError, LimitError
from .limits import Limits

T = TypeVar("T")

PACKAGE = __package__ or "mdjacobian"
WALL_FACTOR = 10.0
"""A block's wall-clock allowance, in multiples of its time limit, for when the machine gives it
too little of the processor; the limit itself counts processor time."""
TIMED_OUT = (signal.SIGPROF, signal.SIGALRM) if hasattr(signal, "SIGPROF") else ()
"""The signals a worker's own timers end it with: the block went past its time limit."""
_SIZE = struct.Struct("!Q")
_REQUEST = struct.Struct("!Qd")  # the request's size, then its time limit in seconds (0: none)


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


def resolve(target: str) -> Callable[..., Any]:
    """The function a request names; only this package's functions can be named."""
    module, _, name = target.partition(":")
    if not (module == PACKAGE or module.startswith(PACKAGE + ".")) or not name.isidentifier():
        raise ValueError(f"not a function of {PACKAGE}: {target!r}")
    return getattr(importlib.import_module(module), name)


def encode_request(target: str, args: tuple[Any, ...], seconds: float) -> bytes:
    """A request as it travels to a worker: its size and time limit, then the pickled call."""
    data = pickle.dumps((target, args), protocol=pickle.HIGHEST_PROTOCOL)
    return _REQUEST.pack(len(data), seconds) + data


def encode_answer(answer: object) -> bytes:
    data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    return _SIZE.pack(len(data)) + data


ANSWER_HEADER = _SIZE.size


def answer_size(header: bytes) -> int:
    return _SIZE.unpack(header)[0]


def _read_request(stream: BinaryIO) -> tuple[bytes, float] | None:
    header = stream.read(_REQUEST.size)
    if len(header) < _REQUEST.size:
        return None
    size, seconds = _REQUEST.unpack(header)
    data = stream.read(size)
    return (data, seconds) if len(data) == size else None


def _arm(seconds: float) -> None:
    """Start the request's timers: ``seconds`` of processor time, and a wall-clock allowance."""
    if seconds > 0 and TIMED_OUT:
        signal.setitimer(signal.ITIMER_PROF, seconds)
        signal.setitimer(signal.ITIMER_REAL, seconds * WALL_FACTOR)


def _disarm() -> None:
    if TIMED_OUT:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)


def _die_with(parent: int) -> None:
    """End this process when ``parent`` ends, even in the middle of a block."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        if libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # the parent ended before the kernel was asked to watch it
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(0.25)
        os._exit(1)

    threading.Thread(target=watch, name="mdjacobian-parent-watch", daemon=True).start()


def _cap_memory(megabytes: int) -> None:
    if megabytes and os.name == "posix":
        import resource

        cap = megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def serve(memory_mb: int, parent: int) -> None:
    """The worker's loop: answer requests on stdin, on stdout, until stdin closes."""
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle; the worker ends with its input
    for number in TIMED_OUT:
        signal.signal(number, signal.SIG_DFL)  # the timers' signals end the process, whatever it is doing
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not corrupt the answers
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4000))
    for module in ("sympy", f"{PACKAGE}.calculus.engine", f"{PACKAGE}.render.html", f"{PACKAGE}.result"):
        importlib.import_module(module)  # paid once per worker, never inside a block's time
    # One small block, for what SymPy and the printers load on first use.
    resolve(f"{PACKAGE}.api:result_here")("f(x, y) = sin(x) y\nat: x = 0, y = 1", {}, None, Limits())
    _cap_memory(memory_mb)
    answers.write(encode_answer(("ready", os.getpid())))
    answers.flush()
    while (request := _read_request(requests)) is not None:
        data, seconds = request
        _arm(seconds)
        try:
            target, args = pickle.loads(data)
            answer: tuple[str, Any] = ("ok", converted(lambda: resolve(target)(*args)))
        except BlockError as error:
            answer = ("error", error)
        except Exception as exc:  # a request that cannot be read is a bug, reported as one
            answer = ("error", BlockError(f"could not read this block's request ({type(exc).__name__})"))
        try:
            message = encode_answer(answer)
        except MemoryError:
            message = encode_answer(("error", LimitError("needed more memory than the limit allows", limit="max_memory_mb")))
        except Exception as exc:  # an answer that cannot be pickled is a bug, reported as one
            message = encode_answer(("error", BlockError(f"could not return this block's result ({type(exc).__name__})")))
        _disarm()
        answers.write(message)
        answers.flush()


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0, int(sys.argv[2]) if len(sys.argv) > 2 else os.getppid())
