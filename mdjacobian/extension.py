"""``mdjacobian.extension``, the name Python-Markdown configurations use; see :mod:`mdjacobian.hosts.extension`."""

from __future__ import annotations

from .hosts.extension import JacobianExtension, makeExtension

__all__ = ["JacobianExtension", "makeExtension"]
