"""Built-in diffusion family: ``ddpm`` (Ho et al. 2020) and ``flow_matching`` (Lipman et al.
2023), each with a class-conditional variant under classifier-free guidance (Ho & Salimans
2022) and ``*_large`` for a GPU; one U-Net (:mod:`.network`) and one set of samplers
(:mod:`.samplers`: DDIM, ancestral, DPM-Solver++ 2M, Euler, Heun).
It brings its own figures: ``denoising`` (x_T ... x_0 per sample) and ``steps_tradeoff``
(the same seeds at several DDIM step counts, with the FID of each)."""

from zoo_core import hookimpl


@hookimpl
def register_models(register):
    from .model import ConditionalDDPMModel, DDPMModel
    from .settings import COND_VARIANTS, VARIANTS

    register("ddpm", DDPMModel, variants=VARIANTS, default_variant="ddpm")
    register("ddpm_cond", ConditionalDDPMModel, variants=COND_VARIANTS, default_variant="ddpm_cond")

    from .flow_matching import ConditionalFlowMatchingModel, FlowMatchingModel
    from .settings import FLOW_COND_VARIANTS, FLOW_VARIANTS

    register(
        "flow_matching", FlowMatchingModel, variants=FLOW_VARIANTS, default_variant="flow_matching"
    )
    register(
        "flow_matching_cond",
        ConditionalFlowMatchingModel,
        variants=FLOW_COND_VARIANTS,
        default_variant="flow_matching_cond",
    )


@hookimpl
def register_visualizers(register):
    from .figures import Denoising, StepsTradeoff

    register("denoising", Denoising)
    register("steps_tradeoff", StepsTradeoff)
