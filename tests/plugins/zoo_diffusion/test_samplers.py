"""The family's samplers on closed forms: a Gaussian target, whose exact noise prediction
and velocity are known, so a sampler's only error is its own discretisation.

For data ``x ~ N(mu, s^2)`` the exact ODE maps each starting noise ``z`` to ``mu + s z``
(both the flow's and the diffusion's probability-flow ODE are affine here), so an error is
measured per sample, with no sampling noise in the comparison."""

import numpy as np
import pytest

from zoo_diffusion.samplers import (
    DDIM,
    FLOW_SAMPLERS,
    VP_SAMPLERS,
    Ancestral,
    DPMSolverPP2M,
    Euler,
    FullAncestral,
    Heun,
)
from zoo_diffusion.schedule import alpha_bars

MU, S = 0.3, 0.4
Z = np.random.default_rng(0).standard_normal((20_000,)).astype("float32")
TARGET = MU + S * Z


# -- the flow: x_t = (1 - t) z + t x, noise at t = 0 ---------------------------------------------
def flow_velocity(x, t):
    """``E[x - z | x_t]`` for ``x ~ N(MU, S^2)``: the marginal velocity in closed form."""
    var = (1 - t) ** 2 + t**2 * S**2
    return (MU + (t * S**2 - (1 - t)) / var * (x - t * MU)).astype("float32")


def flow_error(sampler) -> float:
    *_, x = sampler.run(Z.copy(), flow_velocity)
    return float(np.abs(x - TARGET).max())


def test_euler_with_many_steps_reaches_the_targets_mean_and_variance():
    *_, x = Euler(400).run(Z.copy(), flow_velocity)
    assert abs(x.mean() - MU) < 0.01 and abs(x.var() - S**2) < 0.01
    assert flow_error(Euler(400)) < 0.01
    # and with few steps it does not: the test can tell
    assert flow_error(Euler(2)) > 0.02


def test_heun_reaches_an_error_with_fewer_evaluations_than_euler():
    def evaluations_for(cls, error):
        return next(n for n in (2, 4, 8, 16, 32, 64, 128, 256, 512) if flow_error(cls(n)) < error)

    euler, heun = evaluations_for(Euler, 0.02), evaluations_for(Heun, 0.02)
    assert heun <= euler / 4, (heun, euler)
    assert flow_error(Heun(20)) < flow_error(Euler(20)) / 2


def test_a_heun_step_is_the_trapezoid_of_two_velocities_and_the_last_is_eulers():
    x = Z[:8].copy()
    first, last = Heun(3).run(x, flow_velocity)  # two steps, three evaluations
    d0 = flow_velocity(x, 0.0)
    d1 = flow_velocity(x + 0.5 * d0, 0.5)
    assert np.allclose(first, x + 0.25 * (d0 + d1), atol=1e-6)
    assert np.allclose(last, first + 0.5 * flow_velocity(first, 0.5), atol=1e-6)
    assert Heun(20).nfe == 19 and len(Heun(20).labels()) == 10 and Euler(20).nfe == 20


def recording(calls, output):
    """A ``predict`` that notes the time it was asked for."""

    def predict(x, t):
        calls.append(t)
        return output(x)

    return predict


def test_flow_samplers_call_the_network_as_often_as_they_say():
    for name, cls in FLOW_SAMPLERS.items():
        for steps in (2, 7, 20):
            calls = []
            sampler = cls(steps)
            states = list(sampler.run(Z[:4].copy(), recording(calls, lambda x: x * 0)))
            assert len(calls) == sampler.nfe <= steps, name
            assert len(states) == len(sampler.labels())
            assert min(calls) == 0.0 and max(calls) <= 1.0


# -- variance-preserving: x_t = sqrt(abar) x_0 + sqrt(1 - abar) eps -------------------------------
AB = alpha_bars("cosine", 1000)


def exact_eps(x, t):
    ab = AB[t]
    return (np.sqrt(1 - ab) / (ab * S**2 + 1 - ab) * (x - np.sqrt(ab) * MU)).astype("float32")


def start():
    """The exact marginal at the noisiest step (so only the solver's error remains)."""
    ab = AB[-1]
    return (np.sqrt(ab) * MU + np.sqrt(ab * S**2 + 1 - ab) * Z).astype("float32")


