"""DCGAN and WGAN-GP keep the zoo's contract: one test per promise (``zoo_core.testing``)."""

from conftest import require_debian_data

from zoo_core.testing import ModelContractTests


class TinyGan(ModelContractTests):
    fresh_process = False  # resumed here, from the files alone (the templates' tests and
    # the family's own resume tests start fresh processes)
    dataset = "fashion_mnist"
    progress = 2

    def install(self, stack, folder):
        require_debian_data()


class TestDcgan(TinyGan):
    model = "dcgan"
    sets = ("limit=256", "latent_dim=16", "filters=8,16", "batch_size=32", "fid_samples=64")


class TestWganGp(TinyGan):
    model = "wgan_gp"
    sets = ("limit=256", "latent_dim=16", "filters=8,16", "batch_size=16", "fid_samples=64")
