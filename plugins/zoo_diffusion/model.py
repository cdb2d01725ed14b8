"""The ``ddpm`` and ``ddpm_cond`` Model plugins: denoising diffusion on
:class:`zoo_keras.KerasModel`.

Ho, Jain & Abbeel (2020), "Denoising Diffusion Probabilistic Models", trained with their
simple noise-prediction loss; sampled with DDIM (Song, Meng & Ermon 2020, "Denoising
Diffusion Implicit Models"; ``eta = 0``: deterministic, any number of steps), with the
ancestral sampler (on a sub-sequence, or over all ``T`` steps), or with DPM-Solver++ (2M)
(Lu et al. 2022); ``ddpm_cond`` adds classifier-free guidance (Ho &
Salimans 2022). The network, and where it departs from the papers, is in :mod:`.network`;
the schedules in :mod:`.schedule`.

Sampling settings (``sampler``, ``steps``, ``eta``, ``guidance``) are model settings, so
they are changed at sampling time: ``zoo sample RUN --set sampler=dpmpp_2m --set steps=20``.
The samplers are their own modules (:mod:`.samplers`), shared with ``flow_matching``.
No encoder and no latent grid: figures that need one are refused before training. The
variational bound (a likelihood) is not provided.

This module imports no TensorFlow at import time, so ``zoo list`` stays instant.
"""

from __future__ import annotations

from zoo_core import CONDITIONAL, SAMPLE, IncompatibleError, MetricInfo
from zoo_keras import KerasModel

from .settings import DDPMSettings


class DenoisingModel(KerasModel):
    """What the family's models share: a U-Net trained by :mod:`.network`, sampled by one
    of :mod:`.samplers` from pure noise. Subclasses name the network and the samplers."""

    capabilities = frozenset({SAMPLE})
    #: The EMA update assigns replica-local variables; one device only (a GPU is one).
    strategies = ("default",)
    default_visualizers = ("curves", "samples", "denoising")
    monitor = "loss"
    #: Images per batch in one network call (bounded memory for n = 10,000 metrics).
    sample_batch = 500
    family = "ddpm"

    @classmethod
    def check_data(cls, settings, spec) -> None:
        super().check_data(settings, spec)
        shape = tuple(spec.element_shape)
        step = 2 ** (len(settings.channels) - 1)
        if len(shape) != 3 or shape[0] % step or shape[1] % step:
            raise IncompatibleError(
                f"{cls.family} with {len(settings.channels)} resolutions needs images (H, W, C) "
                f"with H and W divisible by {step}; the dataset's images are {shape} (give "
                "fewer 'channels')"
            )

    def num_classes(self) -> int:
        return 0

    def network_options(self) -> dict:
        s = self.settings
        return dict(
            channels=s.channels,
            blocks=s.blocks,
            attention=s.attention,
            dropout=s.dropout,
            num_classes=self.num_classes(),
            ema=s.ema,
            label_dropout=s.label_dropout,
        )

    def make_network(self, shape, seed: int):
        raise NotImplementedError

    def build_network(self, seed: int = 0):
        import keras

        net = self.make_network(tuple(self.data_spec.element_shape), seed)
        net.compile(optimizer=keras.optimizers.Adam(self.settings.learning_rate))
        net.build_all()
        return net

    # -- sampling -------------------------------------------------------------------------
    def sampler(self, **options):
        """The :mod:`.samplers` object the sampler settings (with ``options``) ask for."""
        raise NotImplementedError

    def step_labels(self, **options) -> list[str]:
        """One label per sampling step (the time its state is at), for figures."""
        return self.sampler(**options).labels()

    def denoise(self, n: int, *, seed: int, labels=None, keep=(), **options):
        """``n`` samples, and the states after each sampling step listed in ``keep``
        (indices into :meth:`step_labels`; ``-1`` for the starting noise), all in [0, 1].
        ``options``: sampling settings for this call (``sampler``, ``steps``, ...).

        The starting noise and each step's noise come from a NumPy generator seeded with
        ``seed``, so the same seed gives the same images whatever the batch size. The
        network call is one ``tf.function``, traced once per batch shape and called per
        network evaluation; the sampler's update runs on the arrays between calls."""
        import numpy as np

        sampler = self.sampler(**options)
        predict = self.predictor(labels, **options)
        rng = np.random.default_rng(seed)
        x = noise = rng.standard_normal((n, *self.data_spec.element_shape), dtype="float32")
        kept = {-1: noise} if -1 in keep else {}
        with _progress(sampler.nfe, n) as advance:
            for i, state in enumerate(sampler.run(noise, _counting(predict, advance), rng)):
                x = state
                if i in keep:
                    kept[i] = state
        to_image = lambda v: np.clip((v + 1.0) / 2.0, 0.0, 1.0)  # noqa: E731
        return to_image(x), {i: to_image(v) for i, v in kept.items()}

    def sample(self, n: int, *, seed: int, labels=None, **options):
        return self.denoise(n, seed=seed, labels=labels, **options)[0]

    def predictor(self, labels=None, **options):
        """``predict(x, t)`` on NumPy arrays: the averaged network, guided as the settings
        say when ``labels`` are given, in batches of :attr:`sample_batch`. The network
        call is one ``tf.function`` (traced once per batch shape, called per evaluation)."""
        import numpy as np
        import tensorflow as tf

        s = self.sampling(**options)
        guidance = float(s.guidance) if labels is not None else 0.0
        call = self.traced("predict", lambda: tf.function(self.net.guided, reduce_retracing=True))
        y = None if labels is None else tf.constant(np.asarray(labels, "int32"))
        time_dtype = self.net.time_dtype

        def predict(x, t):
            outs = []
            for a in range(0, len(x), self.sample_batch):
                b = slice(a, a + self.sample_batch)
                tb = t if np.ndim(t) == 0 else np.asarray(t)[b]
                out = call(
                    tf.constant(x[b]),
                    tf.constant(tb, time_dtype),
                    None if y is None else y[b],
                    guidance,
                )
                outs.append(out.numpy())
            return np.concatenate(outs)

        return predict

    # -- leaving the zoo --------------------------------------------------------------------
    def time_port(self):
        """The network's time input, as an export describes it."""
        raise NotImplementedError

    def endpoints(self, **options):
        """``predict(x, t[, labels])``: the averaged network at time ``t`` (guided as the
        settings say, for labels), and ``sample(noise[, labels][, step_noise])``: the
        model's sampler as one graph loop over its steps (:meth:`.samplers.Sampler.loop`),
        so 50 or 1,000 steps export as quickly as 10. A stochastic sampler (``ancestral``)
        takes its per-step noise as the input ``step_noise``, so the graph holds no random
        op and the zoo's own run on the same draws is its reference."""
        import numpy as np
        import tensorflow as tf

        from zoo_core import export as E

        from .samplers import GivenNoise

        s = self.sampling(**options)
        sampler = self.sampler(**options)
        spec, shape = self.data_spec, tuple(self.data_spec.element_shape)
        cond = CONDITIONAL in self.capabilities
        guidance = float(s.guidance) if cond else 0.0
        ys = (E.labels(spec),) if cond else ()
        draws = (
            (
                E.Port(
                    "step_noise",
                    (sampler.nfe, *shape),
                    "float32",
                    "standard normal noise, one draw per sampling step ([:, i])",
                ),
            )
            if sampler.stochastic
            else ()
        )

        def split(args):  # (noise, labels or None, step noise or None)
            return args[0], (args[1] if cond else None), (args[-1] if draws else None)

        def predict_graph(x, t, *y):
            return self.net.guided(x, t, y[0] if y else None, guidance)

        def predict_reference(x, t, *y):
            return self.predictor(y[0] if y else None, **options)(x, t)

        def sample_graph(*args):
            x, y, steps = split(args)
            x = sampler.loop(x, lambda v, t: self.net.guided(v, t, y, guidance), steps)
            return tf.clip_by_value((x + 1.0) / 2.0, 0.0, 1.0)

        def sample_reference(*args):
            x, y, steps = split(args)
            predict = self.predictor(y, **options)
            x = _last(sampler.run(x, predict, None if steps is None else GivenNoise(steps)))
            return np.clip((x + 1.0) / 2.0, 0.0, 1.0)

        state = E.Port("x", shape, "float32", "the state at time t, data scaled to [-1, 1]")
        fixed = f"{s.sampler}, {sampler.nfe} network evaluations"
        if cond:
            fixed += f", guidance {guidance:g}"
        return [
            E.Endpoint(
                "predict",
                (state, self.time_port(), *ys),
                E.Port("prediction", shape, "float32", self.prediction_meaning),
                predict_graph,
                predict_reference,
                "the averaged (EMA) network"
                + (f", classifier-free guided with w = {guidance:g}" if cond else ""),
            ),
            E.Endpoint(
                "sample",
                (E.noise(shape), *ys, *draws),
                E.images(spec),
                sample_graph,
                sample_reference,
                f"the sampler, one graph loop: {fixed}",
                tolerance=1e-3,
            ),
        ]