def vp_error(sampler) -> float:
    *_, x = sampler.run(start(), exact_eps, np.random.default_rng(0))
    return float(np.abs(x - TARGET).max())


def test_ddim_with_many_steps_follows_the_probability_flow_ode():
    assert vp_error(DDIM(AB, 500, clip=False)) < 0.01
    assert vp_error(DDIM(AB, 5, clip=False)) > 0.03


def test_dpm_solver_pp_2m_beats_ddim_at_the_same_number_of_evaluations():
    for nfe, ratio in ((5, 0.8), (10, 0.5), (20, 0.25), (50, 0.1)):
        ddim, dpm = (
            vp_error(DDIM(AB, nfe, clip=False)),
            vp_error(DPMSolverPP2M(AB, nfe, clip=False)),
        )
        assert dpm < ddim * ratio, (nfe, dpm, ddim)
    assert vp_error(DPMSolverPP2M(AB, 50, clip=False)) < 0.005


def test_dpm_solver_pp_2m_takes_the_papers_update():
    """Lu et al. (2022), Algorithm 2, written out with alpha, sigma and lambda."""
    sampler = DPMSolverPP2M(AB, 4, clip=False)
    (t0, t1), (_, t2) = sampler.timesteps()[:2]
    alpha = lambda t: np.sqrt(AB[t])  # noqa: E731
    sigma = lambda t: np.sqrt(1 - AB[t])  # noqa: E731
    lam = lambda t: np.log(alpha(t) / sigma(t))  # noqa: E731
    data = lambda x, t: (x - sigma(t) * exact_eps(x, t)) / alpha(t)  # noqa: E731

    x0 = start()[:16]
    d0 = data(x0, t0)
    h1 = lam(t1) - lam(t0)
    x1 = sigma(t1) / sigma(t0) * x0 - alpha(t1) * np.expm1(-h1) * d0  # first order
    d1 = data(x1, t1)
    h2 = lam(t2) - lam(t1)
    r = h1 / h2
    d = (1 + 1 / (2 * r)) * d1 - 1 / (2 * r) * d0
    x2 = sigma(t2) / sigma(t1) * x1 - alpha(t2) * np.expm1(-h2) * d

    states = list(sampler.run(x0.copy(), exact_eps))
    assert np.allclose(states[0], x1, atol=1e-5) and np.allclose(states[1], x2, atol=1e-5)


def test_ancestral_sampling_reaches_the_targets_mean_and_variance():
    x = start()
    *_, out = Ancestral(AB, 100, clip=False).run(x, exact_eps, np.random.default_rng(1))
    assert abs(out.mean() - MU) < 0.02 and abs(out.var() - S**2) < 0.02
    # on a sub-sequence it is DDIM with eta = 1, the same draws giving the same images
    *_, ddim = DDIM(AB, 100, clip=False, eta=1.0).run(x, exact_eps, np.random.default_rng(1))
    assert np.array_equal(out, ddim)
    # and the noise is fresh: another generator, other images
    *_, other = Ancestral(AB, 100, clip=False).run(x, exact_eps, np.random.default_rng(2))
    assert np.abs(other - out).mean() > 0.01


def test_vp_samplers_take_their_number_of_evaluations_and_clip_x0():
    for name, cls in VP_SAMPLERS.items():
        calls = []
        sampler = cls(AB[:50], 8)
        *_, x = sampler.run(
            np.full((3,), 5.0, "float32"), recording(calls, np.zeros_like), np.random.default_rng(0)
        )
        expected = 50 if cls is FullAncestral else 8
        assert len(calls) == sampler.nfe == expected, name
        assert calls[0] == 49 and calls == sorted(calls, reverse=True) and calls[-1] <= 7
        assert x.max() <= 1.0 + 1e-6, name  # a predicted x_0 of 5 is clipped to the data's range


def test_a_stochastic_sampler_without_a_generator_is_refused():
    with pytest.raises(ValueError, match="rng"):
        list(Ancestral(AB, 4).run(Z[:2].copy(), exact_eps))
    with pytest.raises(ValueError, match="at least one"):
        Euler(0)
