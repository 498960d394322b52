"""Hostile input: block text is untrusted (issue 2, section 4).

Nothing written in a block may run code, reach ``eval``/``exec``/``sympify``/``parse_expr``, leave a
side effect or outlast the limits; every bad block ends as :class:`mdjacobian.BlockError` naming the
line. The suite has four parts: code-execution attempts, malformed input, resource attacks (and the
watchdog itself), and property-based fuzzing of the whole pipeline.
"""

from __future__ import annotations

import builtins
import dataclasses
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import mdjacobian
from mdjacobian import BlockError, LimitError, Limits, Result, evaluate, render_block
from mdjacobian.limits import run_with_time_limit
from mdjacobian.serving import WALL_FACTOR

from . import heavy
from .inprocess import evaluate_here, render_here

TIMEOUT = 2.0
"""The time limit the resource attacks run under."""
SLACK = 5.0
"""Generous allowance on top of the time limit: wall-clock assertions must never be tight."""
FAST = Limits(timeout=TIMEOUT)


def waited(limit: float) -> float:
    """The longest a block under ``limit`` may keep its caller waiting: the limit counts processor
    time, and a block on a busy machine is given WALL_FACTOR times as long before it is stopped."""
    return limit * WALL_FACTOR + SLACK


x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)


def outcome(source: str, limits: Limits = FAST, **options: object) -> Result | BlockError:
    """evaluate(), with a BlockError returned instead of raised; any other exception propagates."""
    try:
        return evaluate(source, limits=limits, **options)
    except BlockError as exc:
        return exc


def block_error(source: str, **options: object) -> BlockError:
    result = outcome(source, **options)
    assert isinstance(result, BlockError), f"expected a BlockError for {source!r}, got {result!r}"
    return result


def timed(source: str, limits: Limits = FAST) -> tuple[Result | BlockError, float]:
    start = time.monotonic()
    result = outcome(source, limits)
    return result, time.monotonic() - start


def watchdogs() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "mdjacobian-watchdog" and t.is_alive()]


def no_watchdog_left(wait: float = 2.0) -> bool:
    deadline = time.monotonic() + wait
    while watchdogs() and time.monotonic() < deadline:
        time.sleep(0.02)
    return not watchdogs()


# =================================================================================================
# 1. Code-execution attempts
# =================================================================================================

MARKER = "MARKER"  # replaced by a path under tmp_path

CODE_EXECUTION = [
    "f = __import__('os').system('touch MARKER')",
    "f = __import__",
    "f = ().__class__.__bases__[0].__subclasses__()",
    "f = x.__class__",
    "f = (x).real",
    "f = x.real",
    "f = x .real",
    "f = sin.__globals__",
    'f = eval("1")',
    'f = exec("x=1")',
    "f = eval(\"__import__('os').system('touch MARKER')\")",
    "f = exec(\"open('MARKER', 'w')\")",
    "f = open('MARKER', 'w')",
    "f = lambda x: x",
    "f = (lambda: 1)()",
    "lambda x: x",
    "f = {x for x in y}",
    "f = {x: 1}",
    "f = 'x'",
    'f = "x"',
    "f = '''x'''",
    "f = x[0]",
    "f = sin(x)[0]",
    "f = [x][0]",
    "f = [x, y][0]",
    "f = sin(x=1)",
    "f = g(x, y=2)",
    "f = max(x, y, key=1)",
    "f = g(*x)",
    "f = g(**x)",
    "f = __x__",
    "f = x__y",
    "f = _x",
    "__f__ = x",
    "f(__x) = x",
    "f = __builtins__",
    "f = Symbol('x')",
    'f = sympify("x")',
    "f = S('x')",
    'f = parse_expr("x")',
    "f = x; import os",
    "f = x;",
    "import os",
    "from os import system",
    "f = `x`",
    "f = x @ y",
    "f = x@y",
    "f = (y := 2)",
    "f = x % y",
    "f = x & y",
    "f = x | y",
    "f = ~x",
    "f = !x",
    "f = x < y",
    "f = x == y",
    "f = x != y",
    "f = $x",
    "f = x \\",
    "f = {x}",
    "f = x\x00",
    "__class__: x",
    "exec: print(1)",
]

KEYWORD_CONSTRUCTS = [
    "f = [x for x in y]",
    "f = (x for x in y)",
    "f = x if x else y",
    "f = x and y",
    "f = not x",
    "f = import os",
]
"""Python syntax made of plain words. These never execute anything (the words become symbols and the
text a product), but the contract says comprehensions and the like are errors, not silent products."""


@pytest.mark.parametrize("prefix, line", [("", 1), ("g(x, y) = x y\n# a comment\n", 3)], ids=["first", "third"])
@pytest.mark.parametrize("payload", CODE_EXECUTION)
def test_code_execution_attempt_is_a_block_error(payload: str, prefix: str, line: int, tmp_path) -> None:
    marker = tmp_path / "pwned"
    source = prefix + payload.replace(MARKER, str(marker))
    error = block_error(source)
    assert type(error) in (BlockError, LimitError)
    assert error.line == line
    with pytest.raises(BlockError):
        render_block(source, limits=FAST)
    assert not marker.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("payload", KEYWORD_CONSTRUCTS)
def test_python_keyword_constructs_are_block_errors(payload: str) -> None:
    assert block_error(payload).line == 1


def test_lambda_is_still_a_greek_name() -> None:
    """Whatever is done about keywords, ``lambda`` is the Greek letter and must stay usable."""
    lam = sp.Symbol("lambda", real=True)
    result = evaluate("f(lambda) = lambda^2")
    assert result.matrix == sp.Matrix([[2 * lam]])


