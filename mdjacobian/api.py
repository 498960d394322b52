"""The pipeline in one call: block text -> language -> calculus -> Result or HTML."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from .errors import BlockError
from .limits import Limits, run_with_time_limit
from .options import Options

if TYPE_CHECKING:
    from .calculus.engine import Derivation
    from .result import Result

T = TypeVar("T")


def guarded(work: Callable[[], T], limits: Limits) -> T:
    """Run ``work`` under the time limit; anything SymPy raises becomes a BlockError."""
    try:
        return run_with_time_limit(work, limits.timeout)
    except BlockError:
        raise
    except RecursionError:
        raise BlockError("the expression is too deeply nested to compute", kind="computation") from None
    except Exception as exc:  # SymPy can fail in many ways; an author should see a message, not a traceback.
        raise BlockError(f"could not compute this block ({type(exc).__name__}: {exc})", kind="computation") from None


def derive(source: str, given: Mapping[str, object], defaults: Options | None, limits: Limits) -> Derivation:
    """Read and derive a block: the language layer, then the calculus."""
    from .calculus.engine import derive as derive_block
    from .language import read_block

    block = read_block(source, given, defaults, limits)
    try:
        return derive_block(block, limits)
    except BlockError as exc:
        raise exc.of("expressions") from None  # what the block's expressions mean: shapes, undefined values


def evaluate(
    source: str, *, limits: Limits | None = None, defaults: Options | None = None, **options: object
) -> Result:
    """Compute the derivative a block describes, proven numerically.

    Args:
        source: the block's text, e.g. ``"f(x, y) = 3x^2 y\\ng(x, y) = 2x + y^8"``.
        limits: size and time bounds; :class:`~mdjacobian.limits.Limits` defaults when omitted.
        defaults: option values a host configures site-wide; the block's own lines override them.
        **options: block options (``wrt``, ``at``, ``layout``, ``show``, ``output``, ``derivative``,
            ``assume``) as text or Python values (``wrt=["x", "y"]``, ``at={"x": 1}``); a block line
            may not repeat one.

    Raises:
        BlockError: the block is invalid or went past a limit; ``.line`` names the line.
    """
    from .result import Result

    limits = limits or Limits()
    given = {key: value for key, value in options.items() if value is not None}
    return guarded(lambda: Result(derive(source, given, defaults, limits)), limits)


def render_block(
    source: str,
    given: Mapping[str, object] | None = None,
    defaults: Options | None = None,
    limits: Limits | None = None,
    classes: list[str] | None = None,
    id_value: str = "",
) -> str:
    """Compute a block and return its HTML; raises BlockError for the host to report."""
    from .render import render_html

    limits = limits or Limits()
    return guarded(
        lambda: render_html(derive(source, given or {}, defaults, limits), classes=classes, id_value=id_value),
        limits,
    )
