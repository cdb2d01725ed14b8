"""The Fashion-MNIST dataset plugin: IDX parsing, sources, checksums, and bad input."""

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import DEBIAN, require_debian_data, write_fake_fashion

from zoo_core import DataError
from zoo_fashion_mnist import idx, sources
from zoo_fashion_mnist.dataset import CLASS_NAMES, FashionMNIST, FashionMNISTSettings
from zoo_keras.pipeline import dataset_pipeline


def unverified(folder, **kw):
    return FashionMNIST(FashionMNISTSettings(data_dir=str(folder), verify=False, **kw))


# -- parsing --------------------------------------------------------------------------------
def test_idx_round_trip(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    idx.write(tmp_path / "a.gz", a)
    idx.write(tmp_path / "a.raw", a)
    for name in ("a.gz", "a.raw"):
        got = idx.parse(idx.read_bytes(tmp_path / name), name)
        assert got.shape == (2, 3, 4) and (got == a).all()


def test_loader_gives_float_images_with_channel_and_int_labels(fake_fashion):
    x, y = unverified(fake_fashion).arrays("train")
    assert x.shape == (40, 28, 28, 1) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() > 0.9
    assert y.dtype == np.int32 and list(y[:10]) == list(range(10))


def test_splits_all_and_limit(fake_fashion):
    ds = unverified(fake_fashion)
    assert len(ds.arrays("all")[0]) == 60
    x_all, y_all = ds.arrays("all")
    assert (x_all[40:] == ds.arrays("test")[0]).all()
    assert len(unverified(fake_fashion, limit=7).arrays("train")[0]) == 7


# -- bad input: one clear line each -----------------------------------------------------------
def test_missing_file(fake_fashion):
    (fake_fashion / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="missing file .*t10k-labels-idx1-ubyte.gz"):
        unverified(fake_fashion).arrays("test")


def test_truncated_gzip(fake_fashion):
    p = fake_fashion / "train-images-idx3-ubyte.gz"
    p.write_bytes(p.read_bytes()[:200])
    with pytest.raises(DataError, match="not a complete gzip file"):
        unverified(fake_fashion).arrays("train")


def test_wrong_magic_number(fake_fashion):
    p = fake_fashion / "train-labels-idx1-ubyte.gz"
    data = bytearray(gzip.decompress(p.read_bytes()))
    data[0] = 0x12
    p.write_bytes(gzip.compress(bytes(data)))
    with pytest.raises(DataError, match="wrong magic number"):
        unverified(fake_fashion).arrays("train")


def test_header_and_length_disagree(fake_fashion):
    p = fake_fashion / "train-images-idx3-ubyte.gz"
    p.write_bytes(gzip.compress(gzip.decompress(p.read_bytes())[:-5]))
    with pytest.raises(DataError, match="the header promises"):
        unverified(fake_fashion).arrays("train")


def test_images_and_labels_of_different_lengths(tmp_path):
    folder = write_fake_fashion(tmp_path / "d")
    idx.write(folder / "train-labels-idx1-ubyte.gz", np.zeros(39, np.uint8))
    with pytest.raises(DataError, match="40 images but 39 labels"):
        unverified(folder).arrays("train")


def test_labels_out_of_range_are_refused_even_without_checksums(tmp_path):
    folder = write_fake_fashion(tmp_path / "d")
    idx.write(folder / "t10k-labels-idx1-ubyte.gz", np.full(20, 12, np.uint8))
    with pytest.raises(
        DataError, match="test labels go up to 12, but Fashion-MNIST has classes 0..9"
    ):
        unverified(folder).arrays("test")


def test_checksum_mismatch(fake_fashion):
    ds = FashionMNIST(FashionMNISTSettings(data_dir=str(fake_fashion)))
    with pytest.raises(DataError, match="does not match the known checksum"):
        ds.arrays("train")


def test_unreadable_directory(fake_fashion, monkeypatch):
    # root may read any folder, so let os.access answer as it does for an ordinary user
    real = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == fake_fashion else real(p, mode)
    )
    with pytest.raises(DataError, match="cannot read the folder .*permission denied"):
        unverified(fake_fashion).arrays("train")


