"""Waiting for the other workers of a multi-worker run: stoppable, and with a timeout.

TensorFlow's ``MultiWorkerMirroredStrategy()`` waits for every worker of ``TF_CONFIG``
inside its constructor while holding Python's global interpreter lock, and its preemption
notifier takes SIGTERM for itself: in there no timeout, signal handler or thread of the
waiting process runs. So the waiting is done before it, in Python (:func:`wait_for_peers`):
each worker listens at its own ``TF_CONFIG`` address and polls the others' until every one
answers (a peer answers from this same wait or from its TensorFlow server), the handlers of
:mod:`zoo_core.stop_signals` working throughout; after ``minutes`` it ends with one line
naming the workers that never answered. Then the constructor's own wait is short;
:func:`watch_peers` still hands it to a watcher process (``python -m zoo_core.peer_watch``,
no TensorFlow) that ends it after ``minutes`` (a peer lost in between) and marks the run
``interrupted`` if the process is killed meanwhile.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys

from zoo_core import stop_signals

_DONE = b"joined"


@contextlib.contextmanager
def watch_peers(minutes: float):
    """Around the call that waits for the cluster (the strategy's constructor), after
    :func:`wait_for_peers`."""
    read, write = os.pipe()
    watcher = subprocess.Popen(
        [sys.executable, "-m", "zoo_core.peer_watch", str(minutes), *stop_signals.running()],
        stdin=read,
        close_fds=True,
    )
    os.close(read)
    held = {s: signal.signal(s, signal.SIG_DFL) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        os.write(write, _DONE)
        os.close(write)
        for s, handler in held.items():
            signal.signal(s, handler)
        watcher.wait()


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


def _mark(folders: list[str], status: str, **extra) -> None:
    from zoo_core.run_dir import RunDir

    for folder in folders:
        with contextlib.suppress(OSError):
            RunDir(folder).set_status(status, **extra)


def main(argv: list[str]) -> int:
    minutes, folders = float(argv[0]), argv[1:]
    parent = os.getppid()
    ready, _, _ = select.select([0], [], [], minutes * 60)
    if ready:
        if os.read(0, len(_DONE)) == _DONE:
            return 0
        _mark(folders, "interrupted", note="stopped while waiting for the other workers")
        return 0
    line = _late(unreachable_workers(), minutes)
    _mark(folders, "failed", error=line)
    sys.stderr.write(f"Error: {line}\n")
    sys.stderr.flush()
    os.kill(parent, signal.SIGKILL)  # TensorFlow's preemption notifier takes SIGTERM
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
