"""What the benchmarks share: the machine's description, and each benchmark's headline rows
kept in ``bench/last/NAME.json`` for ``bench/summary.py``, which ``make bench`` runs last to
print every figure in one table."""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

LAST = Path(__file__).parent / "last"


def cpu_info() -> str:
    """CPU model, logical CPUs and the vector/matrix flags that decide TensorFlow's speed."""
    flags: set[str] = set()
    model = platform.processor()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    shown = [
        f
        for f in (
            "avx2",
            "fma",
            "avx512f",
            "avx512_bf16",
            "avx512_vnni",
            "amx_bf16",
            "amx_tile",
            "amx_int8",
        )
        if f in flags
    ]
    return f"{model}; {os.cpu_count()} logical CPUs; flags: {' '.join(shown) or '?'}"


def row(
    measure: str, zoo: str, peer: str = "", ratio: str = "", spread: str = "", target: str = ""
) -> dict:
    """One line of the summary: what is measured, zoo's figure, the peer's (if any), the
    ratio, the spread over repeats, and the target the figure is held to (if any)."""
    return {
        "measure": measure,
        "zoo": zoo,
        "peer": peer,
        "ratio": ratio,
        "spread": spread,
        "target": target,
    }


def record(benchmark: str, rows: list[dict], when: float | None = None) -> Path:
    """Keep this run's rows as the latest figures of ``benchmark`` (measured at ``when``, a
    timestamp; default now)."""
    LAST.mkdir(exist_ok=True)
    path = LAST / f"{benchmark}.json"
    path.write_text(
        json.dumps(
            {
                "benchmark": benchmark,
                "command": " ".join(
                    ["python", *[Path(a).name if a.endswith(".py") else a for a in sys.argv]]
                ),
                "when": datetime.datetime.fromtimestamp(
                    when or datetime.datetime.now().timestamp()
                ).strftime("%Y-%m-%d %H:%M"),
                "machine": cpu_info(),
                "rows": rows,
            },
            indent=1,
        )
    )
    return path


def epoch_timer():
    """A Keras callback that keeps each epoch's wall seconds in ``.seconds``."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.t0)

    return EpochTimer()
