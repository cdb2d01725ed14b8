"""A dataset's feature network: a small CNN classifier whose penultimate layer gives the
features for Fréchet-type metrics and whose softmax gives class probabilities.

For 28x28 grayscale data an Inception network is the wrong yardstick; like TF-GAN's MNIST
evaluation, zoo measures samples with a classifier trained on the data set itself. Numbers
are comparable only under the same classifier, so its weights ship with the dataset plugin
with their SHA-256 checked at load, and the script that trained them is in the repository
(``scripts/train_feature_classifier.py``, any labelled dataset).

The weights file is a NumPy ``.npz`` of the network's arrays (no code is loaded from it).
This module imports TensorFlow only when a network is built.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from zoo_core.errors import DataError

FEATURES = 128  # width of the penultimate layer


def build_classifier(shape, classes: int):
    """Two conv blocks (with dropout) and a dense feature layer; ``features`` is the
    penultimate layer."""
    import keras
    from keras import layers

    inputs = keras.Input(shape)
    x = inputs
    for width in (32, 64):
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
        x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    features = layers.Dense(FEATURES, activation="relu", name="features")(x)
    logits = layers.Dense(classes, name="logits")(layers.Dropout(0.3)(features))
    return keras.Model(inputs, [features, logits], name="feature_classifier")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class FeatureExtractor:
    """``extractor(images) -> (features, class_probabilities)``, batched, in NumPy.

    Loads ``weights`` (an ``.npz`` written by :func:`save_weights`) after checking its
    SHA-256 against ``sha256``; ``info`` is the JSON record beside it (test accuracy,
    training settings)."""

    def __init__(self, weights: Path, sha256: str, shape, classes: int):
        self.path = Path(weights)
        if not self.path.is_file():
            raise DataError(
                f"the feature classifier {self.path} is missing; reinstall the "
                "dataset plugin or retrain it with scripts/train_feature_classifier.py"
            )
        digest = file_sha256(self.path)
        if digest != sha256:
            raise DataError(
                f"the feature classifier {self.path} does not match its checksum "
                f"(sha256 {digest[:12]}..., expected {sha256[:12]}...); reinstall "
                "the dataset plugin"
            )
        info = self.path.with_suffix(".json")
        self.info = json.loads(info.read_text()) if info.is_file() else {}
        self.shape, self.classes = tuple(shape), int(classes)
        self._net = None

    @property
    def net(self):
        if self._net is None:
            net = build_classifier(self.shape, self.classes)
            with np.load(self.path) as arrays:
                net.set_weights([arrays[f"w{i}"] for i in range(len(arrays.files))])
            self._net = net
        return self._net

    def __call__(self, images, batch_size: int = 1000):
        import tensorflow as tf

        step = self._step()
        feats, probs = [], []
        images = np.asarray(images, dtype="float32")
        for i in range(0, len(images), batch_size):
            f, p = step(tf.constant(images[i : i + batch_size]))
            feats.append(f.numpy())
            probs.append(p.numpy())
        return np.concatenate(feats).astype(np.float64), np.concatenate(probs).astype(np.float64)

    def _step(self):
        import tensorflow as tf

        if not hasattr(self, "_compiled"):
            net = self.net

            @tf.function(reduce_retracing=True)
            def step(x):
                features, logits = net(x, training=False)
                return features, tf.nn.softmax(logits)

            self._compiled = step
        return self._compiled


def save_weights(net, path: Path, info: dict) -> str:
    """Write the network's arrays as ``.npz`` and ``info`` as JSON beside it; return the
    SHA-256 of the ``.npz``."""
    path = Path(path)
    arrays = {f"w{i}": w for i, w in enumerate(net.get_weights())}
    np.savez(path, **arrays)
    digest = file_sha256(path)
    path.with_suffix(".json").write_text(json.dumps({**info, "sha256": digest}, indent=2) + "\n")
    return digest


def train_classifier(
    dataset, *, epochs: int = 12, batch_size: int = 128, seed: int = 0, learning_rate: float = 1e-3
):
    """Train the feature classifier on ``dataset``'s train split (seeded, deterministic
    ops, Adam with a cosine-decayed learning rate); return ``(network, test_accuracy)``.

    The test split is only measured, never used to choose anything."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    spec = dataset.spec(dataset.settings)
    net = build_classifier(spec.element_shape, len(spec.class_names))
    x, y = dataset.arrays("train")
    xt, yt = dataset.arrays("test")
    trainer = keras.Model(net.input, net.output[1])
    steps = -(-len(x) // batch_size) * epochs
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
    trainer.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    trainer.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=2)
    accuracy = float(np.mean(np.argmax(trainer.predict(xt, batch_size=1000, verbose=0), 1) == yt))
    return net, accuracy
