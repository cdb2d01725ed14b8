"""Benchmark: the sample metrics' own cost, excluding the model's sampling.

Features of 10,000 "generated" images (here: 10,000 train images, so no model time is
counted) and of the 10,000 test images through the shipped Fashion-MNIST classifier, then
FID, KID (100 subsets of 1,000) and k-NN precision/recall (k = 3). Prints each stage's time
and the feature pass's images/s. Median of --repeat runs, in this one process.

    python bench/sample_metrics.py [--n 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from zoo_fashion_mnist.dataset import FashionMNIST  # noqa: E402
from zoo_metrics import stats  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data = FashionMNIST()
    fake = data.arrays("train")[0][: args.n]
    real = data.arrays("test")[0][: args.n]
    extractor = data.feature_extractor()
    extractor(real[:100])  # build and trace once, outside the timing
    times = {k: [] for k in ("features", "fid", "kid", "precision_recall", "total")}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        fr, _ = extractor(real)
        ff, _ = extractor(fake)
        t1 = time.perf_counter()
        fid = stats.frechet_distance(*stats.gaussian_stats(fr), *stats.gaussian_stats(ff))
        t2 = time.perf_counter()
        kid = stats.kid(fr, ff)
        t3 = time.perf_counter()
        pr = stats.precision_recall(fr, ff)
        t4 = time.perf_counter()
        for k, v in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0)):
            times[k].append(v)
    table = Table(
        "stage",
        "median s",
        "min s",
        "max s",
        title=f"{args.n:,} vs {args.n:,} images, {os.cpu_count()} CPUs",
    )
    for k, v in times.items():
        table.add_row(k, f"{statistics.median(v):.2f}", f"{min(v):.2f}", f"{max(v):.2f}")
    Console().print(table)
    noise = np.random.default_rng(0).random(real.shape).astype("float32")
    fn, _ = extractor(noise)
    fid_noise = stats.frechet_distance(*stats.gaussian_stats(fr), *stats.gaussian_stats(fn))
    Console().print(
        f"reference points: FID(train vs test) = {fid:.3f} (the floor); "
        f"FID(uniform noise vs test) = {fid_noise:.1f}"
    )
    rate = 2 * args.n / statistics.median(times["features"])
    from benchlib import record, row

    med = {k: statistics.median(v) for k, v in times.items()}
    record(
        "sample_metrics",
        [
            row(
                f"feature pass, {args.n:,} + {args.n:,} images, s",
                f"{med['features']:.2f}",
                spread=f"{min(times['features']):.2f}-{max(times['features']):.2f}",
                target="<= 30",
            ),
            row(
                "FID + KID + precision/recall on those features, s",
                f"{med['fid'] + med['kid'] + med['precision_recall']:.2f}",
            ),
        ],
    )
    Console().print(
        f"feature pass: {rate:,.0f} images/s; FID(train vs test) = {fid:.3f}, "
        f"KID = {kid[0]:.5f} ± {kid[1]:.5f}, precision/recall = "
        f"{pr[0]:.3f}/{pr[1]:.3f}"
    )


if __name__ == "__main__":
    main()
