"""The ``ddpm`` and ``ddpm_cond`` Model plugins: denoising diffusion on
:class:`zoo_keras.KerasModel`.

Ho, Jain & Abbeel (2020), "Denoising Diffusion Probabilistic Models", trained with their
simple noise-prediction loss; sampled with DDIM (Song, Meng & Ermon 2020, "Denoising
Diffusion Implicit Models"; ``eta = 0``: deterministic, any number of steps) or with the
ancestral sampler over all ``T`` steps; ``ddpm_cond`` adds classifier-free guidance (Ho &
Salimans 2022). The network, and where it departs from the papers, is in :mod:`.network`;
the schedules in :mod:`.schedule`.

Sampling settings (``sampler``, ``steps``, ``eta``, ``guidance``) are model settings, so
they are changed at sampling time: ``zoo sample RUN --set sampler=ddim --set steps=25``.
No encoder and no latent grid: figures that need one are refused before training. The
variational bound (a likelihood) is not provided.

This module imports no TensorFlow at import time, so ``zoo list`` stays instant.
"""

from __future__ import annotations

from zoo_core import CONDITIONAL, SAMPLE, IncompatibleError, MetricInfo
from zoo_keras import KerasModel

from .settings import DDPMSettings


class DDPMModel(KerasModel):
    """DDPM (Ho et al. 2020) with DDIM and ancestral sampling."""

    Settings = DDPMSettings
    capabilities = frozenset({SAMPLE})
    #: The EMA update assigns replica-local variables; one device only (a GPU is one).
    strategies = ("default",)
    default_visualizers = ("curves", "samples", "denoising")
    metrics = (
        MetricInfo(
            "loss", "mse", "loss", "mean squared error of the predicted noise (the simple loss)"
        ),
    )
    monitor = "loss"
    sampling_settings = ("sampler", "steps", "eta", "guidance")
    #: Images per batch in one sampling call (bounded memory for n = 10,000 metrics).
    sample_batch = 500

    @classmethod
    def check_data(cls, settings, spec) -> None:
        super().check_data(settings, spec)
        shape = tuple(spec.element_shape)
        step = 2 ** (len(settings.channels) - 1)
        if len(shape) != 3 or shape[0] % step or shape[1] % step:
            raise IncompatibleError(
                f"ddpm with {len(settings.channels)} resolutions needs images (H, W, C) with "
                f"H and W divisible by {step}; the dataset's images are {shape} (give fewer "
                "'channels')"
            )

    def num_classes(self) -> int:
        return 0

    def build_network(self, seed: int = 0):
        import keras

        from .network import DDPM
        from .schedule import alpha_bars

        s = self.settings
        net = DDPM(
            tuple(self.data_spec.element_shape),
            alpha_bars(s.schedule, s.timesteps),
            channels=s.channels,
            blocks=s.blocks,
            attention=s.attention,
            dropout=s.dropout,
            num_classes=self.num_classes(),
            ema=s.ema,
            label_dropout=s.label_dropout,
            seed=seed,
            name="ddpm",
        )
        net.compile(optimizer=keras.optimizers.Adam(s.learning_rate))
        net.build_all()
        return net

    # -- sampling -------------------------------------------------------------------------
    def timesteps(self, **options) -> list[tuple[int, int]]:
        """The ``(t, t_prev)`` pairs the sampler settings (with ``options``) ask for."""
        from .schedule import sampling_timesteps

        s = self.sampling(**options)
        return sampling_timesteps(s.sampler, s.timesteps, s.steps)

    def denoise(self, n: int, *, seed: int, labels=None, keep=(), **options):
        """``n`` samples, and the states ``x_t`` after each sampling step listed in
        ``keep`` (indices into :meth:`timesteps`; ``-1`` for x_T itself), all in [0, 1].
        ``options``: sampling settings for this call (``sampler``, ``steps``, ``eta``,
        ``guidance``).

        ``x_T`` and each step's noise come from a NumPy generator seeded with ``seed``, so
        the same seed gives the same images whatever the batch size. The step is one
        ``tf.function``, traced once per batch shape and called per step."""
        import numpy as np
        import tensorflow as tf

        s = self.sampling(**options)
        pairs = self.timesteps(**options)
        eta = 1.0 if s.sampler == "ddpm" else float(s.eta)
        guidance = float(s.guidance) if labels is not None else 0.0
        step = self.traced(
            "sample_step", lambda: tf.function(self.net.sample_step, reduce_retracing=True)
        )
        rng = np.random.default_rng(seed)
        shape = (n, *self.data_spec.element_shape)
        x = rng.standard_normal(shape, dtype="float32")
        y = None if labels is None else tf.constant(np.asarray(labels, "int32"))
        kept = {-1: x} if -1 in keep else {}
        with _progress(len(pairs), n) as advance:
            for i, (t, t_prev) in enumerate(pairs):
                noise = (
                    rng.standard_normal(shape, dtype="float32")
                    if eta
                    else np.zeros(shape, "float32")
                )
                outs = []
                for a in range(0, n, self.sample_batch):
                    b = slice(a, a + self.sample_batch)
                    x_prev, _ = step(
                        tf.constant(x[b]),
                        tf.constant(t, tf.int32),
                        tf.constant(t_prev, tf.int32),
                        tf.constant(noise[b]),
                        None if y is None else y[b],
                        guidance,
                        eta,
                    )
                    outs.append(x_prev.numpy())
                x = np.concatenate(outs)
                if i in keep:
                    kept[i] = x
                advance()
        to_image = lambda v: np.clip((v + 1.0) / 2.0, 0.0, 1.0)  # noqa: E731
        return to_image(x), {i: to_image(v) for i, v in kept.items()}

    def sample(self, n: int, *, seed: int, labels=None, **options):
        return self.denoise(n, seed=seed, labels=labels, **options)[0]


class ConditionalDDPMModel(DDPMModel):
    """DDPM with classifier-free guidance (Ho & Salimans 2022): class labels, --label."""

    capabilities = frozenset({SAMPLE, CONDITIONAL})
    default_visualizers = ("curves", "samples", "denoising")

    def num_classes(self) -> int:
        return self.data_spec.num_classes


class _progress:
    """A transient progress bar over the sampling steps on stderr (nested under a
    command's own bar when there is one); silent for short jobs."""

    def __init__(self, steps: int, n: int):
        self.steps, self.n = steps, n
        self.bar = None

    def __enter__(self):
        if self.steps * self.n >= 2_000:
            from rich.progress import Progress

            from zoo_core.cli.output import err

            self.bar = Progress(console=err, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(f"denoising {self.n:,} images", total=self.steps)
        return self.advance

    def advance(self):
        if self.bar is not None:
            self.bar.advance(self.task)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False
