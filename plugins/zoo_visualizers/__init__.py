"""Built-in visualizers: the seed notebook's pictures and the ones people expect next.

Each works for any model that declares the capabilities it needs (``encode``/``decode``),
not just the built-in VAE; a figure only one family can draw lives in that family's plugin
(the DQN's ``returns``, the GANs' ``progress``, the diffusion figures). One module per
figure; matplotlib's Figure API (no pyplot, no window); each decodes in one batched call.
"""

from zoo_core import hookimpl


@hookimpl
def register_visualizers(register):
    from .class_grid import ClassGrid
    from .clusters import Clusters
    from .curves import Curves
    from .interpolation import Interpolation
    from .manifold import Manifold
    from .reconstructions import Reconstructions
    from .samples import Samples
    from .temperatures import Temperatures
    from .traversal import Traversal

    for name, cls in (
        ("manifold", Manifold),
        ("clusters", Clusters),
        ("reconstructions", Reconstructions),
        ("samples", Samples),
        ("traversal", Traversal),
        ("curves", Curves),
        ("class_grid", ClassGrid),
        ("interpolation", Interpolation),
        ("temperatures", Temperatures),
    ):
        register(name, cls)


@hookimpl
def register_commands(cli):
    from .sample_command import sample

    cli.add_command(sample)
