"""Built-in model plugins: the seed notebook's convolutional VAE (``vae_2d``, ``vae_4d``,
``beta_vae``), its conditional sibling (``cvae_2d``, ``cvae_4d``), and the ``elbo`` metric."""

from zoo_core import hookimpl


@hookimpl
def register_models(register):
    from .model import ConditionalConvVAE, ConvVAE
    from .settings import CVAE_VARIANTS, VARIANTS

    register("vae", ConvVAE, variants=VARIANTS, default_variant="vae_2d")
    register("cvae", ConditionalConvVAE, variants=CVAE_VARIANTS, default_variant="cvae_2d")


@hookimpl
def register_metrics(register):
    from .metrics import ELBO

    register("elbo", ELBO)
