"""A build that runs out of file descriptors: each block is an error box, and nothing is left open."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Fill the descriptors a low limit allows but ``free``, then render a block, for several ``free``:
# the worker's log file, its pipes or the worker's start run out in turn.
SCRIPT = """
import os, resource, sys
from mdjacobian import workers
from mdjacobian.api import render_block
from mdjacobian.errors import BlockError

LIMIT = 64
resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))


def open_count():
    count = 0
    for fd in range(LIMIT):
        try:
            os.fstat(fd)
            count += 1
        except OSError:
            pass
    return count


for free in range(8):
    held = []
    try:
        while True:
            held.append(os.open(os.devnull, os.O_RDONLY))
    except OSError:
        pass
    for fd in held[len(held) - free:]:
        os.close(fd)
    del held[len(held) - free:]
    before = open_count()
    try:
        outcome = "computed" if render_block("f(x) = x^2") else "empty"
    except BlockError as error:
        outcome = "error box"
    except BaseException as error:
        outcome = f"escaped {type(error).__name__}: {error}"
    workers.pool().close()  # an idle worker holds its pipes and log; close it before counting
    left = open_count() - before
    for fd in held:
        os.close(fd)
    print(free, outcome, left)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="descriptor limits as Linux sets them")
def test_running_out_of_file_descriptors_is_a_block_error():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600, cwd=ROOT, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    lines = [line.split(" ", 1) for line in done.stdout.splitlines()]
    assert len(lines) == 8, done.stdout
    for free, rest in lines:
        outcome, left = rest.rsplit(" ", 1)
        assert outcome in ("computed", "error box"), f"with {free} descriptors free: {outcome}"
        assert left == "0", f"with {free} descriptors free, {left} stayed open"
    assert lines[0][1].startswith("error box")
