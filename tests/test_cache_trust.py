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
entry = json.loads(path.read_text())["body"]
del entry["html"]
entry["error"] = {"class": sys.argv[2], "message": "m", "reason": "m", "line": None, "column": None,
                  "source_line": None, "limit": None, "kind": None}
from mdjacobian.cachekey import signed
path.write_bytes(signed(json.dumps(entry).encode()))  # signed with this user's key: only the class is wrong
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


# -- links are never followed ---------------------------------------------------------------------


@pytest.fixture
def outside(tmp_path):
    """A directory next to the cache, which nothing the cache does may touch."""
    place = tmp_path / "outside"
    place.mkdir()
    return place


def test_a_shard_that_is_a_link_is_not_written_through(tmp_path, outside):
    root = tmp_path / "cache"
    root.mkdir()
    (root / KEY[:2]).symlink_to(outside, target_is_directory=True)
    store = Cache(root)
    store.put(KEY, "<p>html</p>")
    assert list(outside.iterdir()) == []
    MEMORY.clear()
    assert store.get(KEY) is None


def test_an_entry_that_is_a_link_is_not_read(tmp_path, outside):
    elsewhere = Cache(outside)
    elsewhere.put(KEY, "<p>from outside</p>")
    root = tmp_path / "cache"
    (root / KEY[:2]).mkdir(parents=True)
    (root / KEY[:2] / f"{KEY}.json").symlink_to(elsewhere.path(KEY))
    MEMORY.clear()
    assert Cache(root).get(KEY) is None


def test_a_fifo_in_place_of_an_entry_is_not_waited_on(tmp_path):
    from .growth import alarm

    root = tmp_path / "cache"
    (root / KEY[:2]).mkdir(parents=True)
    os.mkfifo(root / KEY[:2] / f"{KEY}.json")
    with alarm(10):
        assert Cache(root).get(KEY) is None


def test_a_dangling_tag_link_creates_nothing_outside(tmp_path, outside):
    root = tmp_path / "cache"
    root.mkdir()
    (root / "CACHEDIR.TAG").symlink_to(outside / "planted")
    Cache(root).put(KEY, "<p>html</p>")
    assert list(outside.iterdir()) == []
    assert (root / "CACHEDIR.TAG").is_symlink()


def test_prune_deletes_nothing_outside(tmp_path, outside):
    victim = outside / f"{KEY}.json"
    victim.write_text("someone's file")
    stale = outside / ".tmp-old.json"
    stale.write_text("someone's file")
    os.utime(stale, (0, 0))
    root = tmp_path / "cache"
    store = Cache(root)
    store.put("ef" * 32, "<p>kept</p>")
    (root / KEY[:2]).symlink_to(outside, target_is_directory=True)
    (root / "ef" / f"{KEY}.json").symlink_to(victim)
    store.prune(keep=["ef" * 32])
    assert victim.read_text() == "someone's file" and stale.exists()
    assert not (root / KEY[:2]).exists() and not (root / "ef" / f"{KEY}.json").is_symlink()
    assert (root / "ef" / f"{'ef' * 32}.json").exists()


def test_an_index_that_is_a_link_is_not_written_through(tmp_path, outside):
    name = "12" * 32
    target = outside / "index.json"
    target.write_text("someone's file")
    root = tmp_path / "cache"
    root.mkdir()
    (root / f"index-{name}.json").symlink_to(target)
    store = Cache(root)
    assert store.read_index(name) is None
    store.write_index(name, {}, {})
    assert target.read_text() == "someone's file"
    assert store.read_index(name) == ({}, {})


# -- entries are signed with this user's key --------------------------------------------------------


@pytest.fixture
def key(monkeypatch):
    """Sign with a key named by the environment, as in CI; :func:`use` switches keys."""
    from mdjacobian import cachekey

    def use(name: str | None) -> None:
        if name is None:
            monkeypatch.delenv(cachekey.KEY_ENV, raising=False)
        else:
            monkeypatch.setenv(cachekey.KEY_ENV, name)
        cachekey.forget_key()
        MEMORY.clear()

    yield use
    cachekey.forget_key()


def test_a_cache_written_under_another_key_is_a_miss(tmp_path, key):
    store = Cache(tmp_path)
    key("the trusted builds' secret")
    store.put(KEY, "<p>trusted</p>")
    store.write_index("34" * 32, {"page": []}, {})
    key("a pull request's build")
    assert store.get(KEY) is None
    assert store.read_index("34" * 32) is None
    key("the trusted builds' secret")
    assert store.get(KEY) == "<p>trusted</p>"
    assert store.read_index("34" * 32) == ({"page": []}, {})


def test_planted_html_never_reaches_a_page(tmp_path, key):
    import markdown

    key(None)
    text = "```jacobian\nf(x) = x^2\n```\n"

    def page() -> str:
        MEMORY.clear()
        return markdown.markdown(text, extensions=["mdjacobian"], extension_configs={"mdjacobian": {"cache_dir": str(tmp_path)}})

    honest = page()
    (entry,) = tmp_path.glob("??/*.json")
    data = json.loads(entry.read_text())["body"]
    data["html"] = "<script>alert(1)</script>"
    entry.write_text(json.dumps(data))  # as whoever can write the cache would, without the key
    assert page() == honest


KEY_OF_A_USER = """
import os, stat, sys
from mdjacobian import cachekey
from mdjacobian.cache import Cache
Cache(sys.argv[1]).put("56" * 32, "<p>x</p>")
path = cachekey.key_directory() / cachekey.KEY_FILE
print(path, oct(stat.S_IMODE(os.stat(path).st_mode)), oct(stat.S_IMODE(os.stat(path.parent).st_mode)))
"""


def test_the_key_is_made_on_first_use_for_this_user_only(tmp_path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CONFIG_HOME", "MDJACOBIAN_CACHE_KEY")}
    env["HOME"] = str(home)
    cache_dir = tmp_path / "project" / ".cache" / "mdjacobian"
    runs = [
        subprocess.run([sys.executable, "-c", KEY_OF_A_USER, str(cache_dir)], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
        for _ in range(2)
    ]
    assert all(run.returncode == 0 for run in runs), runs
    expected = f"{home / '.config' / 'mdjacobian' / 'cache-key'} 0o600 0o700"
    assert runs[0].stdout.strip() == runs[1].stdout.strip() == expected
    assert not list(cache_dir.rglob("cache-key"))
