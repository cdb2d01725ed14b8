"""Euler's method on the flow ODE ``dx/dt = v(x, t)`` from noise (``t = 0``) to data
(``t = 1``): ``x_{i+1} = x_i + (t_{i+1} - t_i) v(x_i, t_i)``, one evaluation per step on an
even grid. With straight conditional paths (Lipman et al. 2023; Liu et al. 2023) the
marginal paths are nearly straight, which is why few Euler steps already give images.
"""

from __future__ import annotations

import numpy as np

from .base import FlowSampler, graph_loop, table


class Euler(FlowSampler):
    name = "euler"

    def run(self, x, predict, rng=None):
        t = self.times()
        for i in range(len(t) - 1):
            x = x + np.float32(t[i + 1] - t[i]) * predict(x, float(t[i]))
            yield x

    def loop(self, x, predict, noise=None):
        import tensorflow as tf

        t = self.times()
        coef = table([(t[i], t[i + 1] - t[i]) for i in range(len(t) - 1)])

        def body(i, x):
            now, h = tf.unstack(coef[i])
            return (x + h * predict(x, now),)

        return graph_loop(len(t) - 1, body, (x,))[0]
