"""Heun's second-order method on the flow ODE, as Karras, Aittala, Aila & Laine (2022),
"Elucidating the Design Space of Diffusion-Based Generative Models", Algorithm 1 (without
stochastic churn): an Euler step, then the average of the velocity at both ends,

``x_e = x_i + h v(x_i, t_i)``,  ``x_{i+1} = x_i + h (v(x_i, t_i) + v(x_e, t_{i+1})) / 2``.

Two evaluations per step, so ``steps`` network evaluations buy ``steps // 2`` Heun steps.
Karras et al. take the last step with Euler because their ODE is singular at ``sigma =
0``; the flow's velocity is defined at ``t = 1``, so every step here is corrected.
"""

from __future__ import annotations

import numpy as np

from .base import FlowSampler


class Heun(FlowSampler):
    name = "heun"

    def __init__(self, steps: int):
        if int(steps) < 2:
            raise ValueError(
                f"heun takes two network evaluations per step; give steps >= 2, got {steps}"
            )
        super().__init__(steps)

    def num_steps(self) -> int:
        return self.steps // 2

    @property
    def nfe(self) -> int:
        return 2 * self.num_steps()

    def run(self, x, predict, rng=None):
        t = self.times()
        for i in range(len(t) - 1):
            h = np.float32(t[i + 1] - t[i])
            d = predict(x, float(t[i]))
            x_euler = x + h * d
            x = x + h * 0.5 * (d + predict(x_euler, float(t[i + 1])))
            yield x
