"""Stopping a run with SIGTERM (a scheduler, ``kill``) the way Ctrl-C stops it: a
``KeyboardInterrupt`` in the main thread, so checkpoints are kept, the run is marked
``interrupted`` and ``zoo run --resume`` continues it.

A library may take the signals for itself: TensorFlow's ``MultiWorkerMirroredStrategy()``
installs a preemption notifier on SIGTERM (and waits for its peers holding the interpreter
lock, which is why :mod:`zoo_core.peer_watch` waits for them first); :func:`reinstall`
takes them back after it.
"""

from __future__ import annotations

import signal
import threading

_installed: list[bool] = []


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def install() -> None:
    """SIGTERM raises ``KeyboardInterrupt``, as Ctrl-C does (main thread only; elsewhere,
    such as a test's runner thread, a no-op)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
        _installed.append(True)


def reinstall() -> None:
    """Take SIGTERM and Ctrl-C back from a library that set its own handlers, once
    :func:`install` ran."""
    if _installed and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, signal.default_int_handler)
