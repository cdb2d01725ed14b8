"""``zoo tune``: hyperparameter search with Optuna, each trial a normal run folder.

Optuna (Akiba et al. 2019) rather than KerasTuner: it asks for parameters trial by trial
(``study.ask``/``study.tell``), so a trial is simply ``zoo run`` with a few ``--set``
values, whatever the model's family (a KerasTuner search wants to own ``model.fit``); it
prunes on reported intermediate values (here: the metric each epoch logs), its TPE sampler is
seeded, and its SQLite storage lets an interrupted search resume.

Layout of a search folder::

    OUT/tune.json        what was asked (model, data, spaces, metric, trials, seed)
    OUT/study.db         Optuna's storage (every trial, its parameters, values, state)
    OUT/trial-000/ ...   one run folder per trial (`zoo runs OUT`, `tensorboard --logdir OUT`)
    OUT/best.toml        the best trial as a config file: `zoo run --config OUT/best.toml`

A space is ``KEY=LOW:HIGH`` (uniform), ``KEY=LOW:HIGH:log`` (log-uniform; whole numbers give
an integer range), or ``KEY=A,B,C`` (choices; ``A|B`` when the values hold commas, as
``filters=16,32|32,64``). KEY is scoped like ``--set`` (``model.learning_rate``).

The objective is ``--metric``: a test metric of the run when the model reports one by that
name, otherwise the best per-epoch value (the test split's ``val_`` value when logged).
Pruning (Optuna's median rule) watches the same name in each epoch's logs; models that do not
log per epoch (agents) are never pruned. Every trial uses the same seed, so trials differ
only by their parameters.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from zoo_core.atomic_files import write_json_atomic
from zoo_core.errors import SettingsError, UsageError
from zoo_core.run import plan as planner
from zoo_core.run.request import RunRequest

SPEC = "tune.json"


@dataclass
class Space:
    key: str
    kind: str  # "float", "int" or "choice"
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: list[str] = field(default_factory=list)

    def suggest(self, trial):
        if self.kind == "choice":
            return trial.suggest_categorical(self.key, self.choices)
        if self.kind == "int":
            return trial.suggest_int(self.key, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.key, self.low, self.high, log=self.log)

    def values_to_check(self) -> list[str]:
        """Values the search may try, as the setting will receive them: a float range's
        ends stay floats (``2.0``), so an integer setting refuses ``2.0:3.0`` here, before
        its first trial would."""
        if self.kind == "choice":
            return list(self.choices)
        if self.kind == "float":
            return [repr(float(self.low)), repr(float(self.high))]
        return [_text(self.low), _text(self.high)]


def _text(v) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def parse_space(text: str) -> Space:
    """``lr=1e-4:1e-2:log``, ``epochs=1:5``, ``latent_dim=2,4,8``, ``filters=8,16|16,32``."""
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key or not value:
        raise UsageError(f"--space expects KEY=LOW:HIGH[:log] or KEY=A,B,C; got {text!r}")
    if ":" in value:
        parts = value.split(":")
        log = len(parts) == 3 and parts[2].strip().lower() == "log"
        if len(parts) not in (2, 3) or (len(parts) == 3 and not log):
            raise UsageError(f"--space {key}: a range is LOW:HIGH or LOW:HIGH:log; got {value!r}")
        try:
            lo, hi = (float(p) for p in parts[:2])
        except ValueError:
            raise UsageError(
                f"--space {key}: the range's ends must be numbers; got {value!r}"
            ) from None
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise UsageError(f"--space {key}: LOW must be below HIGH; got {value!r}")
        if log and lo <= 0:
            raise UsageError(f"--space {key}: a log range needs LOW > 0; got {value!r}")
        whole = all(re.fullmatch(r"[+-]?\d+", p.strip()) for p in parts[:2])
        return Space(key, "int" if whole else "float", lo, hi, log)
    choices = [c.strip() for c in (value.split("|") if "|" in value else value.split(","))]
    if any(not c for c in choices) or len(set(choices)) != len(choices):
        raise UsageError(f"--space {key}: choices must be distinct and non-empty; got {value!r}")
    return Space(key, "choice", choices=choices)


@dataclass
class TuneSpec:
    """What ``zoo tune`` was asked; saved as ``tune.json`` so ``--resume`` repeats it."""

    model: str
    dataset: str | None
    spaces: list[dict]
    metric: str
    direction: str
    trials: int
    seed: int = 0
    sets: list[str] = field(default_factory=list)
    epochs: int | None = None
    pruner: str = "median"
    tensorboard: bool = True
    requeued: list[int] = field(default_factory=list)  # interrupted trials asked again
    #: model settings given as flags by a plugin's option (e.g. ``{"env": "CartPole-v1"}``)
    flags: dict = field(default_factory=dict)

    def request(self, values: dict | None = None) -> RunRequest:
        """A trial's run as a request to the one planner: the fixed ``--set`` with the
        trial's ``values`` (none: the search's base, checked before anything runs)."""
        sets = [*self.sets, *(f"{k}={_text(v)}" for k, v in (values or {}).items())]
        epochs = {"epochs": self.epochs} if self.epochs is not None else {}
        return RunRequest(
            self.model,
            dataset=self.dataset,
            visualizers=[],
            seed=self.seed,
            tensorboard=self.tensorboard,
            flags={**self.flags, **epochs},
            sets=sets,
        )

    def space_objects(self) -> list[Space]:
        return [Space(**s) for s in self.spaces]


def default_metric(plan) -> tuple[str, str]:
    """The model's monitored metric and its direction."""
    cls = plan.model.cls
    return cls.monitor, "maximize" if cls.monitor_mode == "max" else "minimize"


