"""Training Keras models inside a run: progress, checkpoints, metrics, NaN stop, resume.

Imported only by plugins that train Keras models (it imports TensorFlow). The pieces are
ordinary Keras callbacks, so a third-party Keras model gets the same run directory by
calling :func:`fit`.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from pathlib import Path

import keras
import tensorflow as tf
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeRemainingColumn)

from .errors import RunError, TrainingError
from .runs import RunDir

LAST, BEST = "last.keras", "best.keras"


def seed_everything(seed: int) -> None:
    """Same seed, same numbers on the same machine (Python, NumPy, TF; deterministic ops)."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def save_atomic(model: keras.Model, path: Path) -> None:
    """Save a ``.keras`` file so that a crash mid-write never leaves a broken file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".keras", dir=path.parent)
    os.close(fd)
    try:
        model.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_model(path: Path) -> keras.Model:
    if not Path(path).is_file():
        raise RunError(f"no model at {path}; train the run first (or resume it)")
    return keras.models.load_model(path, safe_mode=True)


def _finite(logs, key="loss") -> bool:
    v = (logs or {}).get(key)
    return v is None or math.isfinite(float(v))


class StopOnNaN(keras.callbacks.Callback):
    """Like ``keras.callbacks.TerminateOnNaN``, but remembers where it happened."""

    def __init__(self):
        super().__init__()
        self.epoch = 0
        self.where: tuple[int, int, float] | None = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.where is None and not _finite(logs):
            self.where = (self.epoch + 1, batch + 1, float(logs["loss"]))
            self.model.stop_training = True


class RunRecorder(keras.callbacks.Callback):
    """Per-epoch metrics into metrics.json and atomic last/best checkpoints + state.json.

    A checkpoint is only written for an epoch whose losses are finite, so after a NaN stop
    the last good checkpoint stays.
    """

    def __init__(self, run: RunDir, monitor: str = "val_loss"):
        super().__init__()
        self.run, self.monitor = run, monitor
        state = run.read_json("state.json", {}) or {}
        self.best = state.get("best", math.inf)
        self._t0 = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if not all(math.isfinite(v) for v in logs.values()):
            return
        row = {"epoch": epoch + 1, **logs, "seconds": round(time.perf_counter() - self._t0, 3)}
        metrics = self.run.metrics()
        metrics["history"] = [h for h in metrics.get("history", []) if h["epoch"] <= epoch]
        metrics["history"].append(row)
        metrics["params"] = int(self.model.count_params())
        self.run.write_json("metrics.json", metrics)
        save_atomic(self.model, self.run.checkpoints / LAST)
        value = logs.get(self.monitor, logs.get("loss"))
        if value is not None and value < self.best:
            self.best = value
            save_atomic(self.model, self.run.checkpoints / BEST)
        self.run.write_json("state.json", {"epoch": epoch + 1, "best": self.best,
                                           "monitor": self.monitor})


class RichProgress(keras.callbacks.Callback):
    """A rich progress bar: epoch, step, the model's metrics, images/s and ETA."""

    def __init__(self, console, epochs: int, steps: int, batch_size: int,
                 keys=("loss", "reconstruction_loss", "kl_loss"), every: int = 5):
        super().__init__()
        self.console, self.epochs, self.steps = console, epochs, steps
        self.batch_size, self.keys, self.every = batch_size, keys, every
        self.progress = Progress(
            TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"),
            BarColumn(bar_width=20),
            MofNCompleteColumn(), TextColumn("{task.fields[stats]}"),
            TextColumn("{task.fields[speed]}"), TimeRemainingColumn(),
            console=console, transient=False)
        self.task = None

    def on_train_begin(self, logs=None):
        self.progress.start()

    def on_train_end(self, logs=None):
        self.progress.stop()

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()
        self.task = self.progress.add_task("", total=self.steps, epoch=epoch + 1,
                                           epochs=self.epochs, stats="", speed="")

    def _stats(self, logs):
        short = {"loss": "loss", "reconstruction_loss": "rec", "kl_loss": "kl"}
        return " ".join(f"{short.get(k, k)} {float(logs[k]):.1f}" for k in self.keys if k in logs)

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every and batch + 1 != self.steps:
            return
        rate = (batch + 1) * self.batch_size / max(time.perf_counter() - self._t0, 1e-9)
        self.progress.update(self.task, completed=batch + 1, stats=self._stats(logs or {}),
                             speed=f"{rate:,.0f} img/s")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.progress.update(self.task, completed=self.steps, stats=self._stats(logs))
        if "val_loss" in logs:
            self.progress.console.print(
                f"epoch {epoch + 1}: test " + " ".join(
                    f"{k[4:]} {float(v):.2f}" for k, v in logs.items() if k.startswith("val_")))


def fit(model: keras.Model, train, *, steps: int, epochs: int, run: RunDir, console,
        batch_size: int, validation=None, initial_epoch: int = 0, callbacks=(),
        progress_keys=("loss", "reconstruction_loss", "kl_loss"), chief: bool = True) -> None:
    """``model.fit`` with the run's callbacks; raises :class:`TrainingError` on NaN.

    On Ctrl-C the current weights are saved to ``checkpoints/interrupted.keras`` and the
    interrupt is re-raised; ``last.keras`` (end of the last full epoch) stays what
    ``--resume`` continues from, so a resumed run matches an uninterrupted one.
    """
    nan = StopOnNaN()
    monitor = "val_loss" if validation is not None else "loss"
    if chief:
        cbs = [nan, RunRecorder(run, monitor),
               keras.callbacks.CSVLogger(str(run.file("metrics.csv")), append=initial_epoch > 0)]
    else:
        # Multi-worker: saving takes part in collectives, so every worker saves, but only
        # the chief into the run; the others into a scratch folder that is then removed.
        scratch = RunDir(tempfile.mkdtemp(prefix="zoo-worker-"))
        scratch.checkpoints.mkdir()
        cbs = [nan, RunRecorder(scratch, monitor)]
    cbs += [RichProgress(console, epochs, steps, batch_size, progress_keys), *callbacks]
    try:
        model.fit(train, steps_per_epoch=steps, epochs=epochs, initial_epoch=initial_epoch,
                  validation_data=validation,
                  callbacks=cbs, shuffle=False, verbose=0)
    except KeyboardInterrupt:
        save_atomic(model, run.checkpoints / "interrupted.keras")
        console.print(f"interrupted: weights saved to {run.checkpoints / 'interrupted.keras'}; "
                      f"continue from the last full epoch with `zoo run --resume {run.path}`")
        raise
    finally:
        if not chief:
            shutil.rmtree(scratch.path, ignore_errors=True)
    if nan.where is not None:
        epoch, step, value = nan.where
        last = run.checkpoints / LAST
        keep = f"the last good checkpoint is {last}" if last.exists() else \
            "no epoch finished, so there is no checkpoint"
        raise TrainingError(f"loss became {value} at epoch {epoch}, step {step}; training "
                            f"stopped and {keep}. Try a lower learning_rate.")


def initial_epoch(run: RunDir) -> int:
    return int((run.read_json("state.json", {}) or {}).get("epoch", 0))
