"""Skip a host's tests on a machine that lacks it; in CI, where .ci/setup installs everything, fail."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
INSTALL = "pip install -e '.[hosts]'"


def need(condition: bool, reason: str) -> None:
    """Skip when ``condition`` is false on a developer's machine; fail in CI."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def need_modules(*names: str) -> None:
    """Python packages a host's test runs."""
    for name in names:
        need(importlib.util.find_spec(name) is not None, f"{name} is not installed: {INSTALL}")


def need_command(name: str, hint: str) -> str:
    """A program from this venv or the system, by name; returns its path."""
    path = BIN / name if (BIN / name).exists() else shutil.which(name)
    need(path is not None, f"{name} is not installed: {hint}")
    return str(path)