@pytest.mark.parametrize("name", ["eval", "exec", "open", "system", "getattr", "globals", "compile", "input"])
def test_dangerous_names_are_only_abstract_functions(name: str) -> None:
    """Any other name called is an abstract function: a SymPy object named after it, never a call."""
    result = evaluate(f"f = {name}(x)\nwrt: x")
    (entry,) = result.matrix
    assert isinstance(entry, sp.Derivative)
    assert type(entry.expr).__name__ == name
    assert isinstance(entry.expr, sp.core.function.AppliedUndef)


@pytest.mark.parametrize(
    "options",
    [
        {"wrt": "__import__('os')"},
        {"wrt": ["x", "__class__"]},
        {"wrt": [object()]},
        {"wrt": 5},
        {"at": "x = __import__('os').system('touch MARKER')"},
        {"at": {"x": "eval('1')"}},
        {"at": {"__x": 1}},
        {"at": 5},
        {"layout": "__import__('os')"},
        {"show": 0},
        {"output": "<script>"},
        {"__class__": "x"},
        {"__init__": "x"},
        {"limits_": "x"},
    ],
)
def test_hostile_options_from_outside_the_block(options: dict, tmp_path) -> None:
    marker = tmp_path / "pwned"
    options = {k: (v.replace(MARKER, str(marker)) if isinstance(v, str) else v) for k, v in options.items()}
    error = block_error("f(x) = x", **options)
    assert error.line is None
    with pytest.raises(BlockError):
        render_block("f(x) = x", given=options, limits=FAST)
    assert not marker.exists()


ORDINARY = [
    "f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8",
    "f(x, y) = 10 x^2 y^2",
    "f = [sin(x) cos(y), exp(x y), max(x, y), abs(x - y), sqrt(x^2 + 1), atan2(y, x)]\nat: x = 1, y = 1/2",
    "y = x\nwrt: x",
    "f(x) = ln(x) + log(x, 2) + tanh(x) + Heaviside(x)\nlayout: denominator\nshow: full",
    "u = x^2\nf(x) = sin(u)",
    "x in R^3\nf = sum(x .* x)",
    "f = g(x, y)\nwrt: x, y\noutput: tex",
]


def test_no_path_reaches_eval_exec_sympify_or_parse_expr(monkeypatch, tmp_path) -> None:
    """Spy on every way text could become code, then run ordinary and hostile blocks through everything."""
    import sympy.parsing.sympy_parser as sympy_parser

    core_sympify = sys.modules["sympy.core.sympify"]  # the attribute sympy.core.sympify is the function

    # Warm up first, so the lazy imports of the ordinary path are done before the spies go in.
    for source in ORDINARY:
        render_here(source)
    calls: list[tuple[str, object]] = []

    def spy(name: str, real, only_text: bool):
        def wrapper(*args, **kwargs):
            if not only_text or any(isinstance(a, str) for a in (*args, *kwargs.values())):
                calls.append((name, args[:1]))
                raise AssertionError(f"{name} called with {args[:1]!r}")
            return real(*args, **kwargs)

        return wrapper

    marker = tmp_path / "pwned"
    live = []
    # The spies are undone before anything is asserted: pytest itself compiles while reporting.
    with monkeypatch.context() as patch:
        for name in ("eval", "exec", "compile"):
            patch.setattr(builtins, name, spy(name, getattr(builtins, name), only_text=False))
        for name in ("system", "popen", "execv", "execve", "spawnv", "fork", "remove", "unlink"):
            if hasattr(os, name):
                patch.setattr(os, name, spy(f"os.{name}", getattr(os, name), only_text=False))
        patch.setattr(subprocess, "Popen", spy("subprocess.Popen", subprocess.Popen, only_text=False))
        # SymPy calls sympify on its own objects all the time: only text given to it is suspect. Patch
        # every module-level binding of the real functions, not only the canonical ones.
        originals = {"sympify": core_sympify.sympify, "parse_expr": sympy_parser.parse_expr}
        for module in list(sys.modules.values()):
            module_name = getattr(module, "__name__", "") or ""
            if not module_name.startswith(("sympy", "mdjacobian")):
                continue
            for attr, real in originals.items():
                if getattr(module, attr, None) is real:
                    patch.setattr(module, attr, spy(f"{module_name}.{attr}", real, only_text=True))
        # In this process, where the spies can watch: a worker runs the very same code.
        results = [evaluate_here(source) for source in ORDINARY]
        pages = [render_here(source) for source in ORDINARY]
        for payload in CODE_EXECUTION + KEYWORD_CONSTRUCTS + ["f = eval(x)", "f = exec(x)\nwrt: x"]:
            source = payload.replace(MARKER, str(marker))
            for compute in (evaluate_here, render_here):
                try:
                    compute(source)
                except BlockError:
                    pass
        try:
            evaluate_here("f(x) = x", at="x = eval('1')")
        except BlockError:
            pass
        # The spies really are live: SymPy's own entry points now refuse text.
        for probe in (lambda: sp.sympify("x"), lambda: sympy_parser.parse_expr("x"), lambda: eval("1")):
            try:
                probe()
            except AssertionError:
                live.append(True)
        probes = len(calls)
    assert probes == 3 and live == [True] * 3
    assert calls[:-3] == []
    assert all(isinstance(r, Result) for r in results)
    assert all(isinstance(p, str) and "jacobian" in p for p in pages)
    assert not marker.exists()


def test_a_worker_runs_only_functions_of_the_package() -> None:
    from mdjacobian import workers

    for target in ("os:system", "builtins:eval", "mdjacobianx.api:html_here", "mdjacobian.api:html here"):
        with pytest.raises(ValueError):
            workers._resolve(target)
    assert workers._resolve("mdjacobian.api:html_here").__name__ == "html_here"


