"""Noise schedules and sampling timesteps (NumPy only: tests and ``zoo info`` need no TF).

The forward process of Ho et al. (2020) adds Gaussian noise in ``T`` steps,
``q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I)`` with ``abar_t = prod_{s<=t} (1 - beta_s)``:

- ``linear``: ``beta_t`` from 1e-4 to 0.02 in ``T`` equal steps (Ho et al. 2020, Sec. 4);
- ``cosine``: ``abar_t = f(t) / f(0)``, ``f(t) = cos((t/T + s) / (1 + s) * pi/2)^2`` with
  ``s = 0.008`` and each ``beta_t`` clipped at 0.999 (Nichol & Dhariwal 2021, Eq. 17), which
  destroys information more slowly at small ``t`` and suits small images.

Indices here run from 0 to ``T - 1`` (the paper's ``t = 1..T``): ``alpha_bars(...)[0]`` is the
first, least noisy step.
"""

from __future__ import annotations

import math

import numpy as np


def betas(schedule: str, timesteps: int) -> np.ndarray:
    """``beta_t`` for ``t = 0..T-1`` (float64)."""
    if schedule == "linear":
        # Ho et al. chose 1e-4..0.02 for T = 1000; scaled so other T keep the same endpoints
        # of abar (as improved DDPM's code does)
        scale = 1000.0 / timesteps
        return np.linspace(scale * 1e-4, scale * 0.02, timesteps, dtype="float64")
    if schedule == "cosine":
        s = 0.008
        steps = np.arange(timesteps + 1, dtype="float64") / timesteps
        f = np.cos((steps + s) / (1.0 + s) * math.pi / 2.0) ** 2
        return np.clip(1.0 - f[1:] / f[:-1], 0.0, 0.999)
    raise ValueError(f"unknown schedule {schedule!r}; use linear or cosine")


def alpha_bars(schedule: str, timesteps: int) -> np.ndarray:
    """``abar_t = prod_{s<=t} (1 - beta_s)`` for ``t = 0..T-1``: decreasing from almost 1
    to almost 0."""
    return np.cumprod(1.0 - betas(schedule, timesteps))


def sampling_timesteps(sampler: str, timesteps: int, steps: int) -> list[tuple[int, int]]:
    """``(t, t_prev)`` pairs from the noisiest step down, ``t_prev = -1`` for the last
    (meaning ``abar = 1``: the clean image).

    ``ddpm``: every step ``T-1 .. 0``. ``ddim``: ``steps`` of them, evenly spaced over
    ``[0, T-1]`` (Song et al. 2020, the "linear" sub-sequence), always ending at 0.
    """
    if sampler == "ddpm":
        ts = list(range(timesteps - 1, -1, -1))
    elif sampler == "ddim":
        ts = sorted({int(round(v)) for v in np.linspace(0, timesteps - 1, steps)}, reverse=True)
    else:
        raise ValueError(f"unknown sampler {sampler!r}; use ddim or ddpm")
    return list(zip(ts, ts[1:] + [-1]))
