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
