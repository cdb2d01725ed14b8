"""MLflow tracking as a plugin: ``zoo run ... --track mlflow`` logs the run to an MLflow
tracking server through MLflow's own client (``pip install 'zoo[mlflow]'``). The server is
MLflow's usual ``MLFLOW_TRACKING_URI`` (and ``MLFLOW_EXPERIMENT_NAME``, default ``zoo``).
TensorBoard stays the default; this is registered like any third-party tracker."""

from zoo_core import hookimpl


@hookimpl
def register_trackers(register):
    from .tracker import MLflowTracker

    register("mlflow", MLflowTracker, summary="log runs to an MLflow tracking server")