def test_blocks_leave_no_side_effects(monkeypatch, tmp_path) -> None:
    """No file in the working directory, no thread left behind, no SymPy global switched."""
    from sympy.core.parameters import global_parameters

    monkeypatch.chdir(tmp_path)
    before = set(os.environ.items())
    for source in ORDINARY + CODE_EXECUTION + ["f(x,y)=" + "abs(" * 8 + "x" + "-y)" * 8]:
        outcome(source.replace(MARKER, "pwned"), Limits(timeout=0.5))
    assert list(tmp_path.iterdir()) == []
    assert set(os.environ.items()) == before
    assert no_watchdog_left()
    assert global_parameters.evaluate is True
    assert global_parameters.distribute is True
    assert sp.Add(1, 1) == 2


# =================================================================================================
# 2. Malformed input
# =================================================================================================

MALFORMED = [
    # (source, line, fragments the message must contain)
    ("f = (x", 1, ["missing ')'"]),
    ("f = ((x)", 1, ["missing ')'"]),
    ("f = sin(x", 1, ["missing ')'"]),
    ("f = x)", 1, ["')'"]),
    ("f = [x, y", 1, ["missing ']'"]),
    ("f = [x, y]]", 1, ["']'"]),
    ("f(x) = x\n\n# comment\ng(x) = (x", 4, ["missing ')'"]),
    ("f = x\r\ng = (x", 2, ["missing ')'"]),
    ("", None, []),
    ("   \n\n\t\n", None, []),
    ("# only\n  # comments\n", None, []),
    ("f =", 1, []),
    ("f =   # nothing\ng = x", 1, []),
    ("= x", 1, []),
    ("f(x) = x\n= x", 2, []),
    ("f(x, x) = x", 1, ["'x'"]),
    ("f = x\nf = y", 2, ["already defined", "line 1"]),
    ("f = [x, y]\nf1 = x", 2, ["already"]),
    ("layot: numerator\nf = x", 1, ["did you mean 'layout'"]),
    ("f(x) = x\nlayot: numerator", 2, ["did you mean 'layout'", "wrt", "at", "layout", "show", "output"]),
    ("f(x) = x\nlayout: sideways", 2, ["'numerator'", "'denominator'"]),
    ("f(x) = x\nlayout: numerater", 2, ["did you mean 'numerator'", "'denominator'"]),
    ("f(x) = x\noutput: html", 2, ["'mathml'", "'tex'"]),
    ("f(x) = x\nshow: everything", 2, ["'result'", "'full'"]),
    ("f(x) = x\nlayout: numerator\nlayout: denominator", 3, ["already set on line 2"]),
    ("f(x) = x\nat: z = 1", 2, ["'z'"]),
    ("f(x) = x\nat: x = a", 2, ["number"]),
    ("f(x) = x\nat: x = 1, x = 2", 2, ["twice"]),
    ("f(x) = x\nat: x", 2, []),
    ("f(x) = x\nat:", 2, []),
    ("f(x) = x\nat: x = 1/0", 2, ["division by zero"]),
    ("f(x) = x\nat: x = (1", 2, []),
    ("wrt:\nf = x", 1, []),
    ("wrt: x, x\nf = x", 1, ["twice"]),
    ("f = sin(x, y)", 1, ["sin()", "1 argument", "got 2"]),
    ("f = max(x)", 1, ["max()", "at least 2", "got 1"]),
    ("f = atan2(x)", 1, ["atan2()"]),
    ("f = g()", 1, ["g()"]),
    ("f = sin", 1, ["sin(...)"]),
    ("f = 1/0", 1, ["division by zero"]),
    ("f = 0^-1", 1, ["division by zero"]),
    ("f = x/(x - x)", 1, ["division by zero"]),
    ("f = 2 3 x", 1, ["missing operator"]),
    ("f = x^^2", 1, []),
    ("f = x +", 1, []),
    ("f = * x", 1, []),
    ("f = ()", 1, []),
    ("f = [ ]", 1, []),
    ("pi = x", 1, ["built-in"]),
    ("f(sin) = sin", 1, ["built-in"]),
    ("f(x) = x\nthis is not a statement", 2, []),
    ("f = 1", None, ["variable"]),
]


@pytest.mark.parametrize("source, line, fragments", MALFORMED)
def test_malformed_block_names_the_line(source: str, line: int | None, fragments: list[str]) -> None:
    error = block_error(source)
    assert error.line == line, str(error)
    for fragment in fragments:
        assert fragment in str(error)
    if line is not None:
        assert str(error).startswith(f"line {line}: ")


def test_option_both_on_fence_line_and_in_block() -> None:
    error = block_error("f(x) = x\nlayout: numerator", layout="denominator")
    assert error.line == 2
    assert "layout" in str(error)
    assert isinstance(outcome("f(x) = x", layout="denominator"), Result)


def test_unknown_and_invalid_options_from_the_fence_line() -> None:
    error = block_error("f(x) = x", layot="numerator")
    assert "did you mean 'layout'" in str(error)
    assert error.line is None
    error = block_error("f(x) = x", layout="sideways")
    assert "'numerator'" in str(error) and "'denominator'" in str(error)


def test_wrt_a_builtin_function_is_a_block_error() -> None:
    block_error("wrt: sin\nf = x")


def test_wrt_a_builtin_function_names_its_line() -> None:
    assert block_error("wrt: sin\nf = x").line == 1


