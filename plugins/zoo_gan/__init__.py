"""Built-in model plugins: the GAN family (``dcgan``, ``wgan_gp``)."""

from zoo_core import hookimpl


@hookimpl
def register_models(register):
    from .model import DCGAN, WGANGP

    register("dcgan", DCGAN)
    register("wgan_gp", WGANGP)


@hookimpl
def register_visualizers(register):
    from .figures import Progress

    register("progress", Progress)
