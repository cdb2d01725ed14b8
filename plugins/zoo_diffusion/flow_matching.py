"""The ``flow_matching`` and ``flow_matching_cond`` Model plugins.

Lipman, Chen, Ben-Hamu, Nickel & Le (2023), "Flow Matching for Generative Modeling", with
the straight (optimal-transport) conditional path and ``sigma_min = 0``, which is the
rectified flow of Liu, Gong & Liu (2023), "Flow Straight and Fast": a velocity network
trained with the conditional flow-matching loss, sampled by solving ``dx/dt = v(x, t)``
from noise at ``t = 0`` to an image at ``t = 1`` with Euler or Heun (:mod:`.samplers`).
``flow_matching_cond`` adds classifier-free guidance (Ho & Salimans 2022) on the velocity:
labels dropped with probability ``label_dropout`` in training, ``v = (1 + w) v(x, y) - w
v(x)`` at sampling (``--set guidance=w``, ``--label Sneaker``).

It shares the U-Net, its moving average and the training loop with ``ddpm``
(:mod:`.network`). Where it departs from the papers:

- **time sampling**: logit-normal by default (Esser et al. 2024, "Scaling Rectified Flow
  Transformers for High-Resolution Image Synthesis", who found it best of the densities
  they compared), ``--set time_sampling=uniform`` for Lipman et al.'s;
- **sizes**: the ``ddpm``'s small U-Net (16/32/32 channels), so the default run fits an
  hour on 2 CPU cores; ``flow_matching_large`` for a GPU;
- **EMA warm-up**, as ``ddpm`` (:mod:`.network`).

No encoder and no latent grid: figures that need one are refused before training. The
likelihood (which a flow has, through the instantaneous change of variables) is not
computed.
"""

from __future__ import annotations

from zoo_core import CONDITIONAL, SAMPLE, MetricInfo

from .model import DenoisingModel
from .settings import FlowMatchingSettings


class FlowMatchingModel(DenoisingModel):
    """Flow matching (Lipman et al. 2023) sampled with Euler or Heun."""

    Settings = FlowMatchingSettings
    family = "flow_matching"
    metrics = (
        MetricInfo(
            "loss", "mse", "loss", "mean squared error of the predicted velocity (the CFM loss)"
        ),
    )
    prediction_meaning = "the predicted velocity dx/dt"

    def time_port(self):
        from zoo_core.export import Port

        return Port("t", (), "float32", "time in [0, 1]: 0 is noise, 1 is data", (0.0, 1.0))

    def make_network(self, shape, seed: int):
        from .network import FlowMatching

        return FlowMatching(
            shape,
            time_sampling=self.settings.time_sampling,
            seed=seed,
            name="flow_matching",
            **self.network_options(),
        )

    def sampler(self, **options):
        from .samplers import FLOW_SAMPLERS

        s = self.sampling(**options)
        return FLOW_SAMPLERS[s.sampler](s.steps)


class ConditionalFlowMatchingModel(FlowMatchingModel):
    """Flow matching with classifier-free guidance: class labels, --label."""

    capabilities = frozenset({SAMPLE, CONDITIONAL})

    def num_classes(self) -> int:
        return self.data_spec.num_classes
