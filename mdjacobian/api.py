"""The pipeline in one call: block text -> parse -> compute -> Result or HTML."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from .errors import BlockError
from .limits import Limits, run_with_time_limit
from .model import Result
from .options import Options

T = TypeVar("T")


def guarded(work: Callable[[], T], limits: Limits) -> T:
    """Run ``work`` under the time limit; anything SymPy raises becomes a BlockError."""
    try:
        return run_with_time_limit(work, limits.timeout)
    except BlockError:
        raise
    except RecursionError:
        raise BlockError("the expression is too deeply nested to compute") from None
    except Exception as exc:  # SymPy can fail in many ways; an author should see a message, not a traceback.
        raise BlockError(f"could not compute this block ({type(exc).__name__}: {exc})") from None


def _result(source: str, given: Mapping[str, object], defaults: Options | None, limits: Limits) -> Result:
    from .calculus import compute
    from .declare import DEFAULT_SIZES
    from .parse import parse_block

    block = parse_block(source, given, defaults, limits)
    if not block.sizes:
        return compute(block, limits)
    # A symbolic size (R^n): compute each instance; the vector form must be the same for all.
    # Each instance gives different sizes different values, so x · y with x in R^n, y in R^m is an
    # error rather than silently assuming m = n.
    names = [name for name, _ in block.sizes]
    count = len(DEFAULT_SIZES)
    results = []
    for i in range(count):
        sizes = {name: DEFAULT_SIZES[(i + k) % count] for k, name in enumerate(names)}
        instance = block if sizes == dict(block.sizes) else parse_block(source, given, defaults, limits, sizes)
        results.append(compute(instance, limits))
    forms = {r.form for r in results}
    if None in forms or len(forms) > 1:
        sizes = ", ".join(str(n) for n in DEFAULT_SIZES)
        raise BlockError(
            f"no vector form of this Jacobian was found at every size (tried {sizes}); "
            "declare a concrete size such as R^3 to see it in components"
        )
    return results[len(results) // 2]


def evaluate(
    source: str, *, limits: Limits | None = None, defaults: Options | None = None, **options: object
) -> Result:
    """Compute the Jacobian described by a block.

    Args:
        source: the block's text, e.g. ``"f(x, y) = 3x^2 y\\ng(x, y) = 2x + y^8"``.
        limits: size and time bounds; :class:`~mdjacobian.limits.Limits` defaults when omitted.
        defaults: option values a host configures site-wide; the block's own lines override them.
        **options: block options (``wrt``, ``at``, ``layout``, ``show``, ``output``) as text or
            Python values (``wrt=["x", "y"]``, ``at={"x": 1}``); a block line may not repeat one.

    Raises:
        BlockError: the block is invalid or went past a limit; ``.line`` names the line.
    """
    limits = limits or Limits()
    given = {key: value for key, value in options.items() if value is not None}
    return guarded(lambda: _result(source, given, defaults, limits), limits)


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
        lambda: render_html(_result(source, given or {}, defaults, limits), classes=classes, id_value=id_value),
        limits,
    )
