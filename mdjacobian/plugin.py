"""``mdjacobian.plugin``, the MkDocs plugin's import path; see :mod:`mdjacobian.hosts.plugin`."""

from __future__ import annotations

from .hosts.plugin import JacobianConfig, JacobianPlugin

__all__ = ["JacobianConfig", "JacobianPlugin"]
