"""Sample metrics for any model that can ``sample``, measured in the feature space of the
dataset's own classifier (``Dataset.feature_extractor()``).

``fid`` (Heusel et al. 2017), ``kid`` (Bińkowski et al. 2018), ``classifier_score`` (the
Inception score of Salimans et al. 2016 with the dataset's classifier), ``precision_recall``
(Kynkäänniemi et al. 2019), ``class_coverage`` (mode collapse shows as a low entropy and a
rare class near 0), ``conditional_accuracy`` (conditional models: how often the classifier
gives a sample the label it was drawn for). Numbers are comparable only under the same
classifier; each result names the classifier's file and checksum.

Samples and features are computed once per ``zoo eval`` and shared by these metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zoo_core import CONDITIONAL, SAMPLE, Metric, MetricResult
from zoo_core.contract import classes_in_turn
from zoo_metrics.progress import chunks, track


@dataclass(frozen=True)
class SampleSettings:
    n: int = field(
        default=10_000,
        metadata={
            "help": "samples to draw (and test images to compare with, at most the split)",
            "min": 2,
        },
    )
    split: str = field(default="test", metadata={"help": "the real images compared with"})


def _labels(model, n):
    return classes_in_turn(n, model.data_spec.num_classes if model.data_spec else 1)


def sample_features(model, ctx, n: int, chunk: int = 1000):
    """``(features, probs, labels)`` of ``n`` samples, cached in the evaluation context."""
    import numpy as np

    key = ("sample_features", n, ctx.seed)
    if key not in ctx.cache:
        extractor = extractor_of(ctx)
        conditional = CONDITIONAL in model.capabilities
        labels = _labels(model, n) if conditional else None
        feats, probs = [], []
        for i, stop in track(ctx, chunks(n, chunk), f"sampling {n:,} and their features"):
            m = stop - i
            kw = {"labels": labels[i:stop]} if conditional else {}
            # each chunk its own seed, so n samples do not depend on the chunk size alone
            images = model.sample(m, seed=ctx.seed * 100_003 + i, **kw)
            f, p = extractor(images)
            feats.append(f)
            probs.append(p)
        ctx.cache[key] = (np.concatenate(feats), np.concatenate(probs), labels)
    return ctx.cache[key]


def real_features(ctx, split: str, n: int):
    import numpy as np

    key = ("real_features", split, n)
    if key not in ctx.cache:
        x, _ = ctx.dataset.arrays(split)
        x = x[:n]
        parts = [
            extractor_of(ctx)(x[i:j])
            for i, j in track(ctx, chunks(len(x), 1000), f"features of {len(x):,} {split} images")
        ]
        ctx.cache[key] = (
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
        )
    return ctx.cache[key]


def extractor_of(ctx):
    if "extractor" not in ctx.cache:
        ctx.cache["extractor"] = ctx.dataset.feature_extractor()
    return ctx.cache["extractor"]


class SampleMetric(Metric):
    Settings = SampleSettings
    requires = frozenset({SAMPLE})
    needs_features = True

    def notes(self, ctx, n_real=None) -> dict:
        ex = extractor_of(ctx)
        out = {"samples": self.settings.n, "feature_space": ex.space}
        if "test_accuracy" in ex.info:  # the classifier's held-out accuracy, beside every value
            out["classifier_accuracy"] = round(float(ex.info["test_accuracy"]), 4)
        if n_real is not None:
            out["real"] = n_real
        return out


class FID(SampleMetric):
    """Fréchet distance between features of samples and of the test split (lower: better)."""

    def compute(self, model, ctx) -> MetricResult:
        s = self.settings
        fake, _, _ = sample_features(model, ctx, s.n)
        real, _ = real_features(ctx, s.split, s.n)
        from . import stats

        value = stats.frechet_distance(*stats.gaussian_stats(real), *stats.gaussian_stats(fake))
        return MetricResult({"fid": value}, {"fid": "feature units^2"}, self.notes(ctx, len(real)))


@dataclass(frozen=True)
class KIDSettings(SampleSettings):
    subsets: int = field(default=100, metadata={"help": "random subsets", "min": 1})
    subset_size: int = field(default=1000, metadata={"help": "images per subset", "min": 2})


class KID(SampleMetric):
    """Unbiased polynomial-kernel MMD^2 between sample and test features: mean and std."""

    Settings = KIDSettings

    def compute(self, model, ctx) -> MetricResult:
        s = self.settings
        fake, _, _ = sample_features(model, ctx, s.n)
        real, _ = real_features(ctx, s.split, s.n)
        from . import stats

        mean, std = stats.kid(
            real, fake, subsets=s.subsets, subset_size=s.subset_size, seed=ctx.seed
        )
        return MetricResult({"kid": mean, "kid_std": std}, {}, self.notes(ctx, len(real)))


@dataclass(frozen=True)
class ScoreSettings(SampleSettings):
    splits: int = field(default=10, metadata={"help": "splits for mean and std", "min": 1})


class ClassifierScore(SampleMetric):
    """exp(E KL(p(y|x) || p(y))) of samples under the dataset's classifier (higher: better)."""

    Settings = ScoreSettings
    higher_is_better = frozenset({"classifier_score"})

    def compute(self, model, ctx) -> MetricResult:
        _, probs, _ = sample_features(model, ctx, self.settings.n)
        from . import stats

        mean, std = stats.classifier_score(probs, self.settings.splits)
        return MetricResult(
            {"classifier_score": mean, "classifier_score_std": std}, {}, self.notes(ctx)
        )


@dataclass(frozen=True)
class PRSettings(SampleSettings):
    k: int = field(default=3, metadata={"help": "k of the k-NN radii", "min": 1})


class PrecisionRecall(SampleMetric):
    """k-NN manifold precision (samples that look real) and recall (real images covered)."""

    Settings = PRSettings
    higher_is_better = frozenset({"precision", "recall"})

    def compute(self, model, ctx) -> MetricResult:
        s = self.settings
        fake, _, _ = sample_features(model, ctx, s.n)
        real, _ = real_features(ctx, s.split, s.n)
        from . import stats

        p, r = stats.precision_recall(real, fake, s.k)
        return MetricResult(
            {"precision": p, "recall": r}, {}, {**self.notes(ctx, len(real)), "k": s.k}
        )


class ClassCoverage(SampleMetric):
    """Spread of the samples' predicted classes: entropy and the rarest class's share."""

    higher_is_better = frozenset({"class_entropy", "rarest_class_share"})

    def compute(self, model, ctx) -> MetricResult:
        import numpy as np

        _, probs, _ = sample_features(model, ctx, self.settings.n)
        classes = probs.shape[1]
        from . import stats

        values = stats.class_coverage(probs, classes)
        return MetricResult(
            values,
            {"class_entropy": "nats"},
            {**self.notes(ctx), "uniform_entropy": float(np.log(classes))},
        )


class ConditionalAccuracy(SampleMetric):
    """How often the classifier assigns a sample the class it was drawn for."""

    requires = frozenset({SAMPLE, CONDITIONAL})
    needs_labels = True
    higher_is_better = frozenset({"conditional_accuracy"})

    def compute(self, model, ctx) -> MetricResult:
        import numpy as np

        _, probs, labels = sample_features(model, ctx, self.settings.n)
        hit = np.argmax(probs, axis=1) == labels
        per_class = {f"accuracy_{c}": float(hit[labels == c].mean()) for c in np.unique(labels)}
        return MetricResult(
            {"conditional_accuracy": float(hit.mean()), **per_class}, {}, self.notes(ctx)
        )
