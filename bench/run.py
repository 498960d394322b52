"""Benchmarks, each against a baseline measured side by side in the same run.

    python bench/run.py            # pip install latex2mathml to include it in the converter comparison

1. One 3×3 block through the whole pipeline (parse, differentiate, print TeX, convert to MathML,
   wrap in HTML), against the baseline of SymPy alone differentiating and printing the same
   functions built directly (no parsing, no MathML).
2. ``import mdjacobian`` in a fresh interpreter, against ``import markdown``.
3. TeX -> MathML converters on the 3×3 result: math-core (used), latex2mathml, and SymPy's own
   MathML printer (from the expression, not the TeX).
4. Blocks at symbolic sizes (derived in matrix notation and proven at three random size
   assignments), each against the concrete 3×3 block of 1 as the baseline.
5. A block of ``bench/site.py`` stage by stage, each stage against the whole block.
6. ``Result.at_sizes`` with inverses and determinants at sizes 5 to 9, each a first call (caches
   cleared), against writing the same form out as cofactors (at 5 and 6; above, cofactors take minutes).

Timings interleave candidate and baseline and report medians, so a busy machine slows both alike;
the ratio is the figure to compare across machines.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

BLOCK = """\
y1(x1, x2, x3) = x1^2 x2 + sin(x3)
y2(x1, x2, x3) = exp(x1 x2) - x3^3
y3(x1, x2, x3) = ln(1 + x1^2) + x2 x3
show: full
at: x1 = 1, x2 = 2, x3 = 3
"""


def median_seconds(func: Callable[[], object], repeat: int, number: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def side_by_side(candidate: Callable[[], object], baseline: Callable[[], object], rounds: int = 7, number: int = 20) -> tuple[float, float]:
    """Interleave the two, ``rounds`` times, and return their median seconds per call."""
    a, b = [], []
    for _ in range(rounds):
        a.append(median_seconds(candidate, 1, number))
        b.append(median_seconds(baseline, 1, number))
    return statistics.median(a), statistics.median(b)


def import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return float(out)


def row(name: str, seconds: float, baseline: float) -> str:
    return f"  {name:<46} {seconds * 1e3:9.3f} ms   ×{seconds / baseline:6.2f}"


def main() -> None:
    import sympy as sp

    import mdjacobian

    x1, x2, x3 = (sp.Symbol(n, real=True) for n in ("x1", "x2", "x3"))
    functions = [x1**2 * x2 + sp.sin(x3), sp.exp(x1 * x2) - x3**3, sp.log(1 + x1**2) + x2 * x3]

    def pipeline() -> str:
        return mdjacobian.render_block(BLOCK)

    def sympy_only() -> str:
        jacobian = sp.Matrix(functions).jacobian([x1, x2, x3])
        return sp.latex(jacobian) + sp.latex(jacobian.subs({x1: 1, x2: 2, x3: 3}))

    pipeline(), sympy_only()  # warm caches and lazy imports
    ours, base = side_by_side(pipeline, sympy_only)
    print("1. one 3×3 block (show: full, with a point), median per block")
    print(row("baseline: SymPy jacobian + latex, no parsing", base, base))
    print(row("mdjacobian.render_block (whole pipeline)", ours, base))

    print("\n2. import time in a fresh interpreter, median of 7")
    markdown_s = statistics.median(import_seconds("markdown") for _ in range(7))
    ours_s = statistics.median(import_seconds("mdjacobian") for _ in range(7))
    sympy_s = statistics.median(import_seconds("sympy") for _ in range(3))
    print(row("baseline: import markdown", markdown_s, markdown_s))
    print(row("import mdjacobian (SymPy not loaded)", ours_s, markdown_s))
    print(row("for scale: import sympy (paid at the first block)", sympy_s, markdown_s))

    print("\n3. TeX -> MathML for the 3×3 result, median per conversion")
    result = mdjacobian.evaluate(BLOCK)
    tex = result.tex.splitlines()[0]
    from math_core import LatexToMathML

    converter = LatexToMathML(annotation=True)
    math_core_s, _ = side_by_side(lambda: converter.convert_with_local_state(tex, displaystyle=True), lambda: None, number=200)
    print(row("math-core (used)", math_core_s, math_core_s))
    try:
        import latex2mathml.converter as l2m

        l2m_s, _ = side_by_side(lambda: l2m.convert(tex, display="block"), lambda: None, number=50)
        print(row("latex2mathml", l2m_s, math_core_s))
    except ImportError:
        print("  latex2mathml: not installed (pip install latex2mathml)")
    mathml_s, _ = side_by_side(lambda: sp.mathml(result.matrix, printer="presentation"), lambda: None, number=50)
    print(row("SymPy MathML printer (from the matrix)", mathml_s, math_core_s))
    print(f"\n  for scale: the whole block takes {ours / math_core_s:,.0f}× one math-core conversion")


SYMBOLIC = {
    "neuron max(0, w·x + b) wrt w": "x, w in R^n\nb in R\ny = max(0, w · x + b)\nwrt: w",
    "least squares ‖Wx − y‖² wrt W": "W in R^(m x n)\nx in R^n\ny in R^m\nL = norm(W x - y)^2\nwrt: W",
    "softmax(z) wrt z": "z in R^n\ns = softmax(z)\nwrt: z",
    "log det A wrt A": "A in R^(n x n)\nf = logdet(A)\nwrt: A",
    "two-layer loss wrt V": "x in R^n\nV in R^(k x n)\nW in R^(m x k)\nb1 in R^k\nb2, y in R^m\n"
    "L = norm(W max(0, V x + b1) + b2 - y)^2\nwrt: V",
    "batch layer ‖XW + b − Y‖²/N wrt W, b, X": "X in R^(N x k)\nW in R^(k x m)\nb in R^m\nY in R^(N x m)\n"
    "Z = X W + b\nL = norm(Z - Y)^2 / N\nwrt: W, b, X",
    "batch softmax cross-entropy wrt W": "X in R^(N x k)\nW in R^(k x C)\nb in R^C\nY in R^(N x C)\n"
    "L = -sum(Y .* logsoftmax(X W + b)) / N\nwrt: W",
    "attention wrt Q, K, V": "Q, K in R^(T x d)\nV, G in R^(T x e)\nA = softmax(Q K^T / sqrt(d))\nO = A V\n"
    "L = sum(G .* O)\nwrt: Q, K, V",
    "layer norm wrt x, g, b": "x, g, b in R^n\nepsilon in R\nu = x - mean(x)\ns = sqrt(mean(u.^2) + epsilon)\n"
    "y = g .* u / s + b\nwrt: x, g, b",
    "two-layer network, show: backprop": "x in R^n\nV in R^(h x n)\nb1 in R^h\nW in R^(m x h)\nb2, y in R^m\n"
    "z = V x + b1\na = max(0, z)\nr = W a + b2 - y\nL = norm(r)^2\nwrt: W, b2, V, b1\nshow: backprop",
}


def symbolic() -> None:
    import mdjacobian

    def concrete() -> str:
        return mdjacobian.render_block(BLOCK)

    print("\n4. blocks at symbolic sizes, each against the concrete 3×3 block, median per block")
    for label, source in SYMBOLIC.items():
        mdjacobian.render_block(source)
        ours, base = side_by_side(lambda: mdjacobian.render_block(source), concrete, rounds=5, number=3)
        print(row(label, ours, base))


def site_block(k: int) -> str:
    """The k-th block of bench/site.py's site (page k // 20, block k % 20): a 3 × 3 Jacobian as TeX."""
    a, b, c = k // 20 + 2, k % 20 + 2, k // 20 + k % 20 + 3
    return (
        f"y1(x1, x2, x3) = {a} x1^2 x2 + sin({b} x3)\ny2(x1, x2, x3) = exp(x1 x2) - {c} x3^3\n"
        f"y3(x1, x2, x3) = ln(1 + x1^2) + {a} x2 x3"
    )


