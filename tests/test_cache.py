"""The cache of rendered blocks: a hit is a recompute, byte for byte, and a bad entry is only a miss."""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import markdown
import pytest

import mdjacobian.api
from mdjacobian import cache, cachekey
from mdjacobian.cache import MEMORY, Cache, block_key, cache_for
from mdjacobian.errors import LimitError

ROOT = Path(__file__).resolve().parent.parent
GOOD = "```jacobian\nf(x, y) = 3x^2 y\ng(x, y) = 2x + y^8\n```\n"
BAD = "```jacobian\nf(x, y) = 3x^2 y\ng = 2x + )\n```\n"
PAGE = f"# Page\n\n{GOOD}\nBetween.\n\n{BAD}\n```jacobian\nf(x) = sin(x)^2\nat: x = 1\n```\n"


@pytest.fixture(autouse=True)
def empty_memory():
    MEMORY.clear()
    yield
    MEMORY.clear()


@pytest.fixture
def computed(monkeypatch):
    """The block sources computed (not taken from the cache), in order."""
    sources: list[str] = []
    real = mdjacobian.api.render_block

    def counting(source, *args, **kwargs):
        sources.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(mdjacobian.api, "render_block", counting)
    return sources


def convert(text: str, caplog, **config) -> tuple[str, list[str]]:
    """The page's HTML and the warnings it logged, with the extension configured by ``config``."""
    md = markdown.Markdown(extensions=["mdjacobian"], extension_configs={"mdjacobian": config})
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        html = md.convert(text)
    return html, [f"{r.levelname}: {r.getMessage()}" for r in caplog.records]


def write_signed(path: Path, data: object) -> None:
    """Write ``data`` as the cache writes a file, signed with this user's key: only what is inside is wrong."""
    path.write_bytes(cachekey.signed(json.dumps(data).encode()))


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("??/*.json"))


# -- a hit equals a recompute ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [GOOD, BAD, PAGE], ids=["good", "bad", "page"])
def test_a_hit_equals_a_recompute(tmp_path, caplog, computed, text):
    fresh = convert(text, caplog, cache=False)
    blocks = len(computed)
    assert blocks == text.count("```jacobian")
    first = convert(text, caplog, cache_dir=str(tmp_path))
    assert len(computed) == 2 * blocks
    from_memory = convert(text, caplog, cache_dir=str(tmp_path))
    MEMORY.clear()
    from_disk = convert(text, caplog, cache_dir=str(tmp_path))
    assert len(computed) == 2 * blocks, "the hits computed again"
    assert first == fresh
    assert from_memory == fresh
    assert from_disk == fresh
    assert len(entries(tmp_path)) == blocks


def test_a_stored_error_comes_back_as_the_same_error(tmp_path):
    store = Cache(tmp_path)
    error = LimitError("the exponent 5000 is larger than the limit of 1000", limit="max_exponent").at(3, "f = x^5000")
    error.column = 7
    store.put("a" * 64, error)
    MEMORY.clear()
    again = store.get("a" * 64)
    assert type(again) is LimitError
    assert (str(again), again.reason, again.line, again.column, again.source_line, again.limit) == (
        str(error), error.reason, 3, 7, "f = x^5000", "max_exponent"
    )


def test_a_wrong_result_keeps_its_class(tmp_path):
    from mdjacobian.calculus.proof import Mismatch

    store = Cache(tmp_path)
    store.put("b" * 64, Mismatch("the derivative disagrees with the function", line=2))
    MEMORY.clear()
    again = store.get("b" * 64)
    assert type(again) is Mismatch and str(again) == "line 2: the derivative disagrees with the function"


def test_a_timeout_is_not_stored(tmp_path, caplog, monkeypatch):
    calls = []

    def too_slow(source, *args, **kwargs):
        calls.append(source)
        raise LimitError("took longer than the time limit of 10 s", limit="timeout")

    monkeypatch.setattr(mdjacobian.api, "render_block", too_slow)
    first = convert(GOOD, caplog, cache_dir=str(tmp_path))
    second = convert(GOOD, caplog, cache_dir=str(tmp_path))
    assert len(calls) == 2
    assert first == second and "took longer than the time limit" in first[0]
    assert entries(tmp_path) == []


def test_cache_off_stores_nothing(tmp_path, caplog, computed):
    convert(GOOD, caplog, cache=False, cache_dir=str(tmp_path))
    convert(GOOD, caplog, cache=False, cache_dir=str(tmp_path))
    assert len(computed) == 2
    assert list(tmp_path.iterdir()) == []


