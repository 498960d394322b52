"""Parallel builds: the MkDocs plugin computes a site's blocks in worker processes before the pages
render, and the site comes out exactly as a serial build makes it, warnings included."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import pytest

import mdjacobian.api
from mdjacobian.cache import MEMORY

pytest.importorskip("mkdocs")

SLOW = "f(x, y, z) = max(" + ", ".join(f"{i}x - y^{i} + z" for i in range(1, 30)) + ")"

PAGES = {
    "index.md": "# One\n\n```jacobian\nf(x, y) = 3x^2 y\ng(x, y) = 2x + y^8\n```\n\nText.\n\n```jacobian\nf = x + * y\n```\n",
    "two.md": (
        "# Two\n\n- a list item\n\n    ```jacobian\n    x in R^n\n    f = norm(x)^2\n    ```\n\n"
        '```{.jacobian .wide #grad}\nf(x) = sin(x)\n```\n\n```jacobian layout="denominator"\nf(x, y) = x y\n```\n'
    ),
    "three.md": "# Three\n\n```jacobian\nf(x) = exp(x)\nat: x = 0\n```\n\n```jacobian\nf = sqrt(x)\nat: x = -1\n```\n",
}


def site(root: Path, plugin: str, pages: dict[str, str] = PAGES) -> Path:
    (root / "docs").mkdir(parents=True)
    for name, text in pages.items():
        (root / "docs" / name).write_text(text, encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        "site_name: t\nmarkdown_extensions:\n  - pymdownx.superfences\nplugins:\n" + plugin, encoding="utf-8"
    )
    return root / "mkdocs.yml"


def build(config_file: Path, caplog: pytest.LogCaptureFixture) -> tuple[dict[str, str], list[str]]:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    MEMORY.clear()
    caplog.clear()
    config = load_config(str(config_file))
    config.plugins.on_startup(command="build", dirty=False)
    with caplog.at_level(logging.WARNING):
        try:
            mkdocs_build(config)
        finally:
            config.plugins.on_shutdown()
    pages = {}
    for name in PAGES:
        path = config_file.parent / "site" / (name[:-3] + "/index.html" if name != "index.md" else "index.html")
        if path.exists():
            html = path.read_text(encoding="utf-8")
            pages[name] = re.sub(r"Build Date UTC : .*", "", html)
    warnings = [r.getMessage() for r in caplog.records if "mdjacobian" in r.name]
    return pages, warnings


@pytest.fixture
def threads_that_computed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    names: list[str] = []
    real = mdjacobian.api.render_block

    def spy(*args, **kwargs):
        names.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(mdjacobian.api, "render_block", spy)
    return names


def test_a_parallel_build_equals_a_serial_one(tmp_path: Path, caplog, threads_that_computed) -> None:
    serial = build(site(tmp_path / "serial", "  - mdjacobian:\n      cache: false\n"), caplog)
    assert not any(name.startswith("mdjacobian-prefill") for name in threads_that_computed)
    threads_that_computed.clear()
    parallel = build(site(tmp_path / "parallel", "  - mdjacobian:\n      jobs: 2\n"), caplog)
    assert parallel == serial
    assert len(serial[0]) == 3 and "✓ checked" in serial[0]["two.md"]
    assert serial[1] == [
        "mdjacobian: index.md:11: jacobian block: line 1: unexpected '*' after '+'",
        "mdjacobian: three.md:10: jacobian block: line 2: the Jacobian is not real at x = -1: sqrt(x) is defined for x ≥ 0",
    ]
    # Every block was computed by the prefill, none while its page rendered.
    assert threads_that_computed and all(name.startswith("mdjacobian-prefill") for name in threads_that_computed)


def test_a_timeout_in_a_parallel_build_is_reported_as_in_a_serial_one(tmp_path: Path, caplog) -> None:
    pages = {"index.md": f"# One\n\n```jacobian\n{SLOW}\n```\n\n```jacobian\nf(x) = x^2\n```\n"}
    serial = build(site(tmp_path / "serial", "  - mdjacobian:\n      cache: false\n      timeout: 0.5\n", pages), caplog)
    parallel = build(site(tmp_path / "parallel", "  - mdjacobian:\n      timeout: 0.5\n      jobs: 2\n", pages), caplog)
    assert parallel == serial
    assert serial[1] == ["mdjacobian: index.md:3: jacobian block: took longer than the time limit of 0.5 s"]
    assert "jacobian-error" in serial[0]["index.md"] and "✓ checked" in serial[0]["index.md"]


def test_fail_fast_stops_a_parallel_build_at_the_same_block(tmp_path: Path, caplog) -> None:
    from mkdocs.exceptions import Abort, PluginError

    messages = []
    for name, plugin in (("serial", "      cache: false\n"), ("parallel", "      jobs: 2\n")):
        with pytest.raises((Abort, PluginError, Exception)) as info:
            build(site(tmp_path / name, "  - mdjacobian:\n      fail_fast: true\n" + plugin), caplog)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "unexpected '*'" in messages[0]


@pytest.mark.parametrize("jobs", ["-1", "1.5", "true", "abc", "100000"])
def test_jobs_must_be_a_sensible_whole_number(tmp_path: Path, jobs: str) -> None:
    from mkdocs.config import load_config
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="jobs must be 0"):
        load_config(str(site(tmp_path, f"  - mdjacobian:\n      jobs: {jobs}\n")))


def test_fail_fast_leaves_the_blocks_of_later_pages_uncomputed(tmp_path: Path, caplog, threads_that_computed) -> None:
    # Pages render while their blocks are computed in the background; a page that stops the build
    # cancels the blocks not started yet, so a failing build does not wait for the whole site.
    from mkdocs.exceptions import Abort, PluginError

    later = "\n".join(f"```jacobian\nf(x, y) = {k} x^3 y + sin({k} y)\n```\n" for k in range(2, 42))
    pages = {"index.md": "# One\n\n```jacobian\nf = x + * y\n```\n", "two.md": "# Two\n\n" + later}
    with pytest.raises((Abort, PluginError, Exception)):
        build(site(tmp_path, "  - mdjacobian:\n      fail_fast: true\n      jobs: 2\n", pages), caplog)
    for thread in threading.enumerate():
        if thread.name.startswith("mdjacobian-prefill"):
            thread.join(timeout=120)  # what was not cancelled runs to its end
    assert len(threads_that_computed) < 20
