"""The shared Keras run machinery: the best checkpoint follows the declared monitor and its
direction, a failing save never damages the previous checkpoint, the NaN stop watches every
declared metric."""

import keras
import pytest

from zoo_core.run import plan as planner
from zoo_core.run.request import RunRequest
from zoo_core.run_dir import RunDir
from zoo_keras.callbacks import RunRecorder, StopOnNaN
from zoo_keras.checkpoints import save_atomic


def marked_net():
    net = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    return net


def mark(net, value):
    net.layers[0].kernel.assign([[float(value)]])


def saved_mark(path):
    return float(keras.models.load_model(path).layers[0].kernel.numpy()[0, 0])


@pytest.mark.parametrize(
    "mode,scores,best_epoch",
    [("min", [3.0, 1.0, 2.0], 1), ("max", [1.0, 3.0, 2.0], 1), ("max", [1.0, 2.0, 3.0], 2)],
)
def test_best_checkpoint_holds_the_epoch_with_the_best_monitored_value(
    tmp_path, mode, scores, best_epoch
):
    net = marked_net()
    run = RunDir.create("m", "d", out=tmp_path / "r")
    rec = RunRecorder(run, "val_score", mode, {"monitor": "score"})
    rec.set_model(net)
    for epoch, score in enumerate(scores):
        mark(net, epoch)
        rec.on_epoch_begin(epoch)
        rec.on_epoch_end(epoch, {"loss": 1.0, "val_score": score})
    assert saved_mark(run.checkpoints / "best.keras") == best_epoch
    assert saved_mark(run.checkpoints / "last.keras") == len(scores) - 1
    state = run.read_json("state.json")
    assert state == {"epoch": 3, "best": scores[best_epoch], "monitor": "val_score", "mode": mode}
    assert run.metrics()["monitor"] == "score"


def test_a_failing_save_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    net = marked_net()
    mark(net, 1)
    target = tmp_path / "last.keras"
    save_atomic(net, target)
    before = target.read_bytes()
    mark(net, 2)

    def broken_save(path, *a, **k):
        with open(path, "wb") as f:
            f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(net, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_atomic(net, target)
    assert target.read_bytes() == before and saved_mark(target) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.keras"]  # no temp file left


def test_the_nan_stop_watches_every_declared_metric():
    stop = StopOnNaN(["d_loss", "g_loss"])
    stop.set_model(marked_net())
    stop.on_epoch_begin(4)
    stop.on_train_batch_end(0, {"d_loss": 0.5, "g_loss": 0.7})
    assert stop.where is None
    stop.on_train_batch_end(1, {"d_loss": 0.5, "g_loss": float("inf")})
    assert stop.where == (5, 2, "g_loss", float("inf")) and stop.model.stop_training


@pytest.fixture
def ctrl_c_raises():
    """Ctrl-C raises KeyboardInterrupt here, even in a suite started in the background (a
    shell starts background jobs with SIGINT ignored, and the workers inherit that)."""
    import signal

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize(
    "where", ["after_record", "after_checkpoint", "after_best", "before_state"]
)
def test_a_ctrl_c_at_any_write_of_an_epoch_leaves_checkpoint_and_state_agreeing(
    tmp_path, monkeypatch, where, ctrl_c_raises
):
    """The interrupt lands at each write point of the epoch's end; it takes effect after the
    checkpoint and state.json are both written, so --resume continues from what
    last.keras holds."""
    import signal

    from zoo_keras import callbacks

    net = marked_net()
    run = RunDir.create("m", "d", out=tmp_path / "r")
    rec = RunRecorder(run, "loss", "min", {})
    rec.set_model(net)
    mark(net, 0)
    rec.on_epoch_end(0, {"loss": 2.0})  # epoch 1 recorded normally

    real_save, real_state, real_record = callbacks.save_atomic, run.write_state, run.record_step

    def ctrl_c():
        signal.raise_signal(signal.SIGINT)

    def save(model, path):
        real_save(model, path)
        if path.name == {"after_checkpoint": "last.keras", "after_best": "best.keras"}.get(where):
            ctrl_c()

    def record(*a, **k):
        real_record(*a, **k)
        if where == "after_record":
            ctrl_c()

    def state(s):
        if where == "before_state":
            ctrl_c()
        real_state(s)

    monkeypatch.setattr(callbacks, "save_atomic", save)
    monkeypatch.setattr(run, "write_state", state)
    monkeypatch.setattr(run, "record_step", record)
    mark(net, 1)
    with pytest.raises(KeyboardInterrupt):
        rec.on_epoch_end(1, {"loss": 1.0})
    assert run.read_json("state.json")["epoch"] == 2
    assert saved_mark(run.checkpoints / "last.keras") == 1
    assert saved_mark(run.checkpoints / "best.keras") == 1
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_a_callback_failing_after_the_last_epoch_costs_no_training(tmp_path):
    """The last epoch's checkpoint is written before any user callback runs; the failure
    is one line saying so, and --resume finishes the run without training again."""
    from rich.console import Console

    from zoo_core import plugins
    from zoo_core.errors import TrainingError
    from zoo_core.run import runner

    class Boom(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            raise RuntimeError("the notifier is down")

    reg = plugins.get_registry()
    plan = planner.plan(
        reg,
        RunRequest(
            "vae_2d",
            dataset="fashion_mnist",
            assignments=[(None, "limit", 128), (None, "batch_size", 64)],
            flags={"epochs": 2},
            visualizers=[],
            tensorboard=False,
        ),
    )
    quiet = Console(quiet=True)
    with pytest.raises(TrainingError) as stopped:
        runner.execute(plan, quiet, out=str(tmp_path / "run"), callbacks=[Boom()])
    message = str(stopped.value)
    assert "RuntimeError: the notifier is down" in message and "\n" not in message
    assert "last.keras holds epoch 2" in message and "--resume" in message
    run = RunDir.open(tmp_path / "run")
    trained = [r["loss"] for r in run.metrics()["history"]]
    assert len(trained) == 2 and run.status()[0] == "failed"
    runner.resume(reg, str(run.path), quiet)
    assert run.status()[0] == "finished" and run.file("model.keras").is_file()
    assert [r["loss"] for r in run.metrics()["history"]] == trained  # nothing retrained
