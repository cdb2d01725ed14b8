"""A dataset's arrays are held to its spec before training: a plugin's mistake is one line
naming the method and what it gave, not an error from deep inside TensorFlow."""

import numpy as np
import pytest

from zoo_core import DataError, DataSpec
from zoo_core.data_check import check_arrays

SPEC = DataSpec("images", (28, 28, 1), "float32", tuple("abcdefghij"), ("train", "test"))
X = np.random.default_rng(0).random((6, 28, 28, 1)).astype("float32")
Y = np.arange(6)


@pytest.mark.parametrize(
    "x,y,message",
    [
        (X[..., 0], Y, r"images of shape \(28, 28\), but its spec declares \(28, 28, 1\)"),
        (np.zeros((6, 32, 32, 1), "float32"), Y, r"shape \(32, 32, 1\)"),
        ((X * 255).astype("uint8"), Y, r"uint8 images; .*divide 8-bit images by 255"),
        (X * 255, Y, r"values in \[.*, 25.\.?.*\]; give floats in \[0, 1\]"),
        (X, Y[:5], r"6 images but labels of shape \(5,\)"),
        (X, Y.astype("float32"), r"labels of shape \(6,\) and type float32"),
        (X, Y + 5, r"labels in \[5, 10\]; its spec declares 10 classes"),
    ],
)
def test_arrays_that_break_the_spec_are_refused_in_one_line(x, y, message):
    with pytest.raises(DataError, match=message) as caught:
        check_arrays(SPEC, x, y, "Mine.arrays('train')")
    assert str(caught.value).startswith("Mine.arrays('train') gives ")
    assert "\n" not in str(caught.value)


def test_arrays_that_keep_the_spec_pass_as_they_are():
    x, y = check_arrays(SPEC, X, Y, "Mine.arrays('train')")
    assert x is X and y is Y
    unlabelled = DataSpec("images", (28, 28, 1), "float32", (), ("train",))
    assert check_arrays(unlabelled, X, np.full(6, 99), "Mine.arrays('train')")[0] is X


BYTES = """
    import numpy as np
    from zoo_core import Dataset, DataSpec, hookimpl

    class Bytes(Dataset):
        '''Images as bytes, a common slip.'''

        @classmethod
        def spec(cls, settings):
            return DataSpec("images", (28, 28, 1), "float32", tuple("0123456789"),
                            ("train", "test"))

        def arrays(self, split):
            return np.full((64, 28, 28, 1), 200, "uint8"), np.zeros(64, "int64")

    @hookimpl
    def register_datasets(register):
        register("bytes", Bytes)
"""


def test_zoo_run_refuses_a_plugin_dataset_that_breaks_its_spec(make_dist, run_cli, tmp_path):
    make_dist("zoo-bytes", "zoo_bytes", BYTES)
    r = run_cli(
        "run",
        "vae_2d",
        "--dataset",
        "bytes",
        "--epochs",
        "1",
        "--no-viz",
        "--no-tensorboard",
        "--out",
        str(tmp_path / "r"),
    )
    assert r.exit_code == 1, r.output
    assert "Bytes.arrays('train') gives uint8 images" in r.output
    assert "Traceback" not in r.output and "training stopped" not in r.output
