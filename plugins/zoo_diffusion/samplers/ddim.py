"""DDIM: Song, Meng & Ermon (2021), "Denoising Diffusion Implicit Models", Eq. 12.

One network evaluation per step over an evenly spaced sub-sequence of the training
timesteps (their "linear" choice), from ``x_t`` to ``x_prev``:

``x_prev = sqrt(abar_prev) x_0 + sqrt(1 - abar_prev - sigma^2) eps + sigma z`` with
``sigma = eta sqrt((1 - abar_prev) / (1 - abar_t)) sqrt(1 - abar_t / abar_prev)``.

``eta = 0`` is deterministic (the probability-flow ODE's first-order solver); ``eta = 1``
is the ancestral sampler of Ho et al. on the sub-sequence (:mod:`.ancestral`).
"""

from __future__ import annotations

import numpy as np

from .base import VPSampler, graph_loop, table


class DDIM(VPSampler):
    name = "ddim"

    @property
    def stochastic(self) -> bool:
        return self.eta > 0

    def steps_numbers(self) -> list[tuple[int, float, float, float]]:
        """Per step ``(t, sqrt(abar_prev), direction, sigma)`` of Eq. 12, in float64 (the one
        place :meth:`run` and :meth:`loop` take them from)."""
        out = []
        for t, t_prev in self.timesteps():
            ab_t, ab_prev = self.abar(t), self.abar(t_prev)
            sigma = self.eta * np.sqrt((1.0 - ab_prev) / (1.0 - ab_t) * (1.0 - ab_t / ab_prev))
            direction = np.sqrt(max(1.0 - ab_prev - sigma * sigma, 0.0))
            out.append((t, np.sqrt(ab_prev), direction, sigma))
        return out

    def run(self, x, predict, rng=None):
        if self.stochastic and rng is None:
            raise ValueError(f"{self.name} with eta > 0 draws noise: give a rng")
        for t, a_prev, direction, sigma in self.steps_numbers():
            x0, eps = self.x0_and_eps(x, predict(x, t), t)
            x = np.float32(a_prev) * x0 + np.float32(direction) * eps
            if sigma > 0:
                x = x + np.float32(sigma) * rng.standard_normal(x.shape, dtype="float32")
            yield x

    def loop(self, x, predict, noise=None):
        import tensorflow as tf

        if self.stochastic and noise is None:
            raise ValueError(f"{self.name} with eta > 0 draws noise: give its draws")
        steps = self.steps_numbers()
        coef = table(
            [(np.sqrt(self.abar(t)), np.sqrt(1.0 - self.abar(t)), *rest) for t, *rest in steps]
        )
        times = tf.constant([t for t, *_ in steps], tf.int32)

        def body(i, x):
            a, s, a_prev, direction, sigma = tf.unstack(coef[i])
            eps = predict(x, times[i])
            x0 = (x - s * eps) / a
            if self.clip:
                x0 = tf.clip_by_value(x0, -1.0, 1.0)
                eps = (x - a * x0) / s
            x = a_prev * x0 + direction * eps
            if noise is not None:  # the last step's sigma is 0: no noise, as run() draws none
                x = x + sigma * noise[:, i]
            return (x,)

        return graph_loop(len(steps), body, (x,))[0]
