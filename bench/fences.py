"""Pages built to be slow to read, each against the same page read without mdjacobian.

    python bench/fences.py                    # the installed mdjacobian
    PYTHONPATH=/path/to/other/checkout python bench/fences.py   # another version, for comparison

1. A ``python`` fence whose header holds 26 options ``a=""`` and a trailing ``=`` (a header
   SuperFences does not take for a fence line), through ``markdown.markdown`` with ``fenced_code``
   and ``mdjacobian``, against ``fenced_code`` alone.
2. ``mkdocs build`` of a one-page site holding such a fence with 24 options, against the same site
   with the plugin's ``enabled: false``.
3. The fence reader on a 2 MB page of fences that never close (markers of growing length, then
   text), against splitting the page into lines.

Every candidate runs in its own process, stopped after ``--limit`` seconds (a version whose reader
backtracks needs hours for 1), interleaved with its baseline; the figures are medians.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = 'python ' + 'a="" ' * 26 + "="
FENCE = "```" + HEADER + "\nprint(1)\n```\n"
MARKDOWN = f"""
import markdown
markdown.markdown({FENCE!r}, extensions=EXTENSIONS)
"""
PAGE = """
import math
from mdjacobian.hosts.reading import fences
count = 1000
page = "\\n".join(["`" * (3 + j) for j in range(count)] + ["text"] * 300_000)
assert 1.9e6 < len(page) < 2.1e6
lines = page.splitlines()
if READ:
    list(fences(lines))
"""


def seconds(command: list[str], limit: float) -> float:
    """Wall-clock seconds of a command, or infinity when it is stopped at ``limit``."""
    start = time.perf_counter()
    try:
        subprocess.run(command, check=True, timeout=limit, stdout=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return float("inf")
    return time.perf_counter() - start


def compare(label: str, candidate: list[str], baseline: list[str], rounds: int, limit: float) -> None:
    ours, base = [], []
    for _ in range(rounds):
        ours.append(seconds(candidate, limit))
        base.append(seconds(baseline, limit))
        if ours[-1] == float("inf"):
            break  # once is enough to know
    a, b = statistics.median(ours), statistics.median(base)
    shown = f"> {limit:g} s (stopped)" if a == float("inf") else f"{a:.2f} s"
    print(f"  {label:<58} {shown:>18}   baseline {b:.2f} s   ×{a / b:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--limit", type=float, default=120.0)
    options = parser.parse_args()
    python = [sys.executable, "-c"]
    print("1. a python fence with 26 options, markdown.markdown")
    compare(
        "fenced_code + mdjacobian (baseline: fenced_code)",
        [*python, 'EXTENSIONS = ["fenced_code", "mdjacobian"]' + MARKDOWN],
        [*python, 'EXTENSIONS = ["fenced_code"]' + MARKDOWN],
        options.rounds,
        options.limit,
    )
    print("2. mkdocs build, a page with a 24-option python fence")
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        (site / "docs").mkdir()
        (site / "docs" / "index.md").write_text("# Page\n\n```python " + 'a="" ' * 24 + "=\nprint(1)\n```\n")
        for name, enabled in (("on.yml", "true"), ("off.yml", "false")):
            (site / name).write_text(f"site_name: bench\nplugins:\n  - mdjacobian:\n      enabled: {enabled}\n      cache: false\n")
        build = [sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", str(site / "out"), "-f"]
        compare("plugin on (baseline: enabled: false)", [*build, str(site / "on.yml")], [*build, str(site / "off.yml")], options.rounds, options.limit)
    print("3. the fence reader on 2 MB of unclosed fences")
    compare("fences() (baseline: splitting the page into lines)", [*python, "READ = True" + PAGE], [*python, "READ = False" + PAGE], options.rounds, options.limit)


if __name__ == "__main__":
    main()
