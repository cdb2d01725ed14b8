"""The ``vae`` Model plugin: builds, trains, evaluates and loads the Keras VAE in a run.

This module imports no TensorFlow at import time; :mod:`.network` is imported when a model
is built, so ``zoo list`` and ``zoo info vae`` stay instant.
"""

from __future__ import annotations

import math
import time

import numpy as np

from zoo_core import DECODE, ENCODE, SAMPLE, IncompatibleError, Model

from .settings import VAESettings


def _images(x, y):
    return x


class ConvVAE(Model):
    """Convolutional VAE (the seed notebook's model), 2-D or 4-D latent space."""

    Settings = VAESettings
    needs = "images"
    capabilities = frozenset({ENCODE, DECODE, SAMPLE})
    strategies = ("default", "mirrored", "multi-worker")
    default_visualizers = ("curves", "manifold", "clusters", "reconstructions")

    def __init__(self, settings=None, data_spec=None):
        super().__init__(settings, data_spec)
        self.vae = None

    @classmethod
    def check_data(cls, settings, spec) -> None:
        super().check_data(settings, spec)
        shape = tuple(spec.element_shape)
        if len(shape) != 3 or shape[0] % 4 or shape[1] % 4:
            raise IncompatibleError(
                f"the conv VAE needs images of shape (H, W, C) with H and W divisible by 4; "
                f"the dataset's images are {shape}")
        if spec.dtype != "float32":
            raise IncompatibleError(f"the conv VAE needs float32 pixels in [0, 1]; the "
                                    f"dataset gives {spec.dtype}")

    # -- building ----------------------------------------------------------------------
    def build(self, seed: int = 0):
        import keras

        from .network import VAE, build_decoder, build_encoder

        s = self.settings
        keras.config.set_dtype_policy(s.precision)
        shape = tuple(self.data_spec.element_shape)
        encoder = build_encoder(shape, s.latent_dim, s.filters, s.dense)
        decoder = build_decoder(shape, s.latent_dim, s.filters)
        self.vae = VAE(encoder, decoder, beta=s.beta, seed=seed, name="vae")
        self.vae.compile(optimizer=keras.optimizers.Adam(s.learning_rate),
                         steps_per_execution=s.steps_per_execution)
        self.vae.build((None, *shape))
        return self.vae

    def count_params(self) -> int:
        return int(self.vae.count_params()) if self.vae is not None else 0

    # -- training ----------------------------------------------------------------------
    def train(self, ctx) -> dict:
        from zoo_core.distribute import make_strategy

        strategy = make_strategy(ctx.strategy)  # first: multi-worker must precede other TF ops

        from zoo_core import keras_training as kt
        from zoo_core.data import steps_per_epoch

        s = self.settings
        kt.seed_everything(ctx.seed)
        x, y = ctx.dataset.arrays(s.train_split)
        replicas = strategy.num_replicas_in_sync
        chief = strategy.extended.should_checkpoint  # the chief writes the run
        with strategy.scope():
            start = 0
            if ctx.resume:
                start = kt.initial_epoch(ctx.run)
                last = ctx.run.checkpoints / kt.LAST
                if start > 0 and last.exists():
                    self.load(ctx.run, kt.LAST)
                    ctx.console.print(f"resuming {ctx.run.path} after epoch {start}")
                else:
                    start = 0
            if self.vae is None or start == 0:
                self.build(ctx.seed)
            steps = steps_per_epoch(len(x), s.batch_size)
            # images only: the VAE needs no labels (and a single tensor per batch is what
            # Keras' multi-worker path can reduce when it first builds the step)
            train = ctx.dataset.pipeline(s.train_split, s.batch_size, seed=ctx.seed,
                                         first_epoch=start).map(_images)
            test = ctx.dataset.pipeline("test", s.batch_size, seed=ctx.seed, shuffle=False
                                        ).map(_images) if s.train_split == "train" else None
            if start >= s.epochs:
                ctx.console.print(f"{ctx.run.path} already finished {start} epochs")
            else:
                kt.fit(self.vae, train, steps=steps, epochs=s.epochs, run=ctx.run,
                       console=ctx.console, batch_size=s.batch_size, validation=test,
                       initial_epoch=start, callbacks=ctx.extra.get("callbacks", ()),
                       chief=chief)
        kt.save_atomic(self.vae, ctx.run.file("model.keras"))
        if chief:
            ctx.run.update_metrics(params=self.count_params(), global_batch_size=s.batch_size,
                                   per_replica_batch_size=s.batch_size / replicas,
                                   replicas=replicas)
        return ctx.run.metrics()["history"][-1] if ctx.run.metrics()["history"] else {}

    def load(self, run, which: str = "final") -> None:
        from zoo_core import keras_training as kt

        from . import network  # noqa: F401  (registers the VAE class that files name)

        path = run.file("model.keras") if which == "final" else run.checkpoints / which
        if which == "final" and not path.exists():
            path = run.checkpoints / kt.LAST
        self.vae = kt.load_model(path)

    # -- evaluation --------------------------------------------------------------------
    def test_metrics(self, ctx) -> dict:
        """The negative ELBO on the test split (``zoo eval`` adds the IWAE bound)."""
        test = ctx.dataset.pipeline("test", 500, seed=ctx.seed, shuffle=False).map(_images)
        result = self.vae.evaluate(test, verbose=0, return_dict=True)
        return {"neg_elbo": float(result["loss"]),
                "reconstruction": float(result["reconstruction_loss"]),
                "kl": float(result["kl_loss"])}

    def evaluate(self, ctx, k: int | str = 100, batch_size: int | str = 0, **unknown) -> dict:
        """Negative ELBO (reconstruction + KL) and the IWAE bound on -log p(x), on the test
        split, in nats per image and bits per dimension."""
        import tensorflow as tf

        from zoo_core import SettingsError

        from .network import iwae_nll

        if unknown:
            raise SettingsError(f"unknown eval option(s) {', '.join(unknown)}; the vae takes "
                                "k (IWAE samples) and batch_size")
        try:
            k = int(k)
            assert k >= 1
        except (ValueError, AssertionError):
            raise SettingsError(f"eval option k must be a whole number >= 1, got {k!r}") \
                from None
        t0 = time.perf_counter()
        x, _ = ctx.dataset.arrays("test")
        ds = ctx.dataset.pipeline("test", max(1, 4096 // k) if not int(batch_size) else
                                  int(batch_size), seed=ctx.seed, shuffle=False)
        elbo = self.test_metrics(ctx)
        step = tf.function(lambda xb: iwae_nll(self.vae, xb, k, ctx.seed))
        total, count = 0.0, 0
        for xb, _ in ds:
            total += float(tf.reduce_sum(step(xb)))
            count += int(xb.shape[0])
        dims = int(np.prod(x.shape[1:]))
        nll = total / count
        to_bits = 1.0 / (dims * math.log(2.0))
        return {**elbo, "neg_elbo_bits_per_dim": elbo["neg_elbo"] * to_bits,
            f"iwae_nll_k{k}": nll, f"iwae_nll_k{k}_bits_per_dim": nll * to_bits,
            "images": count, "seconds": round(time.perf_counter() - t0, 2)}

    # -- capabilities ------------------------------------------------------------------
    def encode(self, x):
        z_mean, _ = self.vae.encoder.predict(x, batch_size=1024, verbose=0)
        return np.asarray(z_mean)

    def decode(self, z):
        import tensorflow as tf

        logits = self.vae.decoder.predict(np.asarray(z, dtype="float32"), batch_size=1024,
                                          verbose=0)
        return np.asarray(tf.sigmoid(logits))
