"""The diffusion family's figures: ``denoising`` and ``steps_tradeoff``.

``denoising``: one row per sample, the state ``x_t`` from pure noise ``x_T`` to the image
``x_0`` at a few evenly spaced sampling steps (Ho et al. 2020, Fig. 6 shows the same idea
with predicted ``x_0``). ``steps_tradeoff``: the same seeds sampled with several DDIM step
counts side by side, each panel titled with its sampling time and its FID on a small sample
(the ``fid`` metric plugin, so the number is the one ``zoo eval`` reports at that size);
Song et al. (2020, Fig. 3 and Table 1) make this comparison. The model's own sampler
(``--set sampler=...`` chooses another) runs at each count of network evaluations.

Both pass sampler settings to the sampling call (``sample(n, seed=..., steps=k)``); the
model's own settings are never changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from zoo_core import CONDITIONAL, SAMPLE, IncompatibleError, SettingsError, Visualizer
from zoo_core.contract import classes_in_turn
from zoo_core.grid import image_grid


def _require_denoiser(model_cls):
    from .model import DenoisingModel

    if not issubclass(model_cls, DenoisingModel):
        raise IncompatibleError(
            "needs a model of the diffusion family (ddpm, ddpm_cond, flow_matching, "
            "flow_matching_cond)"
        )


def _labels(model, n):
    if CONDITIONAL not in model.capabilities:
        return None
    return classes_in_turn(n, model.data_spec.num_classes)


class _SamplingWith:
    """A model whose ``sample`` calls carry sampler options: what the ``fid`` metric is
    handed to measure one panel's samples, without changing the model's settings."""

    def __init__(self, model, **options):
        self._model, self._options = model, options

    def __getattr__(self, name):
        return getattr(self._model, name)

    def sample(self, n, **kw):
        return self._model.sample(n, **kw, **self._options)


def _gray(ax, image):
    ax.imshow(image, cmap="Greys_r", vmin=0.0, vmax=1.0, interpolation="nearest")


def _figure(width, height):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


@dataclass(frozen=True)
class DenoisingSettings:
    n: int = field(default=8, metadata={"help": "samples (rows)", "min": 1, "max": 64})
    columns: int = field(
        default=8,
        metadata={"help": "states shown per row, x_T first and x_0 last", "min": 2, "max": 64},
    )


class Denoising(Visualizer):
    """Rows of x_T ... x_0: how each sample emerges from noise."""

    Settings = DenoisingSettings
    requires = frozenset({SAMPLE})

    @classmethod
    def check_model(cls, model_cls, settings, data_spec=None):
        super().check_model(model_cls, settings, data_spec)
        _require_denoiser(model_cls)

    def draw(self, ctx):
        import numpy as np

        m, s = ctx.model, self.settings
        steps = m.step_labels()
        # the noise (index -1), then evenly spaced steps ending with the last (the image)
        keep = sorted({int(round(v)) for v in np.linspace(-1, len(steps) - 1, s.columns)})
        _, states = m.denoise(s.n, seed=ctx.seed, labels=_labels(m, s.n), keep=keep)
        rows = np.stack([states[i] for i in keep], axis=1)  # (n, columns, H, W, C)
        images = rows.reshape((-1, *rows.shape[2:]))
        fig = _figure(1.0 * len(keep) + 0.6, 1.0 * s.n + 0.8)
        ax = fig.add_subplot()
        _gray(ax, image_grid(images, cols=len(keep)))
        w = images.shape[2]
        names = ["noise" if i < 0 else ("image" if i == len(steps) - 1 else steps[i]) for i in keep]
        ax.set_xticks(np.arange(w // 2, len(keep) * w, w), names)
        ax.set_yticks([])
        ax.set_xlabel(f"{m.settings.sampler} sampler, {m.sampler().nfe} network evaluations")
        fig.suptitle(ctx.title)
        return fig


@dataclass(frozen=True)
class TradeoffSettings:
    steps: tuple[int, ...] = field(
        default=(5, 10, 20, 50),
        metadata={
            "help": "network evaluations (NFE) of the model's own sampler, one panel each",
            "min": 1,
            "max": 1000,
        },
    )
    n: int = field(
        default=36, metadata={"help": "images per panel (the same seeds)", "min": 1, "max": 256}
    )
    fid_samples: int = field(
        default=500,
        metadata={
            "help": "samples for each panel's FID (0: none; small samples bias FID upwards, "
            "so compare panels with each other, not with zoo eval's 10,000)",
            "min": 0,
        },
    )

    def __post_init__(self):
        if self.fid_samples == 1:
            raise SettingsError(
                "steps_tradeoff setting 'fid_samples' must be 0 (no FID) or >= 2 (FID "
                "compares two sets' covariances), got 1"
            )


class StepsTradeoff(Visualizer):
    """The same seeds at several numbers of network evaluations, with time and FID per
    panel."""

    Settings = TradeoffSettings
    requires = frozenset({SAMPLE})
    measures = True  # an FID per panel: hundreds of samples each

    @classmethod
    def check_model(cls, model_cls, settings, data_spec=None):
        super().check_model(model_cls, settings, data_spec)
        _require_denoiser(model_cls)

    def draw(self, ctx):
        m, s = ctx.model, self.settings
        # a count above the model's T means every step: it is drawn once, as T
        most = getattr(m.settings, "timesteps", None) or max(s.steps)
        counts = sorted({min(int(k), most) for k in s.steps})
        fig = _figure(3.2 * len(counts), 3.9)
        for i, k in enumerate(counts):
            options = {"steps": int(k)}
            t0 = time.perf_counter()
            images = m.sample(s.n, seed=ctx.seed, labels=_labels(m, s.n), **options)
            per_image = (time.perf_counter() - t0) / s.n
            title = f"{m.sampler(**options).nfe} NFE, {per_image * 1000:.0f} ms/img"
            if s.fid_samples:
                fid = self._fid(_SamplingWith(m, **options), ctx, s.fid_samples)
                title += f"\nFID {fid:.1f} (n={s.fid_samples})"
            ax = fig.add_subplot(1, len(counts), i + 1)
            _gray(ax, image_grid(images))
            ax.set_title(title)
            ax.set_axis_off()
        fig.suptitle(f"{ctx.title}: {m.settings.sampler} sampler")
        return fig

    @staticmethod
    def _fid(model, ctx, n: int) -> float:
        """The ``fid`` metric plugin on ``n`` samples (through the registry, as zoo eval)."""
        from zoo_core import RunContext, plugins
        from zoo_core.cli.output import err
        from zoo_core.settings import resolve

        cls = plugins.get_registry().resolve("metric", "fid").entry.cls
        metric = cls(resolve(cls.Settings, {"n": n}))
        run_ctx = RunContext(run=ctx.run, dataset=ctx.dataset, seed=ctx.seed, console=err)
        return float(metric.compute(model, run_ctx).values["fid"])
