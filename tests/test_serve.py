"""The author's loop: a real ``mkdocs serve`` of a ``strict`` site shows a bad block and keeps serving."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("mkdocs", reason="mkdocs is not installed: pip install -e '.[test]'")

GOOD = "```jacobian\nf(x, y) = 3x^2 y\ng(x, y) = 2x + y^8\n```\n"
BAD = "```jacobian\nf(x, y) = 3x^2 y\ng(x, y) = 2x + * y\n```\n"
CELL = "<mn>6</mn><mi>x</mi><mi>y</mi>"  # d(3x^2 y)/dx in the package's MathML
MESSAGE = "jacobian block: line 2: unexpected '*' after '+'"


def page(block: str) -> str:
    return f"# Notes\n\nBefore the block.\n\n{block}\nAfter the block.\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site(root: Path, block: str) -> Path:
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text(page(block), encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        "site_name: loop\nstrict: true\ntheme:\n  name: material\n  font: false\n"
        "plugins:\n  - mdjacobian\nmarkdown_extensions: [pymdownx.superfences]\n",
        encoding="utf-8",
    )
    return root


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(url: str, server: subprocess.Popen[str], wanted: str, seconds: float = 120) -> str:
    """The page at ``url`` once it holds ``wanted``; fails when the server exits or time runs out."""
    deadline = time.monotonic() + seconds
    html = None
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server stopped (exit {server.returncode})"
        html = fetch(url)
        if html is not None and wanted in html:
            return html
        time.sleep(0.3)
    pytest.fail(f"{url} did not show {wanted!r} within {seconds} s; last page:\n{html}")


@pytest.fixture
def serving(tmp_path):
    """A ``mkdocs serve`` of a small strict site, its address and where its terminal output goes."""
    root = site(tmp_path, GOOD)
    port = free_port()
    log = (tmp_path / "serve.log").open("w+", encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", "-f", str(root / "mkdocs.yml")],
        stdout=log, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
    )
    try:
        yield root, f"http://127.0.0.1:{port}/", server, log
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def terminal(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()


def test_serve_shows_a_bad_block_and_keeps_serving(serving):
    root, url, server, log = serving
    first = wait_for(url, server, CELL)
    assert "jacobian-error" not in first

    # The author breaks the block: the page shows the error box, the terminal the warning.
    (root / "docs" / "index.md").write_text(page(BAD), encoding="utf-8")
    broken = wait_for(url, server, 'class="jacobian-error"')
    assert "unexpected &#x27;*&#x27; after &#x27;+&#x27;" in broken or "unexpected '*' after '+'" in broken
    assert "After the block." in broken
    assert CELL not in broken
    output = terminal(log)
    assert f"WARNING -  mdjacobian: index.md:7: {MESSAGE}" in output, output  # the fence opens on line 5
    assert "will appear stuck" not in output and "Aborted" not in output, output
    assert "'mkdocs build --strict' fails on them" in output, output

    # ... and fixes it: the same server shows the result again.
    (root / "docs" / "index.md").write_text(page(GOOD), encoding="utf-8")
    fixed = wait_for(url, server, CELL)
    assert "jacobian-error" not in fixed
    assert server.poll() is None


def test_serve_starts_on_a_bad_block_and_build_strict_still_fails(tmp_path):
    root = site(tmp_path, BAD)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = [sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml"), "-d", str(tmp_path / "out")]
    done = subprocess.run(build, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert MESSAGE in output and "Aborted with 1 warnings in strict mode!" in output, output

    # fail_fast is for builds: the server starts on the same page, and shows the box.
    (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text().replace("- mdjacobian\n", "- mdjacobian:\n      fail_fast: true\n"))
    port = free_port()
    with (tmp_path / "serve.log").open("w+", encoding="utf-8") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", "-f", str(root / "mkdocs.yml")],
            stdout=log, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
        )
        try:
            html = wait_for(f"http://127.0.0.1:{port}/", server, 'class="jacobian-error"')
            assert "After the block." in html
            assert MESSAGE in terminal(log)
        finally:
            server.terminate()
            server.wait(timeout=30)
