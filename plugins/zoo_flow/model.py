"""The ``realnvp`` Model plugin: a RealNVP normalizing flow on :class:`zoo_keras.KerasModel`.

Dinh, Sohl-Dickstein & Bengio (2017), "Density estimation using Real NVP": the multi-scale
flow of affine couplings (checkerboard and channel masks, squeeze, factoring out half the
dimensions per scale) on logit-transformed, uniformly dequantised 8-bit pixels. The one
family here whose likelihood is exact: ``log_likelihood`` is the flow's exact log-density
of the dequantised image, on the 8-bit scale, so ``zoo eval --metric nll`` gives the
test bits/dim that flow papers report. Where the network departs from the paper is said in
:mod:`.network`. The latent has the image's shape (``encode``/``decode`` are exact inverses),
so figures that need a small vector latent (``manifold``, ``traversal``) are refused.

This module imports no TensorFlow at import time, so ``zoo list`` stays instant.
"""

from __future__ import annotations

import math

from zoo_core import DECODE, ENCODE, LIKELIHOOD, SAMPLE, IncompatibleError, MetricInfo
from zoo_keras import KerasModel

from .settings import RealNVPSettings


class RealNVPModel(KerasModel):
    """RealNVP (Dinh et al. 2017): exact likelihood, exact inverse, temperature sampling."""

    Settings = RealNVPSettings
    capabilities = frozenset({ENCODE, DECODE, SAMPLE, LIKELIHOOD})
    likelihood = "exact"
    likelihood_unit = "nats"
    default_visualizers = ("curves", "temperatures", "interpolation", "reconstructions")
    metrics = (
        MetricInfo(
            "loss", "nats/image", "nll", "-log p(x) of the 8-bit image, uniformly dequantised"
        ),
        MetricInfo("bits_per_dim", "bits/dim", "bpd", "the same, per pixel, in bits"),
    )
    monitor = "loss"

    @classmethod
    def latent_shape_of(cls, settings, spec):
        return tuple(spec.element_shape) if spec is not None else None

    @classmethod
    def check_data(cls, settings, spec) -> None:
        super().check_data(settings, spec)
        shape = tuple(spec.element_shape)
        step = 2**settings.scales
        if len(shape) != 3 or shape[0] % step or shape[1] % step:
            raise IncompatibleError(
                f"realnvp with {settings.scales} scales needs images (H, W, C) with H and W "
                f"divisible by {step}; the dataset's images are {shape} (lower 'scales')"
            )

    def build_network(self, seed: int = 0):
        import keras
        import numpy as np

        from .network import RealNVP

        s = self.settings
        shape = tuple(self.data_spec.element_shape)
        net = RealNVP(
            shape,
            scales=s.scales,
            couplings=s.couplings,
            final_couplings=s.final_couplings,
            filters=s.filters,
            blocks=s.blocks,
            alpha=s.alpha,
            weight_decay=s.weight_decay,
            seed=seed,
            name="realnvp",
        )
        net.compile(optimizer=keras.optimizers.Adam(s.learning_rate, clipnorm=100.0))
        net(np.zeros((1, *shape), "float32"))  # creates every variable
        return net

    def _traced(self, key, fn):
        """``fn`` as one ``tf.function`` per network, traced once per input shape."""
        import tensorflow as tf

        return self.traced(key, lambda: tf.function(fn, reduce_retracing=True))

    def encode(self, x, labels=None):
        import numpy as np

        fn = self._traced("encode", self.net.encode_images)
        z = fn(np.asarray(x, "float32")).numpy()
        return z.reshape((len(z), *self.latent_shape))

    def decode(self, z, labels=None):
        import numpy as np

        fn = self._traced("decode", lambda z: self.net.to_image(self.net.inverse(z)))
        z = np.asarray(z, "float32").reshape((len(z), -1))
        return fn(z).numpy()

    def endpoints(self, **options):
        """``encode(images)`` -> z and ``decode(z)`` -> images (the exact inverse), and
        ``sample(noise)``: ``decode(T * noise)`` with the temperature ``T`` fixed into it."""
        import tensorflow as tf

        from zoo_core import export as E

        t = float(self.sampling(**options).temperature)
        shape, size = self.latent_shape, math.prod(self.latent_shape)

        def decode(z):
            return self.net.to_image(self.net.inverse(tf.reshape(z, [-1, size])))

        def encode(x):
            return tf.reshape(self.net.encode_images(x), [-1, *shape])

        image = E.images(self.data_spec)
        return [
            E.Endpoint("decode", (E.point(shape),), image, decode, self.decode, "the inverse flow"),
            E.Endpoint(
                "encode",
                (image,),
                E.point(shape, meaning="the latent point (exact: the flow is invertible)"),
                encode,
                self.encode,
                "the flow",
            ),
            E.Endpoint(
                "sample",
                (E.noise(shape),),
                image,
                lambda eps: decode(t * eps),
                lambda eps: self.decode(t * eps),
                f"images from standard normal noise at temperature {t:g}",
            ),
        ]

    def prior(self, n: int, seed: int, labels=None, *, temperature: float | None = None):
        """``N(0, T^2 I)`` with ``T`` the ``temperature`` setting (or the one given)."""
        t = self.settings.temperature if temperature is None else temperature
        return super().prior(n, seed) * t

    def sample(self, n: int, *, seed: int, labels=None, **options):
        """``decode(prior)``; ``temperature=`` for this call only."""
        t = self.sampling(**options).temperature
        return self.decode(self.prior(n, seed, temperature=t))

    def log_likelihood(
        self, x, *, seed: int = 0, k: int = 1, labels=None, precision: str = "float32"
    ):
        """log P of each 8-bit image in nats: the exact flow density at one uniform
        dequantisation draw (from ``seed``), on the 8-bit scale. ``k`` is ignored (the
        density is exact; the dequantisation draw is the paper's single sample)."""
        import numpy as np

        x = np.asarray(x, "float32")
        u = np.random.default_rng(seed).random(x.shape, dtype="float32")
        fn = self._traced("log_prob", self.net.log_prob)
        return fn(x, u).numpy()
