"""The files of a cache directory: signed, and read, written and removed without following links.

A cache directory may come from elsewhere (a CI cache restored from another build), so nothing in
it is trusted. Each file is signed with an HMAC under a key of this user's, kept outside the cache
(:mod:`mdjacobian.cachekey`): a file signed under another key, or changed since, is read as missing, so
a cache written by someone else can cost time but never put HTML into a page. Links are never
followed: a shard, an entry, the page index or ``CACHEDIR.TAG`` that is a symbolic link is not read
or written through, and pruning removes links, never what they point to. Files are opened relative
to their directory's descriptor, so a directory swapped for a link while a build runs is not
followed either.
"""

from __future__ import annotations

import os
import secrets
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .cachekey import signed, verified

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_DIR_FDS = os.open in os.supports_dir_fd and os.replace in os.supports_dir_fd and bool(_NOFOLLOW)


class Directory:
    """A cache directory's files, one level of shards below the root: ``<root>/<shard>/<name>``.

    Every method returns None or does nothing when a file cannot be had safely: a cache only costs time.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.fspath(root)

    def _folder(self, shard: str | None) -> str:
        return os.path.join(self.root, shard) if shard else self.root

    @contextmanager
    def _opened(self, shard: str | None, create: bool = False) -> Iterator[int | None]:
        """A descriptor of the root, or of one of its shards, opened without following a link to
        the shard; None when it is missing, a link, or not a directory."""
        fds: list[int] = []
        try:
            try:
                if create:
                    os.makedirs(self.root, exist_ok=True)
                fds.append(os.open(self.root, os.O_RDONLY | _DIRECTORY))
                if shard is not None and _DIR_FDS:
                    if create:
                        try:
                            os.mkdir(shard, 0o777, dir_fd=fds[0])
                        except FileExistsError:
                            pass
                    fds.append(os.open(shard, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=fds[0]))
                elif shard is not None:
                    folder = os.path.join(self.root, shard)
                    if create:
                        os.makedirs(folder, exist_ok=True)
                    if os.path.islink(folder) or not os.path.isdir(folder):
                        raise NotADirectoryError(folder)
                parent: int | None = fds[-1]
            except OSError:
                parent = None
            yield parent
        finally:
            for fd in fds:
                os.close(fd)

    def read(self, shard: str | None, name: str, limit: int = 1 << 30) -> bytes | None:
        """The verified body of a regular file, never through a link; None when there is none."""
        if not _DIR_FDS:
            return self._read_by_path(shard, name, limit)
        with self._opened(shard) as parent:
            if parent is None:
                return None
            try:
                fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY, dir_fd=parent)
            except OSError:
                return None
        return self._read_fd(fd, limit)

    def _read_by_path(self, shard: str | None, name: str, limit: int) -> bytes | None:
        # Without descriptors relative to a directory (Windows): check each part is not a link.
        parts = [self.root, *([shard] if shard else []), name]  # each below the root must not be a link
        path = os.path.join(*parts)
        try:
            if any(os.path.islink(os.path.join(*parts[: i + 1])) for i in range(1, len(parts))):
                return None
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY)
        except OSError:
            return None
        return self._read_fd(fd, limit)

    @staticmethod
    def _read_fd(fd: int, limit: int) -> bytes | None:
        try:
            with os.fdopen(fd, "rb") as file:
                if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                    return None  # a fifo, a device: never waited on
                data = file.read(limit + 1)
        except OSError:
            return None
        return verified(data) if len(data) <= limit else None

    def write(self, shard: str | None, name: str, body: bytes) -> None:
        """Sign ``body`` and store it as ``name``, whole or not at all, never through a link."""
        data = signed(body)
        with self._opened(shard, create=True) as parent:
            if parent is None:
                return
            self._ensure_tag()
            temp = f".tmp-{secrets.token_hex(8)}.json"
            try:
                if _DIR_FDS:
                    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, 0o600, dir_fd=parent)
                else:
                    folder = self._folder(shard)
                    if shard and os.path.islink(folder):
                        return
                    fd = os.open(os.path.join(folder, temp), os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o600)
            except OSError:
                return
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(data)
                if _DIR_FDS:
                    os.replace(temp, name, src_dir_fd=parent, dst_dir_fd=parent)  # a link there is replaced, not followed
                else:
                    os.replace(os.path.join(folder, temp), os.path.join(folder, name))
            except OSError:
                self._remove(parent, temp, shard)

    def _remove(self, parent: int | None, name: str, shard: str | None) -> bool:
        try:
            if _DIR_FDS and parent is not None:
                os.unlink(name, dir_fd=parent)
            else:
                os.unlink(os.path.join(self._folder(shard), name))
            return True
        except OSError:
            return False

    def _ensure_tag(self) -> None:
        """Mark the root as a cache directory (``CACHEDIR.TAG``) unless something of that name is
        there already; a link of that name, even a dangling one, is left as it is."""
        path = os.path.join(self.root, "CACHEDIR.TAG")
        try:
            os.lstat(path)
            return
        except FileNotFoundError:
            pass
        except OSError:
            return
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, 0o644)
            with os.fdopen(fd, "wb") as file:
                file.write(TAG_TEXT.encode())
        except OSError:
            pass

    def shards(self) -> list[str]:
        """The shards that are real directories; links named like shards are removed."""
        found = []
        try:
            with os.scandir(self.root) as entries:
                for entry in entries:
                    if len(entry.name) == 2 and entry.is_symlink():
                        self._remove(None, entry.name, None)
                    elif len(entry.name) == 2 and entry.is_dir(follow_symlinks=False):
                        found.append(entry.name)
        except OSError:
            pass
        return found

    def prune(self, shard: str | None, remove: Callable[[str, os.stat_result], bool]) -> tuple[int, int]:
        """Remove the files of a shard (or of the root) for which ``remove(name, lstat)`` says so;
        a link is only ever removed itself. Returns (removed, left)."""
        removed = left = 0
        with self._opened(shard) as parent:
            if parent is None:
                return 0, 0
            try:
                names = os.listdir(parent if _DIR_FDS else self._folder(shard))
            except OSError:
                return 0, 0
            for name in names:
                try:
                    if _DIR_FDS:
                        info = os.stat(name, dir_fd=parent, follow_symlinks=False)
                    else:
                        info = os.lstat(os.path.join(self._folder(shard), name))
                except OSError:
                    continue
                if remove(name, info) and self._remove(parent, name, shard):
                    removed += 1
                else:
                    left += 1
        return removed, left

    def remove_shard(self, shard: str) -> None:
        """Remove an empty shard (it fails when another build has just written into it)."""
        try:
            with self._opened(None) as parent:
                if parent is not None and _DIR_FDS:
                    os.rmdir(shard, dir_fd=parent)
                elif parent is not None and not os.path.islink(os.path.join(self.root, shard)):
                    os.rmdir(os.path.join(self.root, shard))
        except OSError:
            pass


def is_stale_temp(name: str, info: os.stat_result, age: float) -> bool:
    """Whether ``name`` is an unfinished temporary file older than ``age`` seconds."""
    return name.startswith(".tmp-") and time.time() - info.st_mtime > age


TAG_TEXT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This directory holds blocks rendered by mdjacobian; it can be deleted at any time.\n"
)
