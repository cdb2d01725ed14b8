"""Runs that differ only in their seed, reported as one row: mean ± std.

A ``--seeds`` group folder (``group.json``) stands for its finished members; runs named one
by one are grouped by their config without the seed. Statistics come from the core's
:func:`zoo_core.experiments.seed_groups.mean_std`, so a group's table and these rows agree.
"""

from __future__ import annotations

from pathlib import Path

from zoo_core.errors import RunError
from zoo_core.experiments.seed_groups import GROUP, is_number, mean_std, read_group
from zoo_core.plugins import run_path
from zoo_core.run_dir import RunDir


def expand(paths) -> list[RunDir]:
    """Run folders named, with each seed group replaced by its member runs."""
    runs = []
    for p in paths:
        g = read_group(p)
        if g is not None:
            members = [RunDir(Path(p) / name) for name in g.get("runs", [])]
            if not members:
                raise RunError(f"{p} is a seed group with no finished member yet")
            runs += members
        else:
            runs.append(RunDir.open(run_path(p)))  # a folder, or pretrained:NAME
    return runs


def same_config_key(cfg: dict) -> str:
    """What runs of one group share: the config without its seed and bookkeeping."""
    import json

    keep = {k: cfg.get(k) for k in ("model", "dataset", "strategy")}
    keep["visualizers"] = None
    return json.dumps(keep, sort_keys=True, default=str)


def group_runs(runs: list[RunDir]) -> list[list[RunDir]]:
    """Runs grouped by identical config apart from the seed, in first-seen order."""
    groups: dict[str, list[RunDir]] = {}
    for r in runs:
        groups.setdefault(same_config_key(r.config), []).append(r)
    return list(groups.values())


def aggregate(rows: list[dict], runs: list[RunDir], *, keep=("model", "source")) -> list[dict]:
    """One row per group of runs that differ only in their seed: numbers become
    ``{"mean", "std", "n"}``, the seeds are listed, ``members`` names the runs. A run with
    no twin keeps its own row."""
    index = {id(r): row for r, row in zip(runs, rows)}
    out = []
    for members in group_runs(runs):
        if len(members) == 1:
            out.append(index[id(members[0])])
            continue
        mrows = [index[id(r)] for r in members]
        parents = {r.path.parent for r in members}
        parent = next(iter(parents))
        label = (
            parent.name
            if len(parents) == 1 and (parent / GROUP).is_file()
            else f"{members[0].path.name} +{len(members) - 1}"
        )
        row = {"run": label}
        for k in dict.fromkeys(k for r in mrows for k in r):
            if k == "run":
                continue
            values = [r.get(k) for r in mrows]
            if k == "seed":
                row[k] = ",".join(str(v) for v in values)
            elif k in keep or not all(is_number(v) for v in values) or len(set(values)) == 1:
                row[k] = values[0] if len(set(map(str, values))) == 1 else None
            else:
                mean, std = mean_std(values)
                row[k] = {"mean": mean, "std": std, "n": len(values)}
        row["members"] = [str(r.path) for r in members]
        out.append(row)
    return out


def value_of(v):
    """The number to rank or plot a cell by (a group's mean)."""
    return v["mean"] if isinstance(v, dict) and "mean" in v else v
