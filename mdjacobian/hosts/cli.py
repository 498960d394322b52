"""``mdjacobian "3x^2 y, 2x + y^8" --wrt x,y``: print a Jacobian in the terminal."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib.metadata import version
from typing import TYPE_CHECKING

from .. import workers
from ..api import derive
from ..errors import BlockError
from ..limits import TIMEOUT_RANGE, Limits, check_timeout
from ..options import CHOICES, split_top_level

if TYPE_CHECKING:
    from ..calculus.engine import Derivation

FORMATS = ("text", "tex", "mathml", "sympy", "numpy", "jax", "torch")


def block_from_argument(argument: str) -> str:
    """A block from the command line: statements split on ``;``, or bare comma-separated expressions."""
    if "=" in argument or ":" in argument or "\n" in argument:
        return "\n".join(p.strip() for p in split_top_level(argument, ";")) if "\n" not in argument else argument
    expressions = [e.strip() for e in split_top_level(argument) if e.strip()]
    if len(expressions) == 1:
        return f"f = {expressions[0]}"
    return "f = [" + ", ".join(expressions) + "]"


def _seconds(text: str) -> float:
    try:
        return check_timeout(float(text))
    except ValueError:
        low, high = TIMEOUT_RANGE
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or a number of seconds from {low:g} to {high:g}, not {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mdjacobian",
        description="Compute a Jacobian with SymPy and print it.",
        epilog='examples: mdjacobian "3x^2 y, 2x + y^8" --wrt x,y    |    mdjacobian - < block.txt',
    )
    parser.add_argument(
        "block",
        help="comma-separated expressions ('3x^2 y, 2x + y^8'), statements separated by ';' "
        "('f(x, y) = x y; wrt: x, y'), or '-' to read a whole block from standard input",
    )
    parser.add_argument("--wrt", help="variables in column order, e.g. x,y")
    parser.add_argument("--at", help="also evaluate at a point, e.g. 'x = 1, y = 2'")
    parser.add_argument("--layout", choices=CHOICES["layout"])
    parser.add_argument("--show", choices=CHOICES["show"])
    parser.add_argument("--derivative", choices=CHOICES["derivative"], help="jacobian (default) or hessian")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--timeout", type=_seconds, help="seconds the computation may take; 0 for no limit (default: 10)")
    parser.add_argument("--cache-dir", metavar="DIR", help="keep results in DIR and reuse them when the same block is asked again")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('mdjacobian')}")
    return parser


UNCHECKED_STATUS = 3
"""The exit status when the result was printed but could not be proven numerically."""


def checked_output(source: str, options: dict[str, str], limits: Limits, form: str) -> str:
    """:func:`formatted`, and the warning of a result left unchecked, as one JSON text (what the cache keeps)."""
    derivation = derive(source, options, None, limits)
    warning = derivation.proof.warning() or derivation.claim_warning()
    shown = formatted(derivation, form, limits.max_output_chars)
    return json.dumps([shown, None if warning is None else str(warning)], ensure_ascii=False)


def formatted(derivation: Derivation, form: str, limit: int) -> str:
    """The computed block written in ``form``, at most ``limit`` characters (a LimitError otherwise)."""
    from ..render.displays import display_tex
    from ..render.html import bounded_displays, check_output, to_mathml

    if form in ("tex", "mathml"):
        shown = bounded_displays(derivation, limit)
        if form == "tex":
            return check_output("\n".join(display_tex(display) for display in shown), limit)
        return check_output(to_mathml(derivation, shown), limit)
    from ..render.size import check_printable

    check_printable(derivation, limit)
    if form in ("numpy", "jax", "torch"):
        from ..render.code import code_source

        return check_output(code_source(derivation, form), limit)
    if form == "sympy":
        from ..calculus.instances import at_sizes

        shown = derivation.matrix if derivation.matrix is not None else at_sizes(derivation, dict.fromkeys(derivation.block.sizes, 3))
        return check_output(repr(shown if derivation.value is None else (shown, derivation.value)), limit)
    from ..render.text import to_text

    return check_output(to_text(derivation), limit)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (1 for a bad block)."""
    args = _parser().parse_args(argv)
    source = sys.stdin.read() if args.block == "-" else block_from_argument(args.block)
    pairs = (("wrt", args.wrt), ("at", args.at), ("layout", args.layout), ("show", args.show), ("derivative", args.derivative))
    options = {k: v for k, v in pairs if v}
    limits = Limits(timeout=args.timeout) if args.timeout is not None else Limits()

    def computed() -> str:
        return workers.run(f"{__name__}:checked_output", (source, options, limits, args.format), limits)

    try:
        if args.cache_dir:
            from ..cache import block_key, cache_for

            key = block_key(host="cli", source=source, given=options, limits=limits, format=args.format)
            output = cache_for(args.cache_dir).compute(key, computed)
        else:
            output = computed()
    except BlockError as error:
        print(f"mdjacobian: {error}", file=sys.stderr)
        return 1
    shown, warning = json.loads(output)
    print(shown)
    if warning is not None:
        print(f"mdjacobian: warning: {warning}", file=sys.stderr)
        return UNCHECKED_STATUS
    return 0
