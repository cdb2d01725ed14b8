"""``manifold``: the seed's ``plot_latent``, an n x n grid of images decoded from a plane."""

from __future__ import annotations

from dataclasses import dataclass, field

from zoo_core import IncompatibleError

from ._figure import LatentVisualizer, gray, image_grid, label_kwargs, new_figure


@dataclass(frozen=True)
class ManifoldSettings:
    n: int = field(default=30, metadata={"help": "grid cells per side", "min": 2, "max": 100})
    scale: float = field(default=2.0, metadata={"help": "latent range [-scale, scale]", "min": 0.0})
    dims: tuple[int, ...] = field(
        default=(),
        metadata={"help": "the two latent dimensions to vary (default: the two most active)"},
    )
    fixed: tuple[float, ...] = field(
        default=(),
        metadata={
            "help": "values of the other dimensions, in order (default: their mean over test)"
        },
    )
    limit: int = field(
        default=2000,
        metadata={"help": "test images used to find active dimensions and means", "min": 1},
    )
    label: int = field(
        default=0, metadata={"help": "class index to decode with (conditional models)", "min": 0}
    )


class Manifold(LatentVisualizer):
    """Grid of images decoded from evenly spaced latent points (the seed's plot_latent)."""

    Settings = ManifoldSettings
    min_latent = 2

    def plane(self, model, dataset):
        """The varied dims, and the base point the others are held at."""
        import numpy as np

        s, d = self.settings, model.latent_dim
        if d == 2:
            return (0, 1), np.zeros(2, dtype="float32")
        if s.dims:
            if len(s.dims) != 2 or len(set(s.dims)) != 2 or not all(0 <= i < d for i in s.dims):
                raise IncompatibleError(
                    f"manifold dims must be two different indices in "
                    f"0..{d - 1}, got {','.join(map(str, s.dims))}"
                )
            dims = tuple(s.dims)
        base = np.zeros(d, dtype="float32")
        if not s.dims or not s.fixed:
            if dataset is None:
                z = np.zeros((1, d), dtype="float32")
            else:
                x, y = dataset.arrays("test")
                z = model.encode(x[: s.limit], **label_kwargs(model, y[: s.limit]))
            if not s.dims:
                dims = tuple(int(i) for i in np.sort(np.argsort(z.var(axis=0))[-2:]))
            base = z.mean(axis=0).astype("float32")
        others = [i for i in range(d) if i not in dims]
        if s.fixed:
            if len(s.fixed) != len(others):
                raise IncompatibleError(
                    f"manifold fixed needs {len(others)} values (for dims "
                    f"{others}), got {len(s.fixed)}"
                )
            base[others] = s.fixed
        return dims, base

    def grid(self, model, dataset):
        """``(images, grid_x, grid_y, dims, base)``: the n*n cells, row-major, top row at
        the largest z[dims[1]], decoded in one batched call (the seed made n*n calls)."""
        import numpy as np

        s = self.settings
        dims, base = self.plane(model, dataset)
        grid_x = np.linspace(-s.scale, s.scale, s.n)
        grid_y = np.linspace(-s.scale, s.scale, s.n)[::-1]
        xx, yy = np.meshgrid(grid_x, grid_y)  # row i: y = grid_y[i]; column j: x = grid_x[j]
        z = np.repeat(base[None], s.n * s.n, axis=0)
        z[:, dims[0]] = xx.ravel()
        z[:, dims[1]] = yy.ravel()
        images = model.decode(z, **label_kwargs(model, np.full(len(z), s.label)))
        return images, grid_x, grid_y, dims, base

    def draw(self, ctx):
        import numpy as np

        s = self.settings
        images, grid_x, grid_y, dims, base = self.grid(ctx.model, ctx.dataset)
        h = images.shape[1]
        fig = new_figure(10, 10)
        ax = fig.add_subplot()
        gray(ax, image_grid(images, cols=s.n))
        ticks = np.arange(h // 2, s.n * h, h)
        step = max(1, s.n // 10)
        ax.set_xticks(ticks[::step], np.round(grid_x, 1)[::step])
        ax.set_yticks(ticks[::step], np.round(grid_y, 1)[::step])
        ax.set_xlabel(f"z[{dims[0]}]")
        ax.set_ylabel(f"z[{dims[1]}]")
        if ctx.model.latent_dim > 2:
            others = {i: round(float(base[i]), 2) for i in range(len(base)) if i not in dims}
            ax.set_title("others fixed at " + ", ".join(f"z[{i}]={v}" for i, v in others.items()))
        return fig