def test_jacobian_undefined_at_the_point_is_a_block_error() -> None:
    error = block_error("f(x) = 1/x\nat: x = 0")
    assert "undefined" in str(error)
    assert block_error("f(x) = 1/x", at="x = 0").line is None  # the point came from outside


@pytest.mark.parametrize("source", ["f(x) = 1/x\nat: x = 0", "f(x) = x^1000\nat: x = 10^40"])
def test_errors_at_the_point_name_the_at_line(source: str) -> None:
    assert block_error(source).line == 2


# =================================================================================================
# 3. Resource attacks
# =================================================================================================

SIZE_LIMITS = {"max_block_chars", "max_lines", "max_line_chars", "max_literal_digits"}
NUMBER_LIMITS = {"max_exponent", "max_number_digits"}


def _lines(count: int, make) -> str:
    return "\n".join(make(i) for i in range(count))


LIMITED = [
    # (id, source, the limits it may be stopped by)
    ("literal-5000-digits", "f(x) = " + "9" * 5000 + " x", SIZE_LIMITS),
    ("literal-10^100000", "f(x) = 1" + "0" * 100_000 + " x", SIZE_LIMITS),
    ("literal-900-digits", "f(x) = " + "9" * 900 + " x", {"max_literal_digits"}),
    ("decimal-900-digits", "f(x) = 0." + "1" * 900 + " x", {"max_literal_digits"}),
    ("at-900-digits", "f(x) = x\nat: x = " + "7" * 900, {"max_literal_digits"}),
    ("tower-9^9^9", "f(x) = 9^9^9 x", NUMBER_LIMITS),
    ("tower-9**9**9", "f(x) = 9**9**9 x", NUMBER_LIMITS),
    ("tower-2^2^2^2^2^2", "f(x) = 2^2^2^2^2^2 x", NUMBER_LIMITS),
    ("(x^1000)^1000", "f(x) = (x^1000)^1000", NUMBER_LIMITS),
    ("x^(10^10)", "f(x) = x^(10^10)", NUMBER_LIMITS),
    ("x^-(10^10)", "f(x) = x^-(10^10)", NUMBER_LIMITS),
    ("x^1000.5", "f(x) = x^1000.5", NUMBER_LIMITS),
    ("10^999*10^999...", "f(x) = " + "*".join(["10^999"] * 20) + " x", NUMBER_LIMITS),
    ("at-x^1000-at-10^40", "f(x) = x^1000\nat: x = 10^40", NUMBER_LIMITS),
    ("at-2^(1000x)-at-10^40", "f(x) = 2^(1000 x)\nat: x = 10^40", NUMBER_LIMITS),
    ("at-x-tower-at-2", "f(x) = x^x^x^x^x\nat: x = 2", NUMBER_LIMITS),
    ("at-9^9^9", "f(x) = x\nat: x = 9^9^9", NUMBER_LIMITS),
    ("parens-100", "f(x) = " + "(" * 100 + "x" + ")" * 100, {"max_depth"}),
    ("calls-100", "f(x) = " + "sin(" * 100 + "x" + ")" * 100, {"max_depth"}),
    ("abstract-calls-100", "f = " + "g(" * 100 + "x" + ")" * 100, {"max_depth"}),
    ("unary-minus-10000", "f(x) = " + "-" * 10_000 + "x", {"max_depth", "max_line_chars"}),
    ("unary-minus-900", "f(x) = " + "-" * 900 + "x", {"max_depth"}),
    ("exponents-400", "f(x) = x" + "^x" * 400, {"max_depth", "max_nodes"}),
    ("line-50000", "f(x) = " + "x + " * 12_500 + "x", {"max_block_chars", "max_line_chars"}),
    ("line-50000-allowed-block", "f(x) = " + "x + " * 12_500 + "x", {"max_line_chars"}),
    ("lines-1000", _lines(1000, lambda i: f"f{i}(x) = x"), {"max_lines", "max_block_chars"}),
    ("functions-30", _lines(30, lambda i: f"f{i}(x) = x^{i}"), {"max_functions"}),
    ("vector-300", "f = [" + ", ".join(["x"] * 300) + "]", {"max_functions"}),
    ("variables-100", "wrt: " + ", ".join(f"x{i}" for i in range(100)) + "\nf = x1", {"max_variables"}),
    ("declared-R^1000000", "x in R^1000000\nf = sum(x)", {"max_variables"}),
    ("declared-R^(9x9)", "W in R^(9x9)\nf = sum(W)", {"max_variables"}),
    ("intermediate-x^999^999", "u = x^999\nf = u^999", NUMBER_LIMITS),
    (
        "intermediates-doubling",
        _lines(25, lambda i: f"u{i + 1} = sin(u{i}) + cos(u{i})" if i else "u1 = sin(x) + cos(x)") + "\nf(x) = u25",
        {"max_nodes", "timeout"},
    ),
    ("matrix-chain", "W in R^(4x6)\nf = sum(" + " ".join(["W^T W"] * 8) + ")", {"max_nodes", "timeout"}),
]


@pytest.mark.parametrize("name, source, limits", LIMITED, ids=[case[0] for case in LIMITED])
def test_resource_attack_hits_a_named_limit(name: str, source: str, limits: set[str]) -> None:
    budget = FAST if name != "line-50000-allowed-block" else Limits(timeout=TIMEOUT, max_block_chars=100_000)
    result, elapsed = timed(source, budget)
    assert elapsed < waited(TIMEOUT)
    assert isinstance(result, LimitError), f"{name}: {result!r}"
    assert result.limit in limits, f"{name}: {result.limit}: {result}"
    assert result.limit in {f.name for f in dataclasses.fields(Limits)}


