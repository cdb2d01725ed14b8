"""Samplers of the diffusion family, one module each, shared by its models.

A sampler turns pure noise into an image by calling the network a fixed number of times
(the NFE, the ``steps`` setting). It knows nothing of Keras: it is handed NumPy arrays and a
``predict(x, t)`` callable (the model's traced network call, or a closed form in the tests)
and yields the state after each step, so progress bars, kept states for figures and
batching stay with the model (diffusers splits its schedulers from its pipelines the same
way).

Two kinds, by what the network predicts:

- **variance-preserving** (``ddpm``, ``ddpm_cond``): ``predict(x, t)`` is the noise
  ``eps`` at an integer timestep ``t`` of the training schedule ``alpha_bars``: ``ddim``
  (:mod:`.ddim`), ``ancestral`` and ``ddpm`` (:mod:`.ancestral`), ``dpmpp_2m``
  (:mod:`.dpm_solver`);
- **flow** (``flow_matching``, ``flow_matching_cond``): ``predict(x, t)`` is the velocity
  at a time ``t`` in [0, 1] from noise (0) to data (1): ``euler`` (:mod:`.euler`) and
  ``heun`` (:mod:`.heun`).
"""

from __future__ import annotations

from .ancestral import Ancestral, FullAncestral
from .base import FlowSampler, GivenNoise, Sampler, VPSampler
from .ddim import DDIM
from .dpm_solver import DPMSolverPP2M
from .euler import Euler
from .heun import Heun

#: Samplers of noise-predicting models, by the name the ``sampler`` setting takes.
VP_SAMPLERS: dict[str, type[VPSampler]] = {
    "ddim": DDIM,
    "ancestral": Ancestral,
    "ddpm": FullAncestral,
    "dpmpp_2m": DPMSolverPP2M,
}
#: Samplers of velocity-predicting models.
FLOW_SAMPLERS: dict[str, type[FlowSampler]] = {"euler": Euler, "heun": Heun}

__all__ = [
    "DDIM",
    "FLOW_SAMPLERS",
    "VP_SAMPLERS",
    "Ancestral",
    "DPMSolverPP2M",
    "Euler",
    "FlowSampler",
    "GivenNoise",
    "FullAncestral",
    "Heun",
    "Sampler",
    "VPSampler",
]
