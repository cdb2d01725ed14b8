"""Checkpoints of a Keras network: written whole (a temp file renamed over the old one) and
without a Ctrl-C or SIGTERM landing between two writes that belong together."""

from __future__ import annotations

import contextlib
import signal
import threading
from pathlib import Path

import keras

from zoo_core.atomic_files import atomic_path
from zoo_core.errors import RunError

LAST, BEST = "last.keras", "best.keras"


def save_atomic(model: keras.Model, path: Path) -> None:
    """Save a ``.keras`` file so that a crash mid-write never leaves a broken file."""
    with atomic_path(path, suffix=".keras") as tmp:
        model.save(tmp)


def load_model(path: Path) -> keras.Model:
    if not Path(path).is_file():
        raise RunError(f"no model at {path}; train the run first (or resume it)")
    return keras.models.load_model(path, safe_mode=True)


@contextlib.contextmanager
def signals_deferred(signals=(signal.SIGINT, signal.SIGTERM)):
    """Hold Ctrl-C and SIGTERM for the duration of the block, then deliver the first one
    received to the handler that was there before (the main thread only; elsewhere a
    no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = {s: signal.signal(s, lambda signum, frame: received.append(signum)) for s in signals}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if received:
            signal.raise_signal(received[0])
