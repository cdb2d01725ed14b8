"""Benchmark: sample quality against network evaluations (NFE) for each sampler of the
diffusion family, with the sampling milliseconds per image beside each point.

For each model (a run folder or ``pretrained:NAME``), each of its family's samplers
(``ddim``, ``ancestral``, ``dpmpp_2m`` for ``ddpm``; ``euler``, ``heun`` for
``flow_matching``) and each NFE: ``--n`` samples drawn with the same seeds as ``zoo eval``
draws them (chunks of 1,000, classes in turn for a conditional model), their FID against
the test split in the dataset's feature space (the ``fid`` metric's own functions), the
conditional accuracy for a conditional model, and the sampling time alone (the features'
time excluded). ``--guidance`` sweeps a conditional model's guidance at one sampler and NFE
instead. Rows go to ``bench/last/samplers.json`` (or ``--json``), the figure to ``--figure``.

    python bench/samplers.py pretrained:ddpm runs/flow_matching --nfe 5,10,20,50 --n 1000 \
        --figure docs/figures/fid_vs_nfe.png
    python bench/samplers.py runs/flow_matching_cond --guidance 0,1,2,3,4,5 --nfe 20
    python bench/samplers.py --redraw a.json b.json --figure docs/figures/fid_vs_nfe.png
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import zoo  # noqa: E402
from zoo_core import CONDITIONAL, RunContext  # noqa: E402
from zoo_core.cli.output import err  # noqa: E402

SAMPLERS = {"ddpm": ("ddim", "ancestral", "dpmpp_2m"), "flow_matching": ("euler", "heun")}


def measure(model, dataset, run, n: int, seed: int, shared: dict, **options) -> dict:
    """FID (and conditional accuracy) of ``n`` samples drawn with ``options``; the sampling
    time per image."""
    from zoo_metrics import stats
    from zoo_metrics.sample_quality import real_features, sample_features

    class Timed:  # the model, sampling with ``options``, its sampling time counted
        seconds = 0.0

        def __getattr__(self, name):
            return getattr(model, name)

        def sample(self, m, **kw):
            t0 = time.perf_counter()
            out = model.sample(m, **kw, **options)
            Timed.seconds += time.perf_counter() - t0
            return out

    ctx = RunContext(run=run, dataset=dataset, seed=seed, console=err, cache=shared)
    for key in [k for k in shared if k[0] == "sample_features"]:
        del shared[key]  # the real images' features are kept; the samples are new
    timed = Timed()
    fake, probs, labels = sample_features(timed, ctx, n)
    real, _ = real_features(ctx, "test", n)
    row = {
        "fid": float(
            stats.frechet_distance(*stats.gaussian_stats(real), *stats.gaussian_stats(fake))
        ),
        "ms_per_image": 1000 * Timed.seconds / n,
        "nfe": int(model.sampler(**options).nfe),
    }
    if labels is not None:
        row["conditional_accuracy"] = float((np.argmax(probs, axis=1) == labels).mean())
    return row


def _labels(model, n):
    from zoo_core.contract import classes_in_turn

    if CONDITIONAL not in model.capabilities:
        return {}
    return {"labels": classes_in_turn(min(n, model.sample_batch), model.data_spec.num_classes)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", help="run folders or pretrained:NAME")
    ap.add_argument(
        "--redraw", nargs="*", default=[], help="draw --figure from these rows files instead"
    )
    ap.add_argument("--nfe", default="5,10,20,50", help="network evaluations, comma-separated")
    ap.add_argument("--samplers", default="", help="comma-separated (default: the family's)")
    ap.add_argument("--guidance", default="", help="comma-separated guidance weights to sweep")
    ap.add_argument("--n", type=int, default=1000, help="samples per point")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default="", help="rows to this file (default bench/last/)")
    ap.add_argument("--figure", default="", help="FID-vs-NFE figure to this PNG")
    args = ap.parse_args()
    if args.redraw:
        files = [json.loads(Path(f).read_text()) for f in args.redraw]
        draw([r for f in files for r in f["rows"]], args.figure, files[0]["n"])
        return
    nfes = [int(v) for v in args.nfe.split(",")]
    rows = []
    for name in args.models:
        r = (
            zoo.pretrained(name.split(":", 1)[1])
            if name.startswith("pretrained:")
            else zoo.open(name)
        )
        plan, run, model, dataset = r._open()
        family = "flow_matching" if "flow_matching" in plan.model.name else "ddpm"
        samplers = args.samplers.split(",") if args.samplers else SAMPLERS[family]
        shared: dict = {}
        if args.guidance:
            sweeps = [
                {"sampler": s, "steps": k, "guidance": float(g)}
                for s in samplers[-1:]
                for k in nfes[:1]
                for g in args.guidance.split(",")
            ]
        else:
            sweeps = [{"sampler": s, "steps": k} for s in samplers for k in nfes]
        warm = {**sweeps[0], "steps": 3}  # trace the network call outside the timing
        model.sample(min(args.n, model.sample_batch), seed=0, **_labels(model, args.n), **warm)
        for options in sweeps:
            if CONDITIONAL not in model.capabilities:
                options.pop("guidance", None)
            row = {
                "model": name,
                **options,
                **measure(model, dataset, run, args.n, args.seed, shared, **options),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    out = Path(args.json) if args.json else Path(__file__).parent / "last" / "samplers.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    from benchlib import cpu_info

    out.write_text(json.dumps({"cpu": cpu_info(), "n": args.n, "rows": rows}, indent=1) + "\n")
    if args.figure:
        draw(rows, args.figure, args.n)


def draw(rows, path, n):
    """FID against NFE, one line per model x sampler, ms/image written beside each point."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    ax = fig.add_subplot()
    lines = {}
    for r in rows:
        lines.setdefault((r["model"], r["sampler"]), []).append(r)
    for (model, sampler), pts in lines.items():
        pts.sort(key=lambda r: r["nfe"])
        x, y = [r["nfe"] for r in pts], [r["fid"] for r in pts]
        ax.plot(x, y, marker="o", label=f"{model.removeprefix('pretrained:')} / {sampler}")
        for r in pts:
            ax.annotate(
                f"{r['ms_per_image']:.0f} ms",
                (r["nfe"], r["fid"]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = sorted({r["steps"] for r in rows})  # Heun's odd counts sit beside them
    ax.set_xticks(ticks, [str(v) for v in ticks])
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.set_yticks([20, 30, 40, 60, 100, 150, 200])
    ax.set_xlabel("network evaluations per image (NFE)")
    ax.set_ylabel(f"FID (n={n:,}, lower is better)")
    ax.set_title("Sample quality against sampling cost (ms per image beside each point)")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
