"""One writer per run or search folder, with a lock the operating system keeps."""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path

from zoo_core.errors import RunError

LOCK = ".zoo.lock"


class FolderLock:
    """An exclusive ``flock`` on ``FOLDER/.zoo.lock`` while a process writes a run or a
    search: a second writer is refused, naming the holder the file records. The kernel
    drops the lock when its process ends, however it ends (SIGKILL included), so no stale
    lock outlives a killed process; the file itself is left and means nothing alone."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self._file = None

    def acquire(self, purpose: str) -> FolderLock:
        import fcntl
        import socket

        f = open(self.folder / LOCK, "a+")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            try:
                h = json.loads(f.read())
            except ValueError:
                h = {}
            f.close()
            raise RunError(
                f"{self.folder} is in use by {h.get('purpose', 'another zoo process')}"
                f" (pid {h.get('pid', '?')} on {h.get('host', '?')}, since "
                f"{h.get('since', '?')}); wait for it to finish, or stop it"
            ) from None
        f.seek(0)
        f.truncate()
        json.dump(
            {
                "purpose": purpose,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "since": _dt.datetime.now().isoformat(timespec="seconds"),
            },
            f,
        )
        f.flush()
        self._file = f
        return self

    def release(self) -> None:
        if self._file is not None:
            import fcntl

            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()

    @staticmethod
    def held(folder: str | os.PathLike) -> bool | None:
        """Whether a process holds the folder's lock now (``None``: it has no lock file)."""
        import fcntl

        try:
            with open(Path(folder) / LOCK) as f:
                try:
                    fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
                fcntl.flock(f, fcntl.LOCK_UN)
                return False
        except OSError:
            return None
