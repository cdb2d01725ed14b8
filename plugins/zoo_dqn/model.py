"""The ``dqn`` Model plugin: trains in a gymnasium environment, evaluates greedily."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zoo_core import Metric, MetricInfo, MetricResult, Model, SettingsError

from .settings import DQNSettings

if TYPE_CHECKING:  # numpy loads when first used, so `zoo list` stays quick
    import numpy as np

EPISODES = "episodes"  # capability: the run records episode returns


def epsilon_at(step: int, s) -> float:
    """Linear schedule from eps_start to eps_end over eps_decay_steps, then flat."""
    frac = min(1.0, step / s.eps_decay_steps)
    return s.eps_start + frac * (s.eps_end - s.eps_start)


class DQN(Model):
    """DQN agent (experience replay + target network) for discrete-action gymnasium envs."""

    Settings = DQNSettings
    needs = "environment"
    source_setting = "env"  # zoo run dqn --env CartPole-v1
    progress_unit, progress_setting = "step", "total_steps"
    #: the contract kit's run: a few seconds on 2 cores
    tiny_run = {"sets": ["env=CartPole-v1", "total_steps=400", "warmup_steps=100",
                         "train_every=50", "updates_per_round=2", "eval_every=200",
                         "eval_episodes=2", "hidden=8"],
                "metric_sets": ["episodes=2"], "viz_sets": ["n=4", "limit=128"]}
    capabilities = frozenset({EPISODES})
    strategies = ("default",)
    resumable = True
    default_visualizers = ("returns",)
    metrics = (MetricInfo("greedy_return_10", "return", "greedy",
                          "mean return of 10 greedy episodes at a check-up"),
               MetricInfo("mean_return_100", "return", "mean100",
                          "mean return of the last 100 training episodes"),
               MetricInfo("loss", "", "loss", "TD loss (Huber)"))
    monitor = "greedy_return_10"
    monitor_mode = "max"

    def __init__(self, settings=None, data_spec=None):
        super().__init__(settings, data_spec)
        self.agent = None

    @classmethod
    def check_settings(cls, s) -> None:
        if s.total_steps < s.warmup_steps:
            raise SettingsError(f"dqn total_steps ({s.total_steps}) is below warmup_steps "
                                f"({s.warmup_steps}); nothing would be learned. Raise "
                                "total_steps or lower warmup_steps")
        if s.buffer_size < s.batch_size:
            raise SettingsError(f"dqn buffer_size ({s.buffer_size}) is smaller than batch_size "
                                f"({s.batch_size})")
        if not s.hidden or min(s.hidden) < 1:
            raise SettingsError("dqn hidden must list positive layer sizes, e.g. 256,256")
        from .environment import check_env

        check_env(s.env)

    def _build(self, seed):
        from zoo_core.keras.training import seed_everything

        from .agent import Agent
        from .environment import make

        seed_everything(seed)
        env = make(self.settings.env)
        self.agent = Agent(env.observation_space.shape[0], int(env.action_space.n),
                           self.settings)
        return env

    def count_params(self) -> int:
        return int(self.agent.q.count_params()) if self.agent else 0

    def get_weights(self) -> list:
        """The acting network's weights, then the target's and the optimizer's state."""
        if not self.agent:
            return []
        return [*self.agent.q_weights(), *self.agent.target.get_weights(),
                *(v.numpy() for v in self.agent.optimizer.variables)]

    # -- training ----------------------------------------------------------------------
    def train(self, ctx) -> dict:
        """Train for ``total_steps`` environment steps, checkpointing at each greedy
        check-up (see :mod:`.checkpoint`); ``--resume`` continues from the last one exactly
        as the uninterrupted run would have gone on. Callbacks in
        ``ctx.extra["callbacks"]`` get ``on_epoch_begin(k)`` after check-up ``k`` is saved
        (how the contract kit interrupts a run)."""
        import numpy as np
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        from zoo_core.keras import training as kt

        from . import checkpoint as ck
        from .replay import ReplayBuffer

        s = self.settings
        env = self._build(ctx.seed)
        buffer = ReplayBuffer(s.buffer_size, env.observation_space.shape)
        rng = np.random.default_rng(ctx.seed)
        best_weights = None
        if ctx.resume:
            p, best_weights = ck.load(ctx.run, self.agent, buffer)
            rng.bit_generator.state = p.rng
            obs = ck.rebuild_env(env, p)
            ctx.console.print(f"resuming {ctx.run.path} after step {p.step:,}")
        else:
            p = ck.Progress(env_reset=int(ctx.seed))
            obs, _ = env.reset(seed=ctx.seed)
        ctx.run.update_metrics(monitor=self.monitor, monitor_mode=self.monitor_mode,
                               metrics=self.describe_metrics())
        callbacks = list(ctx.extra.get("callbacks", ()))
        board = _Board(ctx.run.file("tensorboard") if ctx.tensorboard else None)
        best = -np.inf if p.best_score is None else p.best_score
        t0, done_before = time.perf_counter(), p.step
        progress = Progress(TextColumn("step"), BarColumn(bar_width=20),
                            TextColumn("{task.completed:,}/{task.total:,}"),
                            TextColumn("{task.fields[stats]}"), TimeRemainingColumn(),
                            console=ctx.console)

        def checkpoint(notify=True):
            p.rng = rng.bit_generator.state
            ck.save(ctx.run, self.agent, buffer, p, best_weights)
            ctx.run.update_metrics(history=p.history)
            ctx.run.write_json("returns.json", {"returns": p.returns, "steps": p.ends})
            for cb in callbacks if notify else ():
                cb.on_epoch_begin(p.epoch)

        try:
            with progress:
                task = progress.add_task("", total=s.total_steps, completed=p.step, stats="")
                for step in range(p.step + 1, s.total_steps + 1):
                    p.step = step
                    eps = 1.0 if step <= s.warmup_steps else \
                        epsilon_at(step - s.warmup_steps, s)
                    action = self.agent.act(obs, eps, rng)
                    next_obs, reward, terminated, truncated, _ = env.step(action)
                    p.episode_actions.append(action)
                    buffer.add(obs, action, reward, next_obs, terminated)
                    p.episode_return += float(reward)
                    obs = next_obs
                    if terminated or truncated:
                        board.scalars(step, episode_return=p.episode_return)
                        p.returns.append(p.episode_return)
                        p.ends.append(step)
                        p.episode_return = 0.0
                        p.env_reset = env.unwrapped.np_random.bit_generator.state
                        p.episode_actions = []
                        obs, _ = env.reset()
                    if step > s.warmup_steps and step % s.train_every == 0:
                        if p.rounds % s.target_sync == 0:
                            self.agent.sync_target()
                        idx = buffer.sample_indices(rng, (s.updates_per_round, s.batch_size))
                        p.loss = self.agent.train_round(buffer.take(idx))
                        p.rounds += 1
                    checkup = bool(s.eval_every) and step % s.eval_every == 0 \
                        and step > s.warmup_steps
                    if checkup:
                        score = float(self.greedy_returns(10, seed=ctx.seed + step).mean())
                        seconds = p.seconds + time.perf_counter() - t0
                        p.history.append({
                            "epoch": p.epoch + 1, "step": step,
                            "mean_return_100": float(np.mean(p.returns[-100:]))
                            if p.returns else 0.0, "greedy_return_10": score,
                            "loss": p.loss, "seconds": round(seconds, 2)})
                        board.scalars(step, **{k: v for k, v in p.history[-1].items()
                                               if k not in ("epoch", "step", "seconds")})
                        if score >= best:
                            best, p.best_score = score, score
                            best_weights = self.agent.q_weights()
                    if checkup or (not s.eval_every and step % ck.CHECKPOINT_EVERY == 0):
                        p.seconds += time.perf_counter() - t0
                        t0 = time.perf_counter()
                        checkpoint()
                    if step % 500 == 0 or step == s.total_steps:
                        sps = (step - done_before) / max(1e-9, time.perf_counter() - t0
                                                         + p.seconds)
                        mean100 = np.mean(p.returns[-100:]) if p.returns else 0.0
                        progress.update(task, completed=step, stats=(
                            f"episodes {len(p.returns)}  mean100 {mean100:.1f}  "
                            f"eps {eps:.2f}  {sps:,.0f} steps/s"))
        except KeyboardInterrupt:
            last = ctx.run.read_json("state.json", {}) or {}
            if last.get("step"):
                ctx.console.print(f"interrupted: the checkpoint at step {last['step']:,} is "
                                  f"kept; continue with `zoo run --resume {ctx.run.path}`")
            raise
        finally:
            env.close()
            board.close()
        if (ctx.run.read_json("state.json", {}) or {}).get("step") != p.step:  # the end state, so a finished run loads whole
            p.seconds += time.perf_counter() - t0
            t0 = time.perf_counter()
            checkpoint(notify=False)
        wall = p.seconds + time.perf_counter() - t0
        if best_weights is not None:  # keep the best network seen at a check-up
            self.agent.set_q_weights(best_weights)
        ctx.run.write_json("returns.json", {"returns": p.returns, "steps": p.ends})
        ctx.run.update_metrics(history=p.history, params=self.count_params(),
                               train_seconds=round(wall, 2),
                               steps_per_second=round(s.total_steps / wall, 1))
        kt.save_atomic(self.agent.q, ctx.run.file("model.keras"))
        return {"episodes": len(p.returns), "train_seconds": wall}

    # -- evaluation ----------------------------------------------------------------------
    def greedy_returns(self, episodes: int, seed: int) -> np.ndarray:
        """Returns of ``episodes`` greedy episodes, run side by side in a vector env."""
        import gymnasium as gym
        import numpy as np

        envs = gym.make_vec(self.settings.env, num_envs=min(episodes, 20),
                            vectorization_mode="sync")
        out = []
        obs, _ = envs.reset(seed=seed)
        running = np.zeros(envs.num_envs)
        while len(out) < episodes:
            actions = np.argmax(self.agent.q_values(obs), axis=1)
            obs, reward, term, trunc, _ = envs.step(actions)
            running += reward
            for i in np.flatnonzero(term | trunc):
                out.append(running[i])
                running[i] = 0.0
        envs.close()
        return np.asarray(out[:episodes])

    def test_metrics(self, ctx) -> dict:
        """``eval_episodes`` greedy episodes of the final network (``zoo eval`` runs the
        ``greedy_return`` metric with its own count)."""
        n = self.settings.eval_episodes
        result = GreedyReturn(GreedyReturnSettings(episodes=n)).compute(self, ctx)
        return {"episodes": n, **result.values}

    def reward_threshold(self) -> float | None:
        """The environment's own solve threshold (CartPole-v1: 475), if it has one."""
        import gymnasium as gym

        return gym.spec(self.settings.env).reward_threshold

    def progress_label(self, history) -> str:
        return f"{history[-1]['step']:,} steps" if history else "0 steps"

    def load(self, run, which: str = "final") -> None:
        """The final Q-network (``model.keras``), with the last checkpoint's target and
        optimizer state when there is one (``get_weights`` then equals the trained agent's)."""
        from zoo_core.keras import training as kt

        from . import checkpoint as ck
        from .agent import Agent
        from .environment import make
        from .replay import ReplayBuffer

        env = make(self.settings.env)
        self.agent = Agent(env.observation_space.shape[0], int(env.action_space.n),
                           self.settings)
        if (run.checkpoints / ck.AGENT).is_file():
            ck.load(run, self.agent, ReplayBuffer(self.settings.buffer_size,
                                                  env.observation_space.shape))
        env.close()
        self.agent.set_q_weights(kt.load_model(run.file("model.keras")).get_weights())