class DDPMModel(DenoisingModel):
    """DDPM (Ho et al. 2020) sampled with DDIM, ancestral or DPM-Solver++ (2M)."""

    Settings = DDPMSettings
    metrics = (
        MetricInfo(
            "loss", "mse", "loss", "mean squared error of the predicted noise (the simple loss)"
        ),
    )
    prediction_meaning = "the predicted noise eps"

    def time_port(self):
        from zoo_core.export import Port

        T = int(self.settings.timesteps)
        return Port("t", (), "int32", f"timestep in 0..{T - 1} (T - 1 is pure noise)", (0, T))

    def make_network(self, shape, seed: int):
        from .network import DDPM
        from .schedule import alpha_bars

        s = self.settings
        ab = alpha_bars(s.schedule, s.timesteps)
        return DDPM(shape, ab, seed=seed, name="ddpm", **self.network_options())

    def sampler(self, **options):
        from .samplers import VP_SAMPLERS
        from .schedule import alpha_bars

        s = self.sampling(**options)
        cls = VP_SAMPLERS[s.sampler]
        return cls(alpha_bars(s.schedule, s.timesteps), s.steps, eta=s.eta)


class ConditionalDDPMModel(DDPMModel):
    """DDPM with classifier-free guidance (Ho & Salimans 2022): class labels, --label."""

    capabilities = frozenset({SAMPLE, CONDITIONAL})

    def num_classes(self) -> int:
        return self.data_spec.num_classes


def _last(states):
    """The last state a sampler yields: the sample."""
    import collections

    return collections.deque(states, maxlen=1)[0]


def _counting(predict, advance):
    """``predict`` that advances the progress bar once per network evaluation."""

    def counted(x, t):
        out = predict(x, t)
        advance()
        return out

    return counted


class _progress:
    """A transient progress bar over the sampling steps on stderr (nested under a
    command's own bar when there is one); silent for short jobs."""

    def __init__(self, evaluations: int, n: int):
        self.steps, self.n = evaluations, n
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
