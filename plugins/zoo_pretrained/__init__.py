"""Pretrained models shipped with zoo: ``pretrained:NAME`` wherever a run folder is taken
(``zoo sample pretrained:dcgan``, ``zoo.pretrained("vae_2d")``), ``zoo pretrained`` to list
them, ``zoo pretrained pack`` to make one from a finished run (a folder, or one archive
to share) and ``zoo pretrained add`` to install an archive into the user's store.
Registered through the same ``register_pretrained`` hook a third-party package uses to ship
its own."""

from pathlib import Path

from zoo_core import hookimpl

MODELS = Path(__file__).parent / "models"


@hookimpl
def register_pretrained(register):
    import json

    from .archive import installed

    shipped = sorted(MODELS.iterdir()) if MODELS.is_dir() else []
    for folder in shipped + installed():  # the built-ins, then the user's store
        manifest = folder / "pretrained.json"
        if manifest.is_file():
            try:
                summary = json.loads(manifest.read_text()).get("summary", "")
            except ValueError:  # damaged: refused by name when it is opened
                summary = ""
            register(folder.name, folder, summary=summary)


@hookimpl
def resolve_run(reference):
    from .store import PREFIX, resolve

    if reference.startswith(PREFIX):
        from zoo_core import plugins

        return resolve(plugins.get_registry(), reference)
    return None


@hookimpl
def register_commands(cli):
    from .command import pretrained

    cli.add_command(pretrained)
