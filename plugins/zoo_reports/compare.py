"""``zoo compare``: the seed's closing analysis, run against run, for any families.

Reads only the run directories (what each model declared is in its ``metrics.json``). Runs
that differ only in their seed (a ``--seeds`` group, or runs named one by one) are one
column: each number as mean ± std, each curve as its mean with the spread shaded."""

from __future__ import annotations

from pathlib import Path

from zoo_core.errors import RunError


def compare_runs(paths, out_file, *, keep_figure: bool = False, group: bool = True):
    """Rows of final metrics per run and the curves figure written to ``out_file``:
    ``(rows, path)``, or ``(rows, path, figure)`` with ``keep_figure``. ``group=False``
    keeps runs that differ only in their seed apart (one column each)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from zoo_reports.aggregate import aggregate, expand, group_runs
    from zoo_reports.leaderboard import evaluated
    from zoo_reports.listing import progress_of

    runs = expand(paths)
    rows, defaults = [], {}
    for run in runs:
        cfg, m = run.config, run.metrics()
        hist = m.get("history", [])
        if not hist:
            raise RunError(f"{run.path} has no training metrics yet; finish or resume it first")
        last = hist[-1]
        unit, done, _ = progress_of(run, m)
        row = {"run": run.path.name, "model": cfg["model"]["name"], "seed": cfg.get("seed")}
        row |= {f"{unit}s": done if unit != "epoch" else len(hist)}
        seconds = m.get("train_seconds")  # a loop that records its own total
        row |= {
            "params": m.get("params"),
            "train_seconds": seconds
            if seconds is not None
            else round(sum(h.get("seconds", 0.0) for h in hist), 1),
        }
        for k, v in last.items():  # val_* is the test split again; "test" below has it
            if k not in (unit, "epoch", "seconds") and not k.startswith("val_"):
                row[f"train_{k}"] = v
        for k, v in (m.get("test") or {}).items():
            row[f"test_{k}"] = v
        for k, v in evaluated(m, defaults)[0].items():  # as the leaderboard ranks them
            row[f"eval_{k}"] = v
        rows.append(row)
    groups = group_runs(runs) if group else [[r] for r in runs]
    if group:
        rows = aggregate(rows, runs)
    keys = list(dict.fromkeys(k for r in rows for k in r))
    rows = [{k: r.get(k) for k in keys} for r in rows]

    # one panel per monitored metric (each run's own, as its model declared it), so runs
    # of families with different metric names are compared on what each one watches
    recorded = [[run.metrics() for run in g] for g in groups]
    panels: dict[str, dict] = {}
    for m in (g[0] for g in recorded):
        name = m.get("monitor") or "loss"
        name = name[4:] if name.startswith("val_") else name
        panels.setdefault(name, (m.get("metrics") or {}).get(name, {}))
    fig = Figure(figsize=(6 * len(panels), 5), layout="constrained")
    for i, (name, info) in enumerate(panels.items()):
        ax = fig.add_subplot(1, len(panels), i + 1)
        x_name = "epoch"
        for ms, row in zip(recorded, rows):
            hists = [m["history"] for m in ms]
            if name not in hists[0][0]:
                continue
            x_name = "step" if "step" in hists[0][0] else "epoch"
            n = min(len(h) for h in hists)
            epochs = [h[x_name] for h in hists[0][:n]]
            label = row["model"] + (f" ({len(hists)} seeds)" if len(hists) > 1 else "")
            line = _curve(
                ax,
                epochs,
                [[h[name] for h in hist[:n]] for hist in hists],
                "-",
                None,
                f"{label} train",
            )
            if f"val_{name}" in hists[0][0]:
                _curve(
                    ax,
                    epochs,
                    [[h[f"val_{name}"] for h in hist[:n]] for hist in hists],
                    "--",
                    line.get_color(),
                    f"{label} test",
                )
        ax.set_xlabel("environment step" if x_name == "step" else "epoch")
        desc = info.get("description")
        ax.set_ylabel(f"{name} ({desc})" if desc else name)
        if info.get("unit"):
            ax.set_ylabel(f"{ax.get_ylabel()}, {info['unit']}")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
        ax.set_title(name)
    fig.suptitle("curves: " + " vs ".join(r["model"] for r in rows))
    path = Path(out_file)
    fig.savefig(path)
    return (rows, path, fig) if keep_figure else (rows, path)


def _curve(ax, x, series, style, color, label):
    """One run's curve, or a group's mean with mean ± std shaded."""
    import numpy as np

    y = np.asarray(series, dtype=float)
    mean = y.mean(axis=0)
    (line,) = ax.plot(x, mean, style, color=color, label=label)
    if len(y) > 1:
        std = y.std(axis=0, ddof=1)
        ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.2, linewidth=0)
    return line
