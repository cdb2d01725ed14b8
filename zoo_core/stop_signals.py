"""Ending a run at any time: SIGTERM (a scheduler, ``kill``) and Ctrl-C stop it the way
Ctrl-C does (checkpoints kept, the run marked ``interrupted``, ``--resume`` possible), even
while the main thread waits inside a library call that does not return to Python, such as
TensorFlow waiting for a peer worker that never comes.

Python runs a signal handler only when the main thread next executes Python code. So the
handler here raises ``KeyboardInterrupt`` as usual and says it ran (:func:`heard`), and a
watcher thread, woken by the interpreter's wakeup file descriptor for the same signal,
waits a few seconds for that: when the main thread has not run the handler by then, the
watcher marks every run this process is running as ``interrupted`` (:func:`remember`)
and ends the process (exit status 128 + the signal's number, as a shell reports it).
:func:`force_exit` is the same ending for a watchdog that gives up on a wait.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable

#: seconds the main thread has to run its handler before the watcher ends the process
GRACE = 5.0

_heard = threading.Event()
_running: dict[str, Callable[..., None]] = {}  # run folder -> its set_status
_installed: list[bool] = []


def heard() -> None:
    """A zoo handler ran on the main thread: the signal is being handled in Python."""
    _heard.set()


def _interrupt(signum, frame):
    heard()
    raise KeyboardInterrupt


def install() -> None:
    """SIGTERM and SIGINT raise ``KeyboardInterrupt`` in the main thread, and end the
    process when it cannot hear them. Call once from the main thread (elsewhere a no-op)."""
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    read, write = os.pipe()
    os.set_blocking(write, False)
    try:
        signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    except ValueError:  # not the main interpreter's main thread
        return
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, _interrupt)
    _installed.append(True)
    threading.Thread(target=_watch, args=(read,), name="zoo-stop-signals", daemon=True).start()


def reinstall() -> None:
    """Take SIGTERM and SIGINT back from a library that set its own handlers (once
    :func:`install` ran; main thread only)."""
    if _installed and threading.current_thread() is threading.main_thread():
        for s in (signal.SIGTERM, signal.SIGINT):
            signal.signal(s, _interrupt)


def _watch(read: int) -> None:
    while True:
        byte = os.read(read, 1)
        if not byte or byte[0] not in (signal.SIGTERM, signal.SIGINT):
            continue
        if signal.getsignal(byte[0]) is not _interrupt or not _running:
            continue  # another handler's signal, or no run of ours to mark
        if _heard.wait(GRACE):  # the main thread is handling it
            _heard.clear()
            continue
        name = signal.Signals(byte[0]).name
        force_exit(
            128 + byte[0],
            f"{name} received while waiting inside a library call; stopped",
            status="interrupted",
        )


def remember(folder: str, set_status: Callable[..., None]) -> None:
    """A run this process is running: :func:`force_exit` records how it ended."""
    _running[folder] = set_status


def forget(folder: str) -> None:
    _running.pop(folder, None)


def running() -> list[str]:
    """The run folders this process is running."""
    return list(_running)


def force_exit(code: int, line: str, *, status: str, **extra) -> None:
    """End the process now (from any thread): every remembered run gets ``status`` (and
    ``extra``, e.g. ``error=``), ``line`` goes to stderr."""
    for set_status in list(_running.values()):
        try:
            set_status(status, **extra)
        except Exception:  # noqa: BLE001 (ending anyway; the lock goes with the process)
            pass
    sys.stderr.write(f"Error: {line}\n" if code not in (130, 143) else f"{line}\n")
    sys.stderr.flush()
    os._exit(code)
