"""Ancestral sampling: Ho, Jain & Abbeel (2020), "Denoising Diffusion Probabilistic
Models", Algorithm 2, drawing ``x_prev`` from the posterior ``q(x_prev | x_t, x_0)`` with
the predicted ``x_0`` and fresh noise at every step.

``ancestral`` takes ``steps`` evenly spaced timesteps: on a sub-sequence the posterior is
DDIM's update with ``eta = 1`` (Song et al. 2021, Sec. 4.1), so it is written as one.
``ddpm`` takes every one of the ``T`` training steps, as the paper samples (``steps`` is
ignored).
"""

from __future__ import annotations

from .ddim import DDIM


class Ancestral(DDIM):
    name = "ancestral"
    stochastic = True

    def __init__(self, alpha_bars, steps: int, *, clip: bool = True, eta: float = 1.0):
        super().__init__(alpha_bars, steps, clip=clip, eta=1.0)


class FullAncestral(Ancestral):
    name = "ddpm"

    def __init__(self, alpha_bars, steps: int = 0, *, clip: bool = True, eta: float = 1.0):
        super().__init__(alpha_bars, len(alpha_bars), clip=clip)
