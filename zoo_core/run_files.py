"""What each file of a run folder must hold: one schema per file, checked by the one reader
of that file (:class:`~zoo_core.run_dir.RunDir` and the seed groups' ``group.json``), so
every command meets an edited or damaged file the same way: a :class:`RunFileError` in one
line naming the file, the field, what it holds and what it must hold. Listings (``zoo
runs``) show such a run as damaged with that line; a command that needs the run refuses it.

Only what zoo reads is checked; a field a newer zoo adds is let through.
"""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import Any

from zoo_core.errors import RunError

#: the seeds NumPy, TensorFlow and Python all take (``zoo_core.run.request.check_seed``)
SEED_MAX = 2**32 - 1


class RunFileError(RunError):
    """A run file that is not what zoo writes there (edited or damaged)."""


def _fail(path: Path, field: str, must: str, value: Any) -> RunFileError:
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    where = f"'{field}'" if field else "the file"
    return RunFileError(
        f"{path}: {where} must be {must}, got {shown}; the file was edited or damaged: "
        "restore it from a copy, or remove the run"
    )


def _whole(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _object(path: Path, data: Any, field: str = "") -> dict:
    if not isinstance(data, dict):
        raise _fail(path, field, "an object", data)
    return data


def _component(path: Path, value: Any, field: str) -> None:
    """``{"name": str, "settings": {...}}`` (a model, dataset or visualizer entry)."""
    entry = _object(path, value, field)
    if not isinstance(entry.get("name"), str) or not entry["name"]:
        raise _fail(path, f"{field}.name", "a plugin's name", entry.get("name"))
    _object(path, entry.get("settings", {}), f"{field}.settings")


def check_config(path: Path, cfg: Any) -> dict:
    """``config.json``: the model (name, settings), dataset (or null), visualizers, seed,
    strategy and the flags a saved run is rebuilt from."""
    cfg = _object(path, cfg)
    if "model" not in cfg:
        raise _fail(path, "model", "the model's name and settings (is it a zoo run?)", None)
    _component(path, cfg["model"], "model")
    if cfg.get("dataset") is not None:
        _component(path, cfg["dataset"], "dataset")
    visualizers = cfg.get("visualizers", [])
    if not isinstance(visualizers, list):
        raise _fail(path, "visualizers", "a list", visualizers)
    for i, v in enumerate(visualizers):
        _component(path, v, f"visualizers[{i}]")
    seed = cfg.get("seed", 0)
    if not _whole(seed) or not 0 <= seed <= SEED_MAX:
        raise _fail(path, "seed", f"a whole number in [0, {SEED_MAX}]", seed)
    if not isinstance(cfg.get("strategy", "default") or "default", str):
        raise _fail(path, "strategy", "a strategy's name", cfg.get("strategy"))
    if not isinstance(cfg.get("tensorboard", True), bool):
        raise _fail(path, "tensorboard", "true or false", cfg.get("tensorboard"))
    if not isinstance(cfg.get("command") or [], list):
        raise _fail(path, "command", "a list of arguments", cfg.get("command"))
    return cfg


def check_metrics(path: Path, m: Any) -> dict:
    """``metrics.json``: the history (a list of rows of numbers), test and eval values
    (numbers, or null for one not measured), the evaluations' records."""
    m = _object(path, m)
    history = m.get("history", [])
    if not isinstance(history, list):
        raise _fail(path, "history", "a list of rows", history)
    for i, row in enumerate(history):
        _object(path, row, f"history[{i}]")
    for key in ("test", "eval"):
        values = _object(path, m.get(key) or {}, key)
        for name, value in values.items():
            if value is not None and not _number(value):
                raise _fail(path, f"{key}.{name}", "a number", value)
    evaluations = m.get("evaluations", [])
    if not isinstance(evaluations, list):
        raise _fail(path, "evaluations", "a list of records", evaluations)
    for i, record in enumerate(evaluations):
        values = _object(path, _object(path, record, f"evaluations[{i}]").get("values", {}))
        for name, value in values.items():
            if value is not None and not _number(value):
                raise _fail(path, f"evaluations[{i}].values.{name}", "a number", value)
    m["history"] = history
    return m


def check_state(path: Path, state: Any) -> dict:
    """``state.json``: how far training got, counted in whole units (``epoch``, ``step``)."""
    state = _object(path, state)
    for key in ("epoch", "step"):
        if key in state and (not _whole(state[key]) or state[key] < 0):
            raise _fail(path, key, "a whole number >= 0", state[key])
    return state


def check_group(path: Path, record: Any) -> dict:
    """``group.json`` of ``zoo run --seeds``: its seeds, members and summary."""
    record = _object(path, record)
    seeds = record.get("seeds")
    if not isinstance(seeds, list) or not seeds:
        raise _fail(path, "seeds", "the list of the group's seeds", seeds)
    for s in seeds:
        if not _whole(s) or not 0 <= s <= SEED_MAX:
            raise _fail(path, "seeds", f"whole numbers in [0, {SEED_MAX}]", s)
    _object(path, record.get("summary") or {}, "summary")
    if record.get("config") is not None:
        _object(path, record["config"], "config")
    return record
