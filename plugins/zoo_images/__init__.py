"""Built-in dataset plugin: any folder of images (``images``), and ``emoji``, a real colour
dataset rendered from the Noto Color Emoji font that the project's set-up installs."""

from zoo_core import hookimpl


@hookimpl
def register_datasets(register):
    from .dataset import ImageFolder
    from .emoji import Emoji

    register("images", ImageFolder, aliases=("folder",))
    register("emoji", Emoji)
