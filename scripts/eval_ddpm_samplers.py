"""A trained diffusion run measured under several samplers: FID, KID, precision/recall
and sampling time per image, for each ``sampler:steps:n[:eta]`` given.

The sampler is a model setting, so each configuration opens the run with it (as
``zoo sample RUN --set steps=25`` does) and computes the metric plugins directly; nothing
is written into the run (its ``metrics.json`` records ``zoo eval``'s measurements, whose
settings say how they were made). Prints one markdown row per configuration, and writes
them as JSON to ``--json`` if given.

    python scripts/eval_ddpm_samplers.py RUN ddim:25:1000 ddim:50:1000 ddim:100:1000:1 ddpm:1000:200
"""

from __future__ import annotations

import argparse
import itertools
import json
import time

from zoo_core import RunContext, plugins
from zoo_core.cli.output import err
from zoo_core.run import runner
from zoo_core.settings import resolve


def measure(
    run_dir: str,
    sampler: str,
    steps: int,
    n: int,
    seed: int = 0,
    eta: float = 0.0,
    guidance: float | None = None,
) -> dict:
    reg = plugins.get_registry()
    sets = [f"sampler={sampler}"] + ([f"steps={steps}", f"eta={eta}"] if sampler == "ddim" else [])
    if guidance is not None:  # a conditional model: its guidance weight w
        sets.append(f"guidance={guidance}")
    plan, run, model, dataset = runner.open_trained(
        reg, run_dir, visualizers=[], sets=sets, console=err
    )
    ctx = RunContext(run=run, dataset=dataset, seed=seed, console=err)
    from zoo_metrics.sample_quality import sample_features

    t0 = time.perf_counter()
    sample_features(model, ctx, n)  # the samples every metric below shares
    seconds = time.perf_counter() - t0
    out = {
        "sampler": sampler,
        "steps": len(model.timesteps()),
        "n": n,
        "eta": eta,
        "ms_per_image": 1000 * seconds / n,
    }
    names = [
        ("fid", {"n": n}),
        ("kid", {"n": n, "subset_size": min(1000, n)}),
        ("precision_recall", {"n": n}),
    ]
    if guidance is not None:
        names.append(("conditional_accuracy", {"n": n}))
        out["guidance"] = guidance
    for name, settings in names:
        cls = reg.resolve("metric", name).entry.cls
        out.update(cls(resolve(cls.Settings, settings)).compute(model, ctx).values)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument(
        "configs", nargs="+", help="sampler:steps:n[:eta], e.g. ddim:50:1000 or ddim:100:1000:1"
    )
    ap.add_argument(
        "--guidance",
        help="conditional runs: weights w to measure each "
        "configuration at, e.g. 0,1,3 (adds conditional "
        "accuracy)",
    )
    ap.add_argument("--json")
    args = ap.parse_args()
    rows = []
    print(
        "| sampler | steps | eta | guidance | samples | FID | KID | precision | recall | "
        "conditional accuracy | ms/image |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    weights = [float(w) for w in args.guidance.split(",")] if args.guidance else [None]
    for config, w in itertools.product(args.configs, weights):
        sampler, steps, n, *eta = config.split(":")
        r = measure(
            args.run,
            sampler,
            int(steps),
            int(n),
            eta=1.0 if sampler == "ddpm" else float(eta[0]) if eta else 0.0,
            guidance=w,
        )
        rows.append(r)
        accuracy = f"{r['conditional_accuracy']:.3f}" if w is not None else "–"
        print(
            f"| {r['sampler']} | {r['steps']} | {r['eta']:g} | "
            f"{'–' if w is None else f'{w:g}'} | {r['n']:,} | {r['fid']:.1f} | "
            f"{r['kid']:.2f} | {r['precision']:.3f} | {r['recall']:.3f} | {accuracy} | "
            f"{r['ms_per_image']:.0f} |",
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