def test_unreadable_file(fake_fashion, monkeypatch):
    # root ignores file modes, so make the read itself fail the way it does for a user
    real = Path.read_bytes

    def deny(self):
        if self.name.startswith("train-images"):
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(DataError, match="cannot read .*permission denied"):
        unverified(fake_fashion).arrays("train")


def test_data_dir_that_does_not_exist(tmp_path):
    with pytest.raises(DataError, match="does not exist.*apt-get install dataset-fashion-mnist"):
        unverified(tmp_path / "nope").arrays("train")


def test_nothing_found_offline_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(DataError) as e:
        sources.find(None, download=False)
    msg = str(e.value)
    assert "no-debian" in msg and "keras" in msg and "apt-get install" in msg


def test_zoo_data_dir_comes_before_debian(fake_fashion, monkeypatch):
    monkeypatch.setenv("ZOO_DATA_DIR", str(fake_fashion))
    assert sources.find(None).kind == "ZOO_DATA_DIR"


def test_cli_reports_bad_data_as_one_line(run_cli, fake_fashion, tmp_path):
    result = run_cli(
        "run",
        "vae",
        "--dataset",
        "fashion_mnist",
        "--set",
        f"data_dir={fake_fashion}",
        "--out",
        str(tmp_path / "r"),
    )
    assert result.exit_code == 1
    assert "does not match the known checksum" in result.output
    assert "Traceback" not in result.output


def test_binarize_fixed_and_stochastic(fake_fashion):
    ds = unverified(fake_fashion, binarize="fixed")
    x0 = ds.arrays("train")[0]
    [(xb, _)] = list(dataset_pipeline(ds, "train", 40, seed=0, shuffle=False))
    np.testing.assert_array_equal(xb.numpy(), (x0 > 0.5).astype("float32"))
    st = unverified(fake_fashion, binarize="stochastic")
    # the same images in the same order, epoch after epoch: a fresh Bernoulli draw each time
    draws = np.stack(
        [
            next(iter(dataset_pipeline(st, "train", 40, seed=0, shuffle=False, first_epoch=e)))[
                0
            ].numpy()
            for e in range(30)
        ]
    )
    assert set(np.unique(draws)) <= {0.0, 1.0}
    assert not np.array_equal(draws[0], draws[1])
    assert not np.array_equal(draws[0], xb.numpy())  # not the fixed threshold
    # the mean of the draws tracks each pixel's intensity (a threshold is 0.25 off on
    # average for these uniform pixels; 30 draws are about 0.07 off)
    assert np.abs(draws.mean(axis=0) - x0).mean() < 0.12
    # and the same seed and epoch give the same draw
    again = next(iter(dataset_pipeline(st, "train", 40, seed=0, shuffle=False)))[0].numpy()
    np.testing.assert_array_equal(again, draws[0])


def test_pipeline_order_is_a_function_of_seed_and_epoch(fake_fashion):
    ds = unverified(fake_fashion)
    a = [y.numpy().tolist() for _, y in dataset_pipeline(ds, "train", 16, seed=3).take(6)]
    b = [
        y.numpy().tolist()
        for _, y in dataset_pipeline(ds, "train", 16, seed=3, first_epoch=1).take(3)
    ]
    c = [y.numpy().tolist() for _, y in dataset_pipeline(ds, "train", 16, seed=4).take(3)]
    assert a[3:] == b  # starting at epoch 1 gives exactly the uninterrupted epoch 1
    assert a[:3] != c
    assert sorted(sum(a[:3], [])) == sorted(ds.arrays("train")[1].tolist())


# -- the real data (installed by .ci/run and make test) ---------------------------------------
def test_real_fashion_mnist_has_6000_and_1000_per_class():
    require_debian_data()
    ds = FashionMNIST(FashionMNISTSettings(data_dir=str(DEBIAN)))
    (_, y_train), (_, y_test) = ds.arrays("train"), ds.arrays("test")
    assert len(y_train) == 60_000 and len(y_test) == 10_000
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert len(CLASS_NAMES) == 10
    manifest = ds.manifest()
    assert [f["sha256_decompressed"] for f in manifest["files"]] == list(sources.SHA256.values())


