"""The code printers: one method per node type in every target, Python's precedence, safe names.

These tests need no array library: they read the printed code (and parse it with :mod:`ast`). The
tests that run it are ``test_code_numpy`` and ``test_code_autodiff``.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from fractions import Fraction

import pytest

import mdjacobian
from mdjacobian.calculus import nodes as n
from mdjacobian.hosts.cli import main
from mdjacobian.render.code import TARGETS
from mdjacobian.render.code.function import code_names

NODE_TYPES = sorted(
    (cls for _, cls in inspect.getmembers(n, inspect.isclass) if issubclass(cls, n.Node) and cls is not n.Node),
    key=lambda cls: cls.__name__,
)
N = n.Dim(1, ("n",))
COLUMN = (N, n.ONE)


def printer(target: str = "numpy"):  # noqa: ANN201
    return TARGETS[target]({"x": "x", "y": "y", "z": "z", "A": "A", "c": "c", "d": "d"}, {"n": "x.shape[0]"}, like="x")


x, y, z = (n.Var(name, COLUMN) for name in "xyz")
A = n.Var("A", (N, N))
c, d = n.Var("c"), n.Var("d")


def minus(node: n.Node) -> n.Node:
    return n.Mul((n.Number(-1), node), node.shape)


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("node_type", NODE_TYPES, ids=lambda cls: cls.__name__)
def test_every_node_type_has_a_method_in_every_target(node_type, target):
    """A node type added to the calculus must be given its code here (this test names what is missing)."""
    assert callable(getattr(TARGETS[target], f"_print_{node_type.__name__}", None)), (
        f"{TARGETS[target].__name__} has no _print_{node_type.__name__}"
    )


def test_the_node_types_are_found():
    names = {cls.__name__ for cls in NODE_TYPES}
    assert {"Add", "Mul", "Var", "Softmax", "Kron", "Cases"} <= names


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_an_unknown_node_type_fails_loudly_naming_it(target):
    class Frobenius(n.Node):
        __slots__ = ()

    with pytest.raises(NotImplementedError, match="no code for Frobenius nodes"):
        printer(target).doprint(n.Add((x, Frobenius((), (), COLUMN)), (), COLUMN))


@pytest.mark.parametrize(
    ("node", "code"),
    [
        pytest.param(n.Add((x, minus(n.Add((y, z), (), COLUMN))), (), COLUMN), "x - (y + z)", id="minus a sum"),
        pytest.param(n.Add((x, minus(n.Mul((A, y), COLUMN))), (), COLUMN), "x - A @ y", id="minus a product"),
        pytest.param(n.Add((minus(x), y), (), COLUMN), "-x + y", id="leading minus"),
        pytest.param(n.Mul((A, n.Hadamard((x, y), (), COLUMN)), COLUMN), "A @ (x * y)", id="matrix times hadamard"),
        pytest.param(n.Hadamard((n.Mul((A, x), COLUMN), y), (), COLUMN), "(A @ x) * y", id="hadamard of a product"),
        pytest.param(n.Mul((n.Number(2), n.Add((x, y), (), COLUMN)), COLUMN), "2 * (x + y)", id="number times sum"),
        pytest.param(n.Mul((n.Number(Fraction(1, 3)), x), COLUMN), "(1 / 3) * x", id="fraction first"),
        pytest.param(n.Mul((n.Number(Fraction(-1, 3)), x), COLUMN), "-(1 / 3) * x", id="negative fraction"),
        pytest.param(n.Mul((n.Number(-2), x), COLUMN), "-2 * x", id="negative number"),
        pytest.param(n.Power((minus(c), n.Number(2))), "(-c) ** 2", id="power of a negation"),
        pytest.param(minus(n.Power((c, n.Number(2)))), "-c ** 2", id="negated power"),
        pytest.param(n.Power((n.Power((c, d)), n.Number(2))), "(c ** d) ** 2", id="power of a power"),
        pytest.param(n.Power((c, n.Power((d, n.Number(2))))), "c ** d ** 2", id="power to a power"),
        pytest.param(n.Power((c, n.Number(-1))), "c ** -1", id="negative exponent"),
        pytest.param(n.Power((c, n.Number(Fraction(1, 3)))), "c ** (1 / 3)", id="fractional exponent"),
        pytest.param(n.Power((c, n.Number(Fraction(1, 2)))), "np.sqrt(c)", id="square root"),
        pytest.param(n.Transpose((n.Add((x, y), (), COLUMN),), (), (n.ONE, N)), "(x + y).T", id="transpose of a sum"),
        pytest.param(n.Mul((n.Inner((x, y), (), n.SCALAR), A), (N, N)), "(x.T @ y) * A", id="inner product times matrix"),
        pytest.param(n.Mul((c, n.Mul((A, x), COLUMN)), COLUMN), "c * (A @ x)", id="nested product"),
        pytest.param(n.Cases((n.Add((c, d), (), n.SCALAR), x), (), COLUMN), "np.where(c + d > 0, x, 0.0)", id="cases"),
        pytest.param(n.Vec((A,), (), (N * N, n.ONE)), "A.T.reshape(-1, 1)", id="vec"),
    ],
)
def test_python_precedence(node, code):
    assert printer().doprint(node) == code


def test_torch_makes_constant_arguments_tensors():
    p = printer("torch")
    assert p.doprint(n.Apply((n.Number(2),), ("sin",))) == "torch.sin(torch.as_tensor(2, dtype=x.dtype))"
    assert p.doprint(n.Apply((n.Number(0), c), ("max",))) == "torch.maximum(torch.as_tensor(0, dtype=x.dtype), c)"
    assert p.doprint(n.Identity(N)) == "torch.eye(x.shape[0], dtype=x.dtype)"


def test_jax_imports_jax_only_when_it_uses_it():
    plain = mdjacobian.evaluate("x in R^n\nf = sin(x)\nwrt: x").jax
    assert plain.startswith("import jax.numpy as jnp\n") and "import jax\n" not in plain
    nn = mdjacobian.evaluate("x in R^n\nf = sigmoid(x)\nwrt: x").jax
    assert nn.startswith("import jax\nimport jax.numpy as jnp\n") and "jax.nn.sigmoid(x)" in nn


# -- names --------------------------------------------------------------------------------------------


def test_names_that_python_reads_otherwise_are_renamed():
    renamed = code_names(["lambda", "np", "print", "x", "lambda_", "derivative", "_softmax"], taken={"np", "derivative", "_softmax"})
    assert renamed == {
        "lambda": "lambda__", "np": "np_", "print": "print_", "x": "x", "lambda_": "lambda_", "derivative": "derivative_",
        "_softmax": "_softmax_",
    }


@pytest.mark.parametrize("name", ["x)", "os.system", "α", "x\n", ""])
def test_only_the_grammars_names_can_become_code(name):
    with pytest.raises(ValueError, match="not a name the block language allows"):
        code_names([name], taken=())


BLOCK = "lambda, np, jnp, torch, jax, print in R^n\nderivative in R\nf = sum(lambda .* np .* jnp .* torch .* jax .* print) derivative\nwrt: lambda, derivative"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_arguments_never_shadow_the_module_keywords_or_builtins(target):
    code = mdjacobian.evaluate(BLOCK).code(target)
    tree = ast.parse(code)
    (function,) = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "derivative"]
    arguments = [a.arg for a in function.args.args]
    renamed = {"lambda", "print", "derivative"} | {"numpy": {"np"}, "jax": {"jnp", "jax"}, "torch": {"torch"}}[target]
    names = ["lambda", "np", "jnp", "torch", "jax", "print", "derivative"]
    assert arguments == [name + "_" if name in renamed else name for name in names]
    modules = {alias.asname or alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    assert not modules & set(arguments)
    assert "The block's lambda is the argument lambda_." in ast.get_docstring(function).replace("\n", " ")


# -- nothing of the block but its names reaches the code ------------------------------------------------------


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_code_holds_only_names_from_the_block(target):
    block = (
        "# import os; os.system('echo hello')  __import__\n"
        "x in R^n  # \"\"\" a comment that tries to close the docstring\n"
        "W in R^(m x n)\nf = sigmoid(W x) + softmax(W x)\nwrt: W"
    )
    code = mdjacobian.evaluate(block).code(target)
    for fragment in ("import os", "system", "echo", "hello", "__import__", "comment", "tries"):
        assert fragment not in code
    tree = ast.parse(code)
    allowed = {"x", "W", "e", "z", "axis", "row", "rows", "like", "np", "jnp", "jax", "torch", "t1", "t2", "t3"}
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert names <= allowed | {"_sigmoid", "_softmax", "_matrix"}, names - allowed
    strings = [node for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    docstrings = [ast.get_docstring(f, clean=False) for f in tree.body if isinstance(f, ast.FunctionDef)]
    assert {s.value for s in strings} <= set(docstrings)


def test_printing_code_imports_no_array_library_and_runs_nothing():
    """A build never runs generated code; printing it does not even import NumPy, JAX or PyTorch."""
    script = (
        "import sys, mdjacobian\n"
        "r = mdjacobian.evaluate('x in R^n\\nW in R^(m x n)\\nf = softmax(W x)\\nwrt: W')\n"
        "codes = [r.numpy, r.jax, r.torch, mdjacobian.evaluate('x in R^3\\nf = sin(x)\\nwrt: x').torch]\n"
        "print(sorted(m for m in ('numpy', 'jax', 'torch') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


# -- what cannot be code ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("block", ["f(x) = g(x)^2", "x in R^2\nc in R\nf = g(c) x\nwrt: c", "x in R^2\nf = g(x1) x\nwrt: x"])
def test_an_abstract_function_has_no_code(block, target):
    with pytest.raises(mdjacobian.BlockError, match=r"g\(\) is an abstract function: it has no .* code"):
        mdjacobian.evaluate(block).code(target)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_derivative_in_index_notation_has_no_code_yet(target):
    result = mdjacobian.evaluate("x in R^n\nA in R^(n x n)\nf = diag(A) .* x\nwrt: A")
    assert result.parts[0].form is None
    with pytest.raises(mdjacobian.BlockError, match="shown in index notation, which has no .* code yet"):
        result.code(target)


def test_an_unknown_library_is_refused():
    with pytest.raises(ValueError, match="choose one of numpy, jax, torch"):
        mdjacobian.evaluate("f(x) = x^2").code("tensorflow")


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_cli_prints_code(target, capsys):
    assert main(["x in R^n; W in R^(m x n); y in R^m; f = norm(W x - y)^2; wrt: W", "--format", target]) == 0
    out = capsys.readouterr().out
    assert "def derivative(x, W, y):" in out
    assert "return 2 * (W @ x - y) @ x.T" in out
    assert out.splitlines()[0] == {"numpy": "import numpy as np", "jax": "import jax.numpy as jnp", "torch": "import torch"}[target]


def test_cli_reports_a_block_without_code(capsys):
    assert main(["f(x) = g(x)^2", "--format", "jax"]) == 1
    assert capsys.readouterr().err.strip() == "mdjacobian: g() is an abstract function: it has no JAX code"


@pytest.mark.parametrize(
    ("block", "words"),
    [
        ("x in R^n\nW in R^(m x n)\nf = tanh(W x)\nwrt: W", ["Jacobian of f by vec(W)", "(m, m*n)", "stacks the columns of W"]),
        ("x in R^n\nW in R^(m x n)\nf = tanh(W x)\nwrt: W\nlayout: denominator", ["transposed Jacobian", "(m*n, m)"]),
        ("x in R^n\nW in R^(m x n)\nf = sum(tanh(W x))\nwrt: W", ["gradient of f by W, shaped like W: (m, n)"]),
        ("x in R^n\nf = sum(tanh(x))\nwrt: x", ["gradient of f by x as a row, of shape (1, n)", "n = x.shape[0]"]),
        ("x in R^n\nf = sum(tanh(x))\nwrt: x\nlayout: denominator", ["as a column, of shape (n, 1)"]),
        ("x in R^3\nf = sum(tanh(x))\nwrt: x\nderivative: hessian", ["Hessian of f by x, of shape (3, 3)"]),
        ("c in R\nx in R^n\nf = c x\nwrt: c, x", ["Returns a tuple:", "∂f/∂c as a column, of shape (n, 1)"]),
    ],
)
def test_the_docstring_says_the_shape_and_layout(block, words):
    doc = ast.get_docstring(ast.parse(mdjacobian.evaluate(block).numpy).body[-1])
    flat = " ".join(doc.split())
    for word in words:
        assert word in flat, flat
