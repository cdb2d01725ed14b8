"""Checking and making gymnasium environments (imports gymnasium only when called)."""

from __future__ import annotations

import difflib

from zoo_core import IncompatibleError, UsageError


def check_env(env_id: str) -> None:
    """Refuse an unknown id (listing close matches) or a non-discrete action space."""
    import gymnasium as gym

    ids = sorted(gym.registry)
    if env_id not in gym.registry:
        close = difflib.get_close_matches(env_id, ids, n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UsageError(
            f"unknown environment '{env_id}'.{hint} See gymnasium's registry "
            f"(e.g. CartPole-v1, Acrobot-v1, MountainCar-v0)"
        )
    try:
        env = gym.make(env_id)
    except Exception as exc:  # missing optional extras (box2d, mujoco, ...)
        raise UsageError(f"cannot create environment '{env_id}': {exc}") from None
    try:
        if not isinstance(env.action_space, gym.spaces.Discrete):
            raise IncompatibleError(
                f"DQN needs a discrete action space; '{env_id}' has "
                f"{type(env.action_space).__name__}. Try CartPole-v1 or Acrobot-v1"
            )
        if len(env.observation_space.shape or ()) != 1:
            raise IncompatibleError(
                f"this DQN's MLP needs flat observations; '{env_id}' gives "
                f"shape {env.observation_space.shape}"
            )
    finally:
        env.close()


def make(env_id: str):
    import gymnasium as gym

    return gym.make(env_id)
