"""How long the docs' displayed results are, and how that changed between two versions.

    python bench/forms.py record docs after.jsonl                       # this checkout
    PYTHONPATH=/path/to/other/checkout python bench/forms.py record docs before.jsonl
    python bench/forms.py compare before.jsonl after.jsonl

``record`` evaluates every ``jacobian`` block of the pages under a folder and keeps, for each, its
result's form (``Result.form``) or its error. ``compare`` measures each form's width in em with the
package's own estimate of Chromium's layout (within a few percent) and counts the blocks whose
result got shorter, stayed the same (within 2 %) or got longer, and those that only one version shows.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

FENCE = re.compile(
    r"^(?P<indent>[ \t>]*)(?P<mark>`{3,}|~{3,})jacobian(?P<header>[^\n]*)\n(?P<body>.*?)^(?P=indent)(?P=mark)[ \t]*$",
    re.M | re.S,
)
SAME = 0.02
"""Widths within this fraction of each other count as the same."""


def blocks(folder: Path):  # noqa: ANN201
    """(page, block text, fence-line options) for every block, the fence's own options left out."""
    for page in sorted(folder.rglob("*.md")):
        for match in FENCE.finditer(page.read_text(encoding="utf-8")):
            indent = match["indent"]
            lines = [line[len(indent):] if line.startswith(indent) else line for line in match["body"].splitlines()]
            body = "\n".join(line for line in lines if not re.match(r"\s*(source|expect)\s*:", line))
            given = {k: v for k, v in re.findall(r'(\w+)="([^"]*)"', match["header"]) if k not in ("source", "expect")}
            yield str(page.relative_to(folder)), body, given


def record(folder: Path, out: Path) -> None:
    import mdjacobian

    with out.open("w", encoding="utf-8") as sink:
        for page, body, given in blocks(folder):
            try:
                row = {"form": mdjacobian.evaluate(body, **given).form}
            except Exception as exc:  # noqa: BLE001 - an old version's refusal is a result here
                row = {"error": str(exc)[:200]}
            sink.write(json.dumps({"page": page, "body": body, **row}) + "\n")


def compare(before: Path, after: Path) -> None:
    from mdjacobian.render.measure import tex_width

    def width(row: dict) -> float | None:
        try:
            return tex_width(row["form"]) if row.get("form") else None
        except Exception:  # noqa: BLE001
            return None

    old = {(r["page"], r["body"]): r for r in map(json.loads, before.open(encoding="utf-8"))}
    rows = []
    counts = {"shorter": 0, "same": 0, "longer": 0, "new": 0, "gone": 0}
    for line in after.open(encoding="utf-8"):
        row = json.loads(line)
        then, now = width(old.get((row["page"], row["body"]), {})), width(row)
        if now is None:
            counts["gone"] += then is not None
            continue
        if then is None:
            counts["new"] += 1
            continue
        kind = "shorter" if now < then * (1 - SAME) else "longer" if now > then * (1 + SAME) else "same"
        counts[kind] += 1
        rows.append((then, now, row))
    print(", ".join(f"{k} {v}" for k, v in counts.items()), f"(of {sum(1 for _ in after.open())} blocks)")
    print("largest reductions:")
    for then, now, row in sorted(rows, key=lambda r: r[1] - r[0])[:8]:
        print(f"  {row['page']}: {then:.0f} em -> {now:.0f} em | {row['body'].replace(chr(10), ' | ')[:100]}")
    print("longer:")
    for then, now, row in [r for r in rows if r[1] > r[0] * (1 + SAME)]:
        print(f"  {row['page']}: {then:.0f} em -> {now:.0f} em | {row['body'].replace(chr(10), ' | ')[:100]}")
    print("longest now:")
    for then, now, row in sorted(rows, key=lambda r: -r[1])[:8]:
        print(f"  {row['page']}: {now:.0f} em | {row['body'].replace(chr(10), ' | ')[:100]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    recording = commands.add_parser("record")
    recording.add_argument("folder", type=Path)
    recording.add_argument("out", type=Path)
    comparing = commands.add_parser("compare")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "record":
        record(args.folder, args.out)
    else:
        compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
