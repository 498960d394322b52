"""A block's warning names the line of the page the mistake is on, in every Markdown host.

The line is the fence's line plus the line within the block (the fence's own line for a bad option
on it), counted in the page's file: under MkDocs after the front matter MkDocs takes off.
"""

from __future__ import annotations

import logging
import subprocess
import sys

import markdown
import pytest

PAGE = """\
# Title

Some text.

```jacobian
f(x, y) = 3x^2 y
```

- In a list:

    ```jacobian
    f(x) = x
    g(x) = x +* 1
    ```

```jacobian
f(x) = x
g(x) = x +* 1
```

```jacobian layout="sideways"
f(x) = x
```
"""
# The two "+*" are on lines 13 and 18; the bad option's fence opens on line 21.
EXPECTED = [
    "line 13 of the Markdown: jacobian block: line 2: unexpected '*' after '+'",
    "line 18 of the Markdown: jacobian block: line 2: unexpected '*' after '+'",
    "line 21 of the Markdown: jacobian block: layout: unknown value 'sideways'; use 'numerator' or 'denominator'",
]
HOSTS = {
    "extension": (["mdjacobian"], {}),
    "extension, fenced_code and admonitions": (["fenced_code", "admonition", "mdjacobian"], {}),
    "superfences": (["pymdownx.superfences", "mdjacobian"], {}),
    "superfences listed after": (["mdjacobian", "pymdownx.superfences"], {}),
    "superfences with the fence declared by hand": (
        ["pymdownx.superfences", "mdjacobian"],
        {
            "pymdownx.superfences": {
                "custom_fences": [
                    {"name": "jacobian", "class": "jacobian", "format": __import__("mdjacobian").fence_format,
                     "validator": __import__("mdjacobian").fence_validator}
                ]
            }
        },
    ),
}


@pytest.mark.parametrize("host", list(HOSTS))
def test_warnings_name_the_line_of_the_page(host, caplog):
    extensions, configs = HOSTS[host]
    with caplog.at_level(logging.WARNING):
        html = markdown.markdown(PAGE, extensions=extensions, extension_configs=configs)
    messages = [record.getMessage() for record in caplog.records if "jacobian block" in record.getMessage()]
    assert [m.removeprefix("mdjacobian: ") for m in messages] == EXPECTED, messages
    assert html.count('role="alert"') == 3


def test_the_same_block_twice_names_each_line(caplog):
    bad = "```jacobian\nf = )\n```\n"
    with caplog.at_level(logging.WARNING):
        markdown.markdown(f"{bad}\n{bad}", extensions=["pymdownx.superfences", "mdjacobian"])
    assert [r.getMessage() for r in caplog.records] == [
        "mdjacobian: line 2 of the Markdown: jacobian block: line 1: unexpected ')' at the start of the expression",
        "mdjacobian: line 6 of the Markdown: jacobian block: line 1: unexpected ')' at the start of the expression",
    ]


FRONT_MATTER = "---\ntitle: Norms\ntags: [a, b]\n---\n\n"


@pytest.mark.parametrize("superfences", [False, True])
def test_mkdocs_names_the_file_and_its_line(tmp_path, superfences):
    pytest.importorskip("mkdocs")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "norm.md").write_text(FRONT_MATTER + PAGE, encoding="utf-8")
    extensions = "markdown_extensions:\n  - pymdownx.superfences\n" if superfences else ""
    (tmp_path / "mkdocs.yml").write_text(f"site_name: t\n{extensions}plugins:\n  - mdjacobian:\n      cache: false\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    shift = FRONT_MATTER.count("\n")
    for line in EXPECTED:
        number, rest = line.removeprefix("line ").split(" of the Markdown: ")
        assert f"mdjacobian: norm.md:{int(number) + shift}: {rest}" in done.stderr, done.stderr