def check(registry, spec: TuneSpec):
    """Plan the search's ends before anything runs: each space's values and the fixed
    ``--set`` must be settings the run accepts."""
    base = planner.plan(registry, spec.request())
    fixed = {s.split("=", 1)[0].strip() for s in spec.sets}
    for s in spec.space_objects():
        if s.key in fixed:
            raise UsageError(
                f"--space {s.key} and --set {s.key} contradict each other; give one of them"
            )
        for v in s.values_to_check():
            try:
                planner.plan(registry, spec.request({s.key: v}))
            except SettingsError as exc:
                hint = (
                    " (a whole-number setting takes whole ends, e.g. 2:8)"
                    if s.kind == "float" and "must be int" in str(exc)
                    else ""
                )
                raise UsageError(f"--space {s.key}: {exc}{hint}") from None
    return base


class _Pruning:
    """A Keras callback reporting ``key`` each epoch to the Optuna trial; stops the run
    (``stop_training``) when the pruner says so."""

    def __new__(cls, trial, key):
        import keras

        class Pruning(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.pruned_at = None
                self.reported = 0

            def on_epoch_end(self, epoch, logs=None):
                logs = logs or {}
                value = logs.get(f"val_{key}", logs.get(key))
                if value is None or not math.isfinite(float(value)):
                    return
                trial.report(float(value), epoch)  # 0-based: the warm-up spares epoch 1
                self.reported += 1
                if trial.should_prune():
                    self.pruned_at = epoch + 1
                    self.model.stop_training = True

        return Pruning()


def objective_value(run, test: dict, metric: str, direction: str) -> float | None:
    """The trial's value: the test metric of that name, else the best per-epoch value."""
    if metric in (test or {}):
        return float(test[metric])
    hist = run.metrics().get("history") or []
    key = f"val_{metric}" if hist and f"val_{metric}" in hist[0] else metric
    values = [float(h[key]) for h in hist if h.get(key) is not None]
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return None
    return min(values) if direction == "minimize" else max(values)


def open_study(out: Path, spec: TuneSpec):
    """The search's Optuna study, made or reopened; a damaged ``study.db`` is refused in
    one line (the trials' run folders beside it are untouched)."""
    try:
        return _open_study(out, spec)
    except Exception as exc:
        if not type(exc).__module__.startswith(("sqlalchemy", "optuna", "sqlite3")):
            raise
        from zoo_core.errors import RunError

        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise RunError(
            f"{out / 'study.db'} cannot be read as the search's database "
            f"({first}); it is damaged: start a new search with another --out "
            f"(the runs of its trials stay in {out})"
        ) from None


def _open_study(out: Path, spec: TuneSpec):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pruner = (
        optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
        if spec.pruner == "median"
        else optuna.pruners.NopPruner()
    )
    storage = f"sqlite:///{(out / 'study.db').resolve()}"
    study = optuna.create_study(
        study_name="zoo",
        storage=storage,
        load_if_exists=True,
        direction=spec.direction,
        pruner=pruner,
        sampler=optuna.samplers.TPESampler(seed=spec.seed),
    )
    n = len(study.get_trials(deepcopy=False))
    if n:  # a resumed search: the sampler's stream goes on, not back to the first draws
        study = optuna.load_study(
            study_name="zoo",
            storage=storage,
            pruner=pruner,
            sampler=optuna.samplers.TPESampler(seed=spec.seed + n),
        )
    return study


def _requeue_interrupted(study, spec: TuneSpec, out: Path) -> list[int]:
    """Trials a stopped search left running or interrupted: marked failed and their
    parameters asked again (once each), so no finished trial is repeated."""
    from optuna.trial import TrialState

    again = []
    for t in study.get_trials(deepcopy=False):
        if t.state == TrialState.RUNNING:
            study.tell(t.number, state=TrialState.FAIL)
            again.append(t)
        elif t.state == TrialState.FAIL and t.user_attrs.get("interrupted"):
            again.append(t)
    again = [t for t in again if t.number not in spec.requeued]
    for t in again:
        study.enqueue_trial(t.params, skip_if_exists=False)
        spec.requeued.append(t.number)
    if again:
        write_json_atomic(out / SPEC, asdict(spec))
    return [t.number for t in again]


def counted(study, spec: TuneSpec) -> int:
    """Trials that count towards ``--trials``: finished ones (complete, pruned or failed
    with an error), not the interrupted ones that were asked again."""
    from optuna.trial import TrialState

    n = 0
    for t in study.get_trials(deepcopy=False):
        if t.state in (TrialState.COMPLETE, TrialState.PRUNED):
            n += 1
        elif (
            t.state == TrialState.FAIL
            and not t.user_attrs.get("interrupted")
            and t.number not in spec.requeued
        ):
            n += 1
    return n


def search(registry, spec: TuneSpec, out: Path, console, *, resume: bool = False, on_trial=None):
    """Run trials until ``spec.trials`` have finished; returns the study.
    ``on_trial(number, run_dir, state, value)`` is called after each."""
    from zoo_core.run_dir import LOCK, FolderLock

    out.mkdir(parents=True, exist_ok=True)
    # one search per folder: a second `zoo tune` (or a --resume while it runs) is refused
    with FolderLock(out).acquire("zoo tune"):
        if not resume and any(p.name != LOCK for p in out.iterdir()):
            raise UsageError(
                f"--out {out} is not an empty folder; choose another, or "
                f"continue that search with `zoo tune --resume {out}`"
            )
        return _search(registry, spec, out, console, resume=resume, on_trial=on_trial)


def _search(registry, spec, out, console, *, resume, on_trial):
    from optuna.trial import TrialState

    from zoo_core.errors import ZooError
    from zoo_core.run import runner

    if not resume:
        write_json_atomic(out / SPEC, asdict(spec))
    study = open_study(out, spec)
    if resume:
        again = _requeue_interrupted(study, spec, out)
        if again:
            console.print(f"asking again the interrupted trial(s) {', '.join(map(str, again))}")
    spaces = spec.space_objects()
    while counted(study, spec) < spec.trials:
        trial = study.ask()
        values = {s.key: s.suggest(trial) for s in spaces}
        plan = planner.plan(registry, spec.request(values))
        run_path = out / f"trial-{trial.number:03d}"
        console.print(
            f"[bold]trial {trial.number}[/] ({counted(study, spec) + 1} of "
            f"{spec.trials}): " + ", ".join(f"{k}={_text(v)}" for k, v in values.items())
        )
        pruning = _Pruning(trial, spec.metric)
        trial.set_user_attr("run", run_path.name)
        try:
            run, test, _ = runner.execute(
                plan,
                console,
                out=str(run_path),
                callbacks=[pruning],
                resume_hint="continue the search with "
                f"`zoo tune --resume {out}` (this trial starts again)",
            )
        except KeyboardInterrupt:
            trial.set_user_attr("interrupted", True)
            study.tell(trial, state=TrialState.FAIL)
            raise
        except ZooError as exc:  # a diverged trial (NaN) is a result, not the end of search
            trial.set_user_attr("error", str(exc))
            study.tell(trial, state=TrialState.FAIL)
            console.print(f"[red]trial {trial.number} failed:[/] {exc}")
            if on_trial:
                on_trial(trial.number, run_path, "failed", None)
            continue
        if pruning.pruned_at is not None:
            run.set_status("pruned", note=f"after epoch {pruning.pruned_at}")
            study.tell(trial, state=TrialState.PRUNED)
            if on_trial:
                on_trial(trial.number, run.path, "pruned", None)
            continue
        value = objective_value(run, test, spec.metric, spec.direction)
        if value is None:  # a misnamed metric: every further trial would miss it too
            trial.set_user_attr("error", f"the run recorded no '{spec.metric}'")
            study.tell(trial, state=TrialState.FAIL)
            hist = (run.metrics().get("history") or [{}])[-1]
            names = sorted({*test, *(k for k in hist if k not in ("epoch", "seconds"))})
            raise UsageError(
                f"--metric {spec.metric}: trial {trial.number} recorded no such "
                f"metric; it recorded {', '.join(names) or 'none'}"
            )
        study.tell(trial, value)
        if on_trial:
            on_trial(trial.number, run.path, "complete", value)
    return study


def write_best(study, out: Path, spec: TuneSpec) -> Path | None:
    """``OUT/best.toml``: the best complete trial's run as a config file."""
    from optuna.trial import TrialState

    from zoo_core.run_dir import RunDir
    from zoo_tune.config_file import dumps

    if not any(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False)):
        return None
    best = study.best_trial
    run = RunDir.open(out / best.user_attrs["run"])
    cfg = run.config
    path = out / "best.toml"
    params = ", ".join(f"{k}={_text(v)}" for k, v in best.params.items())
    text = dumps(
        cfg,
        comment=f"zoo tune {spec.model}: trial {best.number} of {out}, "
        f"{spec.metric} = {best.value:.6g} ({spec.direction})\n"
        f"tuned: {params}",
        visualizers=False,
    )
    from zoo_core.atomic_files import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return path


def trial_rows(study, spec: TuneSpec) -> list[dict]:
    rows = []
    for t in study.get_trials(deepcopy=False):
        state = t.state.name.lower()
        if t.user_attrs.get("interrupted") or t.number in spec.requeued:
            state = "interrupted"
        rows.append(
            {
                "trial": t.number,
                "state": state,
                "value": t.value,
                "epochs": max(t.intermediate_values) + 1 if t.intermediate_values else None,
                "params": dict(t.params),
                "run": t.user_attrs.get("run"),
                "error": t.user_attrs.get("error"),
            }
        )
    return rows


def load_spec(out: Path) -> TuneSpec:
    p = out / SPEC
    if not p.is_file():
        raise UsageError(f"{out} holds no {SPEC}; --resume takes the folder of a `zoo tune` search")
    try:
        data = json.loads(p.read_text())
        if isinstance(data, dict) and "env" in data:  # a search saved before flags existed
            env = data.pop("env")
            data.setdefault("flags", {} if env is None else {"env": env})
        return TuneSpec(**data)
    except (OSError, json.JSONDecodeError, TypeError) as exc:
        raise UsageError(f"{p} cannot be read ({exc}); start a new search") from None
