"""The ``dqn`` Model plugin: trains in a gymnasium environment, evaluates greedily."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zoo_core import Metric, MetricInfo, MetricResult, Model, SettingsError

from .settings import DQNSettings

if TYPE_CHECKING:  # numpy loads when first used, so `zoo list` stays quick
    import numpy as np

EPISODES = "episodes"  # capability: the run records episode returns


class DQN(Model):
    """DQN agent (experience replay + target network) for discrete-action gymnasium envs."""

    Settings = DQNSettings
    needs = "environment"
    source_setting = "env"  # zoo run dqn --env CartPole-v1
    progress_unit, progress_setting = "step", "total_steps"
    capabilities = frozenset({EPISODES})
    strategies = ("default",)
    resumable = True
    default_visualizers = ("returns",)
    metrics = (
        MetricInfo(
            "greedy_return_10",
            "return",
            "greedy",
            "mean return of 10 greedy episodes at a check-up",
        ),
        MetricInfo(
            "mean_return_100", "return", "mean100", "mean return of the last 100 training episodes"
        ),
        MetricInfo("loss", "", "loss", "TD loss (Huber)"),
    )
    monitor = "greedy_return_10"
    monitor_mode = "max"

    #: Double DQN targets for every run of this class (the ``double`` setting does the same)
    double_dqn = False

    def __init__(self, settings=None, data_spec=None):
        super().__init__(settings, data_spec)
        self.agent = None

    @classmethod
    def check_settings(cls, s) -> None:
        if s.total_steps < s.warmup_steps:
            raise SettingsError(
                f"dqn total_steps ({s.total_steps}) is below warmup_steps "
                f"({s.warmup_steps}); nothing would be learned. Raise "
                "total_steps or lower warmup_steps"
            )
        if s.buffer_size < s.batch_size:
            raise SettingsError(
                f"dqn buffer_size ({s.buffer_size}) is smaller than batch_size ({s.batch_size})"
            )
        if not s.hidden or min(s.hidden) < 1:
            raise SettingsError("dqn hidden must list positive layer sizes, e.g. 256,256")
        from .environment import check_env

        check_env(s.env)

    def _build(self, seed):
        from zoo_keras.training import seed_everything

        from .environment import make

        seed_everything(seed)
        env = make(self.settings.env)
        self.agent = self.Algorithm(
            env.observation_space.shape[0], int(env.action_space.n), self.settings
        )
        return env

    def count_params(self) -> int:
        return int(self.agent.q.count_params()) if self.agent else 0

    def get_weights(self) -> list:
        """The acting network's weights, then the target's and the optimizer's state."""
        if not self.agent:
            return []
        return [
            *self.agent.q_weights(),
            *self.agent.target.get_weights(),
            *(v.numpy() for v in self.agent.optimizer.variables),
        ]

    # -- training: the off-policy loop runs the algorithm --------------------------------
    def train(self, ctx) -> dict:
        """Train for ``total_steps`` environment steps in :class:`.loop.OffPolicyLoop`,
        checkpointing at each greedy check-up; ``--resume`` continues from the last one
        exactly as the uninterrupted run would have gone on."""
        from zoo_keras import checkpoints

        from .loop import OffPolicyLoop

        env = self._build(ctx.seed)
        ctx.run.update_metrics(**self.describe_metrics())
        result = OffPolicyLoop(self.agent, self.settings, self.greedy_returns).run(ctx, env)
        ctx.run.update_metrics(params=self.count_params())
        checkpoints.save_atomic(self.agent.policy(), ctx.run.file("model.keras"))
        return result

    # -- evaluation ----------------------------------------------------------------------
    def greedy_returns(self, episodes: int, seed: int) -> np.ndarray:
        """Returns of ``episodes`` greedy episodes, run side by side in a vector env."""
        import gymnasium as gym
        import numpy as np

        envs = gym.make_vec(
            self.settings.env, num_envs=min(episodes, 20), vectorization_mode="sync"
        )
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

    @property
    def Algorithm(self):
        """The algorithm the loop runs (:class:`.dqn.DoubleDQN` for ``double_dqn``)."""
        from . import dqn

        return dqn.DoubleDQN if self.double_dqn else dqn.DQNAlgorithm

    def load(self, run, which: str = "final") -> None:
        """The final Q-network (``model.keras``), with the last checkpoint's target and
        optimizer state when there is one (``get_weights`` then equals the trained agent's)."""
        from zoo_keras import checkpoints

        from . import checkpoint as ck
        from .environment import make
        from .replay import ReplayBuffer

        env = make(self.settings.env)
        self.agent = self.Algorithm(
            env.observation_space.shape[0], int(env.action_space.n), self.settings
        )
        if (run.checkpoints / ck.AGENT).is_file():
            ck.load(
                run,
                self.agent,
                ReplayBuffer(self.settings.buffer_size, env.observation_space.shape),
            )
        env.close()
        self.agent.set_q_weights(checkpoints.load_model(run.file("model.keras")).get_weights())


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
        values = {
            "mean_return": float(r.mean()),
            "std_return": float(r.std()),
            "min_return": float(r.min()),
        }
        notes = {"episodes": n}
        if threshold is not None:
            values["solved"] = float(r.mean() >= threshold)
            notes["threshold"] = threshold
        return MetricResult(values, {k: "return" for k in values if k != "solved"}, notes)


class DoubleDQNModel(DQN):
    """Double DQN (van Hasselt et al. 2016) on the same loop: only the algorithm differs."""

    double_dqn = True
