"""Built-in dataset plugin: Fashion-MNIST, read from local IDX files (or downloaded)."""

from zoo_core import hookimpl


@hookimpl
def register_datasets(register):
    from .dataset import FashionMNIST

    register("fashion_mnist", FashionMNIST, aliases=("fmnist",))
