"""Train the feature classifier of a labelled dataset (for FID-type metrics).

    python scripts/train_feature_classifier.py fashion_mnist \
        --out plugins/zoo_fashion_mnist/feature_classifier.npz

Seeded (``--seed``) with deterministic ops, on the train split; prints the test accuracy and
writes the weights (``.npz``) with a JSON record beside them (accuracy, settings, SHA-256).
Works for any registered labelled dataset (``--set`` passes its settings); a dataset plugin
ships the file and returns :class:`zoo_fashion_mnist.feature_classifier.FeatureExtractor` from its
``feature_extractor()``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from zoo_core import plugins  # noqa: E402
from zoo_core import settings as S  # noqa: E402
from zoo_fashion_mnist.feature_classifier import save_weights, train_classifier  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", dest="sets", action="append", default=[])
    args = ap.parse_args()
    entry = plugins.get_registry().resolve("dataset", args.dataset).entry
    settings = S.resolve(entry.cls.Settings, {k: v for _, k, v in S.parse_assignments(args.sets)})
    dataset = entry.cls(settings)
    if not entry.cls.spec(settings).labelled:
        sys.exit(f"dataset '{args.dataset}' has no labels; a feature classifier needs them")
    t0 = time.perf_counter()
    net, accuracy = train_classifier(
        dataset, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed
    )
    seconds = time.perf_counter() - t0
    digest = save_weights(
        net,
        args.out,
        {
            "dataset": args.dataset,
            "test_accuracy": accuracy,
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "seed": args.seed,
            "train_seconds": round(seconds, 1),
            "command": "python scripts/train_feature_classifier.py " + " ".join(sys.argv[1:]),
        },
    )
    print(f"test accuracy {accuracy:.4f}; {args.out} sha256 {digest}; {seconds:.0f} s")


if __name__ == "__main__":
    main()
