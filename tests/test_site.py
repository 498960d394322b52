"""The walkthrough site, built for real and opened in headless Chromium.

Screenshots of every page (desktop, phone, both in dark mode) are saved under ``screenshots/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _need(condition: bool, reason: str) -> None:
    """Skip when a tool is missing on a developer's machine; in CI, where .ci/setup installs it, fail."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)]
    done = subprocess.run(mkdocs, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return out


def test_site_ships_its_assets(site):
    assets = site / "assets" / "mdjacobian"
    assert (assets / "latinmodern-math.otf").stat().st_size > 500_000
    assert (assets / "GUST-FONT-LICENSE.txt").exists()
    assert 'href="../assets/mdjacobian/mdjacobian.css"' in (site / "walkthrough" / "index.html").read_text()


def test_every_formula_became_mathml(site):
    for page in site.rglob("*.html"):
        html = page.read_text()
        assert 'class="jacobian-error"' not in html, page
        assert not re.search(r'class="arithmatex">\s*\\[\[(]', html), f"TeX left unconverted in {page}"
    gradients = (site / "walkthrough" / "gradients" / "index.html").read_text()
    assert gradients.count('<div class="jacobian">') >= 1
    assert "<math" in gradients


def test_pages_in_chromium(site):
    pytest.importorskip("playwright", reason="playwright is not installed: pip install -e '.[test]'")
    _need(Path(CHROMIUM).exists(), "Chromium is not installed: apt-get install chromium (.ci/setup does)")
    from .sitecheck import bracket_ratios, check_site

    report = check_site(site, SHOTS, chromium=CHROMIUM, require_font="Latin Modern Math")
    ratios = bracket_ratios(report)
    assert ratios, "no matrix was measured"
    assert min(r[-1] for r in ratios) >= 0.9
    rendered = [j for page in report["pages"] for j in page["jacobians"]]
    assert rendered and all(j["math"]["w"] > 0 and j["math"]["h"] > 0 for j in rendered)
