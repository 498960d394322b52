"""Run another project's test suite and record what every test renders.

``tests/test_citizenship.py`` copies this file into a temporary folder as the top-level module
``mdjacobian_citizen`` and runs Python-Markdown's and pymdown-extensions' own suites with it, twice:
once as they are, once with ``MDJACOBIAN_APPEND=1``, which adds ``mdjacobian`` to the extensions of
every ``markdown.Markdown()``. Each run writes to the JSON file named by ``MDJACOBIAN_RECORD`` every
test's outcome and the result of every ``Markdown.convert`` it made (the HTML, or the exception).

Python-Markdown's suite is a unittest suite (``python -m mdjacobian_citizen tests`` runs it the way
its ``tox.ini`` does, with ``unittest`` discovery); pymdown-extensions' is a pytest suite
(``python -m pytest -p mdjacobian_citizen tests`` loads this module as a pytest plugin).
"""

from __future__ import annotations

import json
import os
import sys
import unittest
from typing import Any

import markdown

APPEND = os.environ.get("MDJACOBIAN_APPEND") == "1"
RECORD = os.environ["MDJACOBIAN_RECORD"]

outcomes: dict[str, str] = {}
outputs: dict[str, list[str]] = {}
current = "<outside tests>"

_init = markdown.Markdown.__init__
_convert = markdown.Markdown.convert


def _appending_init(self: markdown.Markdown, **kwargs: Any) -> None:
    if APPEND:
        extensions = list(kwargs.get("extensions") or [])
        if "mdjacobian" not in extensions:
            extensions.append("mdjacobian")
        kwargs["extensions"] = extensions
    _init(self, **kwargs)


def _recording_convert(self: markdown.Markdown, source: str) -> str:
    try:
        html = _convert(self, source)
    except Exception as exc:
        outputs.setdefault(current, []).append(f"raised {type(exc).__name__}: {exc}")
        raise
    outputs.setdefault(current, []).append(html)
    return html


markdown.Markdown.__init__ = _appending_init  # type: ignore[method-assign]
markdown.Markdown.convert = _recording_convert  # type: ignore[method-assign]


def save() -> None:
    with open(RECORD, "w", encoding="utf-8") as file:
        json.dump({"outcomes": outcomes, "outputs": outputs}, file)


# -- pytest --------------------------------------------------------------------------------------------

try:
    import pytest
except ImportError:  # pragma: no cover - only the unittest runner is used then
    pytest = None

if pytest is not None:

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(item: Any, nextitem: Any) -> Any:
        global current
        current = item.nodeid
        try:
            return (yield)
        finally:
            current = "<outside tests>"

    def pytest_runtest_logreport(report: Any) -> None:
        # One outcome per test: its call's, unless it was skipped or broke in setup or teardown.
        if report.failed and report.when != "call":
            outcomes[report.nodeid] = f"error in {report.when}"
        elif report.when == "call" or (report.when == "setup" and report.skipped):
            outcomes[report.nodeid] = report.outcome

    def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
        save()


# -- unittest ------------------------------------------------------------------------------------------


class RecordingResult(unittest.TextTestResult):
    """A unittest result that names the running test for the recorder and keeps each outcome."""

    def startTest(self, test: unittest.TestCase) -> None:  # noqa: N802 - unittest's API
        global current
        current = test.id()
        outcomes[current] = "passed"
        super().startTest(test)

    def stopTest(self, test: unittest.TestCase) -> None:  # noqa: N802
        global current
        super().stopTest(test)
        current = "<outside tests>"

    def _mark(self, test: Any, outcome: str) -> None:
        # Errors in class or module fixtures arrive as placeholders, not as tests.
        outcomes[test.id() if hasattr(test, "id") else str(test)] = outcome

    def addFailure(self, test: Any, err: Any) -> None:  # noqa: N802
        super().addFailure(test, err)
        self._mark(test, "failed")

    def addError(self, test: Any, err: Any) -> None:  # noqa: N802
        super().addError(test, err)
        self._mark(test, "error")

    def addSkip(self, test: Any, reason: str) -> None:  # noqa: N802
        super().addSkip(test, reason)
        self._mark(test, "skipped")

    def addExpectedFailure(self, test: Any, err: Any) -> None:  # noqa: N802
        super().addExpectedFailure(test, err)
        self._mark(test, "xfailed")

    def addUnexpectedSuccess(self, test: Any) -> None:  # noqa: N802
        super().addUnexpectedSuccess(test)
        self._mark(test, "xpassed")

    def addSubTest(self, test: Any, subtest: Any, err: Any) -> None:  # noqa: N802
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._mark(test, "failed")


def main(start: str) -> int:
    """Discover and run the unittest suite under ``start``; save the record; return the exit status."""
    suite = unittest.defaultTestLoader.discover(start, top_level_dir=os.getcwd())
    result = unittest.TextTestRunner(stream=sys.stderr, resultclass=RecordingResult, verbosity=0).run(suite)
    save()
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "tests"))
