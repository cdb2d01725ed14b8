"""Feature spaces for the sample-quality metrics (FID, KID, precision/recall, ...).

For small images an Inception network is the wrong yardstick; like TF-GAN's MNIST
evaluation, zoo measures samples with a classifier trained on the dataset itself: its
penultimate layer gives the features, its softmax the class probabilities. Numbers are
comparable only in the same feature space, so every extractor names its space
(:attr:`FeatureExtractor.space`: the weights' file name and SHA-256) and the metrics record
it beside each value.

- :class:`FeatureExtractor`: a trained classifier's weights (an ``.npz`` of arrays; no code
  is loaded from it), checked against a SHA-256 when loaded.
- :func:`train_classifier`: trains one on a labelled dataset's train split (seeded,
  streamed through the dataset's pipeline) and reports its held-out accuracy.
- :func:`random_features`: the fallback for unlabelled data, the same network with seeded
  random weights. Naeem et al. 2020 ("Reliable Fidelity and Diversity Metrics for Generative
  Models", ICML, section 5) find randomly initialised embeddings usable for FID-type
  metrics where no trained network fits the data; their numbers are comparable only with
  numbers in the same random space (its name says ``random``).

A dataset plugin returns one of these from ``Dataset.feature_extractor()``; it needs no
other plugin. TensorFlow loads when a network is built.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from zoo_core.errors import DataError
from zoo_core.user_cache import file_sha256

FEATURES = 128  # width of the penultimate layer


def build_classifier(shape, classes: int):
    """Two conv blocks (with dropout) and a dense feature layer; ``features`` is the
    penultimate layer. Images larger than 32 pixels are average-pooled to at most 32 first
    (the features look at shapes and colours, not at fine texture; the cost stays small)."""
    import keras
    from keras import layers

    inputs = keras.Input(tuple(shape))
    x = inputs
    pool = 1
    while min(shape[0], shape[1]) // pool > 32:
        pool *= 2
    if pool > 1:
        x = layers.AveragePooling2D(pool)(x)
    for width in (32, 64):
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
        x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    features = layers.Dense(FEATURES, activation="relu", name="features")(x)
    logits = layers.Dense(max(1, classes), name="logits")(layers.Dropout(0.3)(features))
    return keras.Model(inputs, [features, logits], name="feature_classifier")


class FeatureExtractor:
    """``extractor(images) -> (features, class_probabilities)``, batched, in NumPy.

    Loads ``weights`` (an ``.npz`` written by :func:`save_weights`) after checking its
    SHA-256 against ``sha256``; ``info`` is the JSON record beside it (held-out accuracy,
    training settings). ``how_to_fix`` ends the message when the file is missing or changed.
    """

    def __init__(self, weights: Path, sha256: str, shape, classes: int, *, how_to_fix: str = ""):
        self.path = Path(weights)
        fix = how_to_fix or "reinstall the dataset plugin"
        if not self.path.is_file():
            raise DataError(f"the feature classifier {self.path} is missing; {fix}")
        digest = file_sha256(self.path)
        if digest != sha256:
            raise DataError(
                f"the feature classifier {self.path} does not match its checksum "
                f"(sha256 {digest[:12]}..., recorded {sha256[:12]}...); {fix}"
            )
        info = self.path.with_suffix(".json")
        self.info = json.loads(info.read_text()) if info.is_file() else {}
        self.info.setdefault("sha256", digest)
        self.shape, self.classes = tuple(shape), int(classes)
        self._net = None
        self._compiled = None

    @property
    def space(self) -> str:
        """The feature space's name: the weights' file and the start of their SHA-256."""
        return f"{self.path.name}@{self.info['sha256'][:12]}"

    @property
    def net(self):
        if self._net is None:
            net = build_classifier(self.shape, self.classes)
            with np.load(self.path) as arrays:
                net.set_weights([arrays[f"w{i}"] for i in range(len(arrays.files))])
            self._net = net
        return self._net

    def __call__(self, images, batch_size: int = 500):
        import tensorflow as tf

        step = self._step()
        feats, probs = [], []
        for i in range(0, len(images), batch_size):
            chunk = np.asarray(images[i : i + batch_size], dtype="float32")
            f, p = step(tf.constant(chunk))
            feats.append(f.numpy())
            probs.append(p.numpy())
        return np.concatenate(feats).astype(np.float64), np.concatenate(probs).astype(np.float64)

    def _step(self):
        import tensorflow as tf

        if self._compiled is None:
            net = self.net

            @tf.function(reduce_retracing=True)
            def step(x):
                features, logits = net(x, training=False)
                return features, tf.nn.softmax(logits)

            self._compiled = step
        return self._compiled


def save_weights(net, path: Path, info: dict) -> str:
    """Write the network's arrays as ``.npz`` and ``info`` as JSON beside it (each written
    to a temporary name first, then renamed); return the SHA-256 of the ``.npz``."""
    import os

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"w{i}": w for i, w in enumerate(net.get_weights())}
    partial = path.with_name(path.name + ".partial.npz")
    np.savez(partial, **arrays)
    digest = file_sha256(partial)
    record = path.with_suffix(".json")
    record.with_name(record.name + ".partial").write_text(
        json.dumps({**info, "sha256": digest}, indent=2) + "\n"
    )
    os.replace(partial, path)
    os.replace(record.with_name(record.name + ".partial"), record)
    return digest


def train_classifier(
    dataset,
    *,
    epochs: int = 12,
    batch_size: int = 128,
    seed: int = 0,
    learning_rate: float = 1e-3,
    verbose: int = 2,
):
    """Train the feature classifier on ``dataset``'s train split (seeded, deterministic
    ops, Adam with a cosine-decayed learning rate, batches streamed from the dataset's
    pipeline); return ``(network, held_out_accuracy)``.

    The test split is only measured, never used to choose anything."""
    import keras
    import tensorflow as tf

    from zoo_keras.pipeline import dataset_pipeline, steps_per_epoch

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    spec = dataset.spec(dataset.settings)
    if not spec.labelled:
        raise DataError("a feature classifier needs labelled data (classes as sub-folders)")
    net = build_classifier(spec.element_shape, spec.num_classes)
    trainer = keras.Model(net.input, net.output[1])
    steps = steps_per_epoch(dataset.num_examples("train"), batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps * epochs)
    trainer.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    train = dataset_pipeline(dataset, "train", batch_size, seed=seed)
    trainer.fit(train, epochs=epochs, steps_per_epoch=steps, shuffle=False, verbose=verbose)
    hits = total = 0
    for x, y in dataset_pipeline(dataset, "test", 500, seed=seed, shuffle=False):
        predicted = np.argmax(trainer(x, training=False).numpy(), 1)
        hits += int(np.sum(predicted == y.numpy()))
        total += len(predicted)
    return net, hits / max(1, total)


def random_features(shape, path: Path, *, seed: int = 0) -> FeatureExtractor:
    """The unlabelled fallback: :func:`build_classifier`'s network with seeded random
    weights (Naeem et al. 2020), written once to ``path`` so that later runs load the same
    arrays; its space's name starts with ``random``."""
    import keras

    path = Path(path)
    if not path.is_file():
        keras.utils.set_random_seed(seed)
        net = build_classifier(shape, 1)
        save_weights(net, path, {"feature_space": "random", "seed": seed, "shape": list(shape)})
    record = json.loads(path.with_suffix(".json").read_text())
    return FeatureExtractor(path, record["sha256"], shape, 1)
