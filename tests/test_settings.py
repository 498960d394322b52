"""Numeric settings: every host rejects a time limit that is not finite and in range, naming it."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import markdown
import pytest

from mdjacobian.limits import TIMEOUT_RANGE, UPPER_BOUNDS, Limits

ROOT = Path(__file__).resolve().parent.parent
BAD = [math.nan, math.inf, -math.inf, 1e308, -1, 1e-9, "abc", True]
BAD_IDS = ["nan", "inf", "-inf", "1e308", "-1", "1e-9", "abc", "true"]
YAML = {math.nan: ".nan", math.inf: ".inf", -math.inf: "-.inf", True: "true", "abc": "abc"}
"""How each bad value is written in mkdocs.yml (YAML's own spelling of the special floats)."""
MESSAGE = "timeout must be 0 (no limit) or a number of seconds from 0.05 to 3600"


@pytest.mark.parametrize("value", BAD, ids=BAD_IDS)
def test_limits_reject_a_bad_timeout(value):
    with pytest.raises(ValueError, match=r"^timeout must be 0 \(no limit\)"):
        Limits(timeout=value)


@pytest.mark.parametrize("value", [0, 0.05, 2, 2.5, 3600])
def test_limits_accept_a_timeout_in_range(value):
    assert Limits(timeout=value).timeout == float(value)


@pytest.mark.parametrize("name", sorted(UPPER_BOUNDS))
@pytest.mark.parametrize("value", [0, -1, 2.5, 1e308, math.nan, "40", True, None], ids=repr)
def test_limits_reject_a_bad_size_limit(name, value):
    with pytest.raises(ValueError, match=rf"^{name} must be a whole number from 1 to"):
        Limits(**{name: value})


@pytest.mark.parametrize("name", sorted(UPPER_BOUNDS))
def test_limits_accept_the_bounds_of_each_size_limit(name):
    assert getattr(Limits(**{name: 1}), name) == 1
    assert getattr(Limits(**{name: UPPER_BOUNDS[name]}), name) == UPPER_BOUNDS[name]
    with pytest.raises(ValueError, match=name):
        Limits(**{name: UPPER_BOUNDS[name] + 1})


def test_the_range_is_the_documented_one():
    assert TIMEOUT_RANGE == (0.05, 3600.0)
    assert MESSAGE in (ROOT / "docs" / "reference" / "errors.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("value", BAD, ids=BAD_IDS)
def test_extension_rejects_a_bad_timeout_when_loading(value):
    with pytest.raises(ValueError, match=r"^mdjacobian: timeout must be 0 \(no limit\)"):
        markdown.Markdown(extensions=["mdjacobian"], extension_configs={"mdjacobian": {"timeout": value}})


def test_extension_takes_a_timeout_written_as_text():
    md = markdown.Markdown(extensions=["mdjacobian"], extension_configs={"mdjacobian": {"timeout": "2.5"}})
    assert md.convert("```jacobian\nf(x) = x^2\n```\n").count("jacobian-error") == 0
    assert [e.mdjacobian_settings.limits.timeout for e in md.registeredExtensions] == [2.5]


@pytest.mark.parametrize("value", BAD, ids=BAD_IDS)
def test_plugin_rejects_a_bad_timeout_when_loading(tmp_path, value):
    pytest.importorskip("mkdocs")
    from mkdocs.config import load_config
    from mkdocs.exceptions import PluginError

    (tmp_path / "docs").mkdir()
    written = YAML.get(value, repr(value)) if not isinstance(value, bool) else "true"
    (tmp_path / "mkdocs.yml").write_text(f"site_name: t\nplugins:\n  - mdjacobian:\n      timeout: {written}\n")
    with pytest.raises(PluginError, match=r"^mdjacobian: timeout must be 0 \(no limit\)"):
        load_config(str(tmp_path / "mkdocs.yml"))


def test_plugin_build_stops_with_the_message(tmp_path):
    pytest.importorskip("mkdocs")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n")
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nplugins:\n  - mdjacobian:\n      timeout: .nan\n")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert f"Error: mdjacobian: {MESSAGE}, not nan" in done.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "-1", "1e-9", "abc", "True"])
def test_cli_rejects_a_bad_timeout_with_a_usage_error(capsys, value):
    from mdjacobian.hosts.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["x^2", f"--timeout={value}"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"error: argument --timeout: must be 0 (no limit) or a number of seconds from 0.05 to 3600, not {value!r}" in err


@pytest.mark.parametrize("value", ["nan", "inf", "1e308", "-1", "1e-9"])
def test_jupyter_magic_rejects_a_bad_timeout(value):
    from mdjacobian.errors import BlockError
    from mdjacobian.hosts.jupyter import magic_options

    with pytest.raises(BlockError, match=rf"^on the %%jacobian line: --timeout: {MESSAGE.replace('(', '.').replace(')', '.')}"):
        magic_options(f"--timeout {value}")
