"""The ``zoo`` command line: compose plugins by name.

The core's commands are the ones every family needs: :mod:`.inspect_commands` (list, info,
plugins), :mod:`.run_command` (run) and :mod:`.saved_run_commands` (eval, viz). Plugins add
the rest through ``register_commands`` (the reports, ``tune``, ``sample``). Errors become
one-line messages in one place (:class:`~zoo_core.cli.group.ZooGroup`); human output goes
through rich, machine output (``--json``) is plain JSON on stdout.
"""

from __future__ import annotations

import sys

import click

from zoo_core.cli.group import ZooGroup
from zoo_core.cli.inspect_commands import info, list_, plugins_
from zoo_core.cli.run_command import run
from zoo_core.cli.saved_run_commands import card, eval_, export, viz


@click.group(cls=ZooGroup)
@click.version_option(package_name="zoo", prog_name="zoo")
def cli():
    """zoo: train and compare generative models, composed from plugins by name.

    \b
    zoo list                          what is installed
    zoo run vae --dataset fashion_mnist
    zoo eval runs/<run>               every metric that applies
    zoo viz runs/<run> --viz manifold figures from a saved run
    """


for _command in (list_, info, plugins_, run, eval_, viz, export, card):
    cli.add_command(_command)


def main():
    from zoo_core.quiet_tf import install

    install()  # TensorFlow's native start-up lines are not for users
    cli(prog_name="zoo")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
