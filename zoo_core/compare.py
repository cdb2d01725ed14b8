"""``zoo compare``: the seed's closing analysis, run against run."""

from __future__ import annotations

from pathlib import Path

from .errors import RunError
from .runs import RunDir


def compare_runs(paths, out_file) -> tuple[list[dict], Path]:
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
        row = {"run": run.path.name, "model": cfg["model"]["name"],
               "epochs": len(hist), "params": m.get("params"),
               "train_seconds": round(sum(h.get("seconds", 0.0) for h in hist), 1)}
        for k, v in last.items():  # val_* is the test split again; "test" below has it
            if k not in ("epoch", "seconds") and not k.startswith("val_"):
                row[f"train_{k}"] = v
        for k, v in (m.get("test") or {}).items():
            row[f"test_{k}"] = v
        for k, v in (m.get("eval") or {}).items():
            row[f"eval_{k}"] = v
        rows.append(row)
    keys = list(dict.fromkeys(k for r in rows for k in r))
    rows = [{k: r.get(k) for k in keys} for r in rows]

    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    for run, row in zip(runs, rows):
        hist = run.metrics()["history"]
        epochs = [h["epoch"] for h in hist]
        line, = ax.plot(epochs, [h["loss"] for h in hist], label=f"{row['model']} train")
        if "val_loss" in hist[0]:
            ax.plot(epochs, [h["val_loss"] for h in hist], "--", color=line.get_color(),
                    label=f"{row['model']} test")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (negative ELBO, nats per image)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    ax.set_title("loss curves: " + " vs ".join(r["model"] for r in rows))
    path = Path(out_file)
    fig.savefig(path)
    return rows, path
