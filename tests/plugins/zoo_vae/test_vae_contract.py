"""The VAE family keeps the zoo's contract: one test per promise (``zoo_core.testing``),
on Fashion-MNIST and on a 32x32 colour folder."""

from conftest import OnColourFolder, OnFashionMnist


class TestVae2d(OnFashionMnist):
    model = "vae_2d"
    sets = ("limit=256", "batch_size=64")


class TestCvae2d(OnFashionMnist):
    model = "cvae_2d"
    sets = ("limit=256", "batch_size=64")


class TestVae2dOnColour(OnColourFolder):
    model = "vae_2d"
    sets = ("batch_size=16", *OnColourFolder.folder_sets)


class TestCvae2dOnColour(OnColourFolder):
    model = "cvae_2d"
    sets = ("batch_size=16", *OnColourFolder.folder_sets)


class TestBetaVaeOnColour(OnColourFolder):
    model = "beta_vae"
    sets = ("batch_size=16", *OnColourFolder.folder_sets)
