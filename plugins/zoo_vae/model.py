"""The ``vae`` Model plugin: the seed notebook's conv VAE on :class:`zoo_core.KerasModel`.

Kingma & Welling (2014), "Auto-Encoding Variational Bayes", with the Bernoulli decoder of
the notebook; the IWAE bound of Burda et al. (2016) for ``log_likelihood``. The plugin gives
the network (:mod:`.network`) and what it declares; the base class runs it (seeding,
strategy, exact resume, checkpoints). This module imports no TensorFlow at import time, so
``zoo list`` and ``zoo info vae`` stay instant.
"""

from __future__ import annotations

import numpy as np

from zoo_core import DECODE, ENCODE, LIKELIHOOD, SAMPLE, IncompatibleError, KerasModel, MetricInfo

from .settings import VAESettings

NATS = "nats/image"


class ConvVAE(KerasModel):
    """Convolutional VAE (the seed notebook's model), 2-D or 4-D latent space."""

    Settings = VAESettings
    needs = "images"
    capabilities = frozenset({ENCODE, DECODE, SAMPLE, LIKELIHOOD, "elbo"})
    default_visualizers = ("curves", "manifold", "clusters", "reconstructions")
    metrics = (MetricInfo("loss", NATS, "loss", "negative ELBO"),
               MetricInfo("reconstruction_loss", NATS, "rec", "-E_q log p(x|z)"),
               MetricInfo("kl_loss", NATS, "kl", "KL(q(z|x) || p(z))"))
    monitor = "loss"
    likelihood = "bound"
    likelihood_unit = "nats"

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

    # -- the network (the base class does the rest of the run) ---------------------------
    def build_network(self, seed: int = 0):
        import keras

        from .network import VAE, build_decoder, build_encoder

        s = self.settings
        shape = tuple(self.data_spec.element_shape)
        previous = keras.config.dtype_policy()
        keras.config.set_dtype_policy(s.precision)  # the layers keep it; others do not
        try:
            encoder = build_encoder(shape, s.latent_dim, s.filters, s.dense)
            decoder = build_decoder(shape, s.latent_dim, s.filters)
            vae = VAE(encoder, decoder, beta=s.beta, seed=seed, name="vae")
        finally:
            keras.config.set_dtype_policy(previous)
        vae.compile(optimizer=keras.optimizers.Adam(s.learning_rate),
                    steps_per_execution=s.steps_per_execution)
        vae.build((None, *shape))
        return vae

    def build(self, seed: int = 0):
        """Build the network (outside a run, e.g. to inspect it) and return it."""
        self.net = self.build_network(seed)
        return self.net

    @property
    def vae(self):
        return self.net

    def test_metrics(self, ctx) -> dict:
        """The negative ELBO on the test split, with its two terms (``zoo eval`` adds the
        IWAE bound and bits per dimension)."""
        m = super().test_metrics(ctx)
        if not m:
            return {}
        return {"neg_elbo": m["loss"], "reconstruction": m["reconstruction_loss"],
                "kl": m["kl_loss"]}

    # -- capabilities ------------------------------------------------------------------
    def encode(self, x, labels=None):
        z_mean, _ = self.net.encoder.predict(x, batch_size=1024, verbose=0)
        return np.asarray(z_mean)

    def decode(self, z, labels=None):
        import tensorflow as tf

        logits = self.net.decoder.predict(np.asarray(z, dtype="float32"), batch_size=1024,
                                          verbose=0)
        return np.asarray(tf.sigmoid(logits))

    def log_likelihood(self, x, *, seed: int = 0, k: int = 100, labels=None,
                       batch_size: int = 0):
        """The IWAE lower bound on log p(x) with ``k`` samples, nats per image."""
        import tensorflow as tf

        from .network import iwae_nll

        step = tf.function(lambda xb: iwae_nll(self.net, xb, k, seed))
        batch = int(batch_size) or max(1, 4096 // k)
        out = [step(tf.constant(x[i:i + batch])).numpy() for i in range(0, len(x), batch)]
        return -np.concatenate(out)

    def elbo_terms(self, x, *, seed: int = 0, batch_size: int = 500) -> dict:
        """Per-image reconstruction and KL terms (nats), as the test pass computes them."""
        import tensorflow as tf

        step = tf.function(self.net.held_out_terms)
        rec, kl = [], []
        for i in range(0, len(x), batch_size):
            r, k = step(tf.constant(x[i:i + batch_size]))
            rec.append(r.numpy())
            kl.append(k.numpy())
        return {"reconstruction": np.concatenate(rec), "kl": np.concatenate(kl)}
