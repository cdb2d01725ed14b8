"""What every sampler is: a number of network evaluations, a label per step for figures,
and ``run``, a generator of the state after each step.

Arithmetic is NumPy in float32 on the host: the network call dominates (milliseconds per
image), an update is a few multiply-adds per pixel, and keeping the updates out of the
traced graph lets the tests drive a sampler with a closed-form ``predict``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

Predict = Callable[[np.ndarray, float], np.ndarray]


def clip(x, low: float, high: float):
    """``np.clip`` on arrays; on tensors (an exported sampler traces ``run`` into a graph)
    TensorFlow's clip, so the same update code serves both."""
    if isinstance(x, np.ndarray):
        return np.clip(x, low, high)
    import tensorflow as tf

    return tf.clip_by_value(x, low, high)


class GivenNoise:
    """Stands in for a NumPy generator in :meth:`Sampler.run`: each ``standard_normal``
    call returns the next draw of ``draws`` (shape ``(n, k, *image)``, draw ``i`` at
    ``[:, i]``), an array or a tensor. An exported stochastic sampler takes its noise as an
    input this way, and the zoo's reference run uses the same draws."""

    def __init__(self, draws):
        self.draws, self.taken = draws, 0

    def standard_normal(self, shape=None, dtype=None):
        draw = self.draws[:, self.taken]
        self.taken += 1
        return draw


class Sampler:
    """A fixed-step sampler. Subclasses set :attr:`name` and implement :meth:`run`."""

    name = ""
    #: Draws fresh noise at each step (so a ``rng`` must be given to :meth:`run`).
    stochastic = False

    def __init__(self, steps: int):
        if int(steps) < 1:
            raise ValueError(f"{self.name} needs at least one network evaluation, got {steps}")
        self.steps = int(steps)

    @property
    def nfe(self) -> int:
        """Network evaluations per image (the cost)."""
        return len(self.labels())

    def labels(self) -> list[str]:
        """One label per step, naming the time its state is at (for figures)."""
        raise NotImplementedError

    def run(self, x: np.ndarray, predict: Predict, rng=None) -> Iterator[np.ndarray]:
        """From the noise ``x``, yield the state after each step; the last is the sample."""
        raise NotImplementedError

    def loop(self, x, predict, noise=None):
        """The sampler as one graph loop (``tf.while_loop``) for an export: the updates of
        :meth:`run`, their per-step numbers gathered from constant tables, so a graph of 50
        or 1,000 steps is as small as one of 10. ``predict(x, t)`` is traced once, with
        ``t`` a scalar tensor; ``noise``: a stochastic sampler's draws ``(n, nfe, *image)``,
        step ``i`` taking ``noise[:, i]`` as :class:`GivenNoise` hands them to :meth:`run`.
        Returns the sample (the last state)."""
        raise NotImplementedError(f"{self.name} has no graph loop")


def graph_loop(count: int, body, state):
    """``state = body(i, state)`` for ``i`` in ``0..count-1`` as one ``tf.while_loop`` (the
    graph holds ``body`` once, whatever ``count`` is)."""
    import tensorflow as tf

    if count <= 0:
        return state
    _, *state = tf.while_loop(
        lambda i, *_: i < count,
        lambda i, *s: (i + 1, *body(i, *s)),
        (tf.constant(0), *state),
    )
    return tuple(state)


def table(rows) -> object:
    """Per-step numbers as a float32 constant ``(steps, k)``: each value rounded to float32
    as :meth:`Sampler.run` rounds it (``np.float32(...)``), so the loop computes what the
    unrolled steps compute."""
    import tensorflow as tf

    return tf.constant(np.asarray(rows, dtype="float64").astype("float32"))


class VPSampler(Sampler):
    """A sampler of a variance-preserving model that predicts the noise ``eps`` at integer
    timesteps of ``alpha_bars`` (``q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I)``).

    ``clip``: the predicted ``x_0`` is clipped to [-1, 1] (the data's range) at every step,
    and the noise made consistent with it (Ho et al.'s code clips; diffusers makes ``eps``
    consistent)."""

    def __init__(self, alpha_bars, steps: int, *, clip: bool = True, eta: float = 0.0):
        super().__init__(steps)
        self.alpha_bars = np.asarray(alpha_bars, "float64")
        self.clip, self.eta = bool(clip), float(eta)

    def timesteps(self) -> list[tuple[int, int]]:
        """``(t, t_prev)`` pairs from the noisiest; ``t_prev = -1`` is the clean image."""
        from ..schedule import sampling_timesteps

        return sampling_timesteps("ddim", len(self.alpha_bars), self.steps)

    def labels(self) -> list[str]:
        return [f"t={p}" if p >= 0 else "x_0" for _, p in self.timesteps()]

    def abar(self, t: int) -> float:
        return 1.0 if t < 0 else float(self.alpha_bars[t])

    def x0_and_eps(self, x, eps, t: int):
        """The clean image the noise prediction implies, clipped, and the noise made
        consistent with it."""
        ab = self.abar(t)
        a, s = np.float32(np.sqrt(ab)), np.float32(np.sqrt(1.0 - ab))
        x0 = (x - s * eps) / a
        if self.clip:
            x0 = clip(x0, -1.0, 1.0)
            eps = (x - a * x0) / s
        return x0, eps


class FlowSampler(Sampler):
    """A sampler of a model that predicts the velocity ``v(x, t)`` of the flow from noise
    at ``t = 0`` to data at ``t = 1`` (straight paths: ``x_t = (1 - t) z + t x_1``)."""

    def times(self) -> np.ndarray:
        """The grid the steps move along, ``0 = t_0 < ... < t_K = 1``, evenly spaced."""
        return np.linspace(0.0, 1.0, self.num_steps() + 1)

    def num_steps(self) -> int:
        return self.steps

    def labels(self) -> list[str]:
        return [f"t={t:.2f}" for t in self.times()[1:]]
