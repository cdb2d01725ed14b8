"""``zoo demo``: a page to look at trained models, built on Gradio (an optional extra,
``pip install 'zoo[demo]'``; without it the command says so in one line). Sample with every
sampling setting a model declares, drag through a latent space, browse and compare runs."""

from zoo_core import hookimpl


@hookimpl
def register_commands(cli):
    from .command import demo

    cli.add_command(demo)
