"""Training Keras models inside a run: progress, checkpoints, metrics, NaN stop, resume.

Imported only when a Keras model trains (it imports TensorFlow). The pieces are ordinary
Keras callbacks driven by what the model declares (:class:`zoo_core.MetricInfo`: which
metrics to show, which one is monitored and in which direction); :class:`zoo_keras.KerasModel`
wires them up, and :func:`fit` is there for a model that runs ``model.fit`` itself.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass

import keras
import tensorflow as tf

from zoo_core.contract import MetricInfo
from zoo_core.errors import TrainingError, ZooError, one_line
from zoo_core.run_dir import RunDir
from zoo_keras.callbacks import (
    DeclaredMetricsCheck,
    RichProgress,
    RunRecorder,
    StopOnNaN,
)
from zoo_keras.checkpoints import LAST, save_atomic


def seed_everything(seed: int) -> None:
    """Same seed, same numbers on the same machine (Python, NumPy, TF; deterministic ops)."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


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
