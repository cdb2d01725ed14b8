"""``zoo features DATASET``: make (or show) the feature space of a dataset's sample metrics.

For a labelled image folder this trains the small classifier on the folder's train split
once and caches it beside the decoded images; later ``zoo eval`` runs load it. For a
dataset that ships its classifier (Fashion-MNIST) it checks and describes the shipped file.
``--out FILE`` trains a classifier for any labelled dataset and writes it to ``FILE`` (how a
dataset plugin makes the file it ships).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from zoo_core import plugins
from zoo_core import settings as S
from zoo_core.cli.output import check_output_file, err, out, print_json
from zoo_core.errors import UsageError


def add_command(group: click.Group) -> None:
    @group.command("features")
    @click.argument("dataset")
    @click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="A dataset setting.")
    @click.option(
        "--out",
        "out_file",
        metavar="FILE.npz",
        help="Train a classifier on the train split and write it here (any labelled dataset).",
    )
    @click.option(
        "--epochs", type=click.IntRange(1, 1000), default=12, show_default=True, help="With --out."
    )
    @click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Plain JSON on stdout.")
    def features_command(dataset, sets, out_file, epochs, seed, as_json):
        """Train (once) or show the feature space of DATASET's FID/KID/precision-recall."""
        entry = plugins.get_registry().resolve("dataset", dataset).entry
        values = {}
        for scope, key, value in S.parse_assignments(sets):
            if scope not in (None, entry.name):
                raise UsageError(f"--set {scope}.{key}: only settings of '{entry.name}' apply")
            values[key] = value
        settings = S.resolve(entry.cls.Settings, values, owner=entry.name)
        data = entry.cls(settings)
        if out_file is not None:
            info = train_to(data, entry.name, out_file, epochs=epochs, seed=seed)
        else:
            if not entry.cls.provides_features:
                raise UsageError(
                    f"dataset '{entry.name}' provides no feature space; train one with "
                    f"`zoo features {entry.name} --out FILE.npz` and ship it with the plugin"
                )
            extractor = data.feature_extractor()
            info = {
                "dataset": entry.name,
                "feature_space": extractor.space,
                "file": str(getattr(extractor, "path", "")),
                **{
                    k: v
                    for k, v in extractor.info.items()
                    if k in ("test_accuracy", "train_seconds", "epochs")
                },
            }
        if as_json:
            print_json(info)
            return
        out.print(f"feature space {info['feature_space']}  ({info['file']})")
        if info.get("test_accuracy") is not None:
            out.print(f"classifier held-out accuracy {info['test_accuracy']:.4f}")
        else:
            err.print(
                "unlabelled data: seeded random features (Naeem et al. 2020); numbers "
                "compare only with numbers in this space"
            )


def train_to(data, name: str, out_file: str, *, epochs: int, seed: int) -> dict:
    from zoo_keras.features import save_weights, train_classifier

    check_output_file(out_file, (".npz",))
    if not data.spec(data.settings).labelled:
        raise UsageError(f"dataset '{name}' has no labels; a feature classifier needs them")
    started = time.perf_counter()
    net, accuracy = train_classifier(data, epochs=epochs, seed=seed)
    seconds = round(time.perf_counter() - started, 1)
    record = {
        "dataset": name,
        "test_accuracy": accuracy,
        "epochs": epochs,
        "seed": seed,
        "settings": S.as_dict(data.settings),
        "train_seconds": seconds,
        "command": "zoo features " + " ".join(sys.argv[2:]),
    }
    digest = save_weights(net, out_file, record)
    return {
        **record,
        "feature_space": f"{Path(out_file).name}@{digest[:12]}",
        "file": out_file,
    }
