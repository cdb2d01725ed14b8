"""Settings of the RealNVP flow; the variants are named defaults (no TensorFlow here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from zoo_core import SettingsError


@dataclass(frozen=True)
class RealNVPSettings:
    scales: int = field(
        default=2,
        metadata={
            "help": "multi-scale levels: each is checkerboard couplings, a squeeze, channel "
            "couplings and a split that factors out half the dimensions",
            "min": 1,
        },
    )
    couplings: int = field(
        default=3,
        metadata={"help": "coupling layers of each kind per scale (the paper: 3)", "min": 1},
    )
    final_couplings: int = field(
        default=4,
        metadata={
            "help": "checkerboard couplings on what is left after the last split (the paper: 4)",
            "min": 1,
        },
    )
    filters: int = field(
        default=32,
        metadata={
            "help": "channels of the residual networks that give each coupling's scale and "
            "translation",
            "min": 1,
        },
    )
    blocks: int = field(
        default=1, metadata={"help": "residual blocks in each of those networks", "min": 0}
    )
    alpha: float = field(
        default=0.05,
        metadata={
            "help": "logit transform's margin: logit(alpha + (1 - 2 alpha) y) (the paper's 0.05)",
            "min": 0.0,
            "max": 0.49,
        },
    )
    temperature: float = field(
        default=1.0,
        metadata={
            "help": "sampling temperature: z ~ N(0, T^2 I) (0.7 gives cleaner, less varied images)",
            "min": 0.0,
            "max": 2.0,
            "sampling": True,
        },
    )
    learning_rate: float = field(default=1e-3, metadata={"help": "Adam learning rate", "min": 0.0})
    weight_decay: float = field(
        default=5e-5,
        metadata={
            "help": "L2 penalty on the scale/translation networks' kernels (the paper's 5e-5)",
            "min": 0.0,
        },
    )
    batch_size: int = field(default=64, metadata={"help": "images per step", "min": 1})
    epochs: int = field(
        default=3, metadata={"help": "passes over the training split", "min": 1, "max": 1_000_000}
    )
    train_split: Literal["train", "all"] = field(
        default="train", metadata={"help": "train (held-out test score) or all (train+test)"}
    )

    def __post_init__(self):
        if not 0.0 <= self.alpha < 0.5:
            raise SettingsError(f"realnvp setting 'alpha' must be in [0, 0.5), got {self.alpha}")
        if self.temperature <= 0.0:
            raise SettingsError(
                f"realnvp setting 'temperature' must be above 0, got {self.temperature}"
            )


#: ``realnvp`` for 2 cores (3 epochs, about 45 minutes), ``realnvp_large`` for a GPU (the paper's
#: 8 residual blocks of 64 filters).
VARIANTS = {
    "realnvp": {},
    "realnvp_large": {"filters": 64, "blocks": 8, "epochs": 100},
}
