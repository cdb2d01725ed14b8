"""An example third-party zoo plugin: a toy dataset of shapes and a pixel-histogram
visualizer, registered through the ``zoo`` entry-point group like the built-ins."""

from dataclasses import dataclass, field

from zoo_core import CONDITIONAL, DECODE, Dataset, DataSpec, Visualizer, hookimpl


@dataclass(frozen=True)
class ShapesSettings:
    size: int = field(default=512, metadata={"help": "images per split", "min": 1})


class Shapes(Dataset):
    """Toy 28x28 images of squares and bars (two classes), made on the fly."""

    Settings = ShapesSettings

    @classmethod
    def spec(cls, settings):
        return DataSpec("images", (28, 28, 1), "float32", ("square", "bar"), ("train", "test"))

    def arrays(self, split):
        import numpy as np

        rng = np.random.default_rng(0 if split == "train" else 1)
        n = self.settings.size
        x = np.zeros((n, 28, 28, 1), np.float32)
        y = rng.integers(0, 2, n).astype(np.int32)
        for i, (c, r, k) in enumerate(zip(y, rng.integers(4, 16, n), rng.integers(6, 12, n))):
            if c == 0:
                x[i, r : r + k, r : r + k] = 1.0
            else:
                x[i, :, r : r + 3] = 1.0
        return x, y


class PixelHistogram(Visualizer):
    """Histogram of decoded pixel values for latent points drawn from the model's prior."""

    requires = frozenset({DECODE})

    def draw(self, ctx):
        import numpy as np
        from matplotlib.figure import Figure

        m = ctx.model
        # a conditional model is asked for every class in turn
        kw = (
            {"labels": np.arange(256) % len(m.data_spec.class_names)}
            if CONDITIONAL in m.capabilities
            else {}
        )
        pixels = m.decode(m.prior(256, ctx.seed), **kw).ravel()
        fig = Figure(figsize=(6, 4))
        ax = fig.add_subplot()
        ax.hist(pixels, bins=50)
        ax.set_xlabel("decoded pixel value")
        return fig


@hookimpl
def register_datasets(register):
    register("toy_shapes", Shapes)


@hookimpl
def register_visualizers(register):
    register("pixel_histogram", PixelHistogram)


@hookimpl
def register_commands(cli):
    import click

    @cli.command(name="example-hello")
    def hello():
        """A command added by the zoo-example plugin."""
        click.echo("hello from zoo-example")
