"""Rules classifier throughput, single-threaded: messages per second over the labelled data set.

    python bench/classify_bench.py [--rounds 30]

Target: at least 5 000 messages/s on the 2-core development machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.classifier.rules import RuleClassifier  # noqa: E402

DATASET = ROOT / "tests" / "classifier" / "dataset.jsonl"


def load_messages(path: Path = DATASET) -> list[tuple[str, str, bool]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                data = json.loads(line)
                rows.append((data["text"], data["speaker"], bool(data["private"])))
    return rows


def measure(rules: RuleClassifier, messages: list[tuple[str, str, bool]], rounds: int) -> float:
    """Messages per second of ``classify_sync`` over ``rounds`` passes of ``messages``."""
    classify = rules.classify_sync
    for text, speaker, private in messages:  # warm-up (OpenCC, regex caches)
        classify(text, speaker=speaker, private=private)  # type: ignore[arg-type]
    start = time.perf_counter()
    for _ in range(rounds):
        for text, speaker, private in messages:
            classify(text, speaker=speaker, private=private)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    return rounds * len(messages) / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    rules = RuleClassifier.load()
    load_ms = (time.perf_counter() - t0) * 1000
    messages = load_messages()
    rate = measure(rules, messages, args.rounds)
    print(f"lexicon load + compile: {load_ms:.0f} ms")
    print(f"{len(messages)} messages x {args.rounds} rounds: {rate:,.0f} messages/s ({1e6 / rate:.1f} µs each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
