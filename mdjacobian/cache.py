"""Rendered blocks, stored under a hash of everything that decides them.

A block's key is a SHA-256 over a canonical serialisation of its text, the options given to it, the
host's defaults and limits, the classes and id of its wrapper, and the versions of mdjacobian (with a
fingerprint of its code), SymPy and math-core. Whatever the key names produces the same HTML or the
same error, so a stored entry can stand in for a computation. Entries live in a bounded in-process
memory and, when a directory is given, in one JSON file each (``<dir>/<key[:2]>/<key>.json``), written
atomically and signed with this user's key (:mod:`mdjacobian.cachedir`, which never follows a link in
the directory). An entry that cannot be read, is not signed with that key, or does not hold what its
name says is ignored, and the block is computed again. Only a timeout is never stored: it says more
about the machine than the block.

This module is free of SymPy: versions come from the installed packages' metadata.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import stat
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, is_dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cachedir import Directory, is_stale_temp
from .errors import BlockError, LimitError, Mismatch

if TYPE_CHECKING:
    from concurrent.futures import Future

FORMAT = 5
"""Version of the key recipe and of the entry files; raising it makes every stored entry a miss."""
MEMORY_ENTRIES = 4096
"""Entries kept in memory per process, the least recently used going first."""
PACKAGES = ("mdjacobian", "sympy", "math-core")
"""The packages whose versions decide a block's HTML."""
STALE_TEMP_SECONDS = 3600
"""Age after which an unfinished temporary file (from a build that was killed) is pruned."""

_KEY_FILE = re.compile(r"[0-9a-f]{64}\.json")
_INDEX_NAME = re.compile(r"[0-9a-f]{64}")


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    # An editable install keeps its version number while its code changes; hash the code as well.
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"unreadable")
        digest.update(b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def _installed_versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    found["mdjacobian code"] = _code_fingerprint()
    found["python"] = f"{sys.version_info.major}.{sys.version_info.minor}"
    return found


def versions() -> dict[str, str]:
    """The versions that decide a block's HTML: mdjacobian's (and its code's), SymPy's, math-core's, Python's."""
    return dict(_installed_versions())


def recipe() -> tuple[tuple[str, str], ...]:
    """What every key depends on besides its parts: the versions (the format is fixed per release)."""
    return tuple(sorted(versions().items()))


def _plain(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__, **asdict(value)}
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    raise TypeError(f"cannot key a {type(value).__name__}")


@functools.lru_cache(maxsize=64)
def _settings_digest(value: object) -> str:
    """A host's settings (frozen dataclasses: the same few for a whole build), serialised and hashed once."""
    text = json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_plain)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


_PLAIN_TYPES = (str, int, float, bool, type(None), list, tuple, dict)


def _canonical(value: object) -> object:
    if isinstance(value, _PLAIN_TYPES):
        return value
    if is_dataclass(value) and not isinstance(value, type):
        try:
            return {"settings": _settings_digest(value)}
        except TypeError:  # unhashable: serialised in full below
            return value
    return value


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_plain)