# -- what the key depends on ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "config"),
    [
        (GOOD.replace("```jacobian\n", '```jacobian layout="denominator"\n', 1), {}),
        (GOOD, {"layout": "denominator"}),
        (GOOD, {"show": "full"}),
        (GOOD, {"output": "tex"}),
        (GOOD, {"timeout": 20}),
        (GOOD.replace("```jacobian\n", "```{.jacobian #jacobian-1}\n", 1), {}),
        (GOOD.replace("```jacobian\n", "```{.jacobian .wide}\n", 1), {}),
        (GOOD.replace("3x^2 y", "3x^2 y "), {}),
    ],
    ids=["block-option", "site-layout", "site-show", "output-mode", "limits", "id", "class", "text"],
)
def test_any_change_that_reaches_the_block_misses(tmp_path, caplog, computed, text, config):
    convert(GOOD, caplog, cache_dir=str(tmp_path))
    assert len(computed) == 1
    changed = convert(text, caplog, cache_dir=str(tmp_path), **config)
    assert len(computed) == 2
    MEMORY.clear()
    assert convert(text, caplog, cache=False, **config) == changed
    assert len(entries(tmp_path)) == 2


@pytest.mark.parametrize("package", ["mdjacobian", "sympy", "math-core", "mdjacobian code"])
def test_a_new_version_misses(tmp_path, caplog, computed, monkeypatch, package):
    convert(GOOD, caplog, cache_dir=str(tmp_path))
    installed = cache.versions()
    assert set(installed) >= {"mdjacobian", "sympy", "math-core"}
    monkeypatch.setattr(cache, "versions", lambda: {**installed, package: installed[package] + "-next"})
    MEMORY.clear()
    convert(GOOD, caplog, cache_dir=str(tmp_path))
    assert len(computed) == 2


def test_keys_are_canonical():
    assert block_key(source="f = x", given={"a": "1", "b": "2"}) == block_key(given={"b": "2", "a": "1"}, source="f = x")
    assert block_key(source="f = x", given={"a": 1}) != block_key(source="f = x", given={"a": "1"})
    assert block_key(source="f = x", given={"a": object()}) is None
    assert block_key(source="f = x", value=float("nan")) is None


def test_importing_the_cache_loads_no_sympy():
    code = "import sys, mdjacobian.cache as c; c.versions(); print('sympy' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "False", done.stderr


# -- bad entries are misses ------------------------------------------------------------------------


def _damage_by(kind: str, path: Path, other: str) -> None:
    """Spoil the entry at ``path`` in the way ``kind`` names; ``other`` is another entry's text."""
    text = path.read_text(encoding="utf-8")
    entry = json.loads(text)["body"]
    if kind == "garbage":
        path.write_bytes(b"\x00\x01 not json")
    elif kind == "truncated":
        path.write_text(text[: len(text) // 2], encoding="utf-8")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "not-utf8":
        path.write_bytes(text.encode("utf-16"))
    elif kind == "other-key":
        path.write_text(other, encoding="utf-8")
    elif kind == "other-format":
        write_signed(path, {**entry, "format": cache.FORMAT + 1})
    elif kind == "wrong-type":
        write_signed(path, {"format": entry["format"], "key": entry["key"], "html": 5})
    elif kind == "foreign-error":
        error = {"class": "os:system", "message": "m", "reason": "m", "line": None, "column": None, "source_line": None, "limit": None}
        write_signed(path, {"format": entry["format"], "key": entry["key"], "error": error})
    elif kind == "list":
        write_signed(path, [])
    elif kind == "unsigned":
        path.write_text(json.dumps(entry), encoding="utf-8")
    elif kind == "signed-elsewhere":  # a whole entry, signed under someone else's key
        body = json.dumps({**entry, "html": "<script>alert(1)</script>"}).encode()
        path.write_bytes(b'{"tag":"' + hmac.new(b"another key", body, "sha256").hexdigest().encode() + b'","body":' + body + b"}")
    elif kind == "unreadable":
        path.chmod(0)
    elif kind == "directory":
        path.unlink()
        (path / "inside").mkdir(parents=True)
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "garbage", "truncated", "empty", "not-utf8", "other-key", "other-format", "wrong-type", "foreign-error", "list",
        "unreadable", "directory", "unsigned", "signed-elsewhere",
    ],
)
def test_a_bad_entry_is_computed_again(tmp_path, caplog, computed, kind):
    if kind == "unreadable" and os.geteuid() == 0:
        pytest.skip("root reads any file")
    text = GOOD + "\n" + BAD
    expected = convert(text, caplog, cache_dir=str(tmp_path))
    good_entry, bad_entry = (cache_for(tmp_path).path(block_key_of(text, i)) for i in (0, 1))
    assert good_entry.exists() and bad_entry.exists()
    good_text, bad_text = good_entry.read_text(encoding="utf-8"), bad_entry.read_text(encoding="utf-8")
    _damage_by(kind, good_entry, other=bad_text)
    _damage_by(kind, bad_entry, other=good_text)
    MEMORY.clear()
    assert convert(text, caplog, cache_dir=str(tmp_path)) == expected
    assert len(computed) == 4
    if kind == "directory":
        return  # nothing can replace a directory: every build computes these blocks
    # Both entries were written again, whole.
    MEMORY.clear()
    assert convert(text, caplog, cache_dir=str(tmp_path)) == expected
    assert len(computed) == 4


