"""The Keras callbacks a run trains with, driven by what the model declares
(:class:`zoo_core.MetricInfo`: which metrics to show and stop on, which one is monitored
and in which direction): the NaN stop, the declared-metrics check, the recorder that
writes the run folder each epoch, the progress line and TensorBoard's image summaries.
:func:`zoo_keras.training.fit` puts them together."""

from __future__ import annotations

import math
import time
from pathlib import Path

import keras
import tensorflow as tf
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from zoo_core.errors import ZooError
from zoo_core.run_dir import RunDir
from zoo_keras.checkpoints import BEST, LAST, save_atomic, signals_deferred


def _first_non_finite(logs, keys) -> tuple[str, float] | None:
    for k in keys:
        v = (logs or {}).get(k)
        if v is not None and not math.isfinite(float(v)):
            return k, float(v)
    return None


class StopOnNaN(keras.callbacks.Callback):
    """Like ``keras.callbacks.TerminateOnNaN``, for every declared metric, and remembers
    where it happened (epoch, step, metric, value)."""

    def __init__(self, keys=("loss",)):
        super().__init__()
        self.keys = tuple(keys)
        self.epoch = 0
        self.where: tuple[int, int, str, float] | None = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        bad = _first_non_finite(logs, self.keys) if self.where is None else None
        if bad is not None:
            self.where = (self.epoch + 1, batch + 1, *bad)
            self.model.stop_training = True


class DeclaredMetricsCheck(keras.callbacks.Callback):
    """The metrics a model declares against what training gives: one returned by
    ``train_step`` undeclared is recorded, and a note after the first step says the
    progress line does not show it; one declared that neither ``train_step`` nor an epoch
    callback gives stops the run in one line after the first epoch."""

    def __init__(self, declared, console, owner: str):
        super().__init__()
        self.declared, self.console, self.owner = list(declared), console, owner
        self.stepped = self.checked = False

    def on_train_batch_end(self, batch, logs=None):
        if self.stepped:
            return
        self.stepped = True
        extra = sorted(set(logs or {}) - set(self.declared))
        if extra:
            self.console.print(
                f"note: {self.owner}'s train_step returns {', '.join(extra)}, "
                "which it does not declare in `metrics`: recorded, not shown"
            )

    def on_epoch_end(self, epoch, logs=None):
        if self.checked:
            return
        self.checked = True
        missing = [k for k in self.declared if k not in (logs or {})]
        if missing:
            raise ZooError(
                f"{self.owner} declares the metrics {', '.join(missing)}, which "
                "training never gives (train_step returns "
                f"{', '.join(sorted(logs or {})) or 'nothing'}); return them "
                "from train_step or drop them from `metrics`"
            )


class RunRecorder(keras.callbacks.Callback):
    """Per-epoch metrics into metrics.json and atomic last/best checkpoints + state.json.

    A checkpoint is only written for an epoch whose losses are finite, so after a NaN stop
    the last good checkpoint stays.
    """

    def __init__(
        self,
        run: RunDir,
        monitor: str = "val_loss",
        mode: str = "min",
        declared: dict | None = None,
    ):
        super().__init__()
        self.run, self.monitor, self.mode = run, monitor, mode
        self.declared = declared or {}
        self.sign = 1.0 if mode == "min" else -1.0
        state = run.state()
        self.best = state.get("best", self.sign * math.inf)
        self._t0 = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if not all(math.isfinite(v) for v in logs.values()):
            return
        row = {"epoch": epoch + 1, **logs, "seconds": round(time.perf_counter() - self._t0, 3)}
        # the checkpoint and the state that describes it are one unit: a Ctrl-C or SIGTERM
        # that lands between their writes takes effect after both
        with signals_deferred():
            self.run.record_step(row, params=int(self.model.count_params()), **self.declared)
            save_atomic(self.model, self.run.checkpoints / LAST)
            value = logs.get(self.monitor)
            if value is not None and self.sign * value < self.sign * self.best:
                self.best = value
                save_atomic(self.model, self.run.checkpoints / BEST)
            self.run.write_state(
                {"epoch": epoch + 1, "best": self.best, "monitor": self.monitor, "mode": self.mode}
            )


class RichProgress(keras.callbacks.Callback):
    """A rich progress bar: epoch, step, the model's declared metrics, examples/s, ETA.

    ``labels`` maps each metric's log name to its short label (``{"loss": "loss"}``)."""

    def __init__(
        self,
        console,
        epochs: int,
        steps: int,
        batch_size: int,
        labels=None,
        every: int = 5,
        unit: str = "img",
    ):
        super().__init__()
        self.console, self.epochs, self.steps = console, epochs, steps
        self.labels = dict(labels or {"loss": "loss"})
        self.batch_size, self.every, self.unit = batch_size, every, unit
        self.progress = Progress(
            TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"),
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TextColumn("{task.fields[speed]}"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task = None

    def on_train_begin(self, logs=None):
        self.progress.start()

    def on_train_end(self, logs=None):
        self.progress.stop()

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()
        self.task = self.progress.add_task(
            "", total=self.steps, epoch=epoch + 1, epochs=self.epochs, stats="", speed=""
        )

    def _stats(self, logs):
        return " ".join(
            f"{label} {float(logs[k]):.4g}" for k, label in self.labels.items() if k in logs
        )

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every and batch + 1 != self.steps:
            return
        rate = (batch + 1) * self.batch_size / max(time.perf_counter() - self._t0, 1e-9)
        self.progress.update(
            self.task,
            completed=batch + 1,
            stats=self._stats(logs or {}),
            speed=f"{rate:,.0f} {self.unit}/s",
        )

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.progress.update(self.task, completed=self.steps, stats=self._stats(logs))
        tested = [k for k in self.labels if f"val_{k}" in logs]
        if tested:  # in the order the model declared its metrics
            self.progress.console.print(
                f"epoch {epoch + 1}: test "
                + " ".join(f"{self.labels[k]} {float(logs[f'val_{k}']):.4g}" for k in tested)
            )


class TensorBoardImages(keras.callbacks.Callback):
    """An image summary every ``every`` epochs (and after the last) under
    ``log_dir/images``: ``draw()`` returns images in [0, 1], shape (n, H, W[, C]), tiled
    into one grid (a model's samples, or test images above their encode-decode round trip)."""

    def __init__(self, log_dir, draw, *, tag: str, every: int, epochs: int):
        super().__init__()
        self.log_dir, self.draw, self.tag = Path(log_dir) / "images", draw, tag
        self.every, self.epochs = max(1, int(every)), int(epochs)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every and epoch + 1 != self.epochs:
            return
        import numpy as np

        from zoo_core.grid import image_grid

        grid = np.clip(np.asarray(image_grid(self.draw()), "float32"), 0.0, 1.0)
        if grid.ndim == 2:
            grid = grid[..., None]
        writer = tf.summary.create_file_writer(str(self.log_dir))
        with writer.as_default():
            tf.summary.image(self.tag, grid[None], step=epoch + 1)
        writer.close()
