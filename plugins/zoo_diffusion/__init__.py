"""Built-in diffusion family: ``ddpm`` (Ho et al. 2020) with DDIM sampling (Song et al. 2020)
and ``ddpm_cond`` with classifier-free guidance (Ho & Salimans 2022); ``*_large`` for a GPU.
It brings its own figures: ``denoising`` (x_T ... x_0 per sample) and ``steps_tradeoff``
(the same seeds at several DDIM step counts, with the FID of each)."""

from zoo_core import hookimpl


@hookimpl
def register_models(register):
    from .model import ConditionalDDPMModel, DDPMModel
    from .settings import COND_VARIANTS, VARIANTS

    register("ddpm", DDPMModel, variants=VARIANTS, default_variant="ddpm")
    register("ddpm_cond", ConditionalDDPMModel, variants=COND_VARIANTS, default_variant="ddpm_cond")


@hookimpl
def register_visualizers(register):
    from .figures import Denoising, StepsTradeoff

    register("denoising", Denoising)
    register("steps_tradeoff", StepsTradeoff)
