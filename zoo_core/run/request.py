"""A run, asked for: what ``zoo run``'s flags, an experiment file, ``zoo.run()``, a tune
trial and a saved run's ``config.json`` all become before the one planner
(:func:`zoo_core.run.plan.plan`) resolves it.

A request holds names and values exactly as given; nothing in it is resolved against a
plugin yet. Its own fields are checked here, once: the seed by :func:`check_seed` (which the
CLI's ``--seed``, ``--seeds`` and an experiment file's ``seed`` call too), the strategy
against :data:`~zoo_core.strategies.STRATEGIES`. Model settings such as ``epochs`` or
``batch_size`` are not special here: they are ``flags``, checked by the model's own
``Settings`` when the plan is made.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zoo_core.errors import UsageError
from zoo_core.run_files import SEED_MAX
from zoo_core.strategies import STRATEGIES


def check_seed(value: Any, what: str = "--seed") -> int:
    """A seed as a plain ``int`` in [0, 2**32 - 1], or a :class:`UsageError` naming ``what``.
    A NumPy integer is a seed; ``True`` is not."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise UsageError(f"{what} takes a whole number in [0, {SEED_MAX}]; got {value!r}")
    if not 0 <= value <= SEED_MAX:
        raise UsageError(f"{what} takes a whole number in [0, {SEED_MAX}]; got {value!r}")
    return int(value)


@dataclass(frozen=True)
class RunRequest:
    """One run as asked for. Precedence when planned: the model's defaults < its variant <
    ``saved`` < ``assignments`` < ``flags`` < ``sets``."""

    model: str
    #: the dataset's name, or None for a model that trains on its own source setting
    dataset: str | None = None
    #: visualizers to draw after training; None: the model's defaults that are installed
    visualizers: tuple[str, ...] | None = None
    seed: int = 0
    strategy: str = "default"
    tensorboard: bool = True
    #: model settings given by name, as ``--epochs 3`` or ``--env CartPole-v1``; refused
    #: beside a ``--set`` of the same key
    flags: Mapping[str, Any] = field(default_factory=dict)
    #: ``(scope or None, key, value)`` with typed values, e.g. an experiment file's settings
    assignments: tuple[tuple[str | None, str, Any], ...] = ()
    #: ``--set KEY=VALUE`` text (scoped ``NAME.key=value``), applied last
    sets: tuple[str, ...] = ()
    #: a run's ``config.json``: its settings, to rebuild that run exactly (``--like``)
    saved: dict | None = None
    #: ``saved`` is a trained run reopened (sample, viz, eval, resume): its model's settings
    #: fixed at training may not change, only those free at sampling
    trained: bool = False
    #: the role an unscoped ``--set KEY=VALUE`` reaches (``"visualizer"`` for ``zoo viz``);
    #: None: every plugin of the run that has KEY. A scoped one reaches the plugin named.
    unscoped: str | None = None
    #: how the user named the saved run (a folder, ``pretrained:NAME``), for messages
    reference: str | None = None

    def __post_init__(self) -> None:
        fix = object.__setattr__  # frozen: normalise once, here
        fix(self, "seed", check_seed(self.seed))
        if self.strategy not in STRATEGIES:
            raise UsageError(f"unknown strategy '{self.strategy}'; choose {', '.join(STRATEGIES)}")
        if self.visualizers is not None:
            fix(self, "visualizers", tuple(dict.fromkeys(self.visualizers)))
        fix(self, "flags", dict(self.flags))
        fix(self, "assignments", tuple(tuple(a) for a in self.assignments))
        fix(self, "sets", tuple(self.sets))

    @classmethod
    def of_run(cls, run, *, visualizers=None, sets=(), **more) -> RunRequest:
        """The request that rebuilds a saved run (a :class:`~zoo_core.run_dir.RunDir`)."""
        source = str(run.file("config.json"))
        return cls.of_config(run.config, visualizers=visualizers, sets=sets, source=source, **more)

    @classmethod
    def of_config(
        cls, cfg: dict, *, visualizers=None, sets=(), source: str = "config.json", **more
    ) -> RunRequest:
        """The request that rebuilds the run a ``config.json`` records (its model, data,
        seed, strategy and every setting), for resume, eval, viz and sample; ``visualizers``
        and ``sets`` are the command's own."""
        try:
            model = cfg["model"]["name"]
        except (KeyError, TypeError):
            raise UsageError(f"{source} names no model; is it a zoo run?") from None
        return cls(
            model,
            dataset=(cfg.get("dataset") or {}).get("name"),
            visualizers=visualizers,
            seed=cfg.get("seed", 0),
            strategy=cfg.get("strategy") or "default",
            tensorboard=bool(cfg.get("tensorboard", True)),
            sets=tuple(sets),
            saved=cfg,
            trained=True,
            **more,  # assignments=, unscoped=
        )
