"""The MkDocs plugin's wiring: which extension it configures, and with which settings."""

from __future__ import annotations

import pytest

pytest.importorskip("mkdocs", reason="mkdocs is not installed: pip install -e '.[test]'")

from mkdocs.config import load_config  # noqa: E402


def configured(tmp_path, yaml: str):
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n" + yaml)
    config = load_config(str(tmp_path / "mkdocs.yml"))
    config.plugins.on_config(config)
    return config


def caching(tmp_path) -> dict[str, object]:
    """The cache settings the plugin hands the extension by default: a directory next to mkdocs.yml."""
    return {"cache": True, "cache_dir": str((tmp_path / ".cache" / "mdjacobian").resolve())}


def test_adds_the_extension_with_only_the_options_set_on_the_plugin(tmp_path):
    config = configured(tmp_path, "plugins:\n  - mdjacobian:\n      layout: denominator\n")
    assert "mdjacobian" in config.markdown_extensions
    assert config.mdx_configs["mdjacobian"] == {"layout": "denominator", **caching(tmp_path)}
    assert config.extra_css[0] == "assets/mdjacobian/mdjacobian.css"


def test_keeps_the_extension_settings_the_plugin_does_not_set(tmp_path):
    config = configured(
        tmp_path,
        "markdown_extensions:\n  - mdjacobian:\n      layout: denominator\n      show: full\n"
        "plugins:\n  - mdjacobian:\n      show: result\n",
    )
    assert config.mdx_configs["mdjacobian"] == {"layout": "denominator", "show": "result", **caching(tmp_path)}


def test_configures_the_extension_under_the_name_it_is_listed_by(tmp_path):
    config = configured(tmp_path, "markdown_extensions:\n  - mdjacobian.extension\nplugins:\n  - mdjacobian:\n      output: tex\n")
    assert config.markdown_extensions.count("mdjacobian.extension") == 1
    assert "mdjacobian" not in config.markdown_extensions
    assert config.mdx_configs["mdjacobian.extension"] == {"output": "tex", **caching(tmp_path)}


def test_disabled_plugin_changes_nothing(tmp_path):
    config = configured(tmp_path, "plugins:\n  - mdjacobian:\n      enabled: false\n")
    assert "mdjacobian" not in config.markdown_extensions
    assert "assets/mdjacobian/mdjacobian.css" not in config.extra_css


def test_deeply_nested_prose_tex_is_a_page_warning_not_a_crash(tmp_path):
    import subprocess
    import sys

    deep = "\\frac{1}{" * 3200 + "x" + "}" * 3200
    long = "x + " * 20_000 + "x"
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(f"# Deep\n\n$$\n{deep}\n$$\n\nand $\\frac{{1}}{{2}}$ and $${long}$$\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\nmarkdown_extensions:\n  - pymdownx.arithmatex:\n      generic: true\nplugins:\n  - mdjacobian\n",
        encoding="utf-8",
    )
    # In a child process: a converter that overflowed its stack would kill the interpreter.
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "nests braces 3200 deep, more than the 200" in done.stderr
    assert "characters, more than the 50000" in done.stderr
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<math" in page  # the small formula is still converted
