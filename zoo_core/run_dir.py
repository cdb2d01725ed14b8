"""A run directory: everything one ``zoo run`` produced, enough to rebuild it.

Layout::

    runs/<model>-<dataset>-<timestamp>/
        config.json          resolved settings, seed, package versions
        manifest.json        the data used (files, checksums, split sizes)
        metrics.csv          per-epoch metrics (epochs from 1, as in metrics.json)
        metrics.json         the same as JSON, plus final test metrics
        state.json           progress for --resume (last completed epoch)
        status.json          running, finished, interrupted or failed (written by the run)
        tensorboard/         TensorBoard event files (scalars per epoch, sample images)
        checkpoints/         last.keras, best.keras (written atomically)
        model.keras          the final model
        figures/             PNG (and SVG) figures
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import socket
import tempfile
from pathlib import Path
from typing import Any

from zoo_core import run_files
from zoo_core.atomic_files import write_csv_atomic, write_json_atomic
from zoo_core.errors import NotARunError, RunError
from zoo_core.folder_lock import LOCK, FolderLock

CONFIG = "config.json"
STATUS = "status.json"
METRICS = "metrics.json"
STATE = "state.json"
#: What a run writes into its folder: all that a failed start may remove before reusing it.
WRITTEN = (
    CONFIG,
    STATUS,
    METRICS,
    STATE,
    "manifest.json",
    "metrics.csv",
    "README.md",
    "model.keras",
    "checkpoints",
    "figures",
    "tensorboard",
    LOCK,
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _read_status(path: Path) -> dict:
    """``status.json`` of a run folder; empty when it is missing or unreadable."""
    try:
        rec = json.loads((path / STATUS).read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    return rec if isinstance(rec, dict) else {}


def fresh_path(root, stem: str) -> Path:
    """``root/STEM-<time>`` (``-2``, ``-3``... when taken): where a new run, seed group or
    search goes when no ``--out`` is given."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(root) / f"{stem}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = Path(root) / f"{stem}-{stamp}-{n}"
    return path


