"""Blocks computed in this process, where a test can spy on the pipeline or plant a wrong rule.

Hosts always compute in worker processes; these run the very function a worker runs, and turn
what it raises into a BlockError as a worker does.
"""

from __future__ import annotations

from mdjacobian import Limits, Result
from mdjacobian.api import html_here, result_here
from mdjacobian.serving import converted


def evaluate_here(source: str, limits: Limits | None = None, **options: object) -> Result:
    """What :func:`mdjacobian.evaluate` gives, computed here."""
    given = {key: value for key, value in options.items() if value is not None}
    return converted(lambda: result_here(source, given, None, limits or Limits()))


def render_here(source: str, limits: Limits | None = None, **given: object) -> str:
    """What :func:`mdjacobian.render_block` gives, computed here."""
    return converted(lambda: html_here(source, given, None, limits or Limits(), [], ""))