def block_key_of(text: str, index: int) -> str:
    """The key of the ``index``-th block of ``text`` under the extension's default settings."""
    from mdjacobian.hosts.fence import Settings

    settings = Settings()
    source = text.split("```jacobian\n")[index + 1].split("\n```")[0]
    return block_key(
        host="html", source=source, given={}, defaults=settings.defaults, limits=settings.limits, classes=[], id=""
    )


def test_an_unwritable_directory_only_costs_time(tmp_path, caplog, computed):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    expected = convert(GOOD, caplog, cache=False)
    assert convert(GOOD, caplog, cache_dir=str(blocked / "cache")) == expected
    MEMORY.clear()
    assert convert(GOOD, caplog, cache_dir=str(blocked / "cache")) == expected
    assert len(computed) == 3


def test_memory_is_bounded():
    memory = cache._Memory(3)
    for key in "abcd":
        memory.put(key, {"html": key})
    assert memory.get("a") is None
    memory.get("b")  # now the most recently used
    memory.put("e", {"html": "e"})
    assert [k for k in "bcde" if memory.get(k)] == ["b", "d", "e"]


def test_prune_keeps_only_the_entries_used(tmp_path, caplog):
    store = cache_for(tmp_path)
    convert(GOOD + "\n" + BAD, caplog, cache_dir=str(tmp_path))
    assert len(entries(tmp_path)) == 2
    store.start_build()
    convert(GOOD, caplog, cache_dir=str(tmp_path))
    assert store.prune() == 1
    (left,) = entries(tmp_path)
    assert left == store.path(block_key_of(GOOD, 0))
    assert (tmp_path / "CACHEDIR.TAG").exists()
    assert store.prune(keep=()) == 1 and entries(tmp_path) == []


# -- builds sharing a directory ------------------------------------------------------------------


CONVERT = """
import sys, markdown
text = open(sys.argv[1], encoding="utf-8").read()
md = markdown.Markdown(extensions=["mdjacobian"], extension_configs={"mdjacobian": {"cache_dir": sys.argv[2]}})
sys.stdout.write(md.convert(text))
"""


def test_two_builds_sharing_a_directory_at_once_agree(tmp_path, caplog):
    page = tmp_path / "page.md"
    blocks = [f"```jacobian\nf(x, y) = x^{n} y + sin({n} x y)\n```\n" for n in range(2, 8)]
    page.write_text("\n".join([*blocks, BAD]), encoding="utf-8")
    directory = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.Popen([sys.executable, "-c", CONVERT, str(page), str(directory)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    expected, _ = convert(page.read_text(encoding="utf-8"), caplog, cache=False)
    assert outputs[0][0] == outputs[1][0] == expected
    assert len(entries(directory)) == len(blocks) + 1
    for path in entries(directory):
        assert json.loads(path.read_text(encoding="utf-8"))["body"]["key"] == path.stem
    assert not list(directory.glob("??/.tmp-*"))
    assert convert(page.read_text(encoding="utf-8"), caplog, cache_dir=str(directory))[0] == expected


# -- MkDocs ----------------------------------------------------------------------------------------


def mkdocs_site(root: Path, plugin: str = "  - mdjacobian\n", page: str = PAGE) -> Path:
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "docs" / "index.md").write_text(page, encoding="utf-8")
    (root / "mkdocs.yml").write_text(f"site_name: t\nplugins:\n{plugin}", encoding="utf-8")
    return root / "mkdocs.yml"


def mkdocs_build(config_file: Path) -> str:
    pytest.importorskip("mkdocs")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(config_file))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    html = (config_file.parent / "site" / "index.html").read_text(encoding="utf-8")
    return re.sub(r"Build Date UTC : .*", "", html)  # the one line that differs between builds


