"""RealNVP training throughput: zoo against a plain-Keras script of the same flow.

The peer is written the way Keras' own examples train a flow (keras-io "Density estimation
using Real NVP"): the network with its custom ``train_step``, dequantisation noise from
``tf.random.uniform``, ``compile(optimizer=Adam)`` and ``model.fit(x, batch_size=64,
epochs=...)`` on a NumPy array. It uses the same layers as the plugin (``zoo_flow.network``),
so both sides compute the same flow and loss. zoo's side is the network built and compiled
by the plugin exactly as ``zoo run realnvp`` builds it (op determinism on, replayable noise,
its ``tf.data`` pipeline), trained with ``fit``. Both train only (no test pass, no
checkpoints) for ``--epochs`` full epochs over the first ``--images`` training images;
the figure is images/s of the epochs after the first (the first traces the step). Each side
runs in its own process, the order alternating between rounds; median and spread (min-max)
over rounds, and the ratio of the medians.

    python bench/flow_throughput.py [--epochs 2] [--rounds 2] [--images 6400]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

from benchlib import cpu_info, epoch_timer, record, row

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BATCH = 64


def worker(side: str, images: int, epochs: int, variant: str) -> dict:
    from zoo_fashion_mnist.dataset import FashionMNIST
    from zoo_flow.model import RealNVPModel
    from zoo_flow.settings import VARIANTS, RealNVPSettings

    data = FashionMNIST(FashionMNIST.Settings(limit=images))
    x, _ = data.arrays("train")
    settings = RealNVPSettings(**VARIANTS[variant])
    timer = epoch_timer()
    if side == "keras":
        import keras
        import tensorflow as tf

        from zoo_flow.network import RealNVP

        class PlainRealNVP(RealNVP):  # noise as a Keras example draws it
            def _noise(self, x, stream=0):
                return tf.random.uniform(tf.shape(x))

        s = settings
        net = PlainRealNVP(
            x.shape[1:],
            scales=s.scales,
            couplings=s.couplings,
            final_couplings=s.final_couplings,
            filters=s.filters,
            blocks=s.blocks,
            alpha=s.alpha,
            weight_decay=s.weight_decay,
        )
        net.compile(optimizer=keras.optimizers.Adam(s.learning_rate))
        net.fit(x, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[timer])
    else:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()  # as `zoo run` trains
        model = RealNVPModel(settings, FashionMNIST.spec(None))
        steps = -(-len(x) // BATCH)
        model.steps_per_epoch = steps
        net = model.build_network(seed=0)
        from zoo_keras.pipeline import dataset_pipeline

        ds = dataset_pipeline(data, "train", BATCH, seed=0).map(lambda x, y: x)
        net.fit(
            ds, steps_per_epoch=steps, epochs=epochs, shuffle=False, verbose=0, callbacks=[timer]
        )
    return {"img_s": [len(x) / t for t in timer.seconds]}


def measure(side, images, epochs, variant) -> list[float]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            side,
            "--images",
            str(images),
            "--epochs",
            str(epochs),
            "--variant",
            variant,
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"{side} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])["img_s"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2, help="full epochs per process (>= 2)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--images", type=int, default=6400, help="training images per epoch")
    ap.add_argument("--variant", default="realnvp")
    ap.add_argument("--worker", choices=("zoo", "keras"))
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.images, args.epochs, args.variant)))
        return
    if args.epochs < 2:
        raise SystemExit("--epochs must be at least 2 (the first epoch traces the step)")
    print(
        f"# {cpu_info()}\n# {args.variant}: {args.epochs} full epochs of {args.images:,} "
        f"images per process, batch {BATCH}, images/s of epochs 2..{args.epochs}; "
        f"{args.rounds} rounds, order alternating",
        flush=True,
    )
    results: dict = {"keras": [], "zoo": []}
    for r in range(args.rounds):
        for side in ("keras", "zoo") if r % 2 == 0 else ("zoo", "keras"):
            rate = statistics.median(measure(side, args.images, args.epochs, args.variant)[1:])
            results[side].append(rate)
            print(f"#   round {r + 1}: {side}: {rate:,.1f} img/s", flush=True)
    k, z = (statistics.median(results[s]) for s in ("keras", "zoo"))
    for side, label in (("keras", "plain Keras (model.fit on NumPy)"), ("zoo", "zoo")):
        vals = results[side]
        print(
            f"{label:34s} median {statistics.median(vals):8,.1f} img/s  spread "
            f"{min(vals):,.1f}-{max(vals):,.1f}"
        )
    print(f"ratio zoo / plain Keras: {z / k:.2f}x")
    record(
        "flow_throughput",
        [
            row(
                f"{args.variant} training img/s; peer: plain-Keras fit of the same flow",
                f"{z:,.1f}",
                f"{k:,.1f}",
                f"{z / k:.2f}x",
                f"{min(results['zoo']):,.1f}-{max(results['zoo']):,.1f} vs "
                f"{min(results['keras']):,.1f}-{max(results['keras']):,.1f}, {args.rounds} rounds",
                ">= 1.0x",
            )
        ],
    )


if __name__ == "__main__":
    main()
