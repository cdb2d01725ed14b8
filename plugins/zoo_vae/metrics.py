"""The ``elbo`` metric: the negative ELBO on the test split and its two terms.

Needs a model with the ``elbo`` capability (``elbo_terms(x)``: per-image reconstruction and
KL in nats). Reported at beta = 1, the bound on -log p(x), whatever beta trained the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from zoo_core import Metric, MetricResult


@dataclass(frozen=True)
class ELBOSettings:
    split: str = field(default="test", metadata={"help": "which split to measure"})


class ELBO(Metric):
    """Negative ELBO (reconstruction + KL) on held-out images, nats and bits per dim."""

    Settings = ELBOSettings
    requires = frozenset({"elbo"})

    def compute(self, model, ctx) -> MetricResult:
        x, _ = ctx.dataset.arrays(self.settings.split)
        terms = model.elbo_terms(x, seed=ctx.seed)
        rec, kl = float(np.mean(terms["reconstruction"])), float(np.mean(terms["kl"]))
        dims = int(np.prod(x.shape[1:]))
        neg = rec + kl
        return MetricResult(
            values={"neg_elbo": neg, "reconstruction": rec, "kl": kl,
                    "neg_elbo_bits_per_dim": neg / (dims * math.log(2.0))},
            units={"neg_elbo": "nats/image", "reconstruction": "nats/image",
                   "kl": "nats/image", "neg_elbo_bits_per_dim": "bits/dim"},
            notes={"images": len(x), "split": self.settings.split,
                   "kind": "bound on -log p(x) (beta = 1)"})
