"""``interpolation``: decode along paths between two latent points.

With an encoder, the endpoints are the encodings of pairs of test images, drawn with the two
originals at the ends of each row; a model that only decodes (a GAN) interpolates between
draws from its prior. Paths are spherical (slerp) by default: for a Gaussian latent most of
the prior's mass lies near a sphere, and the straight line between two points passes
through the low-norm middle a sample never comes from (White 2016, "Sampling Generative
Networks"). Conditional models interpolate between images of the same class, decoded with
that class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from zoo_core import DECODE, ENCODE, IncompatibleError, Visualizer
from zoo_core.contract import classes_in_turn

from ._figure import gray, image_grid, label_kwargs, new_figure

if TYPE_CHECKING:  # numpy loads when first used, so `zoo list` stays quick
    import numpy as np


@dataclass(frozen=True)
class InterpolationSettings:
    pairs: int = field(
        default=6, metadata={"help": "rows (pairs of endpoints)", "min": 1, "max": 64}
    )
    steps: int = field(
        default=10,
        metadata={"help": "decoded points per row, endpoints included", "min": 2, "max": 64},
    )
    path: Literal["slerp", "linear"] = field(
        default="slerp", metadata={"help": "slerp (great circle, for Gaussian latents) or linear"}
    )
    split: str = field(default="test", metadata={"help": "where the image pairs come from"})


def slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points on the great circle from ``a`` to ``b`` (norms interpolated linearly), one
    per ``t`` in [0, 1]; the straight line when the two are (anti)parallel."""
    import numpy as np

    a, b = np.asarray(a, "float64").ravel(), np.asarray(b, "float64").ravel()
    t = np.asarray(t, "float64")[:, None]
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return (1 - t) * a + t * b
    cos = np.clip(a @ b / (na * nb), -1.0, 1.0)
    omega = np.arccos(cos)
    if np.sin(omega) < 1e-6:
        return (1 - t) * a + t * b
    ua, ub = a / na, b / nb
    direction = (np.sin((1 - t) * omega) * ua + np.sin(t * omega) * ub) / np.sin(omega)
    return direction * ((1 - t) * na + t * nb)


def _pairs(y: np.ndarray, pairs: int, same_class: bool) -> list[tuple[int, int]]:
    """Index pairs from the first images of the split: different classes (or the same
    class, for conditional models), each image used once."""
    out, used = [], set()
    for i in range(len(y)):
        if i in used:
            continue
        for j in range(i + 1, len(y)):
            if j not in used and (y[i] == y[j]) == same_class:
                out.append((i, j))
                used.update((i, j))
                break
        if len(out) == pairs:
            break
    return out


class Interpolation(Visualizer):
    """Rows of images decoded along latent paths; originals at the ends when it can encode."""

    Settings = InterpolationSettings
    requires = frozenset({DECODE})

    @classmethod
    def check_model(cls, model_cls, settings, data_spec=None):
        super().check_model(model_cls, settings, data_spec)
        if model_cls.latent_shape_of(settings, data_spec) is None:
            raise IncompatibleError("needs a model with a latent space")

    def endpoints(self, model, dataset, seed):
        """``(z_a, z_b, originals_a, originals_b, labels)``; originals None without
        an encoder."""
        import numpy as np

        s = self.settings
        conditional = bool(label_kwargs(model, [0]))
        if ENCODE in model.capabilities and dataset is not None:
            x, y = dataset.arrays(s.split)
            idx = _pairs(y[:2000], s.pairs, same_class=conditional)
            if not idx:
                raise IncompatibleError(f"found no image pairs in the {s.split} split")
            a, b = (np.array(k) for k in zip(*idx))
            kw_a, kw_b = label_kwargs(model, y[a]), label_kwargs(model, y[b])
            return (
                model.encode(x[a], **kw_a),
                model.encode(x[b], **kw_b),
                x[a],
                x[b],
                y[a] if conditional else None,
            )
        labels = classes_in_turn(s.pairs, model.data_spec.num_classes) if conditional else None
        kw = {} if labels is None else {"labels": np.concatenate([labels, labels])}
        z = model.prior(2 * s.pairs, seed, **kw)
        return z[: s.pairs], z[s.pairs :], None, None, labels

    def path(self, a, b) -> np.ndarray:
        import numpy as np

        t = np.linspace(0.0, 1.0, self.settings.steps)
        if self.settings.path == "linear":
            return (1 - t[:, None]) * a.ravel()[None] + t[:, None] * b.ravel()[None]
        return slerp(a, b, t)

    def draw(self, ctx):
        import numpy as np

        s, m = self.settings, ctx.model
        za, zb, xa, xb, labels = self.endpoints(m, ctx.dataset, ctx.seed)
        shape = za.shape[1:]
        z = np.concatenate([self.path(a, b) for a, b in zip(za, zb)]).reshape(-1, *shape)
        kw = {} if labels is None else label_kwargs(m, np.repeat(labels, s.steps))
        decoded = m.decode(z.astype("float32"), **kw).reshape(
            len(za), s.steps, *m.data_spec.element_shape
        )
        if xa is not None:
            rows = np.concatenate([xa[:, None], decoded, xb[:, None]], axis=1)
        else:
            rows = decoded
        cols = rows.shape[1]
        fig = new_figure(0.8 * cols + 1.0, 0.8 * len(rows) + 0.6)
        ax = fig.add_subplot()
        gray(ax, image_grid(rows.reshape(-1, *rows.shape[2:]), cols=cols))
        h = rows.shape[2]
        ax.set_yticks([])
        if xa is not None:
            ax.set_xticks([h / 2, (cols - 0.5) * h], ["original", "original"])
            names = m.data_spec.class_names
            ax.set_xlabel(
                f"{s.path} path between the encodings of two {s.split} images"
                + ("" if labels is None or not names else " of the same class")
            )
        else:
            ax.set_xticks([])
            ax.set_xlabel(f"{s.path} path between two draws from the prior")
        return fig