def test_mkdocs_second_build_computes_nothing(tmp_path, computed):
    config_file = mkdocs_site(tmp_path / "project")
    first = mkdocs_build(config_file)
    assert len(computed) == 3
    directory = tmp_path / "project" / ".cache" / "mdjacobian"
    assert len(entries(directory)) == 3
    assert (directory / "CACHEDIR.TAG").exists()
    assert not list((tmp_path / "project" / "docs").rglob("*.json"))
    MEMORY.clear()
    assert mkdocs_build(config_file) == first
    assert len(computed) == 3


def test_mkdocs_rebuild_in_one_process_uses_memory(tmp_path, computed):
    config_file = mkdocs_site(tmp_path, "  - mdjacobian:\n      cache_dir: /dev/null/not-a-directory\n")
    first = mkdocs_build(config_file)
    assert mkdocs_build(config_file) == first
    assert len(computed) == 3


def test_mkdocs_cache_false_writes_nothing(tmp_path, computed):
    config_file = mkdocs_site(tmp_path, "  - mdjacobian:\n      cache: false\n")
    first = mkdocs_build(config_file)
    assert mkdocs_build(config_file) == first
    assert len(computed) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "mkdocs.yml", "site"]


def test_mkdocs_cache_dir_is_relative_to_the_config_file(tmp_path, monkeypatch):
    config_file = mkdocs_site(tmp_path / "project", "  - mdjacobian:\n      cache_dir: ../shared-cache\n", page=GOOD)
    monkeypatch.chdir(tmp_path / "project" / "docs")
    mkdocs_build(config_file)
    assert len(entries(tmp_path / "shared-cache")) == 1


def test_mkdocs_build_prunes_entries_no_page_uses(tmp_path):
    config_file = mkdocs_site(tmp_path)
    mkdocs_build(config_file)
    directory = tmp_path / ".cache" / "mdjacobian"
    assert len(entries(directory)) == 3
    mkdocs_site(tmp_path, page=GOOD)
    mkdocs_build(config_file)
    assert len(entries(directory)) == 1


@pytest.mark.parametrize("inside", ["docs/.cache", "site/cache"])
def test_mkdocs_refuses_a_cache_inside_the_docs_or_site(tmp_path, inside):
    pytest.importorskip("mkdocs")
    from mkdocs.config import load_config
    from mkdocs.exceptions import PluginError

    config = load_config(str(mkdocs_site(tmp_path, f"  - mdjacobian:\n      cache_dir: {inside}\n")))
    with pytest.raises(PluginError, match=rf"^mdjacobian: cache_dir '{inside}' must not be inside (docs|site)_dir"):
        config.plugins.on_config(config)


def test_plugin_hands_the_resolved_directory_to_the_extension(tmp_path):
    pytest.importorskip("mkdocs")
    from mkdocs.config import load_config

    config = load_config(str(mkdocs_site(tmp_path)))
    config.plugins.on_config(config)
    assert config.mdx_configs["mdjacobian"] == {"cache": True, "cache_dir": str((tmp_path / ".cache" / "mdjacobian").resolve())}


# -- the command line ------------------------------------------------------------------------------


def test_cli_cache_dir(tmp_path, capsys, monkeypatch):
    from mdjacobian.hosts import cli

    runs = []
    real = cli.workers.run

    def counting(target, args, limits):
        runs.append(1)
        return real(target, args, limits)

    monkeypatch.setattr(cli.workers, "run", counting)
    outputs = []
    for argv in (["3x^2 y, 2x + y^8"], ["3x^2 y, 2x + y^8"], ["3x^2 y, 2x + y^8", "--format", "tex"], ["2x + )"], ["2x + )"]):
        status = cli.main([*argv, "--cache-dir", str(tmp_path)])
        MEMORY.clear()
        outputs.append((status, *capsys.readouterr()))
    assert len(runs) == 3
    assert outputs[0] == outputs[1] and outputs[0][0] == 0 and "✓ checked" in outputs[0][1]
    assert outputs[2][0] == 0 and outputs[2][1] != outputs[0][1]
    assert outputs[3] == outputs[4] and outputs[3][0] == 1 and outputs[3][2].startswith("mdjacobian: line 1:")
    assert len(entries(tmp_path)) == 3


def test_plugin_keeps_the_extension_s_own_cache_dir(tmp_path):
    pytest.importorskip("mkdocs")
    from mkdocs.config import load_config

    config_file = mkdocs_site(tmp_path)
    config_file.write_text("site_name: t\nmarkdown_extensions:\n  - mdjacobian:\n      cache_dir: elsewhere\nplugins:\n  - mdjacobian\n")
    config = load_config(str(config_file))
    config.plugins.on_config(config)
    assert config.mdx_configs["mdjacobian"] == {"cache": True, "cache_dir": "elsewhere"}


