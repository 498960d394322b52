"""What several hosts do the same way: check options given as attributes, and write the caption line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..options import PRESENTATION_CHOICES, parse_option, parse_presentation

if TYPE_CHECKING:
    from ..result import Result

CHECK_MARK = "✓"
CHECKED = f"{CHECK_MARK} checked"
UNCHECKED = "not checked"


def checked_options(options: Mapping[str, str]) -> dict[str, str]:
    """The options a host read from attributes, each name and value checked; raises BlockError.

    Checking the names first keeps an attribute from reaching :func:`mdjacobian.evaluate` as some
    other keyword argument. ``source`` and ``expect``, which only the Markdown hosts act on, are
    checked and left out.
    """
    for key, value in options.items():
        if key in PRESENTATION_CHOICES:
            parse_presentation(key, value)
        else:
            parse_option(key, value)
    return {key: value for key, value in options.items() if key not in PRESENTATION_CHOICES}


def check_label(result: Result) -> str | None:
    """``✓ checked`` or ``not checked`` after the numerical check, or None when there was none."""
    if result.check is None:
        return None
    return CHECKED if result.check.checked else UNCHECKED


def caption_line(result: Result) -> str:
    """The caption with the check's verdict: ``2 × 2 Jacobian, numerator layout ✓ checked``; a result
    left unchecked has its own line (:func:`unchecked_line`)."""
    label = check_label(result)
    return f"{result.caption} {label}" if label == CHECKED else result.caption


def unchecked_line(result: Result) -> str | None:
    """``⚠ Not checked numerically: <reason>`` under a result left unchecked; None for a proven one."""
    from ..render.errorbox import unchecked_text

    return None if result.check.checked else unchecked_text(result.check.reason)
