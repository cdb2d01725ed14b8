"""``class_grid``: a conditional model's samples, one row per class, one column per noise.

Every column decodes the same latent point under each class, so a column shows one "style"
(thickness, tilt, brightness) carried through every class, and a row shows what the model
makes of one class. The layout of Sohn et al. (2015, fig. 3) and Kingma et al. (2014,
"Semi-supervised learning with deep generative models", fig. 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zoo_core import CONDITIONAL, DECODE, IncompatibleError, Visualizer

from ._figure import gray, image_grid, new_figure


@dataclass(frozen=True)
class ClassGridSettings:
    n: int = field(
        default=10, metadata={"help": "samples per class (columns)", "min": 1, "max": 64}
    )


class ClassGrid(Visualizer):
    """Rows = classes (named), columns = samples sharing their latent noise."""

    Settings = ClassGridSettings
    requires = frozenset({DECODE, CONDITIONAL})

    @classmethod
    def check_model(cls, model_cls, settings, data_spec=None):
        super().check_model(model_cls, settings, data_spec)
        if model_cls.latent_shape_of(settings, data_spec) is None:
            raise IncompatibleError("needs a model with a latent space")

    def draw(self, ctx):
        import numpy as np

        m, cols = ctx.model, self.settings.n
        names = m.data_spec.class_names
        labels = np.repeat(np.arange(len(names), dtype="int32"), cols)
        # the same seed in every row: the same noise per column (a class-conditional prior
        # maps it into each class's region)
        z_all = np.concatenate(
            [m.prior(cols, ctx.seed, labels=np.full(cols, c, "int32")) for c in range(len(names))]
        )
        images = m.decode(z_all, labels=labels)
        h = images.shape[1]
        fig = new_figure(0.8 * cols + 1.6, 0.8 * len(names) + 0.6)
        ax = fig.add_subplot()
        gray(ax, image_grid(images, cols=cols))
        ax.set_yticks(np.arange(h // 2, len(names) * h, h), names)
        ax.set_xticks([])
        ax.set_xlabel("samples: the same latent noise down each column")
        return fig
