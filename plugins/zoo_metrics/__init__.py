"""Built-in metric plugins that apply to any family declaring what they need.

- ``nll``: negative log-likelihood from ``log_likelihood`` (exact, or a bound with ``k``
  samples), in the model's unit and in bits per dimension.
"""

from zoo_core import hookimpl


@hookimpl
def register_metrics(register):
    from .nll import NegativeLogLikelihood

    register("nll", NegativeLogLikelihood)
