"""IWAE bound (k = 100) over the 10,000 test images: seconds, images/s and achieved GFLOP/s
against the machine's measured matmul peak.

The work is what ``zoo eval RUN --metric nll`` does (``ConvVAE.log_likelihood``: the k
posterior samples of a batch of images decoded in one call). FLOPs count the decoder's
multiply-adds (2 per MAC) for the 10,000 x k decodes plus the 10,000 encodes; the peak is a
4096 x 4096 matmul, float32 and bfloat16, in this process with TensorFlow's default
threads. With a trained run (``--run runs/vae_2d-30``) the bound itself is printed, so a
faster variant can be checked to stay within 0.05 nats of it.

    python bench/iwae.py [--run RUN] [--variant vae_2d] [--k 100] [--n 10000]
                         [--batch 0] [--precision float32,bfloat16] [--repeats 1]

With ``--repeats N`` each precision's full pass runs N times (alternating precisions) and
the median is reported with the spread.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def matmul_peak(dtype: str, n: int = 4096, repeats: int = 5) -> float:
    import tensorflow as tf

    a = tf.random.normal([n, n], dtype=tf.float32)
    a = tf.cast(a, dtype)
    f = tf.function(lambda x: tf.matmul(x, x))
    f(a).numpy()
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        f(a).numpy()
        best = max(best, 2 * n**3 / (time.perf_counter() - t0) / 1e9)
    return best


def layer_flops(model, batch: int = 1) -> float:
    """Multiply-add FLOPs of one forward pass of a Keras functional model (conv, dense)."""
    from keras import layers

    total = 0.0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2DTranspose):
            h, w, c = layer.input.shape[1:]
            total += 2 * h * w * c * layer.filters * layer.kernel_size[0] * layer.kernel_size[1]
        elif isinstance(layer, layers.Conv2D):
            h, w, _ = layer.output.shape[1:]
            c = layer.input.shape[-1]
            total += 2 * h * w * c * layer.filters * layer.kernel_size[0] * layer.kernel_size[1]
        elif isinstance(layer, layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
    return total * batch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", help="a trained vae run (else fresh weights: speed only)")
    ap.add_argument("--variant", default="vae_2d")
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=0, help="images per call (0: the default)")
    ap.add_argument(
        "--precision",
        default="float32,bfloat16",
        help="decoder precisions to time, comma-separated",
    )
    ap.add_argument("--repeats", type=int, default=1, help="full passes per precision")
    args = ap.parse_args()

    import numpy as np
    import tensorflow as tf
    from benchlib import record, row

    from zoo_fashion_mnist.dataset import FashionMNIST
    from zoo_vae.model import ConvVAE
    from zoo_vae.settings import VARIANTS, VAESettings

    data = FashionMNIST()
    x = data.arrays("test")[0][: args.n]
    if args.run:
        from zoo_core.cli import registry
        from zoo_core.run.runner import open_trained

        _, _, model, _ = open_trained(registry(), args.run)
    else:
        model = ConvVAE(VAESettings(**VARIANTS[args.variant]), FashionMNIST.spec(None))
        model.build(seed=0)
    print(f"cpus {os.cpu_count()}, tensorflow {tf.__version__}")
    peaks = {d: matmul_peak(d) for d in ("float32", "bfloat16")}
    print("matmul 4096^3 peak: " + ", ".join(f"{d} {g:,.0f} GFLOP/s" for d, g in peaks.items()))
    dec, enc = model.net.decoder, model.net.encoder
    flops = layer_flops(dec, args.n * args.k) + layer_flops(enc, args.n)
    bounds, rows = {}, []
    precisions = args.precision.split(",")
    times: dict[str, list[float]] = {p: [] for p in precisions}
    for precision in precisions:
        model.log_likelihood(
            x[:50], k=args.k, batch_size=args.batch, precision=precision
        )  # trace once
    for r in range(args.repeats):
        for precision in precisions if r % 2 == 0 else precisions[::-1]:
            t0 = time.perf_counter()
            log_px = model.log_likelihood(x, k=args.k, batch_size=args.batch, precision=precision)
            times[precision].append(time.perf_counter() - t0)
            bounds[precision] = -float(np.mean(log_px.astype("float64")))
            print(f"  {precision} pass {r + 1}: {times[precision][-1]:.1f} s", flush=True)
    for precision in precisions:
        seconds = float(np.median(times[precision]))
        spread = (
            f" (spread {min(times[precision]):.1f}-{max(times[precision]):.1f} s over "
            f"{args.repeats} passes)"
            if args.repeats > 1
            else ""
        )
        gflops = flops / seconds / 1e9
        print(
            f"{precision:8s} IWAE k={args.k} on {args.n:,} images: {seconds:6.1f} s{spread}, "
            f"{args.n / seconds:,.0f} img/s, {flops / 1e12:.2f} TFLOP, {gflops:,.0f} GFLOP/s "
            f"({gflops / peaks[precision]:.0%} of the {precision} matmul peak); "
            f"bound -log p(x) <= {bounds[precision]:.3f} nats"
            + ("" if args.run else " (fresh weights: not a result)")
        )
        rows.append(
            row(
                f"IWAE k={args.k}, {args.n:,} test images, decodes in {precision}: s "
                f"(GFLOP/s, share of the {precision} matmul peak)",
                f"{seconds:.1f} ({gflops:,.0f}, {gflops / peaks[precision]:.0%})",
                spread=(
                    f"{min(times[precision]):.1f}-{max(times[precision]):.1f}"
                    if args.repeats > 1
                    else ""
                ),
                target="<= 60",
            )
        )
    if len(bounds) == 2:
        a, b = bounds.values()
        print(f"bound difference: {b - a:+.3f} nats")
        rows.append(
            row(
                "IWAE bound, bfloat16 minus float32, nats"
                + (f" ({args.run})" if args.run else " (fresh weights)"),
                f"{b - a:+.3f}",
                target="within 0.05",
            )
        )
    record("iwae", rows)


if __name__ == "__main__":
    main()
