"""The reports, as built-in commands: ``zoo runs``, ``zoo compare``, ``zoo leaderboard``.

Registered through the ``register_commands`` hook, exactly as a third-party package adds
a command; they read run folders (what each run recorded) and never train.
"""

from zoo_core import hookimpl


@hookimpl
def register_commands(cli):
    from .commands import add_commands

    add_commands(cli)