class _Board:
    """TensorBoard scalars of an agent (episode returns by environment step, the check-up
    scores), or nothing when ``folder`` is None."""

    def __init__(self, folder):
        self.writer = None
        if folder is not None:
            import tensorflow as tf

            self.writer = tf.summary.create_file_writer(str(folder / "train"))

    def scalars(self, step: int, **values) -> None:
        if self.writer is None:
            return
        import tensorflow as tf

        with self.writer.as_default():
            for name, value in values.items():
                tf.summary.scalar(name, float(value), step=step)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


@dataclass(frozen=True)
class GreedyReturnSettings:
    episodes: int = field(default=100, metadata={"help": "greedy episodes to run", "min": 1})


class GreedyReturn(Metric):
    """Mean return of greedy episodes (epsilon = 0) in the agent's environment."""

    Settings = GreedyReturnSettings
    needs = "environment"
    requires = frozenset({EPISODES})
    higher_is_better = frozenset({"mean_return", "min_return", "solved"})

    def compute(self, model, ctx) -> MetricResult:
        n = self.settings.episodes
        r = model.greedy_returns(n, seed=ctx.seed + 10_000)
        threshold = model.reward_threshold()
        values = {"mean_return": float(r.mean()), "std_return": float(r.std()),
                  "min_return": float(r.min())}
        notes = {"episodes": n}
        if threshold is not None:
            values["solved"] = float(r.mean() >= threshold)
            notes["threshold"] = threshold
        return MetricResult(values, {k: "return" for k in values if k != "solved"}, notes)
