"""Built-in metric plugins that apply to any family declaring what they need.

- ``nll``: negative log-likelihood from ``log_likelihood`` (exact, or a bound with ``k``
  samples), in the model's unit and in bits per dimension.
- ``fid``, ``kid``, ``classifier_score``, ``precision_recall``, ``class_coverage``,
  ``conditional_accuracy``: sample metrics for any model that can ``sample``, in the feature
  space of the dataset's own classifier (``Dataset.feature_extractor()``).
"""

from zoo_core import hookimpl


@hookimpl
def register_metrics(register):
    from .nll import NegativeLogLikelihood
    from .sample_quality import (
        FID,
        KID,
        ClassCoverage,
        ClassifierScore,
        ConditionalAccuracy,
        PrecisionRecall,
    )

    register("nll", NegativeLogLikelihood)
    for name, cls in (
        ("fid", FID),
        ("kid", KID),
        ("classifier_score", ClassifierScore),
        ("precision_recall", PrecisionRecall),
        ("class_coverage", ClassCoverage),
        ("conditional_accuracy", ConditionalAccuracy),
    ):
        register(name, cls)


@hookimpl
def register_commands(cli):
    from .features_command import add_command

    add_command(cli)