def test_a_recompressed_copy_of_the_real_data_is_accepted(tmp_path):
    require_debian_data()
    for name in sources.FILES.values():
        data = gzip.decompress((DEBIAN / name).read_bytes())
        (tmp_path / name).write_bytes(gzip.compress(data, compresslevel=1))
    x, y = FashionMNIST(FashionMNISTSettings(data_dir=str(tmp_path))).arrays("test")
    assert len(x) == 10_000


def test_info_shows_source_and_split_sizes(run_cli):
    require_debian_data()
    info = json.loads(run_cli("info", "fashion_mnist", "--json").stdout)
    found = Path(info["source"]["found"].rsplit(" (", 1)[0])  # "PATH (where)": the 4 files
    assert found.is_dir(), info["source"]["found"]
    assert all((found / name).is_file() for name in sources.FILES.values())
    assert info["source"]["splits"] == {"train": 60000, "test": 10000, "all": 70000}


def test_download_verifies_checksums_and_lands_in_the_keras_cache(tmp_path, monkeypatch):
    """The download path, against a local "mirror" (file:// URLs), so no network is needed."""
    require_debian_data()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in sources.FILES.values():
        (mirror / name).write_bytes((DEBIAN / name).read_bytes())
    monkeypatch.setattr(sources, "MIRROR", mirror.as_uri() + "/")
    monkeypatch.setattr(sources, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    src = sources.find(None)
    assert src.kind == "download" and src.path == tmp_path / "keras" / "datasets" / "fashion-mnist"
    assert sorted(p.name for p in src.path.iterdir()) == sorted(sources.FILES.values())
    # the next look finds the cached copy without downloading
    assert sources.find(None, download=False).kind == "keras cache"


def test_a_download_that_does_not_match_its_checksum_is_refused(tmp_path, monkeypatch):
    mirror = write_fake_fashion(tmp_path / "mirror")
    monkeypatch.setattr(sources, "MIRROR", mirror.as_uri() + "/")
    monkeypatch.setattr(sources, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(DataError, match="does not match its checksum"):
        sources.find(None)
    assert not list((tmp_path / "keras" / "datasets" / "fashion-mnist").iterdir())


@pytest.mark.parametrize(
    "present,expected",
    [
        ({"data_dir", "env", "keras", "debian"}, "data_dir"),
        ({"env", "keras", "debian"}, "ZOO_DATA_DIR"),
        ({"keras", "debian"}, "keras cache"),
        ({"debian"}, "debian"),
        ({"data_dir", "debian"}, "data_dir"),
        ({"env", "debian"}, "ZOO_DATA_DIR"),
        ({"keras"}, "keras cache"),
    ],
)
def test_lookup_order_over_four_fake_folders(present, expected, tmp_path, monkeypatch, run_cli):
    """--set data_dir, then $ZOO_DATA_DIR, then the Keras cache, then Debian's folder."""
    folders = {
        "data_dir": tmp_path / "given",
        "env": tmp_path / "env",
        "keras": tmp_path / "keras_home" / "datasets" / "fashion-mnist",
        "debian": tmp_path / "debian",
    }
    for name in present:
        write_fake_fashion(folders[name], n_train=2, n_test=2)
    for name in set(folders) - present:
        folders[name].mkdir(parents=True, exist_ok=True)  # empty: not a complete source
    monkeypatch.setattr(sources, "DEBIAN_DIR", folders["debian"])
    if "env" in present:  # an explicit ZOO_DATA_DIR must be complete (tested above)
        monkeypatch.setenv("ZOO_DATA_DIR", str(folders["env"]))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    given = str(folders["data_dir"]) if "data_dir" in present else None
    found = sources.find(given, download=False)
    assert found.kind == expected
    if given is None:  # what `zoo info` shows is the same choice
        info = json.loads(run_cli("info", "fashion_mnist", "--json").stdout)
        assert info["source"]["found"] == f"{found.path} ({expected})"
