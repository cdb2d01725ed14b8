"""``zoo compare``: the seed's closing analysis, run against run, for any families.

Reads only the run directories (what each model declared is in its ``metrics.json``)."""

from __future__ import annotations

from pathlib import Path

from .errors import RunError
from .runs import RunDir


def compare_runs(paths, out_file, *, keep_figure: bool = False):
    """Rows of final metrics per run and the curves figure written to ``out_file``:
    ``(rows, path)``, or ``(rows, path, figure)`` with ``keep_figure``."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    runs = [RunDir.open(p) for p in paths]
    rows = []
    for run in runs:
        cfg, m = run.config, run.metrics()
        hist = m.get("history", [])
        if not hist:
            raise RunError(f"{run.path} has no training metrics yet; finish or resume it first")
        last = hist[-1]
        # an agent's history is one row per check-up with its environment step and the
        # cumulative seconds; a Keras model's, one row per epoch with that epoch's seconds
        agent = "step" in last
        row = {"run": run.path.name, "model": cfg["model"]["name"]}
        done = (run.read_json("state.json", {}) or {}).get("step", last.get("step"))
        row |= {"steps": done} if agent else {"epochs": len(hist)}
        row |= {"params": m.get("params"), "train_seconds": m.get("train_seconds") if agent
                else round(sum(h.get("seconds", 0.0) for h in hist), 1)}
        for k, v in last.items():  # val_* is the test split again; "test" below has it
            if k not in ("epoch", "step", "seconds") and not k.startswith("val_"):
                row[f"train_{k}"] = v
        for k, v in (m.get("test") or {}).items():
            row[f"test_{k}"] = v
        for k, v in (m.get("eval") or {}).items():
            row[f"eval_{k}"] = v
        rows.append(row)
    keys = list(dict.fromkeys(k for r in rows for k in r))
    rows = [{k: r.get(k) for k in keys} for r in rows]

    # one panel per monitored metric (each run's own, as its model declared it), so runs
    # of families with different metric names are compared on what each one watches
    recorded = [run.metrics() for run in runs]
    panels: dict[str, dict] = {}
    for m in recorded:
        name = m.get("monitor") or "loss"
        name = name[4:] if name.startswith("val_") else name
        panels.setdefault(name, (m.get("metrics") or {}).get(name, {}))
    fig = Figure(figsize=(6 * len(panels), 5), layout="constrained")
    for i, (name, info) in enumerate(panels.items()):
        ax = fig.add_subplot(1, len(panels), i + 1)
        x_name = "epoch"
        for m, row in zip(recorded, rows):
            hist = m["history"]
            if name not in hist[0]:
                continue
            x_name = "step" if "step" in hist[0] else "epoch"
            epochs = [h[x_name] for h in hist]
            line, = ax.plot(epochs, [h[name] for h in hist], label=f"{row['model']} train")
            if f"val_{name}" in hist[0]:
                ax.plot(epochs, [h[f"val_{name}"] for h in hist], "--",
                        color=line.get_color(), label=f"{row['model']} test")
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
