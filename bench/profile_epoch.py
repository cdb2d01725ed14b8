"""Where a VAE training step's time goes: TensorFlow's profiler over a slice of an epoch,
summed by op type, and the share of the input pipeline and of everything outside ops.

zoo's ``vae_2d`` / ``vae_4d`` network, built and compiled by its plugin as ``zoo run`` does,
trains on its ``tf.data`` pipeline; after a warm-up, ``--steps`` steps run under
``tf.profiler.experimental`` and the trace (XSpace protobuf, read with the proto module that
ships inside TensorFlow) is summed per op type over the threads that run ops. The step time
is also measured without the pipeline (one batch held in memory, the same step), which
bounds what a faster input pipeline could give.

    python bench/profile_epoch.py [--variant vae_4d] [--steps 100] [--precision float32]
"""

from __future__ import annotations

import argparse
import collections
import glob
import os
import re
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BATCH = 128
OP_TYPE = re.compile(r"^_?[A-Z][A-Za-z0-9]*$")


def op_times(logdir: str) -> tuple[dict[str, float], dict[str, float]]:
    """Microseconds per op type and per op (``node:Type``) from the host plane."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    path = glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True)[0]
    space = xplane_pb2.XSpace()
    with open(path, "rb") as f:
        space.ParseFromString(f.read())
    per_type: dict[str, float] = collections.defaultdict(float)
    per_node: dict[str, float] = collections.defaultdict(float)
    for plane in space.planes:
        if not plane.name.startswith("/host:CPU"):
            continue
        names = {k: m.name for k, m in plane.event_metadata.items()}
        for line in plane.lines:
            for ev in line.events:
                name = names.get(ev.metadata_id, "")
                op_type = name.rsplit(":", 1)[-1]
                if "::" in name or ":" not in name or not OP_TYPE.match(op_type):
                    continue  # ops are "node:Type"; skip executor and tf.data frames
                per_type[op_type] += ev.duration_ps / 1e6
                per_node[name] += ev.duration_ps / 1e6
    return dict(per_type), dict(per_node)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", default="vae_4d")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--precision", default="float32")
    args = ap.parse_args()

    import tensorflow as tf

    from zoo_fashion_mnist.dataset import FashionMNIST
    from zoo_vae.model import ConvVAE
    from zoo_vae.settings import VARIANTS, VAESettings

    tf.config.experimental.enable_op_determinism()  # as `zoo run` trains
    data = FashionMNIST(FashionMNIST.Settings())
    model = ConvVAE(
        VAESettings(**VARIANTS[args.variant], precision=args.precision), FashionMNIST.spec(None)
    )
    model.steps_per_epoch = 60_000 // BATCH
    net = model.build_network(seed=0)
    from zoo_keras.pipeline import dataset_pipeline

    ds = dataset_pipeline(data, "train", BATCH, seed=0).map(lambda x, y: x).repeat()
    it = iter(ds)
    net.fit(ds, steps_per_epoch=20, epochs=1, verbose=0)  # trace the step

    # the compiled step called directly: on the pipeline, then on one batch held in memory
    net.make_train_function()
    step = net.train_function

    def seconds_per_step(iterator):
        step(iterator)
        t0 = time.perf_counter()
        for _ in range(args.steps):
            logs = step(iterator)
        float(logs["loss"])
        return (time.perf_counter() - t0) / args.steps

    with_pipeline = seconds_per_step(it)
    in_memory = seconds_per_step(iter(tf.data.Dataset.from_tensors(next(it)).repeat()))
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        net.fit(ds, steps_per_epoch=args.steps, epochs=1, verbose=0)
        tf.profiler.experimental.stop()
        per_type, per_node = op_times(logdir)

    total = sum(per_type.values())
    print(f"{args.variant} ({args.precision}), batch {BATCH}, {args.steps} steps")
    print(
        f"step with the tf.data pipeline: {with_pipeline * 1e3:7.2f} ms "
        f"({BATCH / with_pipeline:,.0f} img/s)"
    )
    print(
        f"step on one batch in memory:    {in_memory * 1e3:7.2f} ms "
        f"({BATCH / in_memory:,.0f} img/s); the pipeline costs at most "
        f"{max(0.0, 1 - in_memory / with_pipeline):.0%} of a step"
    )
    print(
        f"op time summed over threads: {total / 1e3 / args.steps:.2f} ms per step "
        f"(ops on 2 cores can overlap, so this can exceed the step)"
    )
    print(f"{'op type':38s} {'ms/step':>8s} {'share':>6s}")
    for name, us in sorted(per_type.items(), key=lambda kv: -kv[1])[:14]:
        print(f"{name:38s} {us / 1e3 / args.steps:8.2f} {us / total:6.1%}")
    print(f"{'op (node:type)':80s} {'ms/step':>8s} {'share':>6s}")
    for name, us in sorted(per_node.items(), key=lambda kv: -kv[1])[:12]:
        print(f"{name[-80:]:80s} {us / 1e3 / args.steps:8.2f} {us / total:6.1%}")


if __name__ == "__main__":
    main()
