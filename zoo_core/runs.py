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

import contextlib
import csv
import datetime as _dt
import importlib.metadata
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

from .errors import RunError

CONFIG = "config.json"
STATUS = "status.json"


def package_versions(names=("zoo", "tensorflow", "tensorflow-cpu", "keras", "numpy",
                            "matplotlib", "pluggy", "click", "rich", "gymnasium")) -> dict:
    out = {"python": platform.python_version()}
    for n in names:
        try:
            out[n] = importlib.metadata.version(n)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def umask_mode() -> int:
    """The mode a new file gets from the user's umask (mkstemp's temp files are 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(path: Path, suffix: str = ""):
    """Yield a temp file beside ``path``; on success it replaces ``path`` (with the
    umask's mode), on any error it is removed, so ``path`` is never left half-written.
    ``--resume`` cleans up what a killed process leaves (:meth:`RunDir.clean_temp`)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem if suffix else path.name}.",
                               suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write JSON so that a crash mid-write never leaves a truncated file."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, default=_jsonable) + "\n")


def write_csv_atomic(path: Path, rows: list[dict]) -> None:
    """A table of dicts (``metrics.csv``: the history, epochs counted from 1)."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _jsonable(o):
    try:
        import numpy as np

        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


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

    def __repr__(self):
        return f"RunDir({str(self.path)!r})"

    # -- creating and opening -----------------------------------------------------------
    @classmethod
    def create(cls, model: str, dataset: str, *, root: str | os.PathLike = "runs",
               out: str | os.PathLike | None = None) -> "RunDir":
        if out is not None:
            path = Path(out)
            if (path / CONFIG).exists() and not cls._failed_before_checkpoint(path):
                raise RunError(f"{path} already holds a run; choose another --out or "
                               f"continue it with `zoo run --resume {path}`")
            if path.exists() and not path.is_dir():
                raise RunError(f"--out {path} is a file; give a folder")
            if path.is_dir() and cls._failed_before_checkpoint(path):
                import shutil

                shutil.rmtree(path)  # our own failed start: nothing in it worth keeping
            if path.is_dir() and any(path.iterdir()):
                held = ", ".join(sorted(p.name for p in path.iterdir())[:5])
                raise RunError(f"--out {path} is not empty (it holds {held}); zoo writes a "
                               "run only into a new or empty folder: choose another --out")
        else:
            path = fresh_path(root, f"{model}-{dataset}")
        try:
            (path / "checkpoints").mkdir(parents=True, exist_ok=True)
            (path / "figures").mkdir(exist_ok=True)
        except OSError as exc:
            raise RunError(f"cannot create run directory {path}: {exc.strerror}; "
                           "choose a writable --out") from None
        return cls(path)

    @staticmethod
    def _failed_before_checkpoint(path: Path) -> bool:
        """A run that stopped (failed or interrupted) before its first checkpoint: safe to
        start over in."""
        try:
            status = json.loads((path / STATUS).read_text())
        except (OSError, json.JSONDecodeError):
            return False
        return status.get("status") in ("failed", "interrupted") and not any(
            p.is_file() for p in (path / "checkpoints").glob("*"))

    def set_status(self, status: str, **extra) -> None:
        """Record what the run is doing (``running``, ``finished``, ``interrupted``,
        ``failed``), by whom (pid, host) and when; ``zoo runs`` reads it."""
        import socket

        self.write_json(STATUS, {"status": status, "pid": os.getpid(),
                                 "host": socket.gethostname(),
                                 "updated": _dt.datetime.now().isoformat(timespec="seconds"),
                                 **extra})

    def mark_failed(self, error: BaseException) -> None:
        """Record how a run stopped: ``interrupted`` (Ctrl-C, SIGTERM) or ``failed`` with
        the error. Before the first checkpoint ``--out`` may reuse the folder; after it,
        ``--resume`` continues from the checkpoint."""
        interrupted = isinstance(error, KeyboardInterrupt)
        self.set_status("interrupted" if interrupted else "failed",
                        **({} if interrupted else {"error": str(error) or
                                                   type(error).__name__}))

    def clean_temp(self) -> list[str]:
        """Remove temp files an interrupted atomic write left (``.NAME.XXXX``); call only
        when nothing writes the run (at the start of ``--resume``)."""
        removed = []
        for folder in (self.path, self.checkpoints):
            for p in folder.glob(".*"):
                if p.is_file() and (p.suffix in (".keras", ".npz") or ".json." in p.name
                                    or ".csv." in p.name):
                    p.unlink()
                    removed.append(p.name)
        return removed

    @classmethod
    def open(cls, path: str | os.PathLike) -> "RunDir":
        p = Path(path)
        if not p.is_dir():
            raise RunError(f"{p} is not a folder; pass a run directory made by `zoo run`")
        if not (p / CONFIG).is_file():
            raise RunError(f"{p} is not a run directory (no {CONFIG}); pass a folder made "
                           "by `zoo run`")
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
        return self.read_json(CONFIG) or {}

    def metrics(self) -> dict:
        """``{"history": [per-epoch dicts], "test": {...}}`` (empty before training)."""
        return self.read_json("metrics.json", {"history": [], "test": {}})

    def update_metrics(self, **parts) -> None:
        m = self.metrics()
        m.update(parts)
        self.write_json("metrics.json", m)