class RunDir:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.lock: FolderLock | None = None  # held while this process writes the run

    def __repr__(self):
        return f"RunDir({str(self.path)!r})"

    # -- creating and opening -----------------------------------------------------------
    @classmethod
    def create(
        cls,
        model: str,
        dataset: str,
        *,
        root: str | os.PathLike = "runs",
        out: str | os.PathLike | None = None,
    ) -> RunDir:
        path = Path(out) if out is not None else fresh_path(root, f"{model}-{dataset}")
        if path.exists() and not path.is_dir():
            raise RunError(f"--out {path} is a file; give a folder")
        cls._refuse_taken(path)  # before anything is written there, even the lock file
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunError(
                f"cannot create run directory {path}: {exc.strerror}; choose a writable --out"
            ) from None
        lock = FolderLock(path).acquire("zoo run")
        try:
            cls._refuse_taken(path)  # again under the lock: no other writer got in between
            if cls._failed_before_checkpoint(path):
                cls._remove_written(path, keep=(LOCK,))  # our failed start; nothing else
            (path / "checkpoints").mkdir(exist_ok=True)
            (path / "figures").mkdir(exist_ok=True)
        except BaseException:
            lock.release()
            raise
        run = cls(path)
        run.lock = lock
        return run

    @classmethod
    def _refuse_taken(cls, path: Path) -> None:
        """Refuse a folder holding a run or anything zoo did not write (not a failed start)."""
        if not path.is_dir():
            return
        failed_start = cls._failed_before_checkpoint(path)
        if (path / CONFIG).exists() and not failed_start:
            raise RunError(
                f"{path} already holds a run; choose another --out or "
                f"continue it with `zoo run --resume {path}`"
            )
        ours = WRITTEN if failed_start else (LOCK,)
        others = sorted(p.name for p in path.iterdir() if p.name not in ours)
        if failed_start:  # a start that failed drew nothing: a figure there is the user's
            others += [f"figures/{p.name}" for p in sorted(path.glob("figures/*"))]
        if others:
            raise RunError(
                f"--out {path} is not empty (it holds {', '.join(others[:5])}); "
                "zoo writes a run only into a new or empty folder: choose "
                "another --out"
            )

    def take_lock(self, purpose: str) -> None:
        """Hold the run's lock (``zoo run --resume``, ``zoo eval``), or refuse naming who
        holds it; :meth:`release_lock` (or the process's end) lets it go."""
        if self.lock is None:
            self.lock = FolderLock(self.path).acquire(purpose)

    def release_lock(self) -> None:
        self.lock = self.lock.release() if self.lock is not None else None

    def check_writable(self, purpose: str) -> None:
        """Refuse, before any work, a run folder this process cannot write (by trying), so
        a command never computes what it then cannot keep."""
        try:
            with tempfile.NamedTemporaryFile(dir=self.path, prefix=".write-check-"):
                pass
        except OSError as exc:
            raise RunError(
                f"cannot write into {self.path} ({exc.strerror}), where "
                f"{purpose} keeps its results; copy the run to a folder you can "
                "write and use that"
            ) from None

    @staticmethod
    def _remove_written(path: Path, keep=()) -> None:
        import shutil

        for name in WRITTEN:
            if name in keep:
                continue
            p = path / name
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            elif p.exists() or p.is_symlink():
                p.unlink()

    @staticmethod
    def _failed_before_checkpoint(path: Path) -> bool:
        """A run that stopped (failed or interrupted) before its first checkpoint: safe to
        start over in."""
        return _read_status(path).get("status") in ("failed", "interrupted") and not any(
            p.is_file() for p in (path / "checkpoints").glob("*")
        )

    def set_status(self, status: str, **extra) -> None:
        """Record what the run is doing (``running``, ``finished``, ``interrupted``,
        ``failed``, or a plugin's own word such as tune's ``pruned``), by whom (pid, host)
        and when; ``note=`` says more, and :meth:`status` returns it beside the word.
        ``zoo runs`` reads it."""
        self.write_json(
            STATUS,
            {
                "status": status,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "updated": _dt.datetime.now().isoformat(timespec="seconds"),
                **extra,
            },
        )

    def status(self) -> tuple[str, str]:
        """``(status, note)`` as the run recorded it in ``status.json``. A run recorded as
        running whose process is gone from this host (killed hard) is ``interrupted``.
        Runs made before ``status.json`` existed are ``finished`` when they hold a final
        model and test metrics, else ``unknown``."""
        rec = _read_status(self.path)
        if not rec:
            m = self.read_json(METRICS, {}) or {}
            if (
                self.file("model.keras").is_file()
                and isinstance(m, dict)
                and m.get("test") is not None
            ):
                return "finished", "inferred"
            return "unknown", ""
        status = str(rec.get("status", "unknown"))
        if status == "running" and FolderLock.held(self.path) is False:
            return "interrupted", "process gone"  # its lock went with it (even on SIGKILL)
        if (
            status == "running"
            and rec.get("host") == socket.gethostname()
            and isinstance(rec.get("pid"), int)
            and not _alive(rec["pid"])
        ):
            return "interrupted", "process gone"
        return status, str(rec.get("note") or rec.get("error", ""))

    def mark_failed(self, error: BaseException) -> None:
        """Record how a run stopped: ``interrupted`` (Ctrl-C, SIGTERM) or ``failed`` with
        the error. Before the first checkpoint ``--out`` may reuse the folder; after it,
        ``--resume`` continues from the checkpoint."""
        interrupted = isinstance(error, KeyboardInterrupt)
        self.set_status(
            "interrupted" if interrupted else "failed",
            **({} if interrupted else {"error": str(error) or type(error).__name__}),
        )

    def clean_temp(self) -> list[str]:
        """Remove temp files an interrupted atomic write left (``.NAME.XXXX``); call only
        when nothing writes the run (at the start of ``--resume``)."""
        removed = []
        for folder in (self.path, self.checkpoints):
            for p in folder.glob(".*"):
                if p.is_file() and (
                    p.suffix in (".keras", ".npz") or ".json." in p.name or ".csv." in p.name
                ):
                    p.unlink()
                    removed.append(p.name)
        return removed

    @classmethod
    def open(cls, path: str | os.PathLike) -> RunDir:
        p = Path(path)
        if not p.is_dir():
            raise NotARunError(f"{p} is not a folder; pass a run directory made by `zoo run`")
        if not (p / CONFIG).is_file():
            raise NotARunError(
                f"{p} is not a run directory (no {CONFIG}); pass a folder made by `zoo run`"
            )
        (p / "figures").mkdir(exist_ok=True)
        (p / "checkpoints").mkdir(exist_ok=True)
        return cls(p)

    # -- files --------------------------------------------------------------------------
    def file(self, name: str) -> Path:
        return self.path / name

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def figures(self) -> Path:
        return self.path / "figures"

    def write_json(self, name: str, obj: Any) -> Path:
        target = self.path / name
        write_json_atomic(target, obj)
        return target

    def read_json(self, name: str, default: Any = None) -> Any:
        p = self.path / name
        if not p.exists():
            return default
        try:
            return json.loads(p.read_text())
        except json.JSONDecodeError as exc:
            raise RunError(f"{p} is not valid JSON ({exc.msg}, line {exc.lineno})") from None

    @property
    def config(self) -> dict:
        """``config.json``, checked against its schema (:mod:`zoo_core.run_files`)."""
        return run_files.check_config(self.file(CONFIG), self.read_json(CONFIG, {}))

    # -- what the run recorded: every write of metrics.json and state.json is here ----------
    def metrics(self) -> dict:
        """``{"history": [per-epoch dicts], "test": {...}, ...}`` (empty before training)."""
        m = self.read_json(METRICS, None)
        if m is None:
            return {"history": [], "test": {}}
        # refused, not replaced: a writer would otherwise overwrite what is there
        return run_files.check_metrics(self.file(METRICS), m)

    def update_metrics(self, **parts) -> None:
        """Set top-level entries of ``metrics.json`` (e.g. ``test=``, ``params=``)."""
        m = self.metrics()
        m.update(parts)
        self.write_json(METRICS, m)

    def record_step(
        self, row: dict, *, key: str = "epoch", history: list | None = None, **parts
    ) -> list[dict]:
        """Record one unit of progress: ``row`` (with ``row[key]``, counted from 1) replaces
        any recorded row at or after it (a resumed run re-recording), ``metrics.json`` and
        ``metrics.csv`` are rewritten, ``parts`` set beside the history. ``history``: the
        whole history to write instead (a loop that keeps its own). Returns the history."""
        m = self.metrics()
        if history is None:
            history = [h for h in m["history"] if h.get(key, 0) < row[key]] + [row]
        m["history"] = list(history)
        m.update(parts)
        self.write_json(METRICS, m)
        write_csv_atomic(self.file("metrics.csv"), m["history"])
        return m["history"]

    def record_evaluations(self, records: list[dict]) -> None:
        """Append measurements to ``metrics.json["evaluations"]`` and keep the latest
        value of each in ``metrics.json["eval"]`` (``zoo eval``)."""
        m = self.metrics()
        m.setdefault("evaluations", []).extend(records)
        latest = dict(m.get("eval") or {})
        for r in records:
            latest.update(r["values"])
        m["eval"] = latest
        self.write_json(METRICS, m)

    def state(self) -> dict:
        """What ``--resume`` continues from (``state.json``): e.g. ``{"epoch": 3}``."""
        return run_files.check_state(self.file(STATE), self.read_json(STATE, {}))

    def write_state(self, state: dict) -> None:
        self.write_json(STATE, state)
