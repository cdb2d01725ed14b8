"""The ``dqn`` Model plugin: trains in a gymnasium environment, evaluates greedily."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from zoo_core import Metric, MetricInfo, MetricResult, Model, SettingsError, UsageError

from .settings import DQNSettings

EPISODES = "episodes"  # capability: the run records episode returns


def epsilon_at(step: int, s) -> float:
    """Linear schedule from eps_start to eps_end over eps_decay_steps, then flat."""
    frac = min(1.0, step / s.eps_decay_steps)
    return s.eps_start + frac * (s.eps_end - s.eps_start)


class DQN(Model):
    """DQN agent (experience replay + target network) for discrete-action gymnasium envs."""

    Settings = DQNSettings
    needs = "environment"
    capabilities = frozenset({EPISODES})
    strategies = ("default",)
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
        from zoo_core.keras_training import seed_everything

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
        return list(self.agent.q_weights()) if self.agent else []

    # -- training ----------------------------------------------------------------------
    def train(self, ctx) -> dict:
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        from zoo_core import keras_training as kt

        from .replay import ReplayBuffer

        if ctx.resume:
            raise UsageError("dqn runs cannot be resumed; start a new run")
        s = self.settings
        env = self._build(ctx.seed)
        rng = np.random.default_rng(ctx.seed)
        env.action_space.seed(ctx.seed)
        buffer = ReplayBuffer(s.buffer_size, env.observation_space.shape)
        obs, _ = env.reset(seed=ctx.seed)
        returns, ends, history = [], [], []
        ep_return, rounds, loss = 0.0, 0, float("nan")
        best = (-np.inf, None)
        t0 = time.perf_counter()
        progress = Progress(TextColumn("step"), BarColumn(bar_width=20),
                            TextColumn("{task.completed:,}/{task.total:,}"),
                            TextColumn("{task.fields[stats]}"), TimeRemainingColumn(),
                            console=ctx.console)
        with progress:
            task = progress.add_task("", total=s.total_steps, stats="")
            for step in range(1, s.total_steps + 1):
                eps = 1.0 if step <= s.warmup_steps else epsilon_at(step - s.warmup_steps, s)
                action = self.agent.act(obs, eps, rng)
                next_obs, reward, terminated, truncated, _ = env.step(action)
                buffer.add(obs, action, reward, next_obs, terminated)
                ep_return += reward
                obs = next_obs
                if terminated or truncated:
                    returns.append(ep_return)
                    ends.append(step)
                    ep_return = 0.0
                    obs, _ = env.reset()
                if step > s.warmup_steps and step % s.train_every == 0:
                    if rounds % s.target_sync == 0:
                        self.agent.sync_target()
                    idx = buffer.sample_indices(rng, (s.updates_per_round, s.batch_size))
                    loss = self.agent.train_round(buffer.take(idx))
                    rounds += 1
                if s.eval_every and step % s.eval_every == 0 and step > s.warmup_steps:
                    score = self.greedy_returns(10, seed=ctx.seed + step).mean()
                    history.append({"epoch": len(history) + 1, "step": step,
                                    "mean_return_100": float(np.mean(returns[-100:]))
                                    if returns else 0.0, "greedy_return_10": float(score),
                                    "loss": loss,
                                    "seconds": round(time.perf_counter() - t0, 2)})
                    if score >= best[0]:
                        best = (score, self.agent.q_weights())
                if step % 500 == 0 or step == s.total_steps:
                    sps = step / (time.perf_counter() - t0)
                    mean100 = np.mean(returns[-100:]) if returns else 0.0
                    progress.update(task, completed=step, stats=(
                        f"episodes {len(returns)}  mean100 {mean100:.1f}  eps {eps:.2f}  "
                        f"{sps:,.0f} steps/s"))
        env.close()
        wall = time.perf_counter() - t0
        if best[1] is not None:  # keep the best network seen at a check-up
            self.agent.set_q_weights(best[1])
        ctx.run.write_json("returns.json", {"returns": returns, "steps": ends})
        ctx.run.update_metrics(history=history, params=self.count_params(),
                               train_seconds=round(wall, 2),
                               steps_per_second=round(s.total_steps / wall, 1))
        kt.save_atomic(self.agent.q, ctx.run.checkpoints / kt.LAST)
        kt.save_atomic(self.agent.q, ctx.run.file("model.keras"))
        return {"episodes": len(returns), "train_seconds": wall}

    # -- evaluation ----------------------------------------------------------------------
    def greedy_returns(self, episodes: int, seed: int) -> np.ndarray:
        """Returns of ``episodes`` greedy episodes, run side by side in a vector env."""
        import gymnasium as gym

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
        from zoo_core import keras_training as kt

        from .environment import make

        from .agent import Agent

        env = make(self.settings.env)
        self.agent = Agent(env.observation_space.shape[0], int(env.action_space.n),
                           self.settings)
        env.close()
        self.agent.set_q_weights(kt.load_model(run.file("model.keras")).get_weights())


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
