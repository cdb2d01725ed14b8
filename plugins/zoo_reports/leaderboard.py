"""``zoo leaderboard``: every finished run's evaluations in one table, and their samples side
by side.

Reads the run directories only (``config.json``, ``metrics.json``); a metric's unit and
direction come from what ``zoo eval`` recorded. The sample figure loads each model and draws
the same number of samples with the same seed.
"""

from __future__ import annotations

from pathlib import Path

from zoo_core.errors import NotARunError, RunError, UsageError
from zoo_core.run_dir import RunDir

BASE = ("run", "model", "source", "features", "seed", "params", "train_seconds")


def space_of(notes: dict) -> str | None:
    """The feature space an evaluation was measured in (its notes; older records name the
    classifier's file and checksum), or None for a metric that uses none."""
    if notes.get("feature_space"):
        return notes["feature_space"]
    if notes.get("classifier"):
        return f"{notes['classifier']}@{notes.get('classifier_sha256', '')}"
    return None


def finished_runs(root: str | Path) -> list[RunDir]:
    """The runs under ``root`` with a final model, the members of seed groups included."""
    from zoo_core.experiments.seed_groups import GROUP

    root = Path(root)
    if not root.is_dir():
        raise NotARunError(
            f"{root} is not a folder; train something first (`zoo run ...`) or name run directories"
        )
    found = []
    for p in sorted(root.iterdir()):
        if (p / GROUP).is_file():
            found += [RunDir(q) for q in sorted(p.iterdir()) if (q / "model.keras").is_file()]
        elif (p / "config.json").is_file() and (p / "model.keras").is_file():
            found.append(RunDir(p))
    return found


def rows_of(runs: list[RunDir]) -> tuple[list[dict], dict[str, str], set[str], list[str]]:
    """One row per run (per seed group: mean ± std, see :func:`zoo_reports.aggregate.aggregate`):
    the base columns and the latest value of every evaluated metric; with the metrics'
    units, the names where higher is better, and notes. A value measured with the metric's
    default settings is preferred to a later one measured otherwise (a quick check on
    fewer samples is not comparable with the other rows); where only such a value exists
    it is shown, and a note names the settings."""
    from zoo_core.cli.output import err

    rows, units, higher, kept, notes, defaults = [], {}, set(), [], [], {}
    for run in runs:
        try:
            cfg, m = run.config, run.metrics()
        except RunError as exc:  # one damaged run is named and left out, not fatal
            err.print(f"skipped: {exc}", soft_wrap=True)
            continue
        kept.append(run)
        hist = m.get("history", [])
        source = (cfg.get("dataset") or {}).get("name") or (cfg.get("model") or {}).get(
            "settings", {}
        ).get("env", "")
        row = {
            "run": run.path.name,
            "model": cfg.get("model", {}).get("name"),
            "source": source,
            "features": ", ".join(
                sorted({space_of(r.get("notes") or {}) for r in m.get("evaluations", [])} - {None})
            )
            or None,
            "seed": cfg.get("seed"),
            "params": m.get("params"),
            "train_seconds": round(sum(h.get("seconds", 0.0) for h in hist), 1)
            if hist
            else m.get("train_seconds"),
        }
        values, only_other = evaluated(m, defaults)
        row.update(values)
        for record in m.get("evaluations", []):
            units.update(record.get("units", {}))
            higher.update(record.get("higher_is_better", []))
        for metric, given in only_other.items():
            notes.append(
                f"{run.path.name}: {metric} measured with "
                f"{', '.join(f'{k}={v}' for k, v in given.items())} only, not "
                f"comparable with the defaults; `zoo eval RUN --metric {metric}` "
                "measures it as the others are"
            )
        row["path"] = str(run.path)
        rows.append(row)
    from zoo_reports.aggregate import aggregate

    return aggregate(rows, kept), units, higher, notes


def evaluated(m: dict, defaults: dict) -> tuple[dict, dict]:
    """A run's evaluated values (from ``metrics.json``): of each, the latest measured with
    its metric's default settings, else the latest; and ``{metric: settings}`` for the
    metrics measured only on other settings. ``defaults``: a cache shared across runs."""
    values, by_default, other = {}, set(), {}
    for record in m.get("evaluations", []):
        given = _non_default(record, defaults)
        for k, v in record.get("values", {}).items():
            if not given or k not in by_default:
                values[k] = v
            if not given:
                by_default.add(k)
        if given:
            other[record.get("metric")] = (given, set(record.get("values", {})))
    return values, {metric: given for metric, (given, keys) in other.items() if keys - by_default}