# -- the page index ----------------------------------------------------------------------------------


def index_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("index-*.json"))


@pytest.fixture
def pages_read(monkeypatch):
    """The pages the prefill read for fences (an indexed, unchanged page is not read)."""
    from mdjacobian.hosts import prefill

    texts: list[str] = []
    real = prefill.blocks_of

    def reading(text):
        texts.append(text)
        return real(text)

    monkeypatch.setattr(prefill, "blocks_of", reading)
    return texts


def forget_this_process():
    """What a new process would not know: the memory, the keys worked out, the index last saved."""
    from mdjacobian.hosts import fence, prefill

    MEMORY.clear()
    fence._KEYS.clear()
    prefill._saved.clear()


def test_mkdocs_an_unchanged_page_comes_from_the_index(tmp_path, computed, pages_read):
    config_file = mkdocs_site(tmp_path)
    first = mkdocs_build(config_file)
    directory = tmp_path / ".cache" / "mdjacobian"
    assert len(index_files(directory)) == 1 and len(pages_read) == 1
    forget_this_process()
    assert mkdocs_build(config_file) == first
    assert len(pages_read) == 1 and len(computed) == 3  # nothing read again, nothing computed
    # An edited page is read again, and comes out as a build from nothing makes it.
    edited_page = PAGE.replace("sin(x)^2", "cos(x)^2")
    mkdocs_site(tmp_path, page=edited_page)
    forget_this_process()
    edited = mkdocs_build(config_file)
    assert len(pages_read) == 2 and len(computed) == 4
    fresh = mkdocs_build(mkdocs_site(tmp_path / "fresh", "  - mdjacobian:\n      cache: false\n", page=edited_page))
    assert edited == fresh


@pytest.mark.parametrize("kind", ["garbage", "truncated", "other-format", "entry-of-another-key", "records-not-a-list", "bad-record"])
def test_mkdocs_a_bad_index_is_only_a_miss(tmp_path, computed, pages_read, kind):
    config_file = mkdocs_site(tmp_path)
    first = mkdocs_build(config_file)
    (path,) = index_files(tmp_path / ".cache" / "mdjacobian")
    data = json.loads(path.read_text(encoding="utf-8"))["body"]
    (digest,) = data["pages"]
    if kind == "garbage":
        path.write_bytes(b"\x00\xff not json")
    elif kind == "truncated":
        path.write_text(path.read_text(encoding="utf-8")[:100], encoding="utf-8")
    elif kind == "other-format":
        write_signed(path, {**data, "format": cache.FORMAT + 1})
    elif kind == "entry-of-another-key":
        one, other = list(data["entries"])[:2]
        data["entries"][one] = data["entries"][other]
        write_signed(path, data)
    elif kind == "records-not-a-list":
        data["pages"][digest] = "x"
        write_signed(path, data)
    else:
        data["pages"][digest][0] = ["too", "short"]
        write_signed(path, data)
    forget_this_process()
    assert mkdocs_build(config_file) == first
    assert len(pages_read) == 2 and len(computed) == 3  # read again; the entry files still hold every block


def test_mkdocs_other_settings_make_another_index(tmp_path):
    config_file = mkdocs_site(tmp_path)
    mkdocs_build(config_file)
    directory = tmp_path / ".cache" / "mdjacobian"
    (before,) = index_files(directory)
    mkdocs_site(tmp_path, "  - mdjacobian:\n      layout: denominator\n")
    mkdocs_build(config_file)
    (after,) = index_files(directory)
    assert after != before


def test_compute_awaits_a_block_being_computed_and_computes_a_cancelled_one():
    from concurrent.futures import Future

    store = Cache()
    done, cancelled = Future(), Future()
    done.set_result("<p>from the background</p>")
    cancelled.cancel()
    store.expect("a" * 64, done)
    store.expect("b" * 64, cancelled)
    assert store.compute("a" * 64, lambda: "<p>again</p>") == "<p>from the background</p>"
    assert store.compute("b" * 64, lambda: "<p>computed here</p>") == "<p>computed here</p>"
    failed = Future()
    failed.set_result(LimitError("took longer than the time limit of 1 s", limit="timeout"))
    store.expect("c" * 64, failed)
    with pytest.raises(LimitError, match="time limit"):
        store.compute("c" * 64, lambda: "<p>not asked</p>")