def _tower(n: int) -> sp.Expr:
    expr = x
    for _ in range(n - 1):
        expr = x**expr
    return expr


def _nest(fn, n: int, inner: sp.Expr = x) -> sp.Expr:
    for _ in range(n):
        inner = fn(inner)
    return inner


COMPUTED = [
    # (id, source, the function of x whose derivative a Result must hold, or None for any Result)
    ("exp-tower-4", "f(x) = exp(exp(exp(exp(x))))", _nest(sp.exp, 4)),
    ("x-tower-6", "f(x) = x^x^x^x^x^x", _tower(6)),
    ("sinh-nest-5", "f(x) = sinh(sinh(sinh(sinh(sinh(x)))))", _nest(sp.sinh, 5)),
    ("sin-nest-45", "f(x) = " + "sin(" * 45 + "x" + ")" * 45, _nest(sp.sin, 45)),
    ("2^2^2^2^2", "f(x) = 2^2^2^2^2 x", 65536 * x),
    ("x^1000", "f(x) = x^1000", x**1000),
    ("x^(1/10^40)", "f(x) = x^(1/10^40)", x ** sp.Rational(1, 10**40)),
    ("max-of-300", "f(x) = max(" + ",".join(["x"] * 300) + ")", x),
    ("big-root", "f(x) = (10^40 + 1)^(1/999) x", (10**40 + 1) ** sp.Rational(1, 999) * x),
    ("at-10^40-exp", "f(x) = exp(x)\nat: x = 10^40", sp.exp(x)),
    ("at-huge-root", "f(x) = x^(1/3)\nat: x = 1234567890123456789012345678901234567890", sp.cbrt(x)),
    ("exp-tower-5", "f(x) = exp(exp(exp(exp(exp(x)))))", _nest(sp.exp, 5)),
    ("exp-exp-10^40", "f(x) = exp(exp(10^40 x))", sp.exp(sp.exp(10**40 * x))),
]


@pytest.mark.parametrize("name, source, function", COMPUTED, ids=[case[0] for case in COMPUTED])
def test_resource_attack_is_a_block_error_or_the_right_answer(name: str, source: str, function) -> None:
    result, elapsed = timed(source)
    assert elapsed < waited(TIMEOUT)
    if isinstance(result, Result):
        assert result.shape == (1, 1)
        expected = sp.diff(function, x)
        (entry,) = result.matrix
        assert entry == expected or sp.simplify(entry - expected) == 0


SLOW = [("max-of-29-sums", heavy.SLOW)]
"""Small text that makes SymPy (or the numerical check) work far longer than any limit."""


@pytest.mark.parametrize("name, source", SLOW, ids=[case[0] for case in SLOW])
def test_pathological_block_stops_at_the_time_limit(name: str, source: str) -> None:
    assert len(source) < 500
    result, elapsed = timed(source)
    assert elapsed < waited(TIMEOUT)
    assert isinstance(result, BlockError), result
    if isinstance(result, LimitError):
        assert result.limit == "timeout"
        assert "time limit" in str(result)


def test_pathological_block_stops_at_the_time_limit_when_rendered() -> None:
    start = time.monotonic()
    with pytest.raises(LimitError) as info:
        render_block(SLOW[0][1], limits=Limits(timeout=1))
    assert info.value.limit == "timeout"
    assert time.monotonic() - start < waited(1)


def test_pathological_block_times_out_from_a_worker_thread() -> None:
    """mkdocs serve builds outside the main thread: the limit must still hold there."""
    box: dict[str, object] = {}

    def work() -> None:
        box["result"], box["elapsed"] = timed(SLOW[0][1])

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(waited(TIMEOUT) + 5)
    assert not thread.is_alive()
    assert isinstance(box["result"], LimitError) and box["result"].limit == "timeout"
    assert box["elapsed"] < waited(TIMEOUT)


def test_a_timeout_leaves_sympy_usable() -> None:
    assert isinstance(outcome(SLOW[0][1], Limits(timeout=0.5)), LimitError)
    result = evaluate("f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8")
    assert result.matrix == sp.Matrix([[6 * x * y, 3 * x**2], [2, 8 * y**7]])
    assert no_watchdog_left()


def test_a_limit_inside_a_worker_comes_back_whole() -> None:
    error = block_error("f(x) = 9^9^9 x")
    assert isinstance(error, LimitError) and error.limit == "max_exponent" and error.line == 1


def test_intermediates_cannot_build_a_huge_number() -> None:
    result, elapsed = timed("u = 9^999\nv = u^999\nf(x) = v^999 x", Limits(timeout=1.0))
    assert elapsed < waited(1.0)
    assert isinstance(result, LimitError)


def _worker_pids() -> set[int]:
    from mdjacobian import workers

    return {worker.process.pid for worker in workers.pool()._idle}


def test_a_worker_past_the_time_limit_is_killed_and_replaced() -> None:
    evaluate("f(x) = x")
    before = _worker_pids()
    result, elapsed = timed(SLOW[0][1], Limits(timeout=0.5))
    assert isinstance(result, LimitError) and result.limit == "timeout"
    assert elapsed < waited(0.5)
    assert before and not before & _worker_pids()  # the worker that timed out is gone
    for pid in before:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert evaluate("f(x, y) = x y").matrix == sp.Matrix([[y, x]])


def test_many_timeouts_leave_every_later_block_right() -> None:
    for _ in range(6):
        result = outcome(SLOW[0][1], Limits(timeout=0.2))
        assert isinstance(result, LimitError) and result.limit == "timeout"
        assert evaluate("f(x, y) = x y").matrix == sp.Matrix([[y, x]])
    assert render_block("f(x, y) = x y", limits=FAST) == render_here("f(x, y) = x y", FAST)


