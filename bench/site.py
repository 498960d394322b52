"""Whole-site builds, side by side: mdjacobian against a markdown-exec peer and a precomputed floor.

    pip install -e ".[bench]"      # markdown-exec, for the peer
    python bench/site.py           # about ten minutes on two cores
    python bench/site.py --pages 10 --rounds 3   # a quicker look

It writes one synthetic site in three equivalent forms, each page holding ``--blocks`` different
3 × 3 Jacobians:

* **floor**: the TeX of every result pasted into the page (Arithmatex), so the build computes nothing;
* **peer**: markdown-exec running SymPy in each block, which builds the functions, takes the
  Jacobian and prints its TeX;
* **mdjacobian**: the same functions as ``jacobian`` blocks (``output: tex``), built cold (empty
  cache) and warm (the cache of the previous build).

The builds run as separate ``mkdocs build`` processes, interleaved round by round, and the script
prints each one's median and the ratios to compare: cold against the peer, warm against the floor.

Then it times the project's own docs in one process, the way ``mkdocs serve`` rebuilds them: a cold
build, a build with every block cached, and a build after one block of one page was edited.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MKDOCS = [sys.executable, "-m", "mkdocs", "build", "--quiet", "--clean"]

CONFIG = """\
site_name: bench
theme: {{name: mkdocs}}
markdown_extensions:
  - pymdownx.superfences
  - pymdownx.arithmatex:
      generic: true
{extra}"""


def functions(page: int, block: int) -> list[str]:
    """Three functions of x1, x2, x3, different for every block of the site."""
    a, b, c = page + 2, block + 2, page + block + 3
    return [f"{a} x1^2 x2 + sin({b} x3)", f"exp(x1 x2) - {c} x3^3", f"ln(1 + x1^2) + {a} x2 x3"]


def jacobian_block(page: int, block: int) -> str:
    names = ("y1", "y2", "y3")
    lines = [f"{name}(x1, x2, x3) = {body}" for name, body in zip(names, functions(page, block))]
    return "```jacobian\n" + "\n".join(lines) + "\n```\n"


def peer_block(page: int, block: int) -> str:
    # SymPy written out, as a markdown-exec user would: the same functions, the Jacobian, its TeX.
    code = "\n".join(
        [
            "import sympy as sp",
            "x1, x2, x3 = sp.symbols('x1 x2 x3', real=True)",
            f"a, b, c = {page + 2}, {block + 2}, {page + block + 3}",
            "F = sp.Matrix([a*x1**2*x2 + sp.sin(b*x3), sp.exp(x1*x2) - c*x3**3, sp.log(1 + x1**2) + a*x2*x3])",
            "J = F.jacobian([x1, x2, x3])",
            r"print('<div class=\"arithmatex\">\\[' + sp.latex(J) + '\\]</div>')",
        ]
    )
    return '```python exec="1" html="1"\n' + code + "\n```\n"


def write_sites(base: Path, pages: int, blocks: int) -> dict[str, Path]:
    from mdjacobian import evaluate

    sites = {}
    for name, extra in (
        ("floor", ""),
        ("peer", "plugins:\n  - markdown-exec\n"),
        ("mdjacobian", "plugins:\n  - mdjacobian:\n      output: tex\n"),
    ):
        site = base / name
        (site / "docs").mkdir(parents=True)
        (site / "mkdocs.yml").write_text(CONFIG.format(extra=extra))
        sites[name] = site
    for page in range(pages):
        texts: dict[str, list[str]] = {"floor": [], "peer": [], "mdjacobian": []}
        for block in range(blocks):
            source = jacobian_block(page, block)
            texts["mdjacobian"].append(source)
            texts["peer"].append(peer_block(page, block))
            body = source.split("\n", 1)[1].rsplit("```", 1)[0]
            tex = evaluate(body, output="tex").tex
            texts["floor"].append(f"$$\n{tex}\n$$\n")
        for name, parts in texts.items():
            (sites[name] / "docs" / f"page{page:03d}.md").write_text(f"# Page {page}\n\n" + "\n".join(parts))
    return sites


def build(site: Path, cache: str | None = None) -> float:
    if cache == "cold":
        shutil.rmtree(site / ".cache", ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([*MKDOCS, "-f", str(site / "mkdocs.yml")], check=True, cwd=site)
    return time.perf_counter() - start


def site_benchmark(pages: int, blocks: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sites = write_sites(Path(tmp), pages, blocks)
        build(sites["mdjacobian"], "cold")  # leaves a cache for the first warm build
        runs: dict[str, list[float]] = {"floor": [], "peer": [], "cold": [], "warm": []}
        for _ in range(rounds):
            runs["floor"].append(build(sites["floor"]))
            runs["peer"].append(build(sites["peer"]))
            runs["cold"].append(build(sites["mdjacobian"], "cold"))
            runs["warm"].append(build(sites["mdjacobian"], "warm"))
        median = {name: statistics.median(values) for name, values in runs.items()}
        print(f"site of {pages} pages x {blocks} blocks (3 x 3 Jacobians), {rounds} rounds, medians:")
        for name, label in (
            ("floor", "precomputed TeX (floor)"),
            ("peer", "markdown-exec + SymPy (peer)"),
            ("cold", "mdjacobian, empty cache"),
            ("warm", "mdjacobian, cached"),
        ):
            print(f"  {label:32s} {median[name]:7.2f} s")
        print(f"  cold / peer  = {median['cold'] / median['peer']:.2f}   (target <= 0.5)")
        print(f"  warm / floor = {median['warm'] / median['floor']:.2f}   (target <= 1.2)")


def docs_benchmark(rounds: int) -> None:
    """The project's docs rebuilt in one process, as ``mkdocs serve`` does after each save."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from mdjacobian import cache

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(ROOT / "docs", copy / "docs")
        shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
        page = copy / "docs" / "getting-started.md"
        original = page.read_text()
        marker = "f(x, y) = 3x^2 y"
        assert marker in original, "the edited block is gone from getting-started.md"

        def rebuild() -> float:
            config = load_config(str(copy / "mkdocs.yml"), site_dir=str(copy / "site"))
            config.plugins.on_startup(command="serve", dirty=False)
            start = time.perf_counter()
            mkdocs_build(config, serve_url="http://127.0.0.1:8000/")
            return time.perf_counter() - start

        cache.MEMORY.clear()
        shutil.rmtree(copy / ".cache", ignore_errors=True)
        cold = rebuild()
        cached, edited = [], []
        for number in range(rounds):
            cached.append(rebuild())
            page.write_text(original.replace(marker, f"f(x, y) = {number + 4}x^2 y", 1))
            edited.append(rebuild())
            page.write_text(original)
        print(f"project docs in one process (as under mkdocs serve), {rounds} rounds:")
        print(f"  cold (empty cache)           {cold:7.2f} s")
        print(f"  every block cached           {statistics.median(cached):7.2f} s")
        print(f"  one block edited             {statistics.median(edited):7.2f} s")
        print(f"  edited / cached = {statistics.median(edited) / statistics.median(cached):.2f}   (target <= 1.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--blocks", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-site", action="store_true")
    parser.add_argument("--skip-docs", action="store_true")
    args = parser.parse_args()
    # An installed package comes with its bytecode; a checkout where Python writes none (as under
    # PYTHONDONTWRITEBYTECODE) would compile every module again in every process and worker.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "mdjacobian")], check=True)
    if not args.skip_site:
        site_benchmark(args.pages, args.blocks, args.rounds)
    if not args.skip_docs:
        docs_benchmark(args.rounds)


if __name__ == "__main__":
    main()