def peer_functions(k: int) -> list:
    """The same functions as :func:`site_block`, built in SymPy as the peer's block builds them."""
    import sympy as sp

    a, b, c = k // 20 + 2, k % 20 + 2, k // 20 + k % 20 + 3
    x1, x2, x3 = (sp.Symbol(n, real=True) for n in ("x1", "x2", "x3"))
    return [a * x1**2 * x2 + sp.sin(b * x3), sp.exp(x1 * x2) - c * x3**3, sp.log(1 + x1**2) + a * x2 * x3]


def stages(count: int = 300) -> None:
    """Where the site benchmark's blocks spend their time, stage by stage, in this process."""
    import sympy as sp

    from mdjacobian import Limits
    from mdjacobian.api import derive
    from mdjacobian.calculus.engine import Engine
    from mdjacobian.language import read_block
    from mdjacobian.render.html import render_html

    limits = Limits()
    given = {"output": "tex"}
    labels = (
        "read the block (language)",
        "build the model (calculus)",
        "components: SymPy values + derivatives",
        "the numerical proof",
        "render: SymPy's LaTeX printer + HTML",
    )
    totals = dict.fromkeys(labels, 0.0)
    blocks = [site_block(k) for k in range(count + 20)]  # the first 20 warm up
    for k, text in enumerate(blocks):
        marks = [time.perf_counter()]
        block = read_block(text, given, None, limits)
        marks.append(time.perf_counter())
        engine = Engine(block, limits)
        function = engine.function()
        parts = engine.parts(function)
        marks.append(time.perf_counter())
        parts, concrete = engine.components(function, parts)
        marks.append(time.perf_counter())
        engine.prove(function, parts, None, sp.ImmutableMatrix(sp.Matrix.hstack(*concrete["numerator"])))
        marks.append(time.perf_counter())
        if k >= 20:
            for label, begin, end in zip(labels, marks, marks[1:]):
                totals[label] += end - begin
    # Rendering needs a whole derivation: made here, outside the timing.
    derivations = [derive(text, given, None, limits) for text in blocks[20:]]
    start = time.perf_counter()
    for derivation in derivations:
        render_html(derivation, classes=[], id_value="")
    totals[labels[-1]] = time.perf_counter() - start
    sp.core.cache.clear_cache()  # the peer starts as cold as the blocks did
    x = [sp.Symbol(n, real=True) for n in ("x1", "x2", "x3")]
    start = time.perf_counter()
    for k in range(20, count + 20):
        sp.latex(sp.Matrix(peer_functions(k)).jacobian(x))
    peer = (time.perf_counter() - start) / count
    whole = sum(totals.values()) / count
    print(f"\n5. where a block of bench/site.py spends its time (this process, {count} different blocks), mean per block")
    print(row("the whole block, stage by stage", whole, whole))
    for label in labels:
        print(row(label, totals[label] / count, whole))
    print(row("for scale: the peer's block (SymPy jacobian + latex)", peer, whole))


