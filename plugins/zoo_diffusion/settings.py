"""Settings of the diffusion family (``ddpm`` and ``flow_matching``); the variants are named
defaults (no TensorFlow here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from zoo_core import SettingsError


@dataclass(frozen=True)
class DDPMSettings:
    # -- the forward process ----------------------------------------------------------------
    timesteps: int = field(
        default=1000,
        metadata={"help": "diffusion steps T of the forward process (the paper: 1000)", "min": 2},
    )
    schedule: Literal["linear", "cosine"] = field(
        default="cosine",
        metadata={
            "help": "noise schedule: linear betas 1e-4..0.02 (Ho et al.) or cosine alpha-bar "
            "(Nichol & Dhariwal)"
        },
    )
    # -- the U-Net ----------------------------------------------------------------------------
    channels: tuple[int, ...] = field(
        default=(16, 32, 32),
        metadata={
            "help": "U-Net channels per resolution (28x28, 14x14, 7x7 for Fashion-MNIST); "
            "raise for a GPU, e.g. 64,128,128 (every entry a multiple of 8)"
        },
    )
    blocks: int = field(
        default=1,
        metadata={
            "help": "residual blocks per resolution on the way down (one more on the way up)",
            "min": 1,
        },
    )
    attention: bool = field(
        default=True, metadata={"help": "self-attention at the lowest resolution and in the middle"}
    )
    dropout: float = field(
        default=0.0,
        metadata={
            "help": "dropout inside the residual blocks (the paper: 0.1 on CIFAR-10)",
            "min": 0.0,
            "max": 0.9,
        },
    )
    # -- training -------------------------------------------------------------------------------
    learning_rate: float = field(default=1e-3, metadata={"help": "Adam learning rate", "min": 0.0})
    ema: float = field(
        default=0.999,
        metadata={
            "help": "decay of the weights' exponential moving average (sampling uses it), "
            "warmed up as min(ema, (1+n)/(10+n)) after n steps",
            "min": 0.0,
            "max": 0.99999,
        },
    )
    batch_size: int = field(default=64, metadata={"help": "images per step", "min": 1})
    epochs: int = field(
        default=5, metadata={"help": "passes over the training split", "min": 1, "max": 1_000_000}
    )
    train_split: Literal["train", "all"] = field(
        default="train", metadata={"help": "train (held-out test loss) or all (train+test)"}
    )
    # -- free at sampling ("sampling": True): zoo sample, zoo viz and sample() may change them --
    sampler: Literal["ddim", "ancestral", "ddpm", "dpmpp_2m"] = field(
        default="ancestral",
        metadata={
            "help": "ancestral (Ho et al.'s posterior on 'steps' timesteps: fresh noise each "
            "step, the best FID of the short run), ddim (Song et al.; deterministic with "
            "eta=0), ddpm (ancestral over all T), dpmpp_2m (DPM-Solver++ 2M, Lu et al. 2022: "
            "second order, one evaluation per step)",
            "sampling": True,
        },
    )
    steps: int = field(
        default=50,
        metadata={
            "help": "network evaluations per image (NFE; ddpm always takes T)",
            "min": 1,
            "max": 1000,
            "sampling": True,
        },
    )
    eta: float = field(
        default=0.0,
        metadata={
            "help": "ddim's eta: 0 deterministic, 1 the ancestral sampler's variance",
            "min": 0.0,
            "max": 1.0,
            "sampling": True,
        },
    )
    # -- classifier-free guidance (ddpm_cond) ---------------------------------------------------
    label_dropout: float = field(
        default=0.1,
        metadata={
            "help": "conditional models: probability a training label is dropped (the paper: 0.1)",
            "min": 0.0,
            "max": 1.0,
        },
    )
    guidance: float = field(
        default=1.0,
        metadata={
            "help": "conditional models: guidance weight w, eps = (1+w) eps(x,y) - w eps(x); "
            "0 is plain conditional sampling",
            "min": 0.0,
            "max": 20.0,
            "sampling": True,
        },
    )

    def __post_init__(self):
        if self.steps > self.timesteps:
            raise SettingsError(
                f"ddpm setting 'steps' ({self.steps}) cannot exceed 'timesteps' ({self.timesteps})"
            )
        check_unet(self, "ddpm")


def check_unet(settings, family: str) -> None:
    """What the U-Net and the training loop need of the settings both models share."""
    s = settings
    if not s.channels or min(s.channels) < 8 or any(c % 8 for c in s.channels):
        raise SettingsError(
            f"{family} setting 'channels' must be multiples of 8 (group normalisation uses 8 "
            f"groups), e.g. 32,64,64; got {','.join(map(str, s.channels))}"
        )
    for name, value in (("label_dropout", s.label_dropout), ("ema", s.ema), ("dropout", s.dropout)):
        if not 0.0 <= value < 1.0:
            raise SettingsError(f"{family} setting '{name}' must be in [0, 1), got {value}")


#: ``ddpm`` for 2 cores (about an hour), ``ddpm_large`` for a GPU (the paper's CIFAR-10 widths
#: scaled to 28x28: 128 channels, two blocks, dropout 0.1, 0.9999 EMA, 2e-4).
VARIANTS = {
    "ddpm": {},
    "ddpm_large": {
        "channels": (128, 256, 256),
        "blocks": 2,
        "dropout": 0.1,
        "learning_rate": 2e-4,
        "ema": 0.9999,
        "batch_size": 128,
        "epochs": 200,
    },
}
COND_VARIANTS = {
    "ddpm_cond": {},
    "ddpm_cond_large": VARIANTS["ddpm_large"],
}


@dataclass(frozen=True)
class FlowMatchingSettings:
    # -- the flow ---------------------------------------------------------------------------
    time_sampling: Literal["logit_normal", "uniform"] = field(
        default="logit_normal",
        metadata={
            "help": "how training draws t: logit_normal (Esser et al. 2024: more weight "
            "mid-path) or uniform (Lipman et al. 2023)"
        },
    )
    # -- the U-Net (the ddpm's) ----------------------------------------------------------------
    channels: tuple[int, ...] = field(
        default=(16, 32, 32),
        metadata={
            "help": "U-Net channels per resolution (28x28, 14x14, 7x7 for Fashion-MNIST); "
            "raise for a GPU, e.g. 64,128,128 (every entry a multiple of 8)"
        },
    )
    blocks: int = field(
        default=1,
        metadata={
            "help": "residual blocks per resolution on the way down (one more on the way up)",
            "min": 1,
        },
    )
    attention: bool = field(
        default=True, metadata={"help": "self-attention at the lowest resolution and in the middle"}
    )
    dropout: float = field(
        default=0.0, metadata={"help": "dropout inside the residual blocks", "min": 0.0, "max": 0.9}
    )
    # -- training -------------------------------------------------------------------------------
    learning_rate: float = field(default=1e-3, metadata={"help": "Adam learning rate", "min": 0.0})
    ema: float = field(
        default=0.999,
        metadata={
            "help": "decay of the weights' exponential moving average (sampling uses it), "
            "warmed up as min(ema, (1+n)/(10+n)) after n steps",
            "min": 0.0,
            "max": 0.99999,
        },
    )
    batch_size: int = field(default=64, metadata={"help": "images per step", "min": 1})
    epochs: int = field(
        default=5, metadata={"help": "passes over the training split", "min": 1, "max": 1_000_000}
    )
    train_split: Literal["train", "all"] = field(
        default="train", metadata={"help": "train (held-out test loss) or all (train+test)"}
    )
    # -- free at sampling ("sampling": True): zoo sample, zoo viz and sample() may change them --
    sampler: Literal["euler", "heun"] = field(
        default="heun",
        metadata={
            "help": "euler (first order) or heun (second order, two evaluations a step)",
            "sampling": True,
        },
    )
    steps: int = field(
        default=20,
        metadata={
            "help": "network evaluations per image (NFE; heun takes (steps+1)//2 steps, "
            "the last one Euler's)",
            "min": 1,
            "max": 1000,
            "sampling": True,
        },
    )
    # -- classifier-free guidance (flow_matching_cond) ------------------------------------------
    label_dropout: float = field(
        default=0.1,
        metadata={
            "help": "conditional models: probability a training label is dropped",
            "min": 0.0,
            "max": 1.0,
        },
    )
    guidance: float = field(
        default=1.0,
        metadata={
            "help": "conditional models: guidance weight w, v = (1+w) v(x,y) - w v(x); "
            "0 is plain conditional sampling",
            "min": 0.0,
            "max": 20.0,
            "sampling": True,
        },
    )

    def __post_init__(self):
        if self.sampler == "heun" and self.steps < 3:
            raise SettingsError(
                "flow_matching's heun sampler takes two network evaluations a step and one "
                f"for the last; give steps >= 3 (got {self.steps}) or sampler=euler"
            )
        check_unet(self, "flow_matching")


#: ``flow_matching`` for 2 cores (under an hour), ``flow_matching_large`` for a GPU. The
#: unconditional model trains 8 epochs (about 42 minutes on 2 cores): FID 23.0 against 31.6
#: after 5 (10,000 samples, Heun 19 evaluations); the guided one reaches its targets in 5.
FLOW_VARIANTS = {
    "flow_matching": {"epochs": 8},
    "flow_matching_large": {
        "channels": (128, 256, 256),
        "blocks": 2,
        "dropout": 0.1,
        "learning_rate": 2e-4,
        "ema": 0.9999,
        "batch_size": 128,
        "epochs": 200,
    },
}
FLOW_COND_VARIANTS = {
    "flow_matching_cond": {"epochs": 5},
    "flow_matching_cond_large": FLOW_VARIANTS["flow_matching_large"],
}
