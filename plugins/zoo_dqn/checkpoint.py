"""The DQN's checkpoint: everything a resumed run needs to continue exactly.

Saved at each greedy check-up (and every ``CHECKPOINT_EVERY`` steps when check-ups are off):

- ``checkpoints/last.keras``: the online Q-network (what ``zoo eval`` would load);
- ``checkpoints/agent.npz``, one file replaced atomically, so a checkpoint is whole or
  absent whenever the process dies: online and target weights, the optimizer's variables
  (Adam's step count and moments), the best check-up's weights, the replay buffer, and the
  progress as JSON: the step, the training counters, the episode returns so far, the NumPy
  generator's state, and the environment's state *as a replay*: the state of the
  environment's generator just before the current episode's reset, and the actions taken
  since;
- ``state.json``: the step and check-up count, for people and ``zoo runs``.

Gymnasium environments draw all their randomness from ``np_random``
  (``Env.reset``), so resetting from that state and replaying the actions rebuilds the
  environment mid-episode exactly, for any environment, without pickling it (nothing that
  runs code is read from the run folder).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from zoo_core.atomic_files import atomic_path

AGENT = "agent.npz"
CHECKPOINT_EVERY = 5_000  # steps, when there are no check-ups


@dataclass
class Progress:
    """The training loop's counters and records (JSON in ``state.json``)."""

    step: int = 0
    rounds: int = 0
    loss: float = float("nan")
    returns: list = field(default_factory=list)
    ends: list = field(default_factory=list)
    episode_return: float = 0.0
    history: list = field(default_factory=list)
    best_score: float | None = None
    seconds: float = 0.0  # training wall time before this process
    rng: dict | None = None  # the agent's NumPy generator
    env_reset: Any = None  # int: reset with this seed; dict: generator state before reset
    episode_actions: list = field(default_factory=list)

    @property
    def epoch(self) -> int:
        return len(self.history)


def save(run, algorithm, buffer, progress: Progress, best_weights) -> None:
    """Write the checkpoint (``agent.npz`` holds all of it), then the policy network and
    ``state.json`` (through the run's own API) for the readers of the run."""
    import json

    from zoo_keras import checkpoints

    arrays = dict(algorithm.arrays())
    if best_weights is not None:
        arrays |= {f"best_{i}": w for i, w in enumerate(best_weights)}
    arrays |= {f"buffer_{k}": v for k, v in buffer.state().items()}
    arrays["progress"] = np.array(json.dumps(asdict(progress)))
    with atomic_path(run.checkpoints / AGENT, suffix=".npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    checkpoints.save_atomic(algorithm.policy(), run.checkpoints / checkpoints.LAST)
    run.write_state(
        {
            "epoch": progress.epoch,
            "step": progress.step,
            "episode_steps": len(progress.episode_actions),
        }
    )


def load(run, algorithm, buffer) -> tuple[Progress, list | None]:
    """Restore what :func:`save` wrote into ``algorithm`` and ``buffer``; return the
    progress and the best check-up's weights (or None)."""
    import json

    from zoo_core.errors import RunError

    path = run.checkpoints / AGENT
    if not path.is_file():
        raise RunError(
            f"{run.path} has no DQN checkpoint to resume from (it stopped before "
            "the first check-up); start a new run"
        )
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        state = json.loads(str(arrays.pop("progress")))
    except Exception as exc:  # a damaged file: say so
        raise RunError(f"{path} is damaged ({type(exc).__name__}); start a new run") from None

    def group(prefix):
        keys = sorted(
            (k for k in arrays if k.startswith(prefix)), key=lambda k: int(k[len(prefix) :])
        )
        return [arrays[k] for k in keys]

    algorithm.restore(group)
    buffer.restore({k[len("buffer_") :]: v for k, v in arrays.items() if k.startswith("buffer_")})
    best = group("best_") or None
    return Progress(**state), best


def rebuild_env(env, progress: Progress):
    """Reset ``env`` as the checkpointed episode was reset and replay its actions; return
    the current observation."""
    reset = progress.env_reset
    if isinstance(reset, dict):
        env.reset(seed=0)  # creates the generator, whose state is then replaced
        env.unwrapped.np_random.bit_generator.state = reset
        obs, _ = env.reset()
    else:
        obs, _ = env.reset(seed=int(reset))
    for action in progress.episode_actions:
        obs, *_ = env.step(action)
    return obs
