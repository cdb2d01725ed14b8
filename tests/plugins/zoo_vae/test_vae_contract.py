"""The VAE family keeps the zoo's contract: one test per promise (``zoo_core.testing``)."""

from conftest import require_debian_data

from zoo_core.testing import ModelContractTests


class TinyFashionMnist(ModelContractTests):
    fresh_process = False  # resumed here, from the files alone (the templates' tests and
    # the family's own resume tests start fresh processes)
    dataset = "fashion_mnist"
    sets = ("limit=256", "batch_size=64")
    progress = 2

    def install(self, stack, folder):
        require_debian_data()


class TestVae2d(TinyFashionMnist):
    model = "vae_2d"


class TestCvae2d(TinyFashionMnist):
    model = "cvae_2d"
