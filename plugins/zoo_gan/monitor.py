"""What a GAN run measures and records at the end of each epoch (Keras callbacks that run
before the run's recorder, so their values are recorded, checkpointed on and plotted)."""

from __future__ import annotations

import keras
import numpy as np

from zoo_core.atomic_files import atomic_path

PROGRESS_FILE = "sample_progress.npz"  # read by the ``progress`` figure (figures.py)


class FIDMonitor(keras.callbacks.Callback):
    """``logs["fid"]``: the FID of ``n`` samples (fixed latent points) against the test
    split, in the dataset's classifier features, every ``every`` epochs. Far cheaper than
    ``zoo eval``'s 10,000-sample FID and biased upwards by the small sample, so compare it
    only within a run and across runs of the same ``fid_samples``."""

    def __init__(self, model, dataset, *, n: int, seed: int, every: int = 1):
        super().__init__()
        self.zoo_model, self.dataset = model, dataset
        self.n, self.seed, self.every = int(n), int(seed), int(every)
        self.real = None

    def on_train_begin(self, logs=None):
        from zoo_metrics.stats import gaussian_stats

        self.extractor = self.dataset.feature_extractor()
        x, _ = self.dataset.arrays("test")
        self.real = gaussian_stats(self.extractor(x)[0])
        self.z = self.zoo_model.prior(self.n, seed=self.seed + 12_345)

    def on_epoch_end(self, epoch, logs=None):
        from zoo_metrics.stats import frechet_distance, gaussian_stats

        if logs is None or (epoch + 1) % self.every:
            return
        fake = self.extractor(self.zoo_model.decode(self.z))[0]
        logs["fid"] = frechet_distance(*self.real, *gaussian_stats(fake))


class SampleProgress(keras.callbacks.Callback):
    """The same ``n`` latent points decoded after every epoch, appended to
    ``RUN/sample_progress.npz`` (epochs, images), for the ``progress`` figure. A resumed
    run drops the rows of epochs it is about to redo."""

    def __init__(self, model, run, *, n: int, seed: int):
        super().__init__()
        self.zoo_model, self.run, self.n, self.seed = model, run, int(n), int(seed)

    def on_epoch_end(self, epoch, logs=None):
        path = self.run.file(PROGRESS_FILE)
        epochs, images = read_progress(path)
        keep = epochs <= epoch  # epochs recorded before this one (1-based)
        z = self.zoo_model.prior(self.n, seed=self.seed + 54_321)
        new = self.zoo_model.decode(z).astype("float32")[None]
        epochs = np.concatenate([epochs[keep], [epoch + 1]]).astype("int32")
        images = new if not keep.any() else np.concatenate([images[keep], new])
        with atomic_path(path, suffix=".npz") as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, epochs=epochs, images=images)


def read_progress(path):
    """``(epochs, images)`` from a ``sample_progress.npz``; empty when there is none."""
    from pathlib import Path

    if not Path(path).is_file():
        return np.zeros(0, "int32"), None
    with np.load(path, allow_pickle=False) as z:
        return z["epochs"], z["images"]


class GANHealth(keras.callbacks.Callback):
    """Says so in the progress output when a run is failing in the ways GANs fail: a
    discriminator that wins outright (its loss near 0, the generator's running away: the
    generator's gradient vanishes), or a WGAN critic whose estimate keeps growing."""

    def __init__(self, objective: str, console):
        super().__init__()
        self.objective, self.console = objective, console
        self.w = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.objective == "dcgan" and "d_loss" in logs:
            d, g = float(logs["d_loss"]), float(logs["g_loss"])
            if d < 0.1 and g > 4.0:
                self.console.print(
                    f"[yellow]warning:[/] epoch {epoch + 1}: the discriminator wins outright "
                    f"(d_loss {d:.3g}, g_loss {g:.3g}); the generator is barely learning. "
                    "Lower the learning rate or shrink the discriminator (filters)"
                )
        elif "wasserstein" in logs:
            self.w.append(float(logs["wasserstein"]))
            last = self.w[-4:]
            if (
                len(last) == 4
                and all(b > a for a, b in zip(last, last[1:]))
                and last[-1] > 2 * max(last[0], 1e-9)
            ):
                self.console.print(
                    f"[yellow]warning:[/] epoch {epoch + 1}: the critic's Wasserstein "
                    f"estimate rose three epochs running ({' -> '.join(f'{v:.3g}' for v in last)}"
                    "); the generator is falling behind"
                )
