"""Training Keras models inside a run: progress, checkpoints, metrics, NaN stop, resume.

Imported only when a Keras model trains (it imports TensorFlow). The pieces are ordinary
Keras callbacks driven by what the model declares (:class:`zoo_core.MetricInfo`: which
metrics to show, which one is monitored and in which direction); :class:`zoo_keras.KerasModel`
wires them up, and :func:`fit` is there for a model that runs ``model.fit`` itself.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import tensorflow as tf
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from zoo_core.atomic_files import atomic_path
from zoo_core.contract import MetricInfo
from zoo_core.errors import RunError, TrainingError, ZooError, one_line
from zoo_core.run_dir import RunDir

LAST, BEST = "last.keras", "best.keras"


def seed_everything(seed: int) -> None:
    """Same seed, same numbers on the same machine (Python, NumPy, TF; deterministic ops)."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def save_atomic(model: keras.Model, path: Path) -> None:
    """Save a ``.keras`` file so that a crash mid-write never leaves a broken file."""
    with atomic_path(path, suffix=".keras") as tmp:
        model.save(tmp)


def load_model(path: Path) -> keras.Model:
    if not Path(path).is_file():
        raise RunError(f"no model at {path}; train the run first (or resume it)")
    return keras.models.load_model(path, safe_mode=True)


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


