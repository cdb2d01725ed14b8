"""The ``elbo`` metric: the negative ELBO on the test split and its two terms.

Needs a model with the ``elbo`` capability (``elbo_terms(x)``: per-image reconstruction and
KL in nats, and the KL per latent dimension). Reported at beta = 1, the bound on -log p(x),
whatever beta trained the model; a conditional model is scored on -log p(x|y) with the test
labels. ``active_dims`` counts latent dimensions whose mean KL exceeds ``active_threshold``
nats (Burda et al. 2016 count activity by variance; the KL is what a beta-VAE user reads).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from zoo_core import Metric, MetricResult


@dataclass(frozen=True)
class ELBOSettings:
    split: str = field(default="test", metadata={"help": "which split to measure"})
    active_threshold: float = field(
        default=0.01,
        metadata={
            "help": "nats of mean KL above which a latent dimension counts as active",
            "min": 0.0,
        },
    )


class ELBO(Metric):
    """Negative ELBO (reconstruction + KL) on held-out images, nats and bits per dim."""

    Settings = ELBOSettings
    requires = frozenset({"elbo"})

    def compute(self, model, ctx) -> MetricResult:
        import numpy as np

        from zoo_core import CONDITIONAL

        x, y = ctx.dataset.arrays(self.settings.split)
        kw = {"labels": y} if CONDITIONAL in model.capabilities else {}
        terms = model.elbo_terms(x, seed=ctx.seed, **kw)
        rec, kl = float(np.mean(terms["reconstruction"])), float(np.mean(terms["kl"]))
        dims = int(np.prod(x.shape[1:]))
        neg = rec + kl
        values = {
            "neg_elbo": neg,
            "reconstruction": rec,
            "kl": kl,
            "neg_elbo_bits_per_dim": neg / (dims * math.log(2.0)),
        }
        units = {
            "neg_elbo": "nats/image",
            "reconstruction": "nats/image",
            "kl": "nats/image",
            "neg_elbo_bits_per_dim": "bits/dim",
        }
        notes = {
            "images": len(x),
            "split": self.settings.split,
            "kind": "bound on -log p(x) (beta = 1)",
        }
        if "kl_per_dim" in terms:
            per_dim = np.mean(terms["kl_per_dim"], axis=0)
            values["active_dims"] = float(np.sum(per_dim > self.settings.active_threshold))
            units["active_dims"] = "dims"
            notes["kl_per_dim"] = [round(float(v), 4) for v in per_dim]
        return MetricResult(values=values, units=units, notes=notes)
