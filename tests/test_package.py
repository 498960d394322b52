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


def test_import_does_not_load_the_other_hosts():
    code = (
        "import sys, mdjacobian, mdjacobian.hosts.pandoc, mdjacobian.hosts.jupyter; "
        "print(sorted(m for m in ('sympy', 'sphinx', 'docutils', 'IPython', 'nbformat') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert callable(mdjacobian.load_ipython_extension)


def test_markdown_entry_point():
    (entry,) = [e for e in entry_points(group="markdown.extensions") if e.name == "mdjacobian"]
    assert entry.load() is mdjacobian.extension.JacobianExtension


def test_console_scripts():
    scripts = {e.name: e.value for e in entry_points(group="console_scripts") if e.name.startswith("mdjacobian")}
    assert scripts == {"mdjacobian": "mdjacobian.hosts.cli:main", "mdjacobian-pandoc": "mdjacobian.hosts.pandoc:main"}


def test_public_api():
    for name in mdjacobian.__all__:
        assert getattr(mdjacobian, name)
    assert issubclass(mdjacobian.BlockError, ValueError)
