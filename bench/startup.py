"""Start-up: `zoo list` next to `python -c "import tensorflow"` (median of 5 runs each).

    python bench/startup.py
"""

import os
import shutil
import statistics
import subprocess
import sys
import time

ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")


def median_seconds(cmd, n=5):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=ENV)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    zoo = shutil.which("zoo") or os.path.join(os.path.dirname(sys.executable), "zoo")
    rows = [("zoo --help", [zoo, "--help"]), ("zoo list", [zoo, "list"]),
            ("zoo info vae", [zoo, "info", "vae"]),
            ('python -c "import tensorflow"', [sys.executable, "-c", "import tensorflow"])]
    results = {name: median_seconds(cmd) for name, cmd in rows}
    tf = results['python -c "import tensorflow"']
    print(f"{'command':32s} {'median s':>9s} {'vs import tensorflow':>21s}")
    for name, t in results.items():
        print(f"{name:32s} {t:9.3f} {t / tf:20.2f}x")


if __name__ == "__main__":
    main()
