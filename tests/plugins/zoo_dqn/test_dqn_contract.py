"""The DQN agents keep the zoo's contract: one test per promise (``zoo_core.testing``).
They count training in environment steps (``total_steps``), not epochs."""

from zoo_core.testing import ModelContractTests


class TinyAgent(ModelContractTests):
    fresh_process = False  # resumed here, from the files alone (the templates' tests and
    # the family's own resume tests start fresh processes)
    flags = {"env": "CartPole-v1"}
    sets = (
        "warmup_steps=100",
        "train_every=50",
        "updates_per_round=2",
        "eval_every=200",
        "eval_episodes=2",
        "hidden=8",
    )
    progress = 400  # total_steps
    metric_sets = ("episodes=2",)


class TestDqn(TinyAgent):
    model = "dqn"


class TestDoubleDqn(TinyAgent):
    model = "double_dqn"
