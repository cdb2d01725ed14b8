"""Experience replay: a preallocated NumPy ring buffer of transitions.

Sampling uniformly from many past transitions breaks the correlation between consecutive
steps, which plain online Q-learning with a neural network suffers from.
"""

from __future__ import annotations

import numpy as np


class ReplayBuffer:
    def __init__(self, capacity: int, obs_shape: tuple[int, ...], obs_dtype="float32"):
        self.capacity = int(capacity)
        self.obs = np.zeros((capacity, *obs_shape), dtype=obs_dtype)
        self.next_obs = np.zeros((capacity, *obs_shape), dtype=obs_dtype)
        self.actions = np.zeros(capacity, dtype=np.int32)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.dones = np.zeros(capacity, dtype=np.float32)  # 1.0 when the episode terminated
        self.pos = 0  # next slot to write
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def add(self, obs, action, reward, next_obs, terminated) -> None:
        i = self.pos
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.dones[i] = next_obs, float(terminated)
        self.pos = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample_indices(self, rng: np.random.Generator, shape) -> np.ndarray:
        return rng.integers(0, self.size, size=shape)

    def take(self, idx: np.ndarray):
        return (
            self.obs[idx],
            self.actions[idx],
            self.rewards[idx],
            self.next_obs[idx],
            self.dones[idx],
        )

    def state(self) -> dict[str, np.ndarray]:
        """The filled part of the buffer and its write position (for a checkpoint)."""
        n = self.size
        return {
            "obs": self.obs[:n],
            "next_obs": self.next_obs[:n],
            "actions": self.actions[:n],
            "rewards": self.rewards[:n],
            "dones": self.dones[:n],
            "pos": np.array(self.pos),
            "size": np.array(n),
        }

    def restore(self, state: dict[str, np.ndarray]) -> None:
        n = int(state["size"])
        for name in ("obs", "next_obs", "actions", "rewards", "dones"):
            getattr(self, name)[:n] = state[name]
        self.pos, self.size = int(state["pos"]), n
