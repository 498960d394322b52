"""Packaging promises: a cheap import and the registered entry points."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import mdjacobian


def test_import_does_not_load_sympy():
    code = "import sys, mdjacobian, mdjacobian.extension; print('sympy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_markdown_entry_point():
    (entry,) = [e for e in entry_points(group="markdown.extensions") if e.name == "mdjacobian"]
    assert entry.load() is mdjacobian.extension.JacobianExtension


def test_public_api():
    for name in mdjacobian.__all__:
        assert getattr(mdjacobian, name)
    assert issubclass(mdjacobian.BlockError, ValueError)