@contextlib.contextmanager
def signals_deferred(signals=(signal.SIGINT, signal.SIGTERM)):
    """Hold Ctrl-C and SIGTERM for the duration of the block, then deliver the first one
    received to the handler that was there before (the main thread only; elsewhere a
    no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = {s: signal.signal(s, lambda signum, frame: received.append(signum)) for s in signals}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if received:
            signal.raise_signal(received[0])


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


@dataclass(frozen=True)
class Declared:
    """What a model declares about its training, as the run's callbacks read it: its
    metrics (progress line, NaN stop), the one that picks ``best.keras`` and how, the
    record ``metrics.json`` keeps, whose train step it is, and what a step counts."""

    metrics: tuple[MetricInfo, ...] = (MetricInfo("loss"),)
    monitor: str = "loss"
    mode: str = "min"
    record: dict | None = None
    owner: str = "the model"
    unit: str = "img"

    @classmethod
    def of(cls, model) -> Declared:
        """The declarations of a :class:`zoo_core.Model`."""
        spec = model.data_spec
        return cls(
            metrics=tuple(model.metrics),
            monitor=model.monitor,
            mode=model.monitor_mode,
            record=model.describe_metrics(),
            owner=f"model {type(model).__name__}",
            unit="img" if (spec and spec.kind == "images") else "ex",
        )


@dataclass(frozen=True)
class Schedule:
    """How long ``fit`` runs: ``epochs`` of ``steps`` batches of ``batch_size`` examples
    (across replicas), starting after ``initial_epoch`` finished ones."""

    steps: int
    epochs: int
    batch_size: int
    initial_epoch: int = 0


def fit(
    model: keras.Model,
    train,
    ctx,
    schedule: Schedule,
    declared: Declared = Declared(),
    *,
    validation=None,
    callbacks=(),
    measure=(),
    chief: bool = True,
) -> None:
    """``model.fit`` with the run's callbacks; raises :class:`TrainingError` on NaN.

    ``ctx`` (a :class:`zoo_core.RunContext`) gives the run folder, the console, whether to
    write TensorBoard summaries and the ``resume_hint``; ``declared`` says which metrics
    to show and stop on and which picks ``best.keras`` (its ``val_`` form when there is a
    ``validation`` pass). On Ctrl-C the current weights are saved to
    ``checkpoints/interrupted.keras`` and the interrupt is re-raised; ``last.keras`` (end
    of the last full epoch) stays what ``--resume`` continues from, so a resumed run
    matches an uninterrupted one. ``measure``: callbacks that add values to each epoch's
    logs; they run before the recorder, so what they add is recorded and monitored.
    ``chief``: False on a multi-worker run's other workers (they write no run folder).
    """
    run, console, resume_hint = ctx.run, ctx.console, ctx.resume_hint
    tensorboard = run.file("tensorboard") if ctx.tensorboard else None
    steps, epochs, batch_size = schedule.steps, schedule.epochs, schedule.batch_size
    initial_epoch, metrics, unit = schedule.initial_epoch, declared.metrics, declared.unit
    monitor, mode, owner = declared.monitor, declared.mode, declared.owner
    declared_record = declared.record
    nan = StopOnNaN([m.name for m in metrics])
    check = DeclaredMetricsCheck([m.name for m in metrics], console, owner)
    monitor = f"val_{monitor}" if validation is not None else monitor
    if chief:
        cbs = [*measure, check, nan, RunRecorder(run, monitor, mode, declared_record)]
    else:
        # Multi-worker: saving takes part in collectives, so every worker saves, but only
        # the chief into the run; the others into a scratch folder that is then removed.
        scratch = RunDir(tempfile.mkdtemp(prefix="zoo-worker-"))
        scratch.checkpoints.mkdir()
        cbs = [*measure, nan, RunRecorder(scratch, monitor, mode, declared_record)]
    if tensorboard is not None and chief:
        cbs.append(
            keras.callbacks.TensorBoard(
                log_dir=str(tensorboard), write_graph=False, update_freq="epoch", profile_batch=0
            )
        )
    cbs += [
        RichProgress(
            console, epochs, steps, batch_size, {m.name: m.label for m in metrics}, unit=unit
        ),
        *callbacks,
    ]
    try:
        model.fit(
            train,
            steps_per_epoch=steps,
            epochs=epochs,
            initial_epoch=initial_epoch,
            validation_data=validation,
            callbacks=cbs,
            shuffle=False,
            verbose=0,
        )
    except KeyboardInterrupt:
        save_atomic(model, run.checkpoints / "interrupted.keras")
        console.print(
            f"interrupted: weights saved to {run.checkpoints / 'interrupted.keras'}; "
            + (
                resume_hint
                or f"continue from the last full epoch with `zoo run --resume {run.path}`"
            )
        )
        raise
    except Exception as exc:  # a train step or a callback: keep what training made
        if os.environ.get("ZOO_DEBUG"):
            raise
        raise _stopped(model, run, exc, resume_hint) from exc
    finally:
        if not chief:
            shutil.rmtree(scratch.path, ignore_errors=True)
    if nan.where is not None:
        epoch, step, key, value = nan.where
        last = run.checkpoints / LAST
        keep = (
            f"the last good checkpoint is {last}"
            if last.exists()
            else "no epoch finished, so there is no checkpoint"
        )
        raise TrainingError(
            f"{key} became {value} at epoch {epoch}, step {step}; training "
            f"stopped and {keep}. Try a lower learning_rate."
        )


def _stopped(model, run: RunDir, exc: Exception, resume_hint) -> Exception:
    """What a failure inside ``fit`` becomes: the weights as they are saved to
    ``checkpoints/interrupted.keras`` and one line that says what is kept and how to go on.
    A callback failing after the last epoch costs nothing: that epoch's checkpoint is
    written first, and ``--resume`` then finishes the run without training again."""
    try:
        save_atomic(model, run.checkpoints / "interrupted.keras")
        saved = f"the weights are saved to {run.checkpoints / 'interrupted.keras'}"
    except Exception:  # noqa: BLE001 (the first failure is the one to report)
        saved = "the weights could not be saved"
    epoch = initial_epoch(run)
    kept = (
        f"checkpoints/last.keras holds epoch {epoch}; "
        + (resume_hint or f"`zoo run --resume {run.path}` continues from it")
        if (run.checkpoints / LAST).exists() and epoch
        else "no epoch finished"
    )
    text = one_line(exc)
    error = type(exc) if isinstance(exc, ZooError) else TrainingError
    return error(f"training stopped: {text}; {saved}; {kept}")


def initial_epoch(run: RunDir) -> int:
    return int(run.state().get("epoch", 0))


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
