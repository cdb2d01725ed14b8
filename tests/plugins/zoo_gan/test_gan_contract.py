"""DCGAN and WGAN-GP keep the zoo's contract: one test per promise (``zoo_core.testing``)."""

from conftest import OnColourFolder, OnFashionMnist


class TinyGan(OnFashionMnist):
    progress = 2


class TestDcgan(TinyGan):
    model = "dcgan"
    sets = ("limit=256", "latent_dim=16", "filters=8,16", "batch_size=32", "fid_samples=64")


class TestWganGp(TinyGan):
    model = "wgan_gp"
    sets = ("limit=256", "latent_dim=16", "filters=8,16", "batch_size=16", "fid_samples=64")


class TestDcganOnColour(OnColourFolder):
    model = "dcgan"
    sets = (
        "latent_dim=16",
        "filters=8,16",
        "batch_size=16",
        "fid_samples=64",
        *OnColourFolder.folder_sets,
    )
    progress = 2


class TestWganGpOnColour(OnColourFolder):
    model = "wgan_gp"
    sets = (
        "latent_dim=16",
        "filters=8,16",
        "batch_size=16",
        "fid_samples=64",
        *OnColourFolder.folder_sets,
    )
    progress = 2
