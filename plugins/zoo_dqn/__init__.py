"""Built-in model plugin: a small DQN agent (the seed notebook's second part)."""

from zoo_core import hookimpl


@hookimpl
def register_models(register):
    from .model import DQN, DoubleDQNModel

    register("dqn", DQN)
    register(
        "double_dqn",
        DoubleDQNModel,
        summary="Double DQN (van Hasselt et al. 2016): the DQN's loop, its own targets",
    )


@hookimpl
def register_visualizers(register):
    from .figures import Returns

    register("returns", Returns)


@hookimpl
def register_metrics(register):
    from .model import GreedyReturn

    register("greedy_return", GreedyReturn)


@hookimpl
def register_commands(cli):
    """``--env ID`` on ``zoo run`` and ``zoo tune``: the DQN's ``env`` setting as a flag."""
    from zoo_core.cli.output import add_setting_option

    add_setting_option(
        "env", "Environment id (models that act in an environment), e.g. CartPole-v1."
    )
