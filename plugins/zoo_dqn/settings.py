"""DQN settings; the defaults solve CartPole-v1 (no TensorFlow or gymnasium imported here)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DQNSettings:
    env: str = field(default="CartPole-v1", metadata={"help": "gymnasium environment id"})
    total_steps: int = field(default=50_000, metadata={"help": "environment steps", "min": 1})
    warmup_steps: int = field(
        default=1_000,
        metadata={
            "help": "random-action steps that fill the replay buffer before learning",
            "min": 0,
        },
    )
    buffer_size: int = field(default=50_000, metadata={"help": "replay capacity", "min": 1})
    batch_size: int = field(default=64, metadata={"help": "transitions per update", "min": 1})
    hidden: tuple[int, ...] = field(
        default=(256, 256), metadata={"help": "units of the Q-network's hidden layers"}
    )
    learning_rate: float = field(
        default=2.3e-3, metadata={"help": "Adam learning rate", "min": 0.0}
    )
    gamma: float = field(default=0.99, metadata={"help": "discount", "min": 0.0, "max": 1.0})
    train_every: int = field(
        default=256, metadata={"help": "environment steps between training rounds", "min": 1}
    )
    updates_per_round: int = field(
        default=128, metadata={"help": "gradient steps per training round", "min": 1}
    )
    target_sync: int = field(
        default=1, metadata={"help": "training rounds between target-network syncs", "min": 1}
    )
    tau: float = field(
        default=1.0,
        metadata={"help": "1: hard copy at sync; <1: Polyak averaging at each sync", "min": 0.0},
    )
    double: bool = field(
        default=False, metadata={"help": "Double DQN targets (online net picks, target net scores)"}
    )
    huber_delta: float = field(default=1.0, metadata={"help": "Huber loss delta", "min": 0.0})
    eps_start: float = field(
        default=1.0, metadata={"help": "initial exploration rate", "min": 0.0, "max": 1.0}
    )
    eps_end: float = field(
        default=0.04, metadata={"help": "final exploration rate", "min": 0.0, "max": 1.0}
    )
    eps_decay_steps: int = field(
        default=8_000,
        metadata={"help": "steps of the linear decay from eps_start to eps_end", "min": 1},
    )
    eval_every: int = field(
        default=1_000,
        metadata={
            "help": "steps between greedy check-ups that keep the best network (0: never)",
            "min": 0,
        },
    )
    eval_episodes: int = field(
        default=100, metadata={"help": "greedy episodes in the final evaluation", "min": 1}
    )
