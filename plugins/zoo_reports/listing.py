"""``zoo runs``: the runs under a folder, one row each, from what each run recorded.

Status comes from ``status.json``, which the run writes itself (``running`` at the start,
``finished`` at the end, ``interrupted`` on Ctrl-C or SIGTERM, ``failed`` with the error,
``pruned`` when ``zoo tune`` stopped it early). A
run recorded as running whose process is gone from this host (killed hard) shows as
``interrupted``, with that said. Runs made before ``status.json`` existed are ``finished``
when they hold a final model and test metrics, else ``unknown``.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from zoo_core.errors import NotARunError, RunError
from zoo_core.run_dir import CONFIG, RunDir

STATUSES = ("running", "finished", "interrupted", "failed", "pruned", "unknown")


def find_runs(root: str | os.PathLike, depth: int = 3) -> list[RunDir]:
    """Run folders (holding ``config.json``) under ``root``, at most ``depth`` levels down,
    sorted by path."""
    root = Path(root)
    if not root.is_dir():
        raise NotARunError(
            f"{root} is not a folder; pass the folder that holds your runs (default: runs/)"
        )
    found = []
    for here, dirs, files in os.walk(root):
        level = len(Path(here).relative_to(root).parts)
        if CONFIG in files:
            found.append(RunDir(here))
            dirs[:] = []  # a run's own folders hold no runs
        elif level >= depth:
            dirs[:] = []
        dirs.sort()
    return sorted(found, key=lambda r: str(r.path))


def progress_of(run: RunDir, metrics: dict | None = None) -> tuple[str, int | None, int | None]:
    """``(unit, done, planned)``: how far a run got, in the unit its model declared
    (``Model.progress_unit``, recorded in ``metrics.json``; for a run made before that was
    recorded, the installed model's declaration)."""
    cfg = run.config or {}
    m = run.metrics() if metrics is None else metrics
    unit, setting = m.get("progress_unit"), None
    cls = _model_class(cfg)
    if cls is not None:
        unit, setting = unit or cls.progress_unit, cls.progress_setting
    unit = unit or "epoch"
    settings = (cfg.get("model") or {}).get("settings") or {}
    planned = settings.get(setting or f"{unit}s")
    hist, state = m.get("history") or [], run.state()
    done = state.get(unit, hist[-1].get(unit, len(hist)) if hist else 0)
    if unit == "epoch":
        done = max(len(hist), int(done or 0))
    elif run.file("model.keras").is_file() and not state:
        done = planned
    return unit, done, planned


def _model_class(cfg: dict):
    from zoo_core import plugins
    from zoo_core.errors import ZooError

    try:
        return plugins.get_registry().resolve("model", cfg["model"]["name"]).entry.cls
    except (ZooError, KeyError, TypeError):
        return None


def status_of(run: RunDir) -> tuple[str, str]:
    """``(status, note)`` as the run recorded it (:meth:`RunDir.status`)."""
    return run.status()


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def row_of(run: RunDir) -> dict:
    """One run's row: name, model, source, seed, status, progress, monitored metric,
    started, size."""
    cfg = run.config or {}
    m = run.metrics()
    hist = m.get("history") or []
    unit, done, planned = progress_of(run, m)
    unit += "s"
    status, note = status_of(run)
    monitor, key = m.get("monitor"), None
    best = None
    if monitor:
        key = f"val_{monitor}" if hist and f"val_{monitor}" in hist[0] else monitor
        values = [h[key] for h in hist if key in h]
        if values:
            best = (min if m.get("monitor_mode", "min") == "min" else max)(values)
    cls = _model_class(cfg)
    settings = (cfg.get("model") or {}).get("settings") or {}
    source = (cfg.get("dataset") or {}).get("name") or (
        settings.get(cls.source_setting) if cls is not None and cls.source_setting else None
    )
    return {
        "run": run.path.name,
        "path": str(run.path),
        "model": (cfg.get("model") or {}).get("name"),
        "source": source,
        "seed": cfg.get("seed"),
        "status": status,
        "note": note,
        "done": done,
        "planned": planned,
        "unit": unit,
        "monitor": key if monitor else None,
        "best": best,
        "started": cfg.get("created"),
        "bytes": _size(run.path),
    }


def list_runs(root, *, model: str | None = None, status: str | None = None) -> list[dict]:
    """Rows for the runs under ``root``; ``model`` is a glob on the model name (``vae*``),
    ``status`` one of :data:`STATUSES`."""
    rows = []
    for run in find_runs(root):
        try:
            row = row_of(run)
        except RunError as exc:  # a run whose JSON is damaged: still listed
            row = {
                "run": run.path.name,
                "path": str(run.path),
                "model": None,
                "source": None,
                "seed": None,
                "status": "unknown",
                "note": str(exc),
                "done": None,
                "planned": None,
                "unit": "",
                "monitor": None,
                "best": None,
                "started": None,
                "bytes": _size(run.path),
            }
        try:  # a seed group's members: group/seed-0
            rel = run.path.relative_to(root)
            row["run"] = str(rel) if rel.parts else row["run"]
        except ValueError:
            pass
        if model and not fnmatch.fnmatch(row["model"] or "", model):
            continue
        if status and row["status"] != status:
            continue
        rows.append(row)
    return rows