def _non_default(record: dict, defaults: dict) -> dict:
    """The settings of an evaluation that differ from its metric's defaults (none when the
    metric is not installed: then its settings cannot be judged)."""
    from zoo_core import plugins
    from zoo_core import settings as S
    from zoo_core.errors import ZooError

    name = record.get("metric")
    if name not in defaults:
        try:
            cls = plugins.get_registry().resolve("metric", name).entry.cls
            defaults[name] = S.as_dict(S.resolve(cls.Settings))  # as evaluations record them
        except ZooError:
            defaults[name] = {}
    return {
        k: v
        for k, v in (record.get("settings") or {}).items()
        if k in defaults[name] and defaults[name][k] != v
    }


def by_feature_space(rows: list[dict]) -> list[tuple[str | None, list[dict]]]:
    """The rows in groups of one feature space each, in first-seen order: sample metrics
    measured in different spaces (another dataset's classifier, random features) are never
    ranked in one table."""
    groups: dict[str | None, list[dict]] = {}
    for r in rows:
        groups.setdefault(r.get("features"), []).append(r)
    return list(groups.items())


def sort_rows(rows, key: str | None, higher: set[str]) -> list[dict]:
    """Ranked by ``key`` within each feature space (:func:`by_feature_space`)."""
    if len(by_feature_space(rows)) > 1:
        return [r for _, group in by_feature_space(rows) for r in sort_rows(group, key, higher)]
    if key is None:
        return rows
    listed = {k for r in rows for k in r if k not in (*BASE, "path", "members")}
    if key not in listed:
        names = sorted(listed)
        raise UsageError(
            f"no run has the metric '{key}'; evaluated metrics: "
            f"{', '.join(names) or '(none: run `zoo eval RUN` first)'}"
        )
    from zoo_reports.aggregate import value_of

    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    return sorted(present, key=lambda r: value_of(r[key]), reverse=key in higher) + missing


def markdown(rows: list[dict], units: dict[str, str]) -> str:
    """A markdown table per feature space (a heading names each when there are several)."""
    groups = by_feature_space(rows)
    if len(groups) > 1:
        return "\n\n".join(
            f"Features: {space or 'none (no sample metric)'}\n\n{_markdown(group, units)}"
            for space, group in groups
        )
    return _markdown(rows, units)


def _markdown(rows: list[dict], units: dict[str, str]) -> str:
    keys = [k for k in dict.fromkeys(k for r in rows for k in r) if k not in ("members", "path")]
    head = [f"{k} ({units[k]})" if units.get(k) else k for k in keys]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        lines.append("| " + " | ".join(_cell(r.get(k)) for k in keys) + " |")
    return "\n".join(lines)


def _cell(v) -> str:
    if isinstance(v, dict) and "mean" in v:  # a seed group: mean ± std
        return f"{_cell(float(v['mean']))} ± {_cell(float(v['std']))}"
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e5 else f"{v:,.0f}"
    return str(v)


def sample_figure(registry, runs: list[RunDir], out: Path, *, n: int = 16, seed: int = 0):
    """A grid of ``n`` samples per run, side by side, all drawn with ``seed``."""
    from matplotlib.figure import Figure

    from zoo_core.contract import CONDITIONAL, SAMPLE, classes_in_turn
    from zoo_core.grid import image_grid
    from zoo_core.run.plan import plan as make_plan
    from zoo_core.run.request import RunRequest
    from zoo_core.run.runner import build

    able = []
    for run in runs:
        plan = make_plan(registry, RunRequest.of_run(run, visualizers=[]))
        if SAMPLE in plan.model.cls.capabilities:
            able.append((run, plan))
    if not able:
        raise UsageError("none of these runs has a model that can sample")
    fig = Figure(figsize=(3 * len(able), 3.4), layout="constrained")
    for i, (run, plan) in enumerate(able):
        model, _ = build(plan)
        model.load(run)
        kw = {}
        if CONDITIONAL in model.capabilities:
            kw["labels"] = classes_in_turn(n, model.data_spec.num_classes)
        ax = fig.add_subplot(1, len(able), i + 1)
        ax.imshow(image_grid(model.sample(n, seed=seed, **kw)), cmap="Greys_r", vmin=0, vmax=1)
        ax.set_axis_off()
        ax.set_title(f"{plan.model.name}\n{run.path.name}", fontsize=8)
    fig.suptitle(f"{n} samples per run, seed {seed}")
    fig.savefig(out)
    return Path(out)
