"""``make bench``: run every benchmark and print its comparison lines.

Pass names to run a subset: ``python -m bench queries votes``.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import time

BENCHES = (
    "slack_ack",
    "discord_handling",
    "fanout",
    "votes",
    "queries",
    "totals",
    "reveal",
    "footprint",
    "recall",
)


async def main(names: list[str]) -> int:
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}: {module.__doc__.strip().splitlines()[0] if module.__doc__ else ''}", flush=True)
        start = time.perf_counter()
        try:
            for result in await module.run():
                print(result.line(), flush=True)
        except Exception as exc:  # noqa: BLE001 - report and go on with the next bench
            failed += 1
            print(f"   FAILED: {type(exc).__name__}: {exc}", flush=True)
        print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    wanted = sys.argv[1:] or [b for b in BENCHES if importlib.util.find_spec(f"bench.{b}")]
    raise SystemExit(asyncio.run(main(wanted)))
