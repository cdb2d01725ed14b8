"""Built-in model plugin: the seed notebook's convolutional VAE (``vae_2d``, ``vae_4d``),
and its ``elbo`` metric."""

from zoo_core import hookimpl


@hookimpl
def register_models(register):
    from .model import ConvVAE
    from .settings import VARIANTS

    register("vae", ConvVAE, variants=VARIANTS, default_variant="vae_2d")


@hookimpl
def register_metrics(register):
    from .metrics import ELBO

    register("elbo", ELBO)
