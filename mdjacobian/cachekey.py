"""The key that signs a user's cache files, and the signature itself.

Whoever can write a cache directory can write entries, whose HTML goes into pages as it is. So each
file is signed (HMAC-SHA256) with a key of this user's that lives outside every cache, in the user's
configuration directory (:func:`key_directory`), made on first use and readable by the user only;
or, for CI jobs that share a cache, taken from :data:`KEY_ENV`. A file signed under another key is
read as missing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import sys
import time
from pathlib import Path

KEY_ENV = "MDJACOBIAN_CACHE_KEY"
"""An environment variable that, when set, is the signing key (e.g. a CI secret shared by trusted builds)."""
KEY_FILE = "cache-key"

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)
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
