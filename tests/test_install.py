"""The install a user does: build the sdist and the wheel, install the wheel in a new virtual environment,
and build a small MkDocs site with it, fonts and stylesheet included.

Nothing is fetched from the network: the build backend, the package's dependencies and MkDocs come
from the wheelhouse ``.ci/setup`` downloads (``.cache/wheelhouse``, or ``MDJACOBIAN_WHEELHOUSE``).
Deselect with ``-m "not install"``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from .needs import need

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parent.parent
WHEELHOUSE = Path(os.environ.get("MDJACOBIAN_WHEELHOUSE", ROOT / ".cache" / "wheelhouse"))
ASSETS = ("mdjacobian.css", "latinmodern-math.otf", "GUST-FONT-LICENSE.txt")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "screenshots" / "hosts"
CELL = "<mn>6</mn><mi>x</mi><mi>y</mi>"  # d(3x^2 y)/dx in the package's MathML
PAGE = "# From the wheel\n\n```jacobian\nf(x, y) = 3x^2 y\ng(x, y) = 2x + y^8\n```\n"


def offline() -> dict[str, str]:
    """An environment in which pip finds packages in the wheelhouse only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    return {**env, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(WHEELHOUSE), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env or offline(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel built from it, as ``python -m build`` makes them, in isolation."""
    need(importlib.util.find_spec("build") is not None, "build is not installed: pip install -e '.[test]'")
    need(any(WHEELHOUSE.glob("setuptools-*.whl")), f"no wheelhouse in {WHEELHOUSE}: run bash .ci/setup")
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", out, ROOT, cwd=ROOT)
    return out


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory) -> Path:
    """A new virtual environment holding the wheel and MkDocs, and nothing from this checkout."""
    home = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", home / "venv", cwd=home)
    (wheel,) = dist.glob("mdjacobian-*.whl")
    run(home / "venv" / "bin" / "python", "-m", "pip", "install", "--quiet", wheel, "mkdocs>=1.6", cwd=home)
    return home / "venv" / "bin"


def test_sdist_and_wheel_hold_the_package_and_its_assets(dist):
    (sdist,) = dist.glob("mdjacobian-*.tar.gz")
    (wheel,) = dist.glob("mdjacobian-*.whl")
    assert wheel.name == f"mdjacobian-{version('mdjacobian')}-py3-none-any.whl"
    with tarfile.open(sdist) as archive:
        in_sdist = {Path(*Path(name).parts[1:]).as_posix() for name in archive.getnames()}
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
    for name in (*[f"mdjacobian/assets/{a}" for a in ASSETS], "mdjacobian/py.typed", "mdjacobian/hosts/plugin.py"):
        assert name in in_sdist, name
        assert name in in_wheel, name
    assert not any(name.startswith(("tests/", "docs/", "bench/")) for name in in_wheel)
    entry_points = zipfile.ZipFile(wheel).read(f"mdjacobian-{version('mdjacobian')}.dist-info/entry_points.txt").decode()
    assert "mdjacobian = mdjacobian.plugin:JacobianPlugin" in entry_points


def test_the_installed_command_line(venv, tmp_path):
    assert run(venv / "mdjacobian", "--version", cwd=tmp_path) == f"mdjacobian {version('mdjacobian')}\n"
    where = run(venv / "python", "-c", "import mdjacobian; print(mdjacobian.__file__)", cwd=tmp_path)
    assert Path(where.strip()).is_relative_to(venv.parent), where  # the wheel's copy, not this checkout
    printed = run(venv / "mdjacobian", "3x^2 y, 2x + y^8", "--wrt", "x,y", cwd=tmp_path)
    assert printed.startswith("2 × 2 Jacobian, numerator layout") and printed.rstrip().endswith("✓ checked"), printed


@pytest.fixture(scope="module")
def site(venv, tmp_path_factory) -> Path:
    """A small strict MkDocs site built with the wheel's plugin."""
    root = tmp_path_factory.mktemp("wheel-site")
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text(PAGE, encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        "site_name: wheel\nstrict: true\ntheme:\n  name: mkdocs\n  highlightjs: false\nplugins:\n  - mdjacobian\n",
        encoding="utf-8",
    )
    run(venv / "mkdocs", "build", cwd=root)
    return root / "site"


def test_a_site_built_with_the_wheel(site):
    from mdjacobian.hosts.plugin import ASSETS as SOURCE

    for name in ASSETS:
        assert (site / "assets" / "mdjacobian" / name).read_bytes() == (SOURCE / name).read_bytes(), name
    page = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="assets/mdjacobian/mdjacobian.css"' in page
    assert '<div class="jacobian">' in page and CELL in page
    assert "jacobian-error" not in page


def test_the_site_in_chromium_loads_the_font(site):
    pytest.importorskip("playwright", reason="playwright is not installed: pip install -e '.[test]'")
    need(Path(CHROMIUM).exists(), "Chromium is not installed: apt-get install chromium (.ci/setup does)")
    from .sitecheck import check_host_page

    seen = check_host_page(site, "index.html", SHOTS / "wheel-site.png", chromium=CHROMIUM)
    assert not seen["external"], seen["external"]
    # one block: its left side and the pieces of its right side, each a <math> of its own
    assert len(seen["maths"]) >= 2 and all(m["box"]["w"] > 0 and m["box"]["h"] > 0 for m in seen["maths"])
    assert {"family": "Latin Modern Math", "status": "loaded"} in seen["fonts"], seen["fonts"]
    assert any(f["familyName"] == "Latin Modern Math" and f["isCustomFont"] for f in seen["used"]), seen["used"]
