"""Each sampler's graph loop (what ``zoo export`` writes as the ``sample`` endpoint)
computes what its step-by-step :meth:`run` computes: the same updates, in the same order,
with each step's numbers gathered from a table instead of unrolled into the graph. Checked
on the closed-form predictions of ``test_samplers.py``, so only the sampler is compared."""

import numpy as np
import pytest

from zoo_diffusion.samplers import FLOW_SAMPLERS, VP_SAMPLERS, GivenNoise
from zoo_diffusion.schedule import alpha_bars

tf = pytest.importorskip("tensorflow")

AB = alpha_bars("cosine", 100)
X = np.random.default_rng(0).standard_normal((8, 4, 4, 1)).astype("float32")


def eps_of(x, t):
    """A noise prediction that depends on the state and the step (any smooth one serves)."""
    scale = tf.cast(t, tf.float32) / 100.0 if tf.is_tensor(t) else np.float32(t / 100.0)
    return 0.9 * x + 0.1 * scale


def velocity_of(x, t):
    return 0.3 - 0.8 * x * (tf.cast(t, tf.float32) if tf.is_tensor(t) else np.float32(t))


def looped(sampler, predict, noise=None):
    """The loop traced as an export traces it (one ``tf.function``), run once."""
    graph = tf.function(lambda x, *n: sampler.loop(x, predict, n[0] if n else None))
    return graph(tf.constant(X), *([tf.constant(noise)] if noise is not None else [])).numpy()


def stepped(sampler, predict, noise=None):
    """:meth:`run` on tensors, unrolled, as the exported sampler was written before."""
    graph = tf.function(
        lambda x, *n: list(sampler.run(x, predict, GivenNoise(n[0]) if n else None))[-1]
    )
    return graph(tf.constant(X), *([tf.constant(noise)] if noise is not None else [])).numpy()


@pytest.mark.parametrize("name", sorted(VP_SAMPLERS))
@pytest.mark.parametrize("steps", [1, 2, 7])
def test_a_variance_preserving_samplers_loop_is_its_steps(name, steps):
    sampler = VP_SAMPLERS[name](AB, steps)
    noise = None
    if sampler.stochastic:
        noise = np.random.default_rng(1).standard_normal((8, sampler.nfe, 4, 4, 1))
        noise = noise.astype("float32")
    np.testing.assert_allclose(
        looped(sampler, eps_of, noise), stepped(sampler, eps_of, noise), rtol=0, atol=2e-6
    )


@pytest.mark.parametrize("name", sorted(FLOW_SAMPLERS))
@pytest.mark.parametrize("steps", [1, 2, 5, 19])
def test_a_flow_samplers_loop_is_its_steps(name, steps):
    sampler = FLOW_SAMPLERS[name](steps)
    np.testing.assert_allclose(
        looped(sampler, velocity_of), stepped(sampler, velocity_of), rtol=0, atol=2e-6
    )


def test_the_loops_graph_does_not_grow_with_the_steps():
    def size(steps):
        sampler = VP_SAMPLERS["ddim"](AB, steps)
        graph = tf.function(lambda x: sampler.loop(x, eps_of)).get_concrete_function(
            tf.TensorSpec((None, 4, 4, 1), tf.float32)
        )
        return len(graph.graph.as_graph_def().node)

    assert size(50) == size(5)
