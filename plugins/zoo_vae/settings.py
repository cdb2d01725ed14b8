"""Settings of the convolutional VAE; the variants are named defaults (no TensorFlow here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from zoo_core import SettingsError


@dataclass(frozen=True)
class VAESettings:
    latent_dim: int = field(default=2, metadata={"help": "size of the latent space", "min": 1})
    filters: tuple[int, ...] = field(
        default=(32, 64),
        metadata={"help": "filters of the two stride-2 convolutions (the decoder mirrors them)"},
    )
    dense: int = field(
        default=16, metadata={"help": "units of the encoder's dense layer", "min": 1}
    )
    beta: float = field(
        default=1.0,
        metadata={
            "help": "weight of the KL term in training (beta-VAE); the reported ELBO (neg_elbo, "
            "the elbo metric) is always the beta = 1 bound",
            "min": 0.0,
        },
    )
    kl_warmup: int = field(
        default=0,
        metadata={"help": "epochs over which beta rises linearly from 0 (0: no warm-up)", "min": 0},
    )
    label_every_layer: bool = field(
        default=False,
        metadata={
            "help": "cvae: the label also enters each transposed convolution of the decoder, "
            "as constant feature maps"
        },
    )
    conditional_prior: bool = field(
        default=True,
        metadata={
            "help": "cvae: learn p(z|y) = N(mu_y, sigma_y^2) per class (Sohn et al. 2015) "
            "instead of N(0, I)"
        },
    )
    learning_rate: float = field(default=1e-3, metadata={"help": "Adam learning rate", "min": 0.0})
    batch_size: int = field(default=128, metadata={"help": "images per step", "min": 1})
    epochs: int = field(
        default=30, metadata={"help": "passes over the training split", "min": 1, "max": 1_000_000}
    )
    train_split: Literal["train", "all"] = field(
        default="train",
        metadata={"help": "train (held-out test score) or all (train+test, as the seed notebook)"},
    )
    precision: Literal["float32", "mixed_bfloat16"] = field(
        default="float32",
        metadata={"help": "Keras dtype policy; mixed_bfloat16 computes in bfloat16"},
    )
    steps_per_execution: int = field(
        default=1,
        metadata={
            "help": "train steps per compiled call (higher: less overhead, coarser progress)",
            "min": 1,
        },
    )

    def __post_init__(self):
        if len(self.filters) != 2 or min(self.filters) < 1:
            raise SettingsError(
                f"vae setting 'filters' must be two positive numbers, e.g. "
                f"32,64; got {','.join(map(str, self.filters))}"
            )


#: The seed notebook's two models, and a beta-VAE (Higgins et al. 2017: beta = 4) with room
#: for ten factors.
VARIANTS = {
    "vae_2d": {},
    "vae_4d": {"latent_dim": 4, "filters": (64, 128), "dense": 32},
    "beta_vae": {"latent_dim": 10, "beta": 4.0, "dense": 64},
}

#: The conditional VAE's variants: the same networks, with the label fed to both.
CVAE_VARIANTS = {
    "cvae_2d": {},
    "cvae_4d": {"latent_dim": 4, "filters": (64, 128), "dense": 32},
}
