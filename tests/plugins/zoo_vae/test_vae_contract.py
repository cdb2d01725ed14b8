"""The VAE family keeps the zoo's contract: one test per promise (``zoo_core.testing``)."""

from conftest import OnColourFolder, OnFashionMnist


class TinyVae(OnFashionMnist):
    sets = ("limit=256", "batch_size=64")
    progress = 2


class TestVae2d(TinyVae):
    model = "vae_2d"


class TestCvae2d(TinyVae):
    model = "cvae_2d"


class TinyVaeOnColour(OnColourFolder):
    sets = ("batch_size=16", *OnColourFolder.folder_sets)
    progress = 2


class TestVae2dOnColour(TinyVaeOnColour):
    model = "vae_2d"


class TestCvae2dOnColour(TinyVaeOnColour):
    model = "cvae_2d"


class TestBetaVaeOnColour(TinyVaeOnColour):
    model = "beta_vae"
