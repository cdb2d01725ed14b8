"""Settings of the GAN family; the variants are named defaults (no TensorFlow here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from zoo_core import SettingsError


@dataclass(frozen=True)
class DCGANSettings:
    latent_dim: int = field(
        default=128, metadata={"help": "size of the generator's input noise", "min": 1}
    )
    filters: tuple[int, ...] = field(
        default=(64, 128),
        metadata={
            "help": "filters of the discriminator's two stride-2 convolutions (the generator "
            "mirrors them); raise for a GPU, e.g. 128,256"
        },
    )
    learning_rate: float = field(
        default=2e-4, metadata={"help": "Adam learning rate (both networks)", "min": 0.0}
    )
    beta_1: float = field(default=0.5, metadata={"help": "Adam beta_1", "min": 0.0, "max": 0.9999})
    beta_2: float = field(
        default=0.999, metadata={"help": "Adam beta_2", "min": 0.0, "max": 0.9999}
    )
    batch_size: int = field(default=128, metadata={"help": "images per step", "min": 1})
    epochs: int = field(
        default=15, metadata={"help": "passes over the training split", "min": 1, "max": 1_000_000}
    )
    train_split: str = field(default="train", metadata={"help": "train or all"})
    fid_every: int = field(
        default=1,
        metadata={
            "help": "epochs between FID check-ups of fid_samples samples (0: none)",
            "min": 0,
        },
    )
    fid_samples: int = field(default=2000, metadata={"help": "samples per FID check-up", "min": 2})
    progress_points: int = field(
        default=10,
        metadata={
            "help": "fixed latent points decoded after every epoch (the progress figure)",
            "min": 0,
        },
    )
    steps_per_execution: int = field(
        default=1, metadata={"help": "train steps per compiled call", "min": 1}
    )

    def __post_init__(self):
        if len(self.filters) != 2 or min(self.filters) < 1:
            raise SettingsError(
                f"gan setting 'filters' must be two positive numbers, e.g. "
                f"64,128; got {','.join(map(str, self.filters))}"
            )


@dataclass(frozen=True)
class WGANGPSettings(DCGANSettings):
    learning_rate: float = field(
        default=2e-4, metadata={"help": "Adam learning rate (both networks)", "min": 0.0}
    )
    beta_1: float = field(default=0.5, metadata={"help": "Adam beta_1", "min": 0.0, "max": 0.9999})
    beta_2: float = field(default=0.9, metadata={"help": "Adam beta_2", "min": 0.0, "max": 0.9999})
    batch_size: int = field(default=64, metadata={"help": "images per critic update", "min": 1})
    epochs: int = field(
        default=20, metadata={"help": "passes over the training split", "min": 1, "max": 1_000_000}
    )
    n_critic: int = field(
        default=5,
        metadata={"help": "critic updates per generator update (each on its own batch)", "min": 1},
    )
    gp_weight: float = field(
        default=10.0, metadata={"help": "gradient penalty weight (lambda)", "min": 0.0}
    )
