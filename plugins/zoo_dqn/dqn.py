"""The DQN algorithm (Mnih et al. 2015) in Keras 3: what :class:`zoo_dqn.loop.OffPolicyLoop`
asks of an off-policy algorithm, and nothing of the run.

- :meth:`DQNAlgorithm.act`: epsilon-greedy on an MLP Q-network (a NumPy forward pass);
- :meth:`DQNAlgorithm.learn`: one training round, a batch of gradient steps on the Huber
  TD loss against a target network, compiled with ``tf.function``;
- :meth:`DQNAlgorithm.sync_target`: the target network's copy (or Polyak average);
- :meth:`DQNAlgorithm.arrays` / :meth:`DQNAlgorithm.restore`: its whole state, for the
  loop's checkpoint.

The split follows Stable-Baselines3, whose ``OffPolicyAlgorithm`` owns the loop, buffer and
logging while ``DQN`` writes ``train()``. :class:`DoubleDQN` (van Hasselt et al. 2016) is
the second algorithm on the same loop: it changes only how targets are chosen.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from .schedule import epsilon_at


def build_q_network(obs_dim: int, n_actions: int, hidden) -> keras.Model:
    inputs = keras.Input(shape=(obs_dim,))
    x = inputs
    for units in hidden:
        x = layers.Dense(units, activation="relu")(x)
    return keras.Model(inputs, layers.Dense(n_actions)(x), name="q_network")


def td_targets(rewards, next_q_target, dones, gamma, next_q_online=None):
    """r + gamma * (1 - done) * Q_target(s', a*), with a* = argmax of Q_target (DQN) or of
    Q_online (Double DQN)."""
    chooser = next_q_target if next_q_online is None else next_q_online
    best = tf.argmax(chooser, axis=1, output_type=tf.int32)
    next_value = tf.gather(next_q_target, best, axis=1, batch_dims=1)
    return rewards + gamma * (1.0 - dones) * next_value


class DQNAlgorithm:
    #: Double DQN targets: the online network picks a*, the target network scores it
    double = False

    def __init__(self, obs_dim: int, n_actions: int, s):
        self.s, self.n_actions = s, n_actions
        self.q = build_q_network(obs_dim, n_actions, s.hidden)
        self.target = build_q_network(obs_dim, n_actions, s.hidden)
        self.target.set_weights(self.q.get_weights())
        self.optimizer = keras.optimizers.Adam(s.learning_rate)
        self.loss_fn = keras.losses.Huber(delta=s.huber_delta)
        self.optimizer.build(self.q.trainable_variables)
        self.set_q_weights()

    # -- acting: a NumPy forward pass, far cheaper per step than a TF call -------------
    def set_q_weights(self, weights=None):
        """Take new online weights (or re-read them) into the NumPy copy used for acting."""
        if weights is not None:
            self.q.set_weights(weights)
        self._w = [np.asarray(w) for w in self.q.get_weights()]

    def q_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self._w]

    def q_values(self, obs: np.ndarray) -> np.ndarray:
        x = np.asarray(obs, dtype=np.float32)
        for k in range(0, len(self._w) - 2, 2):
            x = np.maximum(x @ self._w[k] + self._w[k + 1], 0.0)
        return x @ self._w[-2] + self._w[-1]

    @property
    def double_targets(self) -> bool:
        return self.double or bool(getattr(self.s, "double", False))

    def exploration(self, step: int) -> float:
        """Epsilon at an environment step: 1 during warm-up, then the linear schedule."""
        s = self.s
        return 1.0 if step <= s.warmup_steps else epsilon_at(step - s.warmup_steps, s)

    def act(self, obs, epsilon: float, rng: np.random.Generator) -> int:
        if rng.random() < epsilon:
            return int(rng.integers(self.n_actions))
        return int(np.argmax(self.q_values(obs[None])[0]))

    # -- learning -------------------------------------------------------------------------
    @tf.function(reduce_retracing=True)
    def _train_round(self, obs, actions, rewards, next_obs, dones):
        """Several gradient steps in one call: inputs are stacked (updates, batch, ...)."""
        losses = tf.TensorArray(tf.float32, size=tf.shape(obs)[0])
        for i in tf.range(tf.shape(obs)[0]):
            next_q_target = self.target(next_obs[i], training=False)
            next_q_online = self.q(next_obs[i], training=False) if self.double_targets else None
            y = tf.stop_gradient(
                td_targets(rewards[i], next_q_target, dones[i], self.s.gamma, next_q_online)
            )
            with tf.GradientTape() as tape:
                q = tf.gather(self.q(obs[i], training=True), actions[i], axis=1, batch_dims=1)
                loss = self.loss_fn(y, q)
            grads = tape.gradient(loss, self.q.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.q.trainable_variables))
            losses = losses.write(i, loss)
        return tf.reduce_mean(losses.stack())

    def learn(self, buffer, rng: np.random.Generator, rounds: int) -> float:
        """Training round ``rounds`` (from 0): sync the target every ``target_sync``
        rounds, then ``updates_per_round`` gradient steps on batches drawn with ``rng``."""
        s = self.s
        if rounds % s.target_sync == 0:
            self.sync_target()
        idx = buffer.sample_indices(rng, (s.updates_per_round, s.batch_size))
        return self.train_round(buffer.take(idx))

    def train_round(self, batch) -> float:
        loss = float(self._train_round(*[tf.convert_to_tensor(b) for b in batch]))
        self.set_q_weights()
        return loss

    def sync_target(self) -> None:
        """Copy (tau = 1) or Polyak-average (tau < 1) the online weights into the target."""
        tau = self.s.tau
        new = [
            tau * w + (1.0 - tau) * t
            for w, t in zip(self.q.get_weights(), self.target.get_weights())
        ]
        self.target.set_weights(new)

    # -- state, for the loop's checkpoint ---------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        """Online and target weights and the optimizer's variables (Adam's step, moments)."""
        out = {f"q_{i}": w for i, w in enumerate(self.q.get_weights())}
        out |= {f"target_{i}": w for i, w in enumerate(self.target.get_weights())}
        out |= {f"opt_{i}": v.numpy() for i, v in enumerate(self.optimizer.variables)}
        return out

    def restore(self, group) -> None:
        """Take back what :meth:`arrays` gave; ``group(prefix)`` lists the arrays in order."""
        self.q.set_weights(group("q_"))
        self.target.set_weights(group("target_"))
        for var, value in zip(self.optimizer.variables, group("opt_"), strict=True):
            var.assign(value)
        self.set_q_weights()

    def policy(self) -> keras.Model:
        """The network that acts (saved as the run's ``model.keras``)."""
        return self.q

    def policy_weights(self) -> list[np.ndarray]:
        """A copy of the acting weights (the loop keeps the best check-up's)."""
        return self.q_weights()

    def set_policy_weights(self, weights) -> None:
        self.set_q_weights(weights)


class DoubleDQN(DQNAlgorithm):
    """Double DQN (van Hasselt et al. 2016): the online network picks the next action, the
    target network values it, which removes DQN's overestimation bias."""

    double = True
