"""Files written whole or not at all: a temp file beside the target, renamed over it on
success. Every file of a run folder is written this way, so a crash or Ctrl-C never
leaves one half-written."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any


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
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem if suffix else path.name}.", suffix=suffix, dir=path.parent
    )
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