INVERSES = {
    "logdet(A) by A": "A in R^(n x n)\nf = logdet(A)\nwrt: A",
    "det(A) by A": "A in R^(n x n)\nf = det(A)\nwrt: A",
    "x^T inv(A) x by x": "A in R^(n x n)\nx in R^n\nf = x^T inv(A) x\nwrt: x",
    "inv(A) b by b": "A in R^(n x n)\nb in R^n\nf = inv(A) b\nwrt: b",
}


def inverses() -> None:
    import sympy as sp

    import mdjacobian
    from mdjacobian.calculus.adjugate import _det_and_inverse
    from mdjacobian.calculus.components import Lowering

    def fresh() -> None:
        sp.core.cache.clear_cache()
        _det_and_inverse.cache_clear()

    print("\n6. Result.at_sizes with inverses and determinants, first call, against the same form as cofactors")
    for label, source in INVERSES.items():
        result = mdjacobian.evaluate(source)
        form, definitions = result.parts[0].form, result.derivation.model.definitions
        for size in (5, 6, 7, 8, 9):

            def ours(size: int = size) -> object:
                fresh()
                return result.at_sizes(n=size)

            def cofactors(size: int = size) -> object:
                fresh()
                return Lowering({"n": size}, definitions)(form)

            name = f"{label}, n = {size}"
            if size <= 6:
                seconds, base = side_by_side(ours, cofactors, rounds=3, number=1)
                print(f"  {name:<46} {seconds * 1e3:9.3f} ms   ×{seconds / base:7.4f} of cofactors ({base * 1e3:,.0f} ms)")
            else:
                seconds = median_seconds(ours, 3, 1)
                print(f"  {name:<46} {seconds * 1e3:9.3f} ms   (cofactors take minutes: not run)")


if __name__ == "__main__":
    main()
    symbolic()
    stages()
    inverses()
