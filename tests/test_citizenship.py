"""Adding mdjacobian changes nothing else: Python-Markdown's and pymdown-extensions' own suites, run twice.

For each of the two packages, the test fetches the source distribution of the installed version,
runs its test suite once as it is and once with ``mdjacobian`` added to every ``markdown.Markdown()``
(see ``citizenship_shim.py``), and asserts that no test's outcome and no rendered page differ. The
suites hold no ``jacobian`` fence, so every difference is mdjacobian changing a page it has no
business with. It skips only when the source distribution cannot be fetched for want of a network,
and not even then in CI (where ``CI`` is set), which must run the suites.

``pytest -m citizenship -s`` runs only this and prints how many tests each suite ran and how many
changed (with the changes listed when some did).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest

pytestmark = pytest.mark.citizenship

SHIM = Path(__file__).with_name("citizenship_shim.py")
NETWORK_TROUBLE = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ProxyError",
    "No route to host",
)


@dataclass(frozen=True)
class Suite:
    """A package whose own test suite is run, and how that project runs it."""

    distribution: str  # the name pip and importlib.metadata know it by
    package: str  # its import name: the sdist's copy is removed so the installed one is tested
    runner: str  # "unittest" or "pytest", as the project's own configuration runs its tests
    needs: tuple[str, ...] = ()  # modules its tests import beyond the package


SUITES = {
    "python-markdown": Suite("markdown", "markdown", "unittest"),
    "pymdown-extensions": Suite("pymdown-extensions", "pymdownx", "pytest", needs=("yaml", "pygments")),
}


@dataclass(frozen=True)
class Run:
    """One run of a suite: each test's outcome and what each of its conversions returned."""

    outcomes: dict[str, str]
    outputs: dict[str, list[str]]


def _offline(reason: str) -> None:
    """Skip for want of a network on a developer's machine; in CI, fail."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def fetch_sdist(suite: Suite, into: Path) -> Path:
    """Download and unpack the sdist of the installed version; return its root, without the package."""
    wanted = f"{suite.distribution}=={version(suite.distribution)}"
    command = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps"]
    command += ["--timeout", "30", "--retries", "1", "--dest", str(into), wanted]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        _offline(f"pip download {wanted} did not finish: no network?")
    if done.returncode != 0:
        output = done.stdout + done.stderr
        if any(sign in output for sign in NETWORK_TROUBLE):
            _offline(f"cannot fetch the sdist of {wanted} (no network):\n{output[-2000:]}")
        pytest.fail(f"pip download {wanted} failed:\n{output}")
    (archive,) = into.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, filter="data")
        else:  # Python < 3.12, without extraction filters
            tar.extractall(into)  # noqa: S202 - an sdist from the package index, unpacked in a temp dir
    (root,) = (path for path in into.iterdir() if path.is_dir())
    shutil.rmtree(root / suite.package)
    return root


def run_suite(suite: Suite, root: Path, shim_dir: Path, append: bool) -> Run:
    """Run the suite under ``root`` with the recording shim, with or without mdjacobian appended."""
    record = shim_dir / f"record-{'with' if append else 'without'}.json"
    env = {
        **{key: value for key, value in os.environ.items() if key != "PYTEST_ADDOPTS"},
        "PYTHONPATH": str(shim_dir),
        "MDJACOBIAN_APPEND": "1" if append else "0",
        "MDJACOBIAN_RECORD": str(record),
        "PYTHONDONTWRITEBYTECODE": "1",
        # Python-Markdown runs its Pygments tests only when told the installed Pygments is the expected one.
        "PYGMENTS_VERSION": version("pygments"),
    }
    if suite.runner == "unittest":
        command = [sys.executable, "-m", "mdjacobian_citizen", "tests"]
    else:
        # -p no:cacheprovider: write nothing into the sdist; -W: the suite's warnings are not ours to judge.
        command = [sys.executable, "-m", "pytest", "-q", "-p", "mdjacobian_citizen", "-p", "no:cacheprovider"]
        command += ["-W", "ignore", "--rootdir", str(root), "-o", "addopts=", "tests"]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert record.exists(), f"the suite did not run:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    data = json.loads(record.read_text(encoding="utf-8"))
    return Run(data["outcomes"], data["outputs"])


def changed(plain: Run, appended: Run) -> list[str]:
    """The tests whose outcome or rendered output differs between the two runs, each with how."""
    differences = []
    tests = set(plain.outcomes) | set(appended.outcomes) | set(plain.outputs) | set(appended.outputs)
    for test in sorted(tests):
        before, after = plain.outcomes.get(test, "absent"), appended.outcomes.get(test, "absent")
        old, new = plain.outputs.get(test, []), appended.outputs.get(test, [])
        if before == after and old == new:
            continue
        how = f"{test}: {before} -> {after}" if before != after else f"{test}: {before}"
        if old != new:
            i = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
            was, now = (old[i] if i < len(old) else "<none>"), (new[i] if i < len(new) else "<none>")
            k = next((k for k, (a, b) in enumerate(zip(was, now)) if a != b), min(len(was), len(now)))
            start = max(k - 120, 0)
            how += f", conversion {i + 1} renders differently from character {k}:"
            how += f"\n    without: {was[start : k + 240]!r}\n    with:    {now[start : k + 240]!r}"
        differences.append(how)
    return differences


@pytest.mark.parametrize("name", sorted(SUITES))
def test_own_suite_renders_the_same_with_mdjacobian(name, tmp_path):
    suite = SUITES[name]
    missing = [module for module in suite.needs if importlib.util.find_spec(module) is None]
    assert not missing, f"{name}'s tests need {', '.join(missing)}: pip install -e '.[test]'"
    root = fetch_sdist(suite, tmp_path / "sdist")
    shim_dir = tmp_path / "shim"
    shim_dir.mkdir()
    shutil.copy(SHIM, shim_dir / "mdjacobian_citizen.py")

    plain = run_suite(suite, root, shim_dir, append=False)
    appended = run_suite(suite, root, shim_dir, append=True)
    conversions = sum(len(v) for v in plain.outputs.values())
    passed = sum(outcome == "passed" for outcome in plain.outcomes.values())
    # A suite that cannot run here (a missing dependency, a changed layout) would change nothing either.
    assert passed > 0.8 * len(plain.outcomes) > 100 and conversions > 100, (
        f"{name}'s suite did not run properly: {passed} of {len(plain.outcomes)} tests passed"
    )
    differences = changed(plain, appended)
    print(f"\n{name} {version(suite.distribution)}: {len(differences)} of {len(plain.outcomes)} tests change")
    assert not differences, f"{len(differences)} of {len(plain.outcomes)} tests change:\n" + "\n".join(differences)
