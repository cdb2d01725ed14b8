"""``KerasModel``: the base for Keras families. The plugin gives a network; the base runs it.

A family provides :meth:`KerasModel.build_network`: a built, compiled ``keras.Model`` with its
own ``train_step`` (compiled with one optimizer, or several as Keras' GAN examples do), and
optionally :meth:`KerasModel.batch_input` (what one training batch is). The base owns the
rest of the run, identically for every family:

- seeding (Python, NumPy, TF, deterministic ops) and the ``tf.distribute`` strategy, scope
  and chief;
- exact resume: weights *and* every optimizer's state from ``checkpoints/last.keras``, the
  epoch-indexed shuffle (:func:`zoo_keras.pipeline.pipeline`), and :func:`replayable_normal`
  for noise that a resumed run draws exactly as an uninterrupted one;
- the shared callbacks (progress with the declared metrics, NaN stop, ``best.keras`` by the
  declared monitor, ``metrics.csv``/``metrics.json``), atomic saves, ``count_params`` and
  the number of replicas in ``metrics.json``.

Loading rebuilds the network with :meth:`build_network` and restores the saved state into
it with ``load_weights``, so no code is deserialised from a file (the safe-mode guarantee
holds for any network) and a family needs no ``get_config``. Optimizers are built before
the state is restored: the network's ``build_optimizers()`` if it has one (a GAN builds each
optimizer on its own sub-network's variables), else ``optimizer.build(trainable_variables)``.

This module imports no TensorFlow until a model trains or loads.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

from zoo_core.contract import CONDITIONAL, DECODE, ENCODE, SAMPLE, Model, RunContext
from zoo_core.errors import RunError, ZooError, one_line


def replayable_normal(
    batch, shape, *, seed, step, stream: int = 0, streams: int = 2, distribution: str = "normal"
):
    """Standard normal noise of shape ``(batch, *shape)`` drawn statelessly from
    ``(seed * streams + stream, step)`` (``distribution="uniform"``: uniform in [0, 1)).

    Pass the optimizer's ``iterations`` as ``step``: it is saved in checkpoints, so a
    resumed run draws exactly the noise an uninterrupted one would. ``stream`` separates
    independent uses within a step (at most ``streams`` of them). Under ``tf.distribute``
    each replica takes its slice of the noise for the global batch, so N replicas draw
    what one device would.
    """
    import tensorflow as tf

    pair = tf.stack(
        [tf.constant(int(seed) * int(streams) + int(stream), tf.int64), tf.cast(step, tf.int64)]
    )
    ctx = tf.distribute.get_replica_context()
    replicas = ctx.num_replicas_in_sync if ctx is not None else 1
    replica = ctx.replica_id_in_sync_group if ctx is not None else 0
    draw = tf.random.stateless_uniform if distribution == "uniform" else tf.random.stateless_normal
    full = draw([batch * replicas, *shape], seed=pair)
    return full[replica * batch : (replica + 1) * batch]


class KerasModel(Model):
    """A Model whose network is a ``keras.Model``; the base implements the run.

    Settings used if present: ``epochs`` and ``batch_size`` (required), ``train_split``
    (default ``"train"``; ``"all"`` trains on every split with no test pass).
    Set :attr:`has_test_step` to False when the network has no ``test_step`` (a GAN): then no
    per-epoch test pass runs and :meth:`test_metrics` reports nothing.
    """

    resumable = True
    strategies = ("default", "mirrored", "multi-worker")
    #: The network has a ``test_step`` reporting the declared metrics.
    has_test_step: ClassVar[bool] = True

    def __init__(self, settings=None, data_spec=None):
        super().__init__(settings, data_spec)
        self.net = None
        #: Training steps per epoch, set before :meth:`build_network` when a run trains
        #: (None outside training: a schedule built from it then starts where it ended).
        self.steps_per_epoch: int | None = None
        self.loaded_from = None
        self.damaged: list[str] = []

    # -- what a family provides -----------------------------------------------------------
    def build_network(self, seed: int):
        """A built and compiled ``keras.Model`` with its own ``train_step``.

        Called inside the strategy scope, after seeding; ``seed`` is the run's seed (for
        :func:`replayable_normal`). Sizes come from ``self.settings`` and
        ``self.data_spec``."""
        raise NotImplementedError

    def images_per_step(self) -> int:
        """Examples one ``train_step`` receives (default ``batch_size``; a step that makes
        several updates, each on its own batch, takes that many batches)."""
        return int(self.settings.batch_size)

    def epoch_callbacks(self, ctx: RunContext) -> list:
        """Keras callbacks that add measurements to each epoch's logs (e.g. a periodic FID
        of samples) before the run records them: their values reach ``metrics.json``, the
        NaN stop and the best checkpoint like the network's own metrics."""
        return []

    def tensorboard_images(self, ctx: RunContext):
        """``(tag, draw)`` for the image summary every few epochs: 16 samples when the
        model samples, else 8 test images over their encode-decode round trip; None for neither."""
        import numpy as np

        conditional = CONDITIONAL in self.capabilities
        if SAMPLE in self.capabilities:
            n = 16
            kw = (
                {"labels": np.arange(n, dtype="int32") % max(1, self.data_spec.num_classes)}
                if conditional
                else {}
            )
            return "samples", lambda: self.sample(n, seed=ctx.seed, **kw)
        if {ENCODE, DECODE} <= self.capabilities and ctx.dataset is not None:
            x, y = ctx.dataset.arrays("test")
            kw = {"labels": y[:8]} if conditional else {}
            return "round_trip", lambda: np.concatenate(
                [x[:8], self.decode(self.encode(x[:8], **kw), **kw)]
            )
        return None

    def _tensorboard_images(self, ctx: RunContext) -> list:
        from zoo_keras import callbacks

        chosen = self.tensorboard_images(ctx) if ctx.tensorboard else None
        if chosen is None:
            return []
        tag, draw = chosen
        return [
            callbacks.TensorBoardImages(
                ctx.run.file("tensorboard"),
                draw,
                tag=tag,
                every=self.tensorboard_every,
                epochs=self.settings.epochs,
            )
        ]

    #: Epochs between TensorBoard image summaries (and after the last epoch).
    tensorboard_every: ClassVar[int] = 5

    def batch_input(self, x, y):
        """What the network's ``train_step`` receives for one batch (TensorFlow ops,
        traced once): the images, or ``(images, labels)`` for a conditional model."""
        return (x, y) if CONDITIONAL in self.capabilities else x

    # -- the run ----------------------------------------------------------------------------
    @property
    def train_split(self) -> str:
        return getattr(self.settings, "train_split", "train")

    def validation_split(self) -> str | None:
        """The split of the per-epoch test pass (None: no pass)."""
        if not self.has_test_step or self.train_split == "all":
            return None
        splits = self.data_spec.splits if self.data_spec else ("test",)
        return "test" if "test" in splits and self.train_split != "test" else None

    def _pipeline(self, dataset, split, batch_size, *, seed, shuffle=True, first_epoch=0):
        from zoo_keras.pipeline import dataset_pipeline

        return dataset_pipeline(
            dataset, split, batch_size, seed=seed, shuffle=shuffle, first_epoch=first_epoch
        ).map(self.batch_input)

    def train(self, ctx: RunContext) -> dict[str, Any]:
        from zoo_keras.strategy import make_strategy

        strategy = make_strategy(ctx.strategy)  # first: multi-worker precedes other TF ops

        from zoo_keras import training
        from zoo_keras.checkpoints import LAST, save_atomic
        from zoo_keras.pipeline import steps_per_epoch

        s = self.settings
        training.seed_everything(ctx.seed)
        examples = ctx.dataset.num_examples(self.train_split)
        replicas = strategy.num_replicas_in_sync
        chief = strategy.extended.should_checkpoint  # the chief writes the run
        steps = steps_per_epoch(examples, self.images_per_step())
        self.steps_per_epoch = steps  # known to build_network (e.g. for schedules)
        with strategy.scope():
            start = 0
            if ctx.resume:
                start = training.initial_epoch(ctx.run)
                if start > 0 and (ctx.run.checkpoints / LAST).exists():
                    self.load(ctx.run, LAST, seed=ctx.seed)
                    ctx.console.print(f"resuming {ctx.run.path} after epoch {start}")
                else:
                    start = 0
            if self.net is None or start == 0:
                self._build_network(ctx.seed)
                self._check_declared_shape()
            train = self._pipeline(
                ctx.dataset,
                self.train_split,
                self.images_per_step(),
                seed=ctx.seed,
                first_epoch=start,
            )
            val_split = self.validation_split()
            test = (
                self._pipeline(ctx.dataset, val_split, s.batch_size, seed=ctx.seed, shuffle=False)
                if val_split
                else None
            )
            if start >= s.epochs:
                ctx.console.print(f"{ctx.run.path} already finished {start} epochs")
            else:
                training.fit(
                    self.net,
                    train,
                    ctx,
                    training.Schedule(steps, s.epochs, self.images_per_step(), start),
                    training.Declared.of(self),
                    validation=test,
                    callbacks=[*self._tensorboard_images(ctx), *ctx.callbacks],
                    measure=self.epoch_callbacks(ctx),
                    chief=chief,
                )
        save_atomic(self.net, ctx.run.file("model.keras"))
        if chief:
            ctx.run.update_metrics(
                params=self.count_params(),
                global_batch_size=s.batch_size,
                per_replica_batch_size=s.batch_size / replicas,
                replicas=replicas,
            )
        hist = ctx.run.metrics()["history"]
        return hist[-1] if hist else {}

    def _build_network(self, seed: int) -> None:
        """:meth:`build_network` with its optimizers' variables created: the network's
        ``build_optimizers()`` if it has one (a GAN builds each optimizer on its own
        sub-network), else ``optimizer.build(trainable_variables)``. Loading needs them to
        restore the optimizer state; training then traces its step once (a first call
        that creates variables makes ``tf.function`` trace the step twice)."""
        self.net = self.build_network(seed)
        build = getattr(self.net, "build_optimizers", None)
        if callable(build):
            build()
        elif getattr(self.net, "optimizer", None) is not None:
            self.net.optimizer.build(self.net.trainable_variables)
        else:
            raise ZooError(
                f"{type(self).__name__}.build_network() returned a network with no "
                "optimizer: call net.compile(optimizer=...) before returning it"
            )

    def _check_declared_shape(self) -> None:
        """Decode one point of the declared latent shape before any training, so a
        declaration the decoder does not accept is refused now, not after the last epoch."""
        shape = self.latent_shape
        if DECODE not in self.capabilities or shape is None:
            return
        import numpy as np

        labels = {"labels": np.zeros(1, "int32")} if CONDITIONAL in self.capabilities else {}
        try:
            self.decode(np.zeros((1, *shape), "float32"), **labels)
        except Exception as exc:  # noqa: BLE001 (any failure means the two disagree)
            raise ZooError(
                f"{type(self).__name__}: latent_shape_of() declares {tuple(shape)}, but "
                f"decode() of a point of that shape fails ({one_line(exc)[:200]}); make "
                "the declared shape the one the decoder takes"
            ) from None

    def load(self, run, which: str = "final", *, seed: int | None = None) -> None:
        """Rebuild the network and restore a saved state into it (weights and optimizers).

        ``which``: ``"final"`` (``model.keras``; if it is missing or damaged, the newest
        intact of ``checkpoints/last.keras`` and ``best.keras``) or a file name under
        ``checkpoints/`` (``"last.keras"``, ``"best.keras"``). :attr:`loaded_from` says
        which file was used."""
        from zoo_keras.checkpoints import BEST, LAST

        if which == "final":
            paths = [run.file("model.keras"), run.checkpoints / LAST, run.checkpoints / BEST]
        else:
            paths = [run.checkpoints / which]
        present = [p for p in paths if p.is_file()]
        if not present:
            raise RunError(f"no model at {paths[0]}; train the run first (or resume it)")
        if seed is None:
            seed = int((run.config or {}).get("seed", 0))
        damaged, mismatched = [], []
        for path in sorted(present, key=lambda p: (p != paths[0], -p.stat().st_mtime)):
            self._build_network(seed)
            try:
                with warnings.catch_warnings():  # Keras warns before it raises; one line is ours
                    warnings.simplefilter("ignore")
                    self.net.load_weights(str(path))
            except Exception as exc:  # a damaged file: say so, try the next one
                if _intact_archive(path):
                    mismatched.append(path.name)
                else:
                    damaged.append(f"{path.name} ({type(exc).__name__})")
                continue
            self.loaded_from = path
            self.damaged = damaged
            return
        if mismatched and not damaged:
            versions = (run.config or {}).get("versions", {})
            raise RunError(
                f"the saved models of {run.path} ({', '.join(mismatched)}) are intact but do "
                f"not fit the network its settings build now: the plugin changed since the "
                f"run was trained (zoo {versions.get('zoo', '?')} then); retrain the run"
            )
        raise RunError(
            f"every saved model of {run.path} is damaged: "
            f"{', '.join(damaged + [m + ' (mismatch)' for m in mismatched])}; "
            "retrain the run"
        )

    # -- numbers ------------------------------------------------------------------------------
    def test_metrics(self, ctx: RunContext) -> dict[str, float]:
        """The declared metrics on the test split (when the network has a ``test_step``)."""
        split = self.validation_split()
        if split is None or ctx.dataset is None:
            return {}
        test = self._pipeline(ctx.dataset, split, 500, seed=ctx.seed, shuffle=False)
        result = self.net.evaluate(test, verbose=0, return_dict=True)
        return {m.name: float(result[m.name]) for m in self.metrics if m.name in result}

    def traced(self, key, make):
        """``make()`` (e.g. a ``tf.function``), cached per network and ``key``: tracing
        costs seconds, and a reloaded network gets its own."""
        cache = self.__dict__.get("_traced_cache")
        if cache is None or cache["net"] is not self.net:  # a new network: trace anew
            cache = self.__dict__["_traced_cache"] = {"net": self.net}
        if key not in cache:
            cache[key] = make()
        return cache[key]

    def export(self, endpoints, folder, fmt: str) -> dict:
        """Write ``endpoints`` through Keras' and the ecosystem's converters
        (:mod:`zoo_keras.export`)."""
        from zoo_keras.export import write

        return write(self.net, endpoints, folder, fmt)

    def count_params(self) -> int:
        return int(self.net.count_params()) if self.net is not None else 0

    def get_weights(self) -> list:
        if self.net is None:
            return []
        weights = [v.numpy() for v in self.net.weights]
        for opt in _optimizers(self.net):
            weights += [v.numpy() for v in opt.variables]
        return weights


def _intact_archive(path) -> bool:
    """True when a ``.keras`` file is a whole zip archive (so a failed load means the file
    does not fit the network, not that it is damaged)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return z.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def _optimizers(net) -> list:
    """Every optimizer a network holds (``optimizer``, ``d_optimizer``, ...), once each."""
    import keras

    found = {}
    for _name, value in sorted(vars(net).items()):
        if isinstance(value, keras.optimizers.Optimizer):
            found.setdefault(id(value), value)
    return list(found.values())
