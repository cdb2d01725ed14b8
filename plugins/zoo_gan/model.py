"""The ``dcgan`` and ``wgan_gp`` Model plugins on :class:`zoo_keras.KerasModel`.

The plugin gives the networks (:mod:`.network`) and what it declares; the base runs them
(seeding, strategy, exact resume of both optimizers, checkpoints). A GAN has no held-out
loss worth watching, so each epoch ends with an FID of ``fid_samples`` samples against the
test split in the dataset's own classifier features (:mod:`.monitor`): the metric the best
checkpoint and the NaN stop watch, and the curve that shows the run improving. The same
fixed latent points are decoded after every epoch into ``sample_progress.npz`` for the
``progress`` figure. This module imports no TensorFlow at import time.
"""

from __future__ import annotations

from zoo_core import DECODE, SAMPLE, IncompatibleError, MetricInfo
from zoo_keras import KerasModel, inference

from .settings import DCGANSettings, WGANGPSettings

#: capability: the run records the same latent points decoded after every epoch
#: (``sample_progress.npz``: ``epochs`` (k,), ``images`` (k, n, H, W, C) in [0, 1])
SAMPLE_PROGRESS = "sample_progress"

FID = MetricInfo(
    "fid",
    "feature units^2",
    "fid",
    "FID of samples vs the test split (the dataset's classifier features)",
)


class GAN(KerasModel):
    """Shared by both GANs: decode/sample through the generator, the FID monitor."""

    needs = "images"
    capabilities = frozenset({DECODE, SAMPLE, SAMPLE_PROGRESS})
    default_visualizers = ("curves", "samples", "progress", "interpolation")
    has_test_step = False  # no test step: the FID check-ups measure the run
    monitor = "fid"
    objective = "dcgan"  # the loss and train step (network.GAN)

    @classmethod
    def latent_shape_of(cls, settings, spec):
        return (int(settings.latent_dim),)

    @classmethod
    def check_data(cls, settings, spec) -> None:
        super().check_data(settings, spec)
        shape = tuple(spec.element_shape)
        if len(shape) != 3 or shape[0] % 4 or shape[1] % 4:
            raise IncompatibleError(
                f"the GANs need images of shape (H, W, C) with H and W "
                f"divisible by 4; the dataset's images are {shape}"
            )

    # -- the network ------------------------------------------------------------------
    def build_network(self, seed: int = 0):
        import keras

        from .network import GAN as Net
        from .network import build_discriminator, build_generator

        s = self.settings
        shape = tuple(self.data_spec.element_shape)
        wgan = self.objective == "wgan_gp"
        net = Net(
            build_generator(shape, s.latent_dim, s.filters),
            build_discriminator(
                shape, s.filters, batch_norm=not wgan, name="critic" if wgan else "discriminator"
            ),
            objective=self.objective,
            seed=seed,
            n_critic=getattr(s, "n_critic", 1),
            gp_weight=getattr(s, "gp_weight", 10.0),
            name=self.objective,
        )

        def adam():
            return keras.optimizers.Adam(s.learning_rate, beta_1=s.beta_1, beta_2=s.beta_2)

        net.compile(
            d_optimizer=adam(), g_optimizer=adam(), steps_per_execution=s.steps_per_execution
        )
        net.build((None, s.latent_dim))
        net.discriminator.build((None, *shape))
        return net

    def images_per_step(self) -> int:
        return int(self.settings.batch_size) * getattr(self.settings, "n_critic", 1)

    def epoch_callbacks(self, ctx) -> list:
        from .monitor import FIDMonitor, GANHealth, SampleProgress

        s = self.settings
        cbs = []
        if s.fid_every:
            cbs.append(
                FIDMonitor(self, ctx.dataset, n=s.fid_samples, seed=ctx.seed, every=s.fid_every)
            )
        if s.progress_points:
            cbs.append(SampleProgress(self, ctx.run, n=s.progress_points, seed=ctx.seed))
        cbs.append(GANHealth(self.objective, ctx.console))
        return cbs

    # -- capabilities -----------------------------------------------------------------
    def decode(self, z, labels=None):
        import numpy as np

        images = inference.outputs(self.net.generator, np.asarray(z, dtype="float32"))
        return np.clip((np.asarray(images) + 1.0) / 2.0, 0.0, 1.0)

    def endpoints(self, **options):
        """``decode(z)`` and ``sample(noise)``: the generator and its tanh output taken to
        [0, 1] (the same graph: a GAN samples by decoding prior noise)."""
        import tensorflow as tf

        from zoo_core import export as E

        self.sampling(**options)

        def generate(z):
            return tf.clip_by_value((self.net.generator(z) + 1.0) / 2.0, 0.0, 1.0)

        shape, out = self.latent_shape, E.images(self.data_spec)
        return [
            E.Endpoint("decode", (E.point(shape),), out, generate, self.decode, "the generator"),
            E.Endpoint(
                "sample",
                (E.noise(shape),),
                out,
                generate,
                self.decode,
                "images from standard normal noise (the generator's prior)",
            ),
        ]

    def progress_label(self, history) -> str:
        if not history:
            return "epoch 0"
        fid = history[-1].get("fid")
        return f"epoch {history[-1]['epoch']}" + (f", FID {fid:.1f}" if fid else "")


class DCGAN(GAN):
    """DCGAN (Radford et al. 2016): strided convolutions, batch norm, non-saturating loss.

    See :mod:`.network` for the architecture and where it departs from the paper."""

    Settings = DCGANSettings
    objective = "dcgan"  # the loss and train step (network.GAN)
    metrics = (
        FID,
        MetricInfo("d_loss", "nats", "d", "discriminator loss (real + fake BCE)"),
        MetricInfo("g_loss", "nats", "g", "generator loss, -log D(G(z))"),
        MetricInfo("d_real", "", "D(x)", "discriminator's mean probability on real"),
    )


class WGANGP(GAN):
    """WGAN-GP (Gulrajani et al. 2017): a critic held 1-Lipschitz by a gradient penalty.

    See :mod:`.network` for the architecture, n_critic and the optimizer settings."""

    Settings = WGANGPSettings
    objective = "wgan_gp"  # the loss and train step (network.GAN)
    metrics = (
        FID,
        MetricInfo("critic_loss", "", "critic", "critic loss, -W + lambda * GP"),
        MetricInfo("g_loss", "", "g", "generator loss, -E D(G(z))"),
        MetricInfo("wasserstein", "", "W", "E D(x) - E D(G(z)), the critic's Wasserstein estimate"),
        MetricInfo("gp", "", "gp", "gradient penalty (before lambda)"),
    )
