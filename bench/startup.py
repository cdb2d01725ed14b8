"""Start-up: `zoo list` next to `python -c "import tensorflow"` (median of 5 runs each).

Each command runs once before it is timed, with Python's bytecode cache on (as a normal
install has it; ``PYTHONDONTWRITEBYTECODE`` is dropped), so the figures do not include
compiling the sources.

    python bench/startup.py
"""

import os
import shutil
import statistics
import subprocess
import sys
import time

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["TF_CPP_MIN_LOG_LEVEL"] = "3"


def median_seconds(cmd, n=5):
    subprocess.run(cmd, check=True, capture_output=True, env=ENV)  # warm the caches
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=ENV)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times)


def main():
    zoo = shutil.which("zoo") or os.path.join(os.path.dirname(sys.executable), "zoo")
    rows = [
        ("zoo --help", [zoo, "--help"]),
        ("zoo list", [zoo, "list"]),
        ("zoo info vae", [zoo, "info", "vae"]),
        ('python -c "import tensorflow"', [sys.executable, "-c", "import tensorflow"]),
    ]
    results = {name: median_seconds(cmd) for name, cmd in rows}
    tf = results['python -c "import tensorflow"'][0]
    print(f"{'command':32s} {'median s':>9s} {'spread':>13s} {'vs import tensorflow':>21s}")
    for name, (t, lo, hi) in results.items():
        print(f"{name:32s} {t:9.3f} {lo:6.3f}-{hi:.3f} {t / tf:20.2f}x")
    from benchlib import record, row

    record(
        "startup",
        [
            row(
                f"{name}, s (median of 5)",
                f"{t:.3f}",
                spread=f"{lo:.3f}-{hi:.3f}",
                target="< 0.3" if name == "zoo list" else "",
            )
            for name, (t, lo, hi) in results.items()
        ],
    )


if __name__ == "__main__":
    main()
