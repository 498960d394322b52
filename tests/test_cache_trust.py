"""A cache directory written by someone else: its files are data, never code, links or trusted HTML.

An entry can name an error class, a shard can be a link, a file can be planted: none of it may run
code of the package, write or delete outside the cache, or reach a page.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mdjacobian.cache import MEMORY, Cache
from mdjacobian.calculus.proof import Mismatch
from mdjacobian.errors import BlockError, LimitError

ROOT = Path(__file__).resolve().parent.parent
KEY = "ab" * 32


@pytest.fixture(autouse=True)
def empty_memory():
    MEMORY.clear()
    yield
    MEMORY.clear()


def test_errors_keep_their_class(tmp_path):
    store = Cache(tmp_path)
    for error in (BlockError("bad", line=2), LimitError("too big", limit="max_nodes"), Mismatch("wrong", line=3)):
        store.put(KEY, error)
        MEMORY.clear()
        again = store.get(KEY)
        assert type(again) is type(error) and str(again) == str(error)


# An entry naming a module of the package: reading it once imported that module, and
# mdjacobian.__main__ runs the command-line tool, which ends the process.
READ_PLANTED = """
import json, sys
from pathlib import Path
from mdjacobian.cache import Cache, block_key
store = Cache(sys.argv[1])
key = "cd" * 32
store.put(key, "<p>real</p>")
path = store.path(key)
entry = json.loads(path.read_text())
del entry["html"]
entry["error"] = {"class": sys.argv[2], "message": "m", "reason": "m", "line": None, "column": None,
                  "source_line": None, "limit": None, "kind": None}
path.write_text(json.dumps(entry))
from mdjacobian.cache import MEMORY
MEMORY.clear()
print("read:", store.get(key), "imported:", sys.argv[3] in sys.modules)
"""


@pytest.mark.parametrize(
    ("name", "module"),
    [("mdjacobian.__main__:BlockError", "mdjacobian.__main__"), ("mdjacobian.hosts.cli:BlockError", "mdjacobian.hosts.cli"), ("os:system", "nothing")],
)
def test_an_entry_naming_a_module_imports_nothing(tmp_path, name, module):
    done = subprocess.run(
        [sys.executable, "-c", READ_PLANTED, str(tmp_path), name, module],
        capture_output=True, text=True, timeout=120, cwd=ROOT, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "read: None imported: False"
