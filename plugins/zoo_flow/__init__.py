"""Built-in normalizing flow: ``realnvp`` (Dinh et al. 2017), the family with an exact
likelihood (``realnvp`` for 2 cores, ``realnvp_large`` for a GPU)."""

from zoo_core import hookimpl


@hookimpl
def register_models(register):
    from .model import RealNVPModel
    from .settings import VARIANTS

    register("realnvp", RealNVPModel, variants=VARIANTS, default_variant="realnvp")
