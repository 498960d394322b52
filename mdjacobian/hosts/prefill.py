"""Compute a site's blocks several at a time, in the background, while its pages render.

A site generator renders its pages one after another. Before it starts, :func:`prefill` reads each
page's ``jacobian`` fences as the fence reader finds them (:mod:`mdjacobian.hosts.reading`) and sets
the blocks the cache does not hold computing, in page order, on as many worker processes as there
are jobs. A page that reaches one of them waits for it, then reports warnings, error boxes and
``fail_fast`` exactly as a serial build does: the cache hands back the same HTML or the same error
a computation would. A fence that the page's Markdown turns out to present differently (for
instance one rewritten by another plugin) simply misses the cache and is computed while its page
renders.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .fence import NAME, Settings, fence_validator, key_for, remember_key
from .reading import fence_line, fences
from ..errors import BlockError
from ..options import PRESENTATION_CHOICES


@dataclass(frozen=True)
class Found:
    """A ``jacobian`` fence of a page, as the fence formatter will be handed it."""

    source: str
    given: dict[str, Any]
    classes: tuple[str, ...]
    id_value: str


def blocks_of(text: str) -> Iterator[Found]:
    """The ``jacobian`` fences of a page's Markdown whose fence line is valid."""
    for fence in fences(text.splitlines()):
        line = fence_line(fence.header)
        if line is None or line.language != NAME:
            continue
        options: dict[str, Any] = {}
        fence_validator(NAME, line.inputs, options, {}, None)  # type: ignore[arg-type]
        if "error" in options:
            continue  # reported while the page renders; nothing to compute
        classes = tuple(c for c in line.classes if c and c != NAME)
        given = {key: value for key, value in options["given"].items() if key not in PRESENTATION_CHOICES}
        yield Found("\n".join(fence.body), given, classes, line.id_value)


def prefill(pages: Iterable[str], settings: Settings, jobs: int) -> int:
    """Start computing into the cache every block of ``pages`` it does not hold; returns how many.

    The blocks are computed in the background, in page order, while the pages render: a page whose
    block is not done yet waits for that block (:meth:`~mdjacobian.cache.Cache.expect`), so every
    block is computed once. :func:`cancel` drops the blocks not started yet.
    """
    if not settings.cache:
        return 0
    from ..api import render_block
    from ..cache import cache_for

    cache = cache_for(settings.cache_dir)
    index = _Index(cache, settings)
    todo: dict[str, Found] = {}
    for text in pages:
        if index.known(text):
            continue  # the same page, with the same settings, as in the last build: all its blocks are stored
        records = []
        for found in blocks_of(text):
            key = key_for(found.source, found.given, settings, list(found.classes), found.id_value)
            records.append((found, key))
            if key is not None and key not in todo and cache.get(key) is None:
                todo[key] = found
        index.add(text, records)
    with _lock:
        _indexes[cache] = index
    if not todo:
        return 0

    def compute(key: str, found: Found) -> str | BlockError:
        def work() -> str:
            return render_block(found.source, found.given, settings.defaults, settings.limits, list(found.classes), found.id_value)

        return cache.outcome(key, work)

    from .. import workers

    workers.set_jobs(max(workers.pool().jobs, jobs))
    executor = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="mdjacobian-prefill")
    with _lock:
        _running.append((executor, cache))
    for key, found in todo.items():
        cache.expect(key, executor.submit(compute, key, found))
    executor.shutdown(wait=False)  # its threads end once the last block is done
    return len(todo)


_running: list[tuple[ThreadPoolExecutor, Any]] = []
_indexes: dict[Any, _Index] = {}
_lock = threading.Lock()


class _Index:
    """Which blocks each page held in the last build, stored with their entries in one file.

    A page whose text is unchanged since then, under the same settings and versions (the index's
    name is a key over both), needs neither reading for fences nor hashing per block: its entries
    go into memory and its blocks' keys into :func:`~mdjacobian.hosts.fence.key_for`'s memory, in
    one file read. Everything stays content-addressed: a page that renders other fences than the
    index says simply misses, and is computed.
    """

    def __init__(self, cache: Any, settings: Settings) -> None:
        from ..cache import block_key

        self.cache = cache
        self.settings = settings
        self.name = block_key(index="pages", settings=settings) or ""
        self.pages: dict[str, list] = {}
        self.changed = False
        found = _saved.get((cache, self.name)) or cache.read_index(self.name)
        self.saved, self.entries = found if found is not None else ({}, {})

    @staticmethod
    def digest(text: str) -> str:
        import hashlib

        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def known(self, text: str) -> bool:
        digest = self.digest(text)
        records = self.saved.get(digest)
        try:
            if not isinstance(records, list) or any(record[4] not in self.entries for record in records):
                return False
            for source, items, classes, id_value, key in records:
                remember_key(source, dict(items), self.settings, list(classes), id_value, key)
                self.cache.memory.put(key, self.entries[key])
                self.cache.mark_used(key)
        except (TypeError, ValueError, IndexError):
            return False
        self.pages[digest] = records
        return True

    def add(self, text: str, records: list[tuple[Found, str | None]]) -> None:
        self.changed = True
        if any(key is None for _, key in records):
            return  # a block with no key cannot be found again: read this page every time
        self.pages[self.digest(text)] = [
            [f.source, sorted(f.given.items()), list(f.classes), f.id_value, key] for f, key in records
        ]

    def save(self) -> bool:
        """Save the index when the site's pages changed; returns whether they had."""
        if not self.changed and set(self.pages) == set(self.saved):
            return False  # the same pages as the saved index says
        entries = {}
        for records in self.pages.values():
            for record in records:
                entry = self.cache.memory.get(record[4])
                if entry is not None:
                    entries[record[4]] = entry
        # A page is indexed only with all its entries (a block that timed out is stored nowhere).
        pages = {digest: records for digest, records in self.pages.items() if all(r[4] in entries for r in records)}
        self.cache.write_index(self.name, pages, entries)
        _saved[(self.cache, self.name)] = (pages, entries)
        return True


_saved: dict[tuple[Any, str], tuple[dict, dict]] = {}
"""The index each cache last saved, kept for the next build in this process (``mkdocs serve``)."""


def save_index() -> bool:
    """After a full build: save, for each cache the prefill read, which blocks its pages held.

    Returns False when no page changed since the index was saved: the build used the very entries
    the last one kept, and there is nothing to prune.
    """
    with _lock:
        indexes = list(_indexes.values())
        _indexes.clear()
    changed = [index.save() for index in indexes]
    return not indexes or any(changed)


def cancel() -> None:
    """Stop the background computations of every prefill at once: the blocks not started are
    dropped and the workers computing the others are stopped (a build that failed, or was
    interrupted, needs none of them; what a stopped block gives is not stored)."""
    with _lock:
        running, _running[:] = list(_running), []
    for executor, cache in running:
        executor.shutdown(wait=False, cancel_futures=True)
        cache.forget_pending()
    if running:
        from .. import workers

        workers.stop()