def test_a_block_whose_output_would_be_huge_is_refused_where_it_is_computed() -> None:
    """A Result arrives with its renderings printed, under the block's limits: nothing is printed here."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for compute in (evaluate, render_block):
        start = time.monotonic()
        with pytest.raises(LimitError) as error:
            compute(heavy.BIG_OUTPUT)
        assert error.value.limit == "max_output_chars"
        assert time.monotonic() - start < waited(Limits().timeout)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before  # KiB on Linux
    assert grown < 100 * 1024


def test_every_rendering_of_a_result_keeps_to_the_output_limit() -> None:
    source = "f(x, y) = sin(x y) + x^3 y\ng(x, y) = exp(x) cos(y)"
    shown = evaluate(source)
    assert len(shown.tex) < len(shown.mathml) < len(shown.to_html())
    # The TeX fits, the MathML does not: the block is refused, not handed over half-bounded.
    result = outcome(source, Limits(max_output_chars=len(shown.tex)))
    assert isinstance(result, LimitError) and result.limit == "max_output_chars", result
    assert evaluate(source, limits=Limits(max_output_chars=len(shown.to_html()))).to_html() == shown.to_html()


def test_a_block_that_needs_too_much_memory_is_stopped_by_the_cap() -> None:
    # The smallest cap, below what a worker holds with SymPy loaded (about 60 MB): the block's large
    # allocations fail inside the worker, and the caller gets a LimitError, not a MemoryError.
    source = "x in R^120\nf = [" + ", ".join(f"x{i} x{i % 120 + 1}" for i in range(1, 121)) + "]"
    limits = Limits(timeout=120, max_memory_mb=32, max_functions=200, max_variables=200, max_line_chars=10_000)
    result = outcome(source, limits)
    assert isinstance(result, LimitError) and result.limit == "max_memory_mb", result
    assert evaluate("f(x) = x^2").matrix == sp.Matrix([[2 * x]])


def test_blocks_in_many_threads_give_the_bytes_they_give_alone() -> None:
    limits, sources = FAST, [*ORDINARY, "f(x, y) = x y", "f(x, y) = x y\nat: x = 1, y = 2"] * 3
    alone = [render_block(source, limits=limits) for source in sources]
    together: list[str | None] = [None] * len(sources)

    def work(index: int) -> None:
        together[index] = render_block(sources[index], limits=limits)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(sources))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert together == alone


# -- the watchdog itself --------------------------------------------------------------------------


def _busy(seconds: float | None = None):
    def loop() -> str:
        end = time.monotonic() + seconds if seconds is not None else float("inf")
        while time.monotonic() < end:
            pass
        return "finished"

    return loop


def test_busy_loop_is_stopped_near_the_deadline() -> None:
    start = time.monotonic()
    with pytest.raises(LimitError) as info:
        run_with_time_limit(_busy(), 0.5)
    elapsed = time.monotonic() - start
    assert info.value.limit == "timeout"
    assert 0.45 <= elapsed < 0.5 + SLACK
    assert no_watchdog_left()


def test_loop_catching_exception_is_still_stopped() -> None:
    swallowed = []

    def stubborn() -> None:
        while True:
            try:
                _busy(0.05)()
            except Exception as exc:  # noqa: BLE001 - exactly what the watchdog must survive
                swallowed.append(exc)

    start = time.monotonic()
    with pytest.raises(LimitError) as info:
        run_with_time_limit(stubborn, 0.3)
    assert info.value.limit == "timeout"
    assert time.monotonic() - start < 0.3 + SLACK
    assert swallowed == []


def test_watchdog_works_from_a_non_main_thread() -> None:
    box: dict[str, object] = {}

    def work() -> None:
        try:
            run_with_time_limit(_busy(), 0.3)
        except BaseException as exc:  # noqa: BLE001
            box["error"] = exc
        box["after"] = run_with_time_limit(lambda: 42, 0.3)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(0.3 + SLACK)
    assert not thread.is_alive()
    assert isinstance(box["error"], LimitError) and box["error"].limit == "timeout"
    assert box["after"] == 42


def test_fast_call_returns_and_no_stray_exception_arrives_later() -> None:
    assert run_with_time_limit(lambda: 42, 0.2) == 42
    _busy(0.5)()  # well past the deadline, in pure Python where an async exception would land
    time.sleep(0.1)
    assert run_with_time_limit(_busy(0.05), 0.2) == "finished"
    _busy(0.4)()
    assert no_watchdog_left()


def test_calls_ending_right_at_the_deadline_never_leak_an_exception() -> None:
    """Race the watchdog: work that ends just before or after the deadline is either a result or a LimitError."""
    outcomes = set()
    for i in range(20):
        work = _busy(0.05 * (0.8 + 0.03 * i))
        try:
            outcomes.add(run_with_time_limit(work, 0.05))
        except LimitError as exc:
            outcomes.add(exc.limit)
        _busy(0.06)()  # any stray exception would surface here and fail the test
    assert outcomes <= {"finished", "timeout"}
    assert no_watchdog_left()


def test_exceptions_of_the_work_pass_through_unchanged() -> None:
    def fail() -> None:
        raise KeyError("mine")

    with pytest.raises(KeyError, match="mine"):
        run_with_time_limit(fail, 0.5)
    _busy(0.6)()
    assert run_with_time_limit(lambda: "off", 0) == "off"


# =================================================================================================
# 4. Property-based fuzzing
# =================================================================================================

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = [
    "x", "y", "z", "x1", "x_2", "alpha", "f", "g", "u", "W", "n", "T", "R", "in", "for", "lambda",
    "sin", "cos", "tan", "exp", "ln", "log", "sqrt", "abs", "max", "min", "atan2", "Heaviside", "sum", "dot",
    "pi", "wrt", "at", "layout", "show", "output", "numerator", "denominator", "full", "chain", "tex",
    "0", "1", "2", "10", "999", "0.5", ".5", "1000",
]
SYMBOLS = list("0123456789+-*/^()[],=:#. \n") + ["**", ".*", "./", "·", "⊗", "∈", "ℝ", " in R^", "\t", "\r\n"]


def _check_outcome(source: str, **options: object) -> Result | BlockError:
    result = outcome(source, **options)
    if isinstance(result, BlockError):
        assert result.line is None or 1 <= result.line <= max(1, len(source.splitlines())), result
        assert str(result)
        # evaluate() wraps any internal exception as "could not compute this block (TypeError: …)":
        # for text the parser accepted that would be a crash in disguise.
        assert not str(result).startswith("could not compute"), result
    else:
        assert isinstance(result, Result)
        # Every variable is real: so is every value shown, and every entry at a concrete size.
        for matrix in (result.value, result.matrix):
            for entry in matrix if matrix is not None else ():
                assert entry.is_real is not False, (source, entry)
        html = render_block(source, given=options, limits=FAST) if not options else None
        assert html is None or isinstance(html, str)
    return result


@FUZZ
@given(st.text(max_size=120))
def test_fuzz_arbitrary_text(source: str) -> None:
    _check_outcome(source)


@FUZZ
@given(st.lists(st.sampled_from(WORDS + SYMBOLS), max_size=40).map("".join))
def test_fuzz_text_in_the_language_alphabet(source: str) -> None:
    _check_outcome(source)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["f", "g(x, y)", "h(x)", "u", "wrt", "at", "layout", "show", "x", ""]),
            st.sampled_from([" = ", ": ", " ", " in R^", "="]),
            st.lists(st.sampled_from(WORDS + SYMBOLS[:-4]), max_size=12).map(" ".join),
        ).map("".join),
        min_size=1,
        max_size=5,
    ).map("\n".join)
)
def test_fuzz_blocks_of_statement_shaped_lines(source: str) -> None:
    _check_outcome(source)


OPTION_VALUES = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=20),
    st.sampled_from(["x", "x, y", "x = 1", "x = 1/2, y = 0", "numerator", "denominator", "full", "tex"]),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.sampled_from(["x", "y", "z", "__x"]), st.one_of(st.integers(), st.text(max_size=5))),
)


@FUZZ
@given(st.dictionaries(st.sampled_from(["wrt", "at", "layout", "show", "output", "layot", "__x__"]), OPTION_VALUES))
def test_fuzz_options_from_outside(options: dict) -> None:
    _check_outcome("f(x, y) = 3x^2 y\ng(x, y) = 2x + y^8", **options)


# -- valid expressions, compared with SymPy -------------------------------------------------------

SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5
"""Precedence levels: a subterm is parenthesised when its level is below what the position needs."""


@dataclass(frozen=True)
class Term:
    text: str
    expr: sp.Expr
    level: int
    valid: bool = True  # False once building it divided by zero


def _wrap(term: Term, level: int) -> str:
    return term.text if term.level >= level else f"({term.text})"


LEAVES = st.one_of(
    st.integers(0, 12).map(lambda n: Term(str(n), sp.Integer(n), ATOM)),
    st.sampled_from([("0.5", sp.Rational(1, 2)), (".25", sp.Rational(1, 4)), ("2.5", sp.Rational(5, 2))]).map(
        lambda p: Term(p[0], p[1], ATOM)
    ),
    st.sampled_from([Term("x", x, ATOM), Term("y", y, ATOM)]),
)
EXPONENTS = st.sampled_from(
    [("2", 2), ("3", 3), ("0", 0), ("1", 1), ("-1", -1), ("-2", -2), ("(1/2)", sp.Rational(1, 2)), ("2^2", 4), ("y", y)]
).map(lambda p: (p[0], p[1] if isinstance(p[1], sp.Basic) else sp.Integer(p[1])))


def _add(a: Term, b: Term, sign: str) -> Term:
    expr = a.expr + b.expr if sign == "+" else a.expr - b.expr
    return Term(f"{_wrap(a, SUM)} {sign} {_wrap(b, PRODUCT)}", expr, SUM, a.valid and b.valid)


def _multiply(a: Term, b: Term, implicit: bool) -> Term:
    valid = a.valid and b.valid
    if not implicit:
        return Term(f"{_wrap(a, PRODUCT)} * {_wrap(b, UNARY)}", a.expr * b.expr, PRODUCT, valid)
    right = _wrap(b, POWER)
    if a.text[-1].isdigit() and (right[0].isdigit() or right[0] == "."):
        right = f"({b.text})"  # "2 3" is an error, "2 (3)" a product
    return Term(f"{_wrap(a, PRODUCT)} {right}", a.expr * b.expr, PRODUCT, valid)


def _divide(a: Term, b: Term) -> Term:
    valid = a.valid and b.valid and not b.expr.is_zero
    expr = a.expr / b.expr if valid else sp.nan
    return Term(f"{_wrap(a, PRODUCT)} / {_wrap(b, UNARY)}", expr, PRODUCT, valid)


def _negate(a: Term) -> Term:
    return Term(f"-{_wrap(a, UNARY)}", -a.expr, UNARY, a.valid)


def _power(a: Term, exponent: tuple[str, sp.Expr]) -> Term:
    text, value = exponent
    valid = a.valid and not (a.expr.is_zero and (value == y or bool(value < 0)))
    expr = a.expr**value if valid else sp.nan
    return Term(f"{_wrap(a, ATOM)}^{text}", expr, POWER, valid)


def _call(name: str, a: Term) -> Term:
    function = {"sin": sp.sin, "cos": sp.cos, "exp": sp.exp}[name]
    return Term(f"{name}({a.text})", function(a.expr), ATOM, a.valid)


def _extend(children):
    return st.one_of(
        st.builds(_add, children, children, st.sampled_from("+-")),
        st.builds(_multiply, children, children, st.booleans()),
        st.builds(_divide, children, children),
        st.builds(_negate, children),
        st.builds(_power, children, EXPONENTS),
        st.builds(_call, st.sampled_from(["sin", "cos", "exp"]), children),
        children.map(lambda t: Term(f"({t.text})", t.expr, ATOM, t.valid)),
    )


EXPRESSIONS = st.recursive(LEAVES, _extend, max_leaves=8)

POINTS = [(sp.Rational(37, 100), sp.Rational(121, 100)), (sp.Rational(143, 100), sp.Rational(-58, 100)),
          (sp.Rational(-91, 100), sp.Rational(66, 100))]


def _agree(a: sp.Expr, b: sp.Expr) -> bool:
    """Equal as functions: identical, or equal at a few points, or simplify says so."""
    if a == b:
        return True
    compared = 0
    for px, py in POINTS:
        try:
            va = complex(sp.N(a.subs({x: px, y: py}), 30))
            vb = complex(sp.N(b.subs({x: px, y: py}), 30))
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if not all(abs(v) < float("inf") for v in (va, vb)):
            continue
        if abs(va - vb) > 1e-9 * max(1.0, abs(va)):
            return sp.simplify(a - b) == 0
        compared += 1
    return compared > 0 or sp.simplify(a - b) == 0


def _real_for_real_variables(expr: sp.Expr) -> bool:
    """No constant that is not real, and no negative number to a varying power: the block language refuses both."""
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
        return False
    return not any(p.base.is_number and p.base.is_negative and not p.exp.is_number for p in expr.atoms(sp.Pow))


@FUZZ
@given(EXPRESSIONS, EXPRESSIONS, st.sampled_from(["numerator", "denominator"]))
def test_fuzz_valid_expressions_match_sympy(first: Term, second: Term, layout: str) -> None:
    assume(first.valid and second.valid)
    for term in (first, second):
        # A constant that is not real, such as (-1)^(1/2), is an error: every variable is real.
        assume(_real_for_real_variables(term.expr))
    source = f"f(x, y) = {first.text}\ng(x, y) = {second.text}"
    result = evaluate(source, limits=Limits(timeout=10), layout=layout)
    assert isinstance(result, Result)
    expected = sp.Matrix([first.expr, second.expr]).jacobian([x, y])
    if layout == "denominator":
        expected = expected.T
    assert result.shape == expected.shape == (2, 2)
    assert result.variables == (x, y)
    for got, want in zip(result.matrix, expected):
        assert _agree(got, want), f"{source!r}: {got} != {want}"


@FUZZ
@given(EXPRESSIONS)
def test_fuzz_one_expression_round_trips(term: Term) -> None:
    """A scalar function of x and y: its gradient, as the block language computes it."""
    assume(term.valid and _real_for_real_variables(term.expr))
    result = evaluate(f"f(x, y) = {term.text}", limits=Limits(timeout=10))
    assert result.functions == (term.expr,) or _agree(result.functions[0], term.expr)
    for got, want in zip(result.matrix, (sp.diff(term.expr, x), sp.diff(term.expr, y))):
        assert _agree(got, want)


@FUZZ
@given(EXPRESSIONS, st.sampled_from(["0", "1", "-1", "1/2", "-3/2", "2", "-2", "10"]), st.sampled_from(["0", "1", "-1", "1/3", "3"]))
def test_fuzz_values_at_a_point_are_real_and_right_or_an_error_naming_the_line(term: Term, px: str, py: str) -> None:
    """A value at a point is shown only when it is a real number equal to the derivative there."""
    assume(term.valid and not term.expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo))
    source = f"f(x, y) = {term.text}\nat: x = {px}, y = {py}"
    result = _check_outcome(source)
    if isinstance(result, BlockError):
        assert result.line in (1, 2), result
        return
    point = {x: sp.Rational(px), y: sp.Rational(py)}
    for got, want in zip(result.value, (sp.diff(term.expr, x), sp.diff(term.expr, y))):
        assert got.is_number and got.is_real, (source, got)
        expected = complex(sp.N(want.subs(point), 30)) if not want.subs(point).has(sp.Subs, sp.Derivative) else None
        if expected is not None and abs(expected) < float("inf"):
            assert abs(complex(sp.N(got, 30)) - expected) <= 1e-9 * max(1.0, abs(expected)), (source, got, expected)


# -- false rejections by the numerical check ------------------------------------------------------


@pytest.mark.parametrize(
    "source, function",
    [("f(x) = exp(exp(exp(exp(x))))", _nest(sp.exp, 4)), ("f(x) = sin(10^9 x)", sp.sin(10**9 * x))],
    ids=["exp-tower-4", "sin-10^9-x"],
)
def test_correct_jacobian_of_a_steep_function_is_not_rejected(source: str, function: sp.Expr) -> None:
    result = outcome(source)
    assert isinstance(result, Result), str(result)
    assert result.matrix == sp.Matrix([[sp.diff(function, x)]])


def test_package_exports_what_the_suite_relies_on() -> None:
    assert issubclass(LimitError, BlockError) and issubclass(BlockError, ValueError)
    assert mdjacobian.evaluate is evaluate
