"""The pipeline in one call: block text -> language -> calculus -> Result or HTML.

Both entry points compute and render the block in a worker process (:mod:`mdjacobian.workers`),
within the block's limits; nothing a block describes is printed in the calling process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from . import workers
from .errors import BlockError
from .limits import Limits
from .options import Options

if TYPE_CHECKING:
    from .calculus.engine import Derivation
    from .result import Result


def derive(source: str, given: Mapping[str, object], defaults: Options | None, limits: Limits) -> Derivation:
    """Read and derive a block in this process: the language layer, then the calculus. Unbounded in time."""
    from .calculus.engine import derive as derive_block
    from .language import read_block

    block = read_block(source, given, defaults, limits)
    try:
        return derive_block(block, limits)
    except BlockError as exc:
        raise exc.of("expressions") from None  # what the block's expressions mean: shapes, undefined values


def result_here(source: str, given: Mapping[str, object], defaults: Options | None, limits: Limits) -> Result:
    """:func:`evaluate`'s work, done in the process that calls it (a worker, usually): the derivation
    and every rendering a host shows, within ``limits.max_output_chars``."""
    from .result import Result

    return Result.made(derive(source, given, defaults, limits), limits)


def html_here(
    source: str,
    given: Mapping[str, object],
    defaults: Options | None,
    limits: Limits,
    classes: list[str] | None,
    id_value: str,
) -> str:
    """:func:`render_block`'s work, done in the process that calls it (a worker, usually)."""
    from .render.html import bounded_displays, check_output, maths_html, wrap_html

    derivation = derive(source, given, defaults, limits)
    inside = maths_html(derivation, bounded_displays(derivation, limits.max_output_chars))
    unchecked = derivation.proof.warning() is not None
    return check_output(wrap_html(inside, classes, id_value, unchecked=unchecked), limits.max_output_chars)


def evaluate(
    source: str, *, limits: Limits | None = None, defaults: Options | None = None, **options: object
) -> Result:
    """Compute the derivative a block describes, proven numerically.

    Args:
        source: the block's text, e.g. ``"f(x, y) = 3x^2 y\\ng(x, y) = 2x + y^8"``.
        limits: size, time and memory bounds; :class:`~mdjacobian.limits.Limits` defaults when omitted.
        defaults: option values a host configures site-wide; the block's own lines override them.
        **options: block options (``wrt``, ``at``, ``layout``, ``show``, ``output``, ``derivative``,
            ``assume``) as text or Python values (``wrt=["x", "y"]``, ``at={"x": 1}``); a block line
            may not repeat one.

    Raises:
        BlockError: the block is invalid or went past a limit; ``.line`` names the line.
    """
    limits = limits or Limits()
    given = {key: value for key, value in options.items() if value is not None}
    return workers.run(f"{__name__}:result_here", (source, given, defaults, limits), limits)


def render_block(
    source: str,
    given: Mapping[str, object] | None = None,
    defaults: Options | None = None,
    limits: Limits | None = None,
    classes: list[str] | None = None,
    id_value: str = "",
) -> str:
    """Compute a block and return its HTML; raises BlockError for the host to report."""
    limits = limits or Limits()
    args = (source, dict(given or {}), defaults, limits, list(classes or []), id_value)
    return workers.run(f"{__name__}:html_here", args, limits)
