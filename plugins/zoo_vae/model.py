"""The ``vae`` Model plugin: the seed notebook's conv VAE on :class:`zoo_keras.KerasModel`.

Kingma & Welling (2014), "Auto-Encoding Variational Bayes", with the Bernoulli decoder of
the notebook; the IWAE bound of Burda et al. (2016) for ``log_likelihood``; beta-VAE
(Higgins et al. 2017) as the ``beta`` setting with an optional linear KL warm-up; and the
``cvae`` plugin, the conditional VAE of Sohn et al. (2015), with the label fed to both
networks (see :mod:`.network`). The plugin gives
the network (:mod:`.network`) and what it declares; the base class runs it (seeding,
strategy, exact resume, checkpoints). This module imports no TensorFlow at import time, so
``zoo list`` and ``zoo info vae`` stay instant.
"""

from __future__ import annotations

from zoo_core import (
    CONDITIONAL,
    DECODE,
    ENCODE,
    LATENT_USAGE,
    LIKELIHOOD,
    SAMPLE,
    IncompatibleError,
    MetricInfo,
)
from zoo_keras import KerasModel, inference

from .settings import VAESettings

NATS = "nats/image"


class ConvVAE(KerasModel):
    """Convolutional VAE (the seed notebook's model): 2-D, 4-D, or a beta-VAE."""

    Settings = VAESettings
    needs = "images"
    capabilities = frozenset({ENCODE, DECODE, SAMPLE, LIKELIHOOD, LATENT_USAGE, "elbo"})
    default_visualizers = ("curves", "manifold", "clusters", "reconstructions")
    metrics = (
        MetricInfo("loss", NATS, "loss", "negative ELBO"),
        MetricInfo("reconstruction_loss", NATS, "rec", "-E_q log p(x|z)"),
        MetricInfo("kl_loss", NATS, "kl", "KL(q(z|x) || p(z))"),
    )
    monitor = "loss"
    likelihood = "bound"
    likelihood_unit = "nats"

    @classmethod
    def latent_shape_of(cls, settings, spec):
        return (int(settings.latent_dim),)

    @classmethod
    def check_data(cls, settings, spec) -> None:
        super().check_data(settings, spec)
        shape = tuple(spec.element_shape)
        if len(shape) != 3 or shape[0] % 4 or shape[1] % 4:
            raise IncompatibleError(
                f"the conv VAE needs images of shape (H, W, C) with H and W divisible by 4; "
                f"the dataset's images are {shape}"
            )
        if spec.dtype != "float32":
            raise IncompatibleError(
                f"the conv VAE needs float32 pixels in [0, 1]; the dataset gives {spec.dtype}"
            )

    # -- the network (the base class does the rest of the run) ---------------------------
    def build_network(self, seed: int = 0):
        import keras

        from .network import VAE, build_decoder, build_encoder, build_prior

        s = self.settings
        shape = tuple(self.data_spec.element_shape)
        classes = self.num_classes
        # the warm-up is counted in optimizer steps, so a resumed run continues the ramp
        warmup = s.kl_warmup * (self.steps_per_epoch or 0) if s.kl_warmup else 0
        if s.kl_warmup and not warmup:
            warmup = s.kl_warmup  # outside training: any positive length; only training uses it
        previous = keras.config.dtype_policy()
        keras.config.set_dtype_policy(s.precision)  # the layers keep it; others do not
        try:
            encoder = build_encoder(shape, s.latent_dim, s.filters, s.dense, classes)
            decoder = build_decoder(
                shape, s.latent_dim, s.filters, classes, every_layer=s.label_every_layer
            )
            prior = build_prior(s.latent_dim, classes) if classes and s.conditional_prior else None
            vae = VAE(
                encoder,
                decoder,
                beta=s.beta,
                seed=seed,
                num_classes=classes,
                kl_warmup_steps=warmup,
                prior=prior,
                name="vae",
            )
        finally:
            keras.config.set_dtype_policy(previous)
        vae.compile(
            optimizer=keras.optimizers.Adam(s.learning_rate),
            steps_per_execution=s.steps_per_execution,
        )
        vae.build((None, *shape))
        if classes:
            vae([keras.ops.zeros((1, *shape)), keras.ops.zeros((1,), "int32")])
        return vae

    @property
    def num_classes(self) -> int:
        """Classes the networks are conditioned on (0: unconditional)."""
        return self.data_spec.num_classes if CONDITIONAL in self.capabilities else 0

    def prior(self, n: int, seed: int, labels=None):
        """Standard normal noise; with a class-conditional prior and ``labels``, mapped
        into p(z|y) = N(mu_y, sigma_y^2) (the same noise for every class)."""

        return self.prior_from_noise(super().prior(n, seed), labels)

    def prior_from_noise(self, eps, labels=None):
        """Standard normal ``eps`` as points of the prior (``eps`` itself, unless the
        prior is class-conditional and ``labels`` are given)."""
        import numpy as np

        if self.net is None or getattr(self.net, "prior", None) is None or labels is None:
            return eps
        mean, log_var = (np.asarray(t) for t in self.net.prior(self._onehot(labels)))
        return (mean + np.exp(0.5 * log_var) * eps).astype("float32")

    def endpoints(self, **options):
        """``encode(images[, labels])`` -> latent means, ``decode(z[, labels])`` and
        ``sample(noise[, labels])`` -> images: the networks with the sigmoid and, for a
        class-conditional prior, its mapping of the noise, as traced graphs."""
        import tensorflow as tf

        from zoo_core import export as E

        from .layers import portable

        self.sampling(**options)
        k, spec, latent = self.num_classes, self.data_spec, self.latent_shape
        cond = (E.labels(spec),) if k else ()

        def given(*y):
            return {"labels": y[0]} if y else {}

        def with_y(a, y):
            return a if not y else [a, tf.one_hot(y[0], k)]

        def decode(z, *y):
            with portable():  # the converters' operators, not the training speed-up
                return tf.sigmoid(self.net.decoder(with_y(z, y)))

        def encode(x, *y):
            return self.net.encoder(with_y(x, y))[0]

        def sample(eps, *y):
            if y and getattr(self.net, "prior", None) is not None:
                mean, log_var = self.net.prior(tf.one_hot(y[0], k))
                eps = mean + tf.exp(0.5 * log_var) * eps
            return decode(eps, *y)

        out = E.images(spec)
        return [
            E.Endpoint(
                "decode",
                (E.point(latent), *cond),
                out,
                decode,
                lambda z, *y: self.decode(z, **given(*y)),
                "images decoded from latent points (the decoder's Bernoulli means)",
            ),
            E.Endpoint(
                "encode",
                (E.images(spec), *cond),
                E.point(latent, meaning="latent mean"),
                encode,
                lambda x, *y: self.encode(x, **given(*y)),
                "the encoder's mean of q(z | x)",
            ),
            E.Endpoint(
                "sample",
                (E.noise(latent), *cond),
                out,
                sample,
                lambda eps, *y: self.decode(self.prior_from_noise(eps, *y), **given(*y)),
                "images from standard normal noise (through the prior, then the decoder)",
            ),
        ]

    def _onehot(self, labels):
        import numpy as np

        if not self.num_classes:
            return None
        if labels is None:
            raise ValueError("a conditional VAE needs labels= (class indices)")
        return np.eye(self.num_classes, dtype="float32")[np.asarray(labels, dtype="int64")]

    def test_metrics(self, ctx) -> dict:
        """The negative ELBO (beta = 1) on the test split, with its two terms (``zoo eval``
        adds the IWAE bound and bits per dimension)."""
        m = super().test_metrics(ctx)
        if not m:
            return {}
        rec, kl = m["reconstruction_loss"], m["kl_loss"]
        return {"neg_elbo": rec + kl, "reconstruction": rec, "kl": kl}

    # -- capabilities ------------------------------------------------------------------
    def encode(self, x, labels=None):
        import numpy as np

        y = self._onehot(labels)
        z_mean, _ = inference.outputs(self.net.encoder, x if y is None else [x, y])
        return np.asarray(z_mean)

    def decode(self, z, labels=None):
        import numpy as np
        import tensorflow as tf

        z = np.asarray(z, dtype="float32")
        y = self._onehot(labels)
        logits = inference.outputs(self.net.decoder, z if y is None else [z, y])
        return np.asarray(tf.sigmoid(logits))

    def log_likelihood(
        self,
        x,
        *,
        seed: int = 0,
        k: int = 100,
        labels=None,
        batch_size: int = 0,
        precision: str = "float32",
    ):
        """The IWAE lower bound on log p(x) (log p(x|y) when conditional) with ``k``
        samples, nats per image. ``precision="bfloat16"`` runs the k decodes in bfloat16
        (the encoder and the log-densities stay float32)."""
        import numpy as np
        import tensorflow as tf

        from .network import iwae_nll

        if precision not in ("float32", "bfloat16"):
            raise ValueError(f"precision must be float32 or bfloat16, not {precision!r}")
        y = self._onehot(labels)
        decoder = self.traced(("decoder", precision), lambda: self._eval_decoder(precision))
        # one traced function per (k, seed), kept: `zoo eval` calls this once per chunk of
        # 500 images, and a fresh tf.function each time would trace the graph every call
        step = self.traced(
            ("iwae", k, seed, precision),
            lambda: tf.function(
                lambda xb, yb=None: iwae_nll(self.net, xb, k, seed, yb, decoder=decoder)
            ),
        )
        batch = int(batch_size) or max(1, 4096 // k)
        out = []
        for i in range(0, len(x), batch):
            args = (tf.constant(x[i : i + batch]),)
            if y is not None:
                args += (tf.constant(y[i : i + batch]),)
            out.append(step(*args).numpy())
        return -np.concatenate(out)

    def _eval_decoder(self, precision: str):
        """The decoder for the k decodes: :class:`zoo_vae.fast_decoder.FastDecoder` (the same
        function with fused ops: in bfloat16, vae_2d's 10,000-image bound fell from 85.9 to
        56.1 s), or, for a decoder of another shape, the Keras one (float32) or its copy
        under the bfloat16 policy."""
        from .fast_decoder import FastDecoder

        try:
            return FastDecoder(self.net.decoder, precision)
        except ValueError:
            return None if precision == "float32" else self._decoder_copy("mixed_" + precision)

    def _decoder_copy(self, policy: str):
        """The trained decoder rebuilt under another Keras dtype policy, every layer (the
        logits too), same weights: the bfloat16 fallback for a decoder FastDecoder refuses."""
        import keras

        from .network import build_decoder

        s = self.settings
        previous = keras.config.dtype_policy()
        keras.config.set_dtype_policy(policy)
        try:
            copy = build_decoder(
                tuple(self.data_spec.element_shape),
                s.latent_dim,
                s.filters,
                self.num_classes,
                every_layer=s.label_every_layer,
                logits_dtype=None,
            )
        finally:
            keras.config.set_dtype_policy(previous)
        copy.set_weights(self.net.decoder.get_weights())
        return copy

    def latent_usage(self, x, labels=None):
        """The mean KL of each latent dimension on ``x``, in nats (active units: Burda et
        al. 2016)."""
        return self.elbo_terms(x, labels=labels)["kl_per_dim"].mean(axis=0), "nats of KL"

    def elbo_terms(self, x, *, seed: int = 0, batch_size: int = 500, labels=None) -> dict:
        """Per-image reconstruction and KL (nats), as the test pass computes them, and the
        KL per latent dimension (``kl_per_dim``, shape (n, latent_dim)): a dimension whose
        mean KL is near zero is collapsed, unused by the decoder."""
        import numpy as np
        import tensorflow as tf

        y = self._onehot(labels)
        step = self.traced(
            ("elbo_terms",),
            lambda: tf.function(lambda *a: self.net.held_out_terms(*a, per_dimension=True)),
        )
        rec, kl = [], []
        for i in range(0, len(x), batch_size):
            args = (tf.constant(x[i : i + batch_size]),)
            if y is not None:
                args += (tf.constant(y[i : i + batch_size]),)
            r, k = step(*args)
            rec.append(r.numpy())
            kl.append(k.numpy())
        kl_dims = np.concatenate(kl)
        return {
            "reconstruction": np.concatenate(rec),
            "kl": kl_dims.sum(axis=1),
            "kl_per_dim": kl_dims,
        }


class ConditionalConvVAE(ConvVAE):
    """Conditional conv VAE (Sohn et al. 2015): the class label, one-hot, reaches the
    encoder and the decoder; ``sample``/``decode`` take ``labels=``. Needs labelled data."""

    capabilities = ConvVAE.capabilities | {CONDITIONAL}
    default_visualizers = ("curves", "class_grid", "manifold", "clusters", "reconstructions")
