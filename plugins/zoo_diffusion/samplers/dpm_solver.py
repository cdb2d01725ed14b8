"""DPM-Solver++(2M): Lu, Zhou, Bao, Chen, Li & Zhu (2022), "DPM-Solver++: Fast Solver for
Guided Sampling of Diffusion Probabilistic Models", Algorithm 2.

A second-order multistep solver of the probability-flow ODE written in the data
prediction ``x_0`` and the half log-SNR ``lambda = log(alpha / sigma)``
(``alpha = sqrt(abar)``, ``sigma = sqrt(1 - abar)``). With ``h_i = lambda_i - lambda_{i-1}``:

``x_i = (sigma_i / sigma_{i-1}) x_{i-1} - alpha_i (exp(-h_i) - 1) D_i``

where ``D_i = x0_{i-1}`` on the first step (DDIM) and otherwise
``D_i = (1 + 1/(2 r_i)) x0_{i-1} - 1/(2 r_i) x0_{i-2}`` with ``r_i = h_{i-1} / h_i``: the
previous step's prediction corrects the current one at no extra network call. One
evaluation per step over the same evenly spaced timesteps as DDIM.

Where this departs from the paper: the steps are evenly spaced in the training timesteps
(the paper's "time-uniform" choice) and the last goes to ``sigma = 0`` (the clean image),
where ``lambda`` is infinite; it is taken first-order (``x = x0``), as diffusers'
``lower_order_final`` does. Predicted ``x_0`` is clipped to [-1, 1] (the paper's
thresholding, static).
"""

from __future__ import annotations

import numpy as np

from .base import VPSampler, graph_loop, table


class DPMSolverPP2M(VPSampler):
    name = "dpmpp_2m"

    def timesteps(self) -> list[tuple[int, int]]:
        """``steps`` evaluations at ``T-1`` and evenly below it, the last step going from
        about ``T / steps`` straight to the clean image: every evaluation moves the state
        (DDIM's grid spends its last one at ``t = 0``, where almost nothing is left), and
        the big last step is the first-order one (see the module's notes)."""
        T = len(self.alpha_bars)
        ts = np.round(np.linspace(T - 1, 0, self.steps + 1)[:-1]).astype(int).tolist()
        return list(zip(ts, ts[1:] + [-1]))

    def log_snr(self, t: int) -> float:
        """``lambda_t = log(alpha_t / sigma_t)``."""
        ab = self.abar(t)
        return 0.5 * (np.log(ab) - np.log1p(-ab))

    def run(self, x, predict, rng=None):
        previous = None  # (x0, h) of the step before
        for t, t_prev in self.timesteps():
            x0, _ = self.x0_and_eps(x, predict(x, t), t)
            if t_prev < 0:  # the clean image: first order
                x = x0
                yield x
                continue
            ab_t, ab_prev = self.abar(t), self.abar(t_prev)
            h = self.log_snr(t_prev) - self.log_snr(t)
            if previous is None:
                d = x0
            else:
                x0_before, h_before = previous
                r = h_before / h
                d = np.float32(1.0 + 0.5 / r) * x0 - np.float32(0.5 / r) * x0_before
            ratio = np.sqrt((1.0 - ab_prev) / (1.0 - ab_t))
            x = np.float32(ratio) * x - np.float32(np.sqrt(ab_prev) * np.expm1(-h)) * d
            previous = (x0, h)
            yield x

    def loop(self, x, predict, noise=None):
        import tensorflow as tf

        steps = self.timesteps()  # the last goes to the clean image
        rows, h_before = [], None
        for t, t_prev in steps[:-1]:
            ab_t, ab_prev = self.abar(t), self.abar(t_prev)
            h = self.log_snr(t_prev) - self.log_snr(t)
            r = h_before / h if h_before is not None else None
            rows.append(
                (
                    np.sqrt(ab_t),
                    np.sqrt(1.0 - ab_t),
                    np.sqrt((1.0 - ab_prev) / (1.0 - ab_t)),
                    np.sqrt(ab_prev) * np.expm1(-h),
                    1.0 + 0.5 / r if r else 1.0,
                    0.5 / r if r else 0.0,
                )
            )
            h_before = h
        times = tf.constant([t for t, _ in steps], tf.int32)

        def x0_of(x, t, a, s):
            eps = predict(x, t)
            x0 = (x - s * eps) / a
            return tf.clip_by_value(x0, -1.0, 1.0) if self.clip else x0

        if rows:
            coef = table(rows)

            def body(i, x, x0_before):
                a, s, ratio, c, k_now, k_before = tf.unstack(coef[i])
                x0 = x0_of(x, times[i], a, s)
                d = k_now * x0 - k_before * x0_before  # the first step: 1 and 0, DDIM's
                return ratio * x - c * d, x0

            x, _ = graph_loop(len(rows), body, (x, tf.zeros_like(x)))
        t_last = steps[-1][0]
        ab = self.abar(t_last)
        a, s = np.float32(np.sqrt(ab)), np.float32(np.sqrt(1.0 - ab))
        return x0_of(x, times[-1], a, s)  # the clean image: first order
