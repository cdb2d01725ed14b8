"""What a run sends to MLflow, and when (through ``mlflow.MlflowClient``, MLflow's own API):

- at the start: an MLflow run named after the run folder in the experiment
  ``MLFLOW_EXPERIMENT_NAME`` (default ``zoo``), tagged with the model, the dataset and the
  folder; every model and dataset setting, the seed and the strategy as parameters;
- after each epoch: the epoch's logs (losses, the declared metrics) as metrics at that step;
- at the end: the test metrics, the figures, ``config.json``, ``metrics.json`` and the model
  card as artifacts, the trained model exported as a SavedModel (``export/``, when the family
  defines endpoints), and the run's end as MLflow's status (finished, failed, killed).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from zoo_core.errors import UsageError
from zoo_core.tracking import Tracker

STATUS = {"finished": "FINISHED", "failed": "FAILED", "interrupted": "KILLED"}


def _client():
    from mlflow import MlflowClient

    return MlflowClient()


class MLflowTracker(Tracker):
    """Logs a run to MLflow (see the module's notes)."""

    @classmethod
    def check(cls) -> None:
        try:
            import mlflow  # noqa: F401
        except ImportError:
            raise UsageError("--track mlflow needs MLflow: pip install 'zoo[mlflow]'") from None
        # a server that is down answers in seconds, not after MLflow's default retries
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
        try:
            _client().search_experiments(max_results=1)
        except Exception as exc:  # noqa: BLE001 (MLflow's own message, one line)
            from mlflow import get_tracking_uri

            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise UsageError(
                f"--track mlflow: the tracking server at {get_tracking_uri()} does not "
                f"answer ({first}); start it or set MLFLOW_TRACKING_URI"
            ) from None

    def start(self, run, plan) -> None:
        from mlflow.entities import Param, RunTag

        self.client, self.plan = _client(), plan
        name = os.environ.get("MLFLOW_EXPERIMENT_NAME", "zoo")
        experiment = self.client.get_experiment_by_name(name)
        exp_id = experiment.experiment_id if experiment else self.client.create_experiment(name)
        cfg = run.config
        tags = {
            "zoo.model": plan.model.name,
            "zoo.dataset": plan.dataset.name if plan.dataset is not None else "",
            "zoo.run_dir": str(run.path),
            "zoo.command": "zoo " + " ".join(cfg.get("command") or []),
        }
        self.run_id = self.client.create_run(exp_id, run_name=run.path.name, tags=tags).info.run_id
        params = {f"model.{k}": v for k, v in cfg["model"]["settings"].items()}
        params.update(
            {
                f"dataset.{k}": v
                for k, v in ((cfg.get("dataset") or {}).get("settings") or {}).items()
            }
        )
        params.update(seed=cfg.get("seed"), strategy=cfg.get("strategy"))
        self.client.log_batch(
            self.run_id,
            params=[Param(k, str(v)[:6000]) for k, v in params.items()],
            tags=[RunTag("mlflow.note.content", f"zoo run of {plan.model.name}")],
        )

    def callback(self):
        import keras

        tracker = self

        class LogEpoch(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                tracker.log_metrics(logs or {}, step=epoch + 1)

        return LogEpoch()

    def log_metrics(self, values: dict, step: int) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [
            Metric(k, float(v), now, step)
            for k, v in values.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
        if metrics:
            self.client.log_batch(self.run_id, metrics=metrics)

    def finish(self, run, status: str, model=None) -> None:
        if not hasattr(self, "run_id"):
            return
        try:
            metrics = run.metrics()
            last = len(metrics.get("history") or [])
            self.log_metrics({f"test_{k}": v for k, v in (metrics.get("test") or {}).items()}, last)
            for name in ("config.json", "metrics.json", "README.md"):
                if run.file(name).is_file():
                    self.client.log_artifact(self.run_id, str(run.file(name)))
            figures = sorted(Path(run.figures).glob("*.png"))
            for f in figures:
                self.client.log_artifact(self.run_id, str(f), "figures")
            if model is not None and status == "finished":
                self._log_export(run, model)
        finally:
            self.client.set_terminated(self.run_id, STATUS.get(status, "FAILED"))

    def _log_export(self, run, model) -> None:
        from zoo_core.errors import IncompatibleError
        from zoo_core.run.export import export_run

        with tempfile.TemporaryDirectory() as tmp:
            try:
                export_run(
                    self.plan, run, model, Path(tmp) / "export", ["savedmodel"],
                    reference=str(run.path), fresh_process=False,
                )  # fmt: skip
            except IncompatibleError as exc:  # a family without endpoints: said, not fatal
                self.client.set_tag(self.run_id, "zoo.export", str(exc))
                return
            self.client.log_artifacts(self.run_id, str(Path(tmp) / "export"), "export")
