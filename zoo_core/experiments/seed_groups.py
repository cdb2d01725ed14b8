"""Seed groups: the same run with several seeds, in one folder, reported as mean ± std.

``zoo run MODEL ... --seeds 0,1,2`` trains ``GROUP/seed-0``, ``GROUP/seed-1``, ... (each a
normal run folder) and writes ``GROUP/group.json``: the members and, per test metric, the
per-seed values, their mean and their sample standard deviation (n - 1 in the denominator;
0 for one seed). The reports (``zoo compare``, ``zoo leaderboard``, in the ``zoo_reports``
plugin) aggregate runs the same way, with :func:`mean_std`.
"""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path

from zoo_core.atomic_files import write_json_atomic
from zoo_core.errors import RunError, UsageError
from zoo_core.experiments.config_file import from_config, request
from zoo_core.run import runner
from zoo_core.run.plan import plan
from zoo_core.run.request import check_seed
from zoo_core.run_dir import RunDir, fresh_path
from zoo_core.run_files import check_group

GROUP = "group.json"


def mean_std(values) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof = 1; 0.0 for a single value)."""
    values = [float(v) for v in values]
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def summarize(per_seed: dict[int, dict]) -> dict[str, dict]:
    """``{metric: {"mean", "std", "values": {seed: value}}}`` over the metrics every seed
    reported as a number."""
    seeds = list(per_seed)
    names = [
        k
        for k in dict.fromkeys(k for m in per_seed.values() for k in m)
        if all(is_number(per_seed[s].get(k)) for s in seeds)
    ]
    out = {}
    for k in names:
        mean, std = mean_std(per_seed[s][k] for s in seeds)
        out[k] = {"mean": mean, "std": std, "values": {str(s): per_seed[s][k] for s in seeds}}
    return out


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def parse_seeds(text: str) -> list[int]:
    """``--seeds 0,1,2``: distinct seeds (each held to :func:`check_seed`), or a usage error."""
    try:  # every item a whole number: "0,,1" and "" are refused, not read as 0,1 and none
        seeds = [int(s) if s.strip().isascii() else int("x") for s in text.split(",")]
    except ValueError:
        raise UsageError(
            f"--seeds takes whole numbers separated by commas, e.g. 0,1,2; got {text!r}"
        ) from None
    for s in seeds:
        check_seed(s, "--seeds")
    if len(set(seeds)) != len(seeds):
        raise UsageError(f"--seeds repeats a seed ({text}); give each once")
    return seeds


def group_path(model: str, source: str, *, root="runs", out=None) -> Path:
    if out is not None:
        path = Path(out)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise RunError(
                f"--out {path} is not an empty folder; a seed group is written "
                "only into a new or empty folder: choose another --out"
            )
        return path
    return fresh_path(root, f"{model}-{source}-seeds")


def run_group(plans, console, *, out=None, root="runs", formats=("png",)):
    """Execute one plan per seed into one group folder; returns ``(path, summary)``.
    ``group.json`` is rewritten after each member, so an interrupted group says which
    seeds finished."""
    first = plans[0]
    source = first.trained_on.lower().replace("-", "_")
    path = group_path(first.model.name, source, root=root, out=out)
    path.mkdir(parents=True, exist_ok=True)
    record = {
        "group": "seeds",
        "model": first.model.name,
        "source": first.trained_on,
        "seeds": [p.seed for p in plans],
        "runs": [],
        "summary": {},
        "created": _dt.datetime.now().isoformat(timespec="seconds"),
        "config": first.to_config(),
    }  # what --resume plans the missing seeds from
    write_json_atomic(path / GROUP, record)
    for i, p in enumerate(plans):
        console.print(f"[bold]seed {p.seed}[/] ({i + 1} of {len(plans)})")
        runner.execute(p, console, out=str(path / f"seed-{p.seed}"), formats=formats)
        record = refresh(path)
    return path, record["summary"]


def refresh(path) -> dict:
    """Recount a group's finished members and rewrite its summary; returns the record."""
    path = Path(path)
    record = read_group(path)
    per_seed, names = {}, []
    for s in record["seeds"]:
        run = RunDir(path / f"seed-{s}")
        if (run.path / "config.json").is_file() and run.status()[0] == "finished":
            per_seed[s] = run.metrics().get("test") or {}
            names.append(run.path.name)
    record["runs"], record["summary"] = names, summarize(per_seed) if per_seed else {}
    write_json_atomic(path / GROUP, record)
    return record


def resume_group(registry, path, console, *, formats=("png",)):
    """``zoo run --resume GROUP``: resume each interrupted member, train the seeds never
    started, then rewrite the summary. Finished members are not touched."""
    path = Path(path)
    record = read_group(path)
    cfg = record.get("config")
    if not cfg:
        raise UsageError(f"{path}/group.json records no config; resume its members one by one")
    exp = from_config(cfg, source=str(path / GROUP))
    for s in record["seeds"]:
        run = RunDir(path / f"seed-{s}")
        state = run.status()[0] if (run.path / "config.json").is_file() else None
        if state == "finished":
            continue
        console.print(f"[bold]seed {s}[/]: " + ("resumed" if state else "started"))
        if state and any((run.path / "checkpoints").glob("*.keras")):
            runner.resume(registry, str(run.path), console, formats=formats)
        else:  # never started, or stopped before its first checkpoint
            runner.execute(
                plan(registry, request(exp, seed=s)), console, out=str(run.path), formats=formats
            )
    record = refresh(path)
    return path, record["summary"], record["seeds"]


def resume_run(registry, path, console, *, formats=("png",)):
    """``zoo run --resume RUN`` (and ``Run.resume()``): :func:`~zoo_core.run.runner.resume`,
    then, for a member of a seed group, its group's summary recounted."""
    result = runner.resume(registry, path, console, formats=formats)
    if read_group(result[0].path.parent) is not None:
        refresh(result[0].path.parent)
    return result


def read_group(path) -> dict | None:
    p = Path(path) / GROUP
    if not p.is_file():
        return None
    import json

    try:
        record = json.loads(p.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise RunError(
            f"{p} cannot be read ({exc}); it is rewritten by `zoo run --seeds`"
        ) from None
    return check_group(p, record)
