"""``extensions = ["mdjacobian.sphinx"]``, the name Sphinx configurations use; see :mod:`mdjacobian.hosts.sphinx`."""

from __future__ import annotations

from .hosts.sphinx import setup

__all__ = ["setup"]
