"""Waiting for the other workers of a multi-worker run: stoppable, and with a timeout.

TensorFlow's ``MultiWorkerMirroredStrategy()`` waits for every worker of ``TF_CONFIG``
inside its constructor while holding Python's global interpreter lock, and its preemption
notifier takes SIGTERM for itself: in there no timeout, signal handler or thread of the
waiting process runs. So the waiting is done before it, in Python (:func:`wait_for_peers`):
each worker listens at its own ``TF_CONFIG`` address and polls the others' until every one
answers (a peer answers from this same wait or from its TensorFlow server), SIGTERM and
Ctrl-C working throughout; after ``minutes`` it ends with one line naming the workers that
never answered. The constructor's own wait is then short (a peer lost in between is
waited for there, as TensorFlow does).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket


def wait_for_peers(minutes: float) -> None:
    """Return once every other worker of ``TF_CONFIG`` answers at its address; raise
    :class:`~zoo_core.errors.RunError` naming those that did not within ``minutes``."""
    import time

    from zoo_core.errors import RunError

    host, port = _own_address()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("", port))
    except OSError as exc:
        listener.close()
        raise RunError(
            f"--strategy multi-worker: this worker's address {host}:{port} (TF_CONFIG) "
            f"cannot be listened at ({exc.strerror or exc}); is another process using it?"
        ) from None
    listener.listen(16)
    listener.settimeout(0.2)
    deadline = time.monotonic() + minutes * 60
    try:
        while True:
            with contextlib.suppress(OSError):  # answer a peer's poll
                listener.accept()[0].close()
            missing = unreachable_workers(timeout=0.5)
            if not missing:
                return
            if time.monotonic() > deadline:
                raise RunError(_late(missing, minutes))
    finally:
        listener.close()


def _late(missing: list[str], minutes: float) -> str:
    return (
        f"--strategy multi-worker: {', '.join(missing) or 'a worker'} did not join within "
        f"{minutes:g} minutes (ZOO_WORKER_TIMEOUT); start every worker of TF_CONFIG's "
        "cluster, or raise the timeout"
    )


def _own_address() -> tuple[str, int]:
    cfg = json.loads(os.environ["TF_CONFIG"])
    address = cfg["cluster"][cfg["task"]["type"]][cfg["task"]["index"]]
    host, _, port = address.rpartition(":")
    return host, int(port)


def unreachable_workers(timeout: float = 2.0) -> list[str]:
    """``worker N (host:port)`` for each other task of ``TF_CONFIG`` nothing listens at."""
    cfg = json.loads(os.environ["TF_CONFIG"])
    me = (cfg["task"]["type"], cfg["task"]["index"])
    out = []
    for kind, addresses in cfg["cluster"].items():
        for i, address in enumerate(addresses):
            if (kind, i) == me:
                continue
            host, _, port = address.rpartition(":")
            try:
                socket.create_connection((host, int(port)), timeout=timeout).close()
            except (OSError, ValueError):
                out.append(f"{kind} {i} ({address})")
    return out
