"""The files of a cache directory: signed, and read, written and removed without following links.

A cache directory may come from elsewhere (a CI cache restored from another build), so nothing in
it is trusted. Each file is signed with an HMAC under a key of this user's, kept outside the cache
(:func:`signing_key`): a file signed under another key, or changed since, is read as missing, so a
cache written by someone else can cost time but never put HTML into a page. Links are never
followed: a shard, an entry, the page index or ``CACHEDIR.TAG`` that is a symbolic link is not read
or written through, and pruning removes links, never what they point to. Files are opened relative
to their directory's descriptor, so a directory swapped for a link while a build runs is not
followed either.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

KEY_ENV = "MDJACOBIAN_CACHE_KEY"
"""An environment variable that, when set, is the signing key (e.g. a CI secret shared by trusted builds)."""
KEY_FILE = "cache-key"

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_DIR_FDS = os.open in os.supports_dir_fd and os.replace in os.supports_dir_fd and bool(_NOFOLLOW)
_PREFIX = b'{"tag":"'
_MIDDLE = b'","body":'
_TAG_HEX = 64


def key_directory() -> Path:
    """Where this user's signing key is kept: the user's configuration directory, never a cache.

    ``$XDG_CONFIG_HOME/mdjacobian`` where that is set, else ``~/.config/mdjacobian`` on Linux and
    other POSIX systems and ``~/Library/Application Support/mdjacobian`` on macOS;
    ``%APPDATA%\\mdjacobian`` on Windows.
    """
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "mdjacobian"
    if os.environ.get("XDG_CONFIG_HOME"):
        return Path(os.environ["XDG_CONFIG_HOME"]) / "mdjacobian"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "mdjacobian"
    return Path.home() / ".config" / "mdjacobian"


_key: bytes | None = None
_process_key = secrets.token_bytes(32)


def signing_key() -> bytes:
    """The key that signs this user's cache files: from :data:`KEY_ENV`, or the key file, made on
    first use (readable by this user only). When neither can be had (no home directory, no file
    descriptor left), a key of this process alone, until the key file can be read: the entries
    written meanwhile are then only misses."""
    global _key
    if _key is None:
        _key = _load_key()
    return _key or _process_key


def forget_key() -> None:
    """Read the key again at the next use (after the environment changed)."""
    global _key
    _key = None


def _load_key() -> bytes | None:
    given = os.environ.get(KEY_ENV)
    if given:
        return hashlib.sha256(b"mdjacobian cache key\0" + given.encode("utf-8", "surrogatepass")).digest()
    path = key_directory() / KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError):
        return None  # unreadable, or not a key: not ours to replace
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(secrets.token_hex(32).encode() + b"\n")
    except FileExistsError:
        pass  # another build made it first
    except OSError:
        return None
    for _ in range(20):  # another build may be writing it this moment
        try:
            return _read_key(path)
        except FileNotFoundError:
            time.sleep(0.01)
        except (OSError, ValueError):
            break
    return None


def _read_key(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY)
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise ValueError("not a file")
        text = file.read(200).strip()
    if len(text) != 64 or not all(c in b"0123456789abcdef" for c in text):
        raise ValueError("not a key") if text else FileNotFoundError(path)  # empty: being written
    return bytes.fromhex(text.decode())


def _tag(body: bytes) -> bytes:
    return hmac.new(signing_key(), body, hashlib.sha256).hexdigest().encode()


def signed(body: bytes) -> bytes:
    """A file's bytes: ``body`` (JSON) with its tag, as a JSON object ``{"tag": ..., "body": ...}``."""
    return _PREFIX + _tag(body) + _MIDDLE + body + b"}"


def verified(data: bytes) -> bytes | None:
    """The body of a file made by :func:`signed` under this user's key; None for anything else."""
    start = len(_PREFIX) + _TAG_HEX + len(_MIDDLE)
    if not (data.startswith(_PREFIX) and data[start - len(_MIDDLE) : start] == _MIDDLE and data.endswith(b"}")):
        return None
    body = data[start:-1]
    return body if hmac.compare_digest(data[len(_PREFIX) : len(_PREFIX) + _TAG_HEX], _tag(body)) else None


class Directory:
    """A cache directory's files, one level of shards below the root: ``<root>/<shard>/<name>``.

    Every method returns None or does nothing when a file cannot be had safely: a cache only costs time.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.fspath(root)

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
        parts = [self.root, *([shard] if shard else []), name]
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
                    folder = os.path.join(self.root, shard) if shard else self.root
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
                os.unlink(os.path.join(self.root, *([shard] if shard else []), name))
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

    def names(self, shard: str | None) -> list[str]:
        """The names in the root or in a shard (not through a link); empty when there is none."""
        with self._opened(shard) as parent:
            if parent is None:
                return []
            try:
                return os.listdir(parent) if _DIR_FDS else os.listdir(os.path.join(self.root, *([shard] if shard else [])))
            except OSError:
                return []

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
                names = os.listdir(parent) if _DIR_FDS else os.listdir(os.path.join(self.root, *([shard] if shard else [])))
            except OSError:
                return 0, 0
            for name in names:
                try:
                    if _DIR_FDS:
                        info = os.stat(name, dir_fd=parent, follow_symlinks=False)
                    else:
                        info = os.lstat(os.path.join(self.root, *([shard] if shard else []), name))
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
