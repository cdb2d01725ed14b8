"""Built-in model plugin: a small DQN agent (the seed notebook's second part)."""

from zoo_core import hookimpl


@hookimpl
def register_models(register):
    from .model import DQN

    register("dqn", DQN)


@hookimpl
def register_metrics(register):
    from .model import GreedyReturn

    register("greedy_return", GreedyReturn)