def block_key(**parts: object) -> str | None:
    """The key of a computation described by ``parts``, or None when a part has no canonical form.

    Every part that reaches the output must be named: block text, options, defaults, limits, the
    wrapper's classes and id, the output format. Versions and :data:`FORMAT` are added here.
    """
    try:
        text = _ENCODER.encode({k: _canonical(v) for k, v in parts.items()})
    except (TypeError, ValueError):
        return None
    digest = _fixed_digest(recipe()).copy()
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@functools.lru_cache(maxsize=4)
def _fixed_digest(installed: tuple[tuple[str, str], ...]) -> Any:
    """The hash state after what every key shares: the recipe's format and the versions."""
    fixed = json.dumps({"format": FORMAT, "versions": dict(installed)}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(fixed.encode() + b"\0")


def _class_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _error_data(error: BlockError) -> dict[str, Any]:
    return {
        "class": _class_name(type(error)),
        "message": str(error),
        "reason": error.reason,
        "line": error.line,
        "column": error.column,
        "source_line": error.source_line,
        "limit": getattr(error, "limit", None),
        "kind": error.kind,
    }


_ERROR_CLASSES: dict[str, type[BlockError]] = {_class_name(cls): cls for cls in (BlockError, LimitError, Mismatch)}
"""The errors an entry may hold, by the name it stores them under. An entry naming anything else is a
miss: nothing is imported or looked up on an entry's say-so. (A worker that died is not the block's
error, and is never taken from the cache.)"""


def _error_class(name: str) -> type[BlockError]:
    found = _ERROR_CLASSES.get(name)
    if found is None:
        raise ValueError(f"not an error an entry may hold: {name[:80]!r}")
    return found


def _optional(value: object, kind: type) -> bool:
    return value is None or (isinstance(value, kind) and not isinstance(value, bool))


def _error_from(data: Mapping[str, Any]) -> BlockError:
    """The error an entry describes, made anew (errors are mutable and carry tracebacks)."""
    if not (
        isinstance(data.get("class"), str)
        and isinstance(data.get("message"), str)
        and isinstance(data.get("reason"), str)
        and all(_optional(data.get(k), int) for k in ("line", "column"))
        and all(_optional(data.get(k), str) for k in ("source_line", "limit", "kind"))
    ):
        raise ValueError("malformed error entry")
    cls = _error_class(data["class"])
    error = cls.__new__(cls)
    BlockError.__init__(error, data["reason"], data["line"], data["column"], data["source_line"], data.get("kind"))
    if issubclass(cls, LimitError):
        if data["limit"] is None:
            raise ValueError("a limit error without its limit")
        error.limit = data["limit"]
    error.args = (data["message"],)
    return error


def _value(entry: Mapping[str, Any]) -> str | BlockError:
    if isinstance(entry.get("html"), str):
        return entry["html"]
    if isinstance(entry.get("error"), Mapping):
        return _error_from(entry["error"])
    raise ValueError("an entry with neither HTML nor an error")


def _is_entry(data: object, key: str) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT and data.get("key") == key


class _Memory:
    """A bounded, thread-safe map from keys to entries, forgetting the least recently used."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


MEMORY = _Memory(MEMORY_ENTRIES)
"""The process's memory of rendered blocks, shared by every cache (keys name their whole input)."""


class Cache:
    """Rendered blocks in memory and, when ``directory`` is given, in files under it.

    ``used`` collects the keys looked up or stored since :meth:`start_build`, so that :meth:`prune`
    can remove the entries a build no longer needs.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None, memory: _Memory = MEMORY) -> None:
        self.directory = Path(directory) if directory is not None else None
        self._files = Directory(directory) if directory is not None else None
        self.memory = memory
        self.used: set[str] = set()
        self._pending: dict[str, Future[str | BlockError]] = {}
        self._lock = threading.Lock()

    def path(self, key: str) -> Path | None:
        """Where the entry for ``key`` is stored, or None for a cache in memory only."""
        return self.directory / key[:2] / f"{key}.json" if self.directory is not None else None

    def mark_used(self, key: str) -> None:
        """Count ``key`` as used by this build, as a lookup would (for :meth:`prune`)."""
        with self._lock:
            self.used.add(key)

    def start_build(self) -> None:
        """Forget which keys were used, before a new build."""
        with self._lock:
            self.used.clear()

    def get(self, key: str) -> str | BlockError | None:
        """The stored HTML or error for ``key``, or None when nothing usable is stored."""
        with self._lock:
            self.used.add(key)
        entry = self.memory.get(key)
        if entry is None:
            entry = self._read(key)
            if entry is None:
                return None
            self.memory.put(key, entry)
        try:
            return _value(entry)
        except (ValueError, AttributeError):
            return None

    def put(self, key: str, value: str | BlockError) -> None:
        """Store a block's HTML or error; an error the machine caused (a timeout, a worker killed from outside) is not stored."""
        if isinstance(value, BlockError) and not value.lasting:
            return
        entry: dict[str, Any] = {"format": FORMAT, "key": key}
        if isinstance(value, str):
            entry["html"] = value
        else:
            entry["error"] = _error_data(value)
        with self._lock:
            self.used.add(key)
        self.memory.put(key, entry)
        self._write(key, entry)

    def compute(self, key: str | None, work: Callable[[], str]) -> str:
        """The HTML for ``key``: stored, or made by ``work`` and stored. A stored error is raised again.

        When the block is being computed elsewhere (:meth:`expect`), its outcome is awaited instead.
        """
        if key is None:
            return work()
        with self._lock:
            pending = self._pending.pop(key, None)
        found = _awaited(pending) if pending is not None else self.get(key)
        if found is None:
            found = self.outcome(key, work)
        if isinstance(found, BlockError):
            raise found
        return found

    def outcome(self, key: str, work: Callable[[], str]) -> str | BlockError:
        """Run ``work`` and store what it gives: the HTML, or the error it raised (returned, not raised)."""
        try:
            html = work()
        except BlockError as error:
            self.put(key, error)
            return error
        self.put(key, html)
        return html

    def expect(self, key: str, outcome: Future[str | BlockError]) -> None:
        """Note that ``key`` is being computed elsewhere: :meth:`compute` waits for ``outcome``
        rather than computing the block a second time."""
        with self._lock:
            self._pending[key] = outcome

    def forget_pending(self) -> None:
        """Drop the outcomes still awaited (a build that stopped early will not ask for them)."""
        with self._lock:
            self._pending.clear()

    def _read(self, key: str) -> dict[str, Any] | None:
        if self._files is None:
            return None
        body = self._files.read(key[:2], key + ".json")
        try:
            data = json.loads(body.decode("utf-8")) if body is not None else None
        except ValueError:  # not JSON, not UTF-8
            return None
        return data if _is_entry(data, key) else None

    def _write(self, key: str, entry: dict[str, Any]) -> None:
        self._write_json(key[:2], key + ".json", entry)

    def _write_json(self, shard: str | None, name: str, data: object) -> None:
        if self._files is None:
            return
        try:
            body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        except ValueError:
            return  # a cache that cannot be written only costs time: the page is right either way
        self._files.write(shard, name, body)

    # -- the page index: which blocks a page holds, with their entries, in one file -----------------
    def read_index(self, name: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]] | None:
        """The index ``name`` saved by :meth:`write_index`: (its pages, its valid entries), or None.

        Entries are checked as single files are: one whose key does not match is left out.
        """
        if self._files is None or not _INDEX_NAME.fullmatch(name):
            return None
        body = self._files.read(None, f"index-{name}.json")
        if body is None:
            return None
        try:
            data = json.loads(body.decode("utf-8"))
            if not (isinstance(data, dict) and data.get("format") == FORMAT and data.get("name") == name):
                return None
            pages, entries = data["pages"], data["entries"]
            if not (isinstance(pages, dict) and isinstance(entries, dict)):
                return None
        except (ValueError, KeyError):
            return None
        return pages, {key: entry for key, entry in entries.items() if _is_entry(entry, key)}

    def write_index(self, name: str, pages: Mapping[str, Any], entries: Mapping[str, dict[str, Any]]) -> None:
        """Save ``pages`` (what a host needs to know of each page) with ``entries``, as the one
        index of this directory (an index made under other settings goes)."""
        if self._files is None or not _INDEX_NAME.fullmatch(name):
            return
        mine = f"index-{name}.json"
        self._write_json(None, mine, {"format": FORMAT, "name": name, "pages": pages, "entries": entries})
        self._files.prune(None, lambda other, info: other != mine and other.startswith("index-") and other.endswith(".json"))

    def prune(self, keep: Iterable[str] | None = None) -> int:
        """Remove stored entries whose key is not in ``keep`` (default: :attr:`used`); returns how many.

        Unfinished temporary files older than :data:`STALE_TEMP_SECONDS` go too, and links, which
        this cache never makes; nothing a link points to is touched. Files another build removes
        at the same time are skipped.
        """
        if self._files is None:
            return 0
        with self._lock:
            wanted = set(self.used if keep is None else keep)

        def unwanted(name: str, info: os.stat_result) -> bool:
            if stat.S_ISLNK(info.st_mode):
                return True
            if _KEY_FILE.fullmatch(name):
                return name[:-5] not in wanted and stat.S_ISREG(info.st_mode)
            return stat.S_ISREG(info.st_mode) and is_stale_temp(name, info, STALE_TEMP_SECONDS)

        removed = 0
        for shard in self._files.shards():
            gone, left = self._files.prune(shard, unwanted)
            removed += gone
            if left == 0:
                self._files.remove_shard(shard)
        return removed


def _awaited(outcome: Future[str | BlockError]) -> str | BlockError | None:
    """What a background computation gave; None when it was cancelled before it started."""
    from concurrent.futures import CancelledError

    try:
        return outcome.result()
    except CancelledError:
        return None


_CACHES: dict[str | None, Cache] = {}
_CACHES_LOCK = threading.Lock()


def cache_for(directory: str | os.PathLike[str] | None) -> Cache:
    """The process's cache for ``directory`` (None: memory only), the same object on every call."""
    found = _CACHES.get(directory)  # type: ignore[arg-type]
    if found is not None:
        return found
    name = os.path.abspath(os.path.expanduser(directory)) if directory else None
    with _CACHES_LOCK:
        if name not in _CACHES:
            _CACHES[name] = Cache(name)
        return _CACHES[name]
