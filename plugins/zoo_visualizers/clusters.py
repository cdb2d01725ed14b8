"""``clusters``: the seed's ``plot_label_clusters``, z_mean coloured by class."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ._figure import LatentVisualizer, label_kwargs, new_figure

if TYPE_CHECKING:  # numpy loads when first used, so `zoo list` stays quick
    import numpy as np


@dataclass(frozen=True)
class ClustersSettings:
    split: str = field(default="test", metadata={"help": "which split to encode"})
    limit: int = field(default=10_000, metadata={"help": "at most this many images", "min": 1})
    projection: Literal["pca", "pairs"] = field(
        default="pca",
        metadata={"help": "for latent size > 2: PCA to 2-D, or pairwise panels of raw dimensions"},
    )


def pca_2d(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project onto the top two principal components; also return explained variance."""
    import numpy as np

    zc = z - z.mean(axis=0)
    _, s, vt = np.linalg.svd(zc, full_matrices=False)
    return zc @ vt[:2].T, (s[:2] ** 2) / max((s**2).sum(), 1e-12)


class Clusters(LatentVisualizer):
    """Scatter of z_mean over a split, coloured by class with a legend of class names."""

    Settings = ClustersSettings
    needs_dataset = True

    def draw(self, ctx):
        import numpy as np

        s = self.settings
        x, y = ctx.dataset.arrays(s.split)
        x, y = x[: s.limit], y[: s.limit]
        z = ctx.model.encode(x, **label_kwargs(ctx.model, y))
        names = ctx.dataset.spec(ctx.dataset.settings).class_names
        d = z.shape[1]
        if d <= 2 or s.projection == "pca":
            if d == 1:
                pts, labels = np.c_[z[:, 0], np.zeros(len(z))], ("z[0]", "")
            elif d == 2:
                pts, labels = z, ("z[0]", "z[1]")
            else:
                pts, var = pca_2d(z)
                labels = (f"PC1 ({var[0]:.0%} of variance)", f"PC2 ({var[1]:.0%})")
            fig = new_figure(10, 8)
            axes = [(fig.add_subplot(), pts, labels)]
        else:
            pairs = [(i, j) for i in range(d) for j in range(i + 1, d)]
            cols = min(3, len(pairs))
            rows = -(-len(pairs) // cols)
            fig = new_figure(5 * cols, 4.5 * rows)
            axes = [
                (fig.add_subplot(rows, cols, k + 1), z[:, [i, j]], (f"z[{i}]", f"z[{j}]"))
                for k, (i, j) in enumerate(pairs)
            ]
        from matplotlib import colormaps

        cmap = colormaps["tab10"]
        for ax, pts, (lx, ly) in axes:
            for c in np.unique(y):
                m = y == c
                ax.scatter(
                    pts[m, 0],
                    pts[m, 1],
                    s=3,
                    alpha=0.6,
                    color=cmap(int(c) % 10),
                    label=names[c] if c < len(names) else str(c),
                )
            ax.set_xlabel(lx)
            ax.set_ylabel(ly)
        axes[0][0].legend(markerscale=4, fontsize=8, loc="best")
        return fig
