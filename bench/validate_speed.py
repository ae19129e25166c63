"""Wall time of ``ictkg validate`` on the whole dataset, as a maintainer or CI sees it.

Runs the real command (a fresh process each time: imports, parsing, SHACL, lint) ROUNDS times and
prints the median and the slowest run. Target (issue 2): under 2 s of wall time.

    .venv/bin/python bench/validate_speed.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [str(ROOT / ".venv" / "bin" / "ictkg"), "validate"]


def main(rounds: int) -> int:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        done = subprocess.run(COMMAND, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            print(done.stdout.decode(), done.stderr.decode(), file=sys.stderr)
            return done.returncode
    median, worst = statistics.median(times), max(times)
    print(f"ictkg validate: median {median:.2f} s, slowest {worst:.2f} s over {rounds} runs")
    return 0 if median < 2.0 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 7))
