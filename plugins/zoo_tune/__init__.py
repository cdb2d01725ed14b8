"""``zoo tune``: the Optuna search, a built-in command plugin (Optuna is an optional extra,
``pip install 'zoo[tune]'``; without it the command says so in one line)."""

from zoo_core import hookimpl


@hookimpl
def register_commands(cli):
    from .command import tune

    cli.add_command(tune)
