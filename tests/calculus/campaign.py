"""Run the fuzzers long, outside the test suite, and count what the blocks did.

    nice -n 19 .venv/bin/python -m tests.calculus.campaign --examples 2000 --out fuzz-out

Each fuzzer draws ``--examples`` blocks (fewer when Hypothesis runs out of new ones) from the
grammar the suite's fuzzers use, with a random seed unless ``--seed`` is given, and checks each one
as the suite does, but keeps going after a failure. The counts go to the terminal and to
``OUT/summary.json``; every failure, with its block, to ``OUT/failures.jsonl``, and every block with
its outcome to ``OUT/blocks.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import time
import traceback
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import UnsatisfiedAssumption

from . import fuzzing as fz

LIMIT = 300
"""Seconds one block may take, SymPy's reference included, before the campaign moves on."""


class TooLong(Exception):
    pass


def _too_long(signum: int, frame: object) -> None:
    raise TooLong




def campaign(name: str, count: int, at_seed: int, out: Path) -> Counter:
    outcomes: Counter = Counter()
    failures = out / "failures.jsonl"
    started = time.monotonic()

    @seed(at_seed)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[__import__("hypothesis").Phase.generate],
    )
    @given(fz.FUZZERS[name][0]())
    def run(drawn: fz.Drawn) -> None:
        signal.alarm(LIMIT)
        try:
            outcome = fz.check(drawn)
        except UnsatisfiedAssumption:
            raise
        except TooLong:
            outcome = "harness: the SymPy reference took too long"
            _write(failures, {"fuzzer": name, "kind": "slow reference", "message": "", "block": drawn.block})
        except fz.Failure as exc:
            outcome = f"FAILURE {exc.kind}"
            _write(failures, {"fuzzer": name, "kind": exc.kind, "message": str(exc), "block": drawn.block})
        except Exception as exc:  # the harness itself (the SymPy reference): recorded, never hidden
            outcome = f"harness error: {type(exc).__name__}"
            _write(failures, {"fuzzer": name, "kind": "harness", "message": traceback.format_exc(), "block": drawn.block})
        finally:
            signal.alarm(0)
        outcomes[outcome] += 1
        _write(out / "blocks.jsonl", {"fuzzer": name, "outcome": outcome, "block": drawn.block})
        total = sum(outcomes.values())
        if total % 50 == 0:
            print(f"  {name}: {total} blocks, {time.monotonic() - started:.0f} s", flush=True)

    run()
    return outcomes


def _write(path: Path, record: dict) -> None:
    with path.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000, help="blocks drawn per fuzzer")
    parser.add_argument("--out", type=Path, default=Path("fuzz-out"))
    parser.add_argument("--only", default="", help="comma-separated fuzzer names (default: all)")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGALRM, _too_long)
    at_seed = args.seed if args.seed is not None else random.randrange(2**32)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(fz.FUZZERS)
    summary = {"seed": at_seed, "examples": args.examples, "fuzzers": {}}
    for name in names:
        started = time.monotonic()
        print(f"{name} (seed {at_seed})", flush=True)
        outcomes = campaign(name, args.examples, at_seed, args.out)
        summary["fuzzers"][name] = {"seconds": round(time.monotonic() - started), "outcomes": dict(outcomes.most_common())}
        (args.out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"{name}: {sum(outcomes.values())} blocks in {time.monotonic() - started:.0f} s", flush=True)
        for outcome, k in outcomes.most_common():
            print(f"  {k:6d}  {outcome}", flush=True)


if __name__ == "__main__":
    main()
