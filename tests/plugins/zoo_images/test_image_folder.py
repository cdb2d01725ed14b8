"""The ``images`` dataset: any folder of images, decoded once into a cache, streamed."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image, ImageOps

from zoo_core import DataError
from zoo_core import settings as S
from zoo_images.dataset import ImageFolder


def write_folder(root, *, classes=("cats", "dogs"), per_class=6, mode="RGB", seed=0):
    """Small images of mixed sizes and formats; a class per sub-folder (flat if classes is
    empty)."""
    rng = np.random.default_rng(seed)
    formats = ("png", "jpg", "bmp", "gif", "webp")
    made = []
    for c, name in enumerate(classes or ("",)):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            h, w = 20 + 3 * i, 26 + 2 * i  # mixed sizes, neither square
            pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            pixels[..., c % 3] = 255 - 20 * c  # each class its own hue
            im = Image.fromarray(pixels)
            if mode == "L":
                im = im.convert("L")
            path = folder / f"{i:02d}.{formats[i % len(formats)]}"
            im.save(path)
            made.append(path)
    return made


def folder_dataset(path, **values):
    return ImageFolder(S.resolve(ImageFolder.Settings, {"path": str(path), **values}))


def pillow_pixels(path, size, channels, fit="crop"):
    """What Pillow itself gives for the file: the loader must agree exactly."""
    with Image.open(path) as im:
        im = im.convert("RGB" if channels == 3 else "L")
    if fit == "crop":
        im = ImageOps.fit(im, (size, size), method=Image.Resampling.BICUBIC)
    else:
        white = 255 if channels == 1 else (255, 255, 255)
        im = ImageOps.pad(im, (size, size), method=Image.Resampling.BICUBIC, color=white)
    return np.asarray(im, dtype=np.uint8).reshape(size, size, channels)


def test_subfolders_are_classes_and_the_pixels_are_pillows(tmp_path):
    made = write_folder(tmp_path / "pets")
    data = folder_dataset(tmp_path / "pets", size=16)
    spec = ImageFolder.spec(data.settings)
    assert spec.class_names == ("cats", "dogs")
    assert spec.element_shape == (16, 16, 3)
    x, y = data.arrays("all")
    assert x.dtype == np.float32 and x.shape == (12, 16, 16, 3)
    assert list(y) == [0] * 6 + [1] * 6
    for row, path in enumerate(made):
        expected = pillow_pixels(path, 16, 3)
        assert np.array_equal(np.rint(x[row] * 255).astype(np.uint8), expected), path.name


def test_padding_instead_of_cropping(tmp_path):
    made = write_folder(tmp_path / "pets", per_class=2)
    x, _ = folder_dataset(tmp_path / "pets", size=12, fit="pad").arrays("all")
    assert np.array_equal(
        np.rint(x[1] * 255).astype(np.uint8), pillow_pixels(made[1], 12, 3, "pad")
    )


def test_grayscale_files_give_one_channel_unless_asked(tmp_path):
    write_folder(tmp_path / "gray", mode="L", per_class=3)
    assert ImageFolder.spec(folder_dataset(tmp_path / "gray").settings).element_shape[-1] == 1
    forced = folder_dataset(tmp_path / "gray", channels=3, size=8)
    x, _ = forced.arrays("all")
    assert x.shape[-1] == 3 and np.allclose(x[..., 0], x[..., 1])


def test_a_flat_folder_is_unlabelled(tmp_path):
    write_folder(tmp_path / "flat", classes=(), per_class=5)
    data = folder_dataset(tmp_path / "flat", size=8)
    spec = ImageFolder.spec(data.settings)
    assert not spec.labelled
    assert data.num_examples("all") == 5


def test_the_held_out_split_is_seeded_disjoint_and_per_class(tmp_path):
    write_folder(tmp_path / "pets", per_class=10)
    a = folder_dataset(tmp_path / "pets", size=8, test_fraction=0.2)
    b = folder_dataset(tmp_path / "pets", size=8, test_fraction=0.2)
    c = folder_dataset(tmp_path / "pets", size=8, test_fraction=0.2, split_seed=1)
    assert np.array_equal(a.rows["test"], b.rows["test"])
    assert not np.array_equal(a.rows["test"], c.rows["test"])
    assert not set(a.rows["test"]) & set(a.rows["train"])
    assert len(a.rows["test"]) + len(a.rows["train"]) == 20
    _, y = a.arrays("test")
    assert sorted(y.tolist()) == [0, 0, 1, 1]  # two of each class's ten


def test_bad_files_are_skipped_and_counted_or_refused(tmp_path):
    write_folder(tmp_path / "pets", per_class=3)
    (tmp_path / "pets" / "cats" / "broken.png").write_bytes(b"not a png at all")
    (tmp_path / "pets" / "cats" / "notes.txt").write_text("not an image name: never listed")
    (tmp_path / "pets" / "empty").mkdir()  # an empty class folder is not a class
    data = folder_dataset(tmp_path / "pets", size=8)
    assert ImageFolder.spec(data.settings).class_names == ("cats", "dogs")
    assert data.num_examples("all") == 6
    manifest = data.manifest()
    assert [s["file"] for s in manifest["skipped"]] == [os.path.join("cats", "broken.png")]
    refusing = folder_dataset(
        tmp_path / "pets", size=8, bad_files="refuse", cache_dir=str(tmp_path / "c2")
    )
    with pytest.raises(DataError, match=r"cannot decode .*broken\.png.*bad_files=skip"):
        refusing.arrays("all")


def test_a_symlink_loop_is_walked_once(tmp_path):
    write_folder(tmp_path / "pets", per_class=2)
    os.symlink(tmp_path / "pets", tmp_path / "pets" / "cats" / "loop")
    data = folder_dataset(tmp_path / "pets", size=8)
    # the loop re-enters pets/ once, not forever: a finite listing
    assert 4 <= data.num_examples("all") < 20


def test_the_cache_is_reused_when_files_are_unchanged_and_rebuilt_when_one_changes(tmp_path):
    made = write_folder(tmp_path / "pets", per_class=3)
    first = folder_dataset(tmp_path / "pets", size=8).cache
    again = folder_dataset(tmp_path / "pets", size=8).cache
    assert again.path == first.path
    stamp = (first.path / "images.npy").stat().st_mtime_ns
    assert (again.path / "images.npy").stat().st_mtime_ns == stamp  # not decoded again
    Image.new("RGB", (30, 30), (0, 255, 0)).save(made[0])  # an edited file
    edited = folder_dataset(tmp_path / "pets", size=8)
    assert edited.cache.fingerprint != first.fingerprint
    x, _ = edited.arrays("all")
    assert np.allclose(x[0], np.array([0, 1, 0], dtype=np.float32), atol=1 / 255)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda p: None, r"does not exist"),
        (lambda p: p.mkdir(), r"holds no images"),
        (lambda p: (p.mkdir(), (p / "a.png").write_bytes(b"")) and None, r"could be decoded"),
    ],
    ids=["missing", "empty", "nothing-decodes"],
)
def test_a_folder_that_cannot_be_used_is_one_line(tmp_path, build, message):
    build(tmp_path / "f")
    with pytest.raises(DataError, match=message) as info:
        data = folder_dataset(tmp_path / "f")
        ImageFolder.spec(data.settings)
        data.arrays("all")
    assert "\n" not in str(info.value)


def test_a_class_of_one_image_cannot_be_split(tmp_path):
    write_folder(tmp_path / "pets", per_class=1)
    with pytest.raises(DataError, match=r"class 'cats' .* has 1 usable image.*at least 2"):
        folder_dataset(tmp_path / "pets", size=8).arrays("train")


def test_training_batches_stream_from_the_cache_in_a_seeded_order(tmp_path):
    write_folder(tmp_path / "pets", per_class=8)
    data = folder_dataset(tmp_path / "pets", size=8)
    x, y = data.arrays("train")

    def first_epoch(seed):
        batches = list(data.pipeline("train", 4, seed=seed).take(-(-len(x) // 4)))
        return np.concatenate([b[0].numpy() for b in batches]), np.concatenate(
            [b[1].numpy() for b in batches]
        )

    xa, ya = first_epoch(3)
    xb, _ = first_epoch(3)
    assert np.array_equal(xa, xb)  # same seed, same batches
    assert not np.array_equal(xa, first_epoch(4)[0])
    # a permutation of the train split, labels travelling with their images
    assert np.allclose(np.sort(xa.reshape(len(xa), -1), 0), np.sort(x.reshape(len(x), -1), 0))
    for image, label in zip(xa, ya):
        assert label == y[np.argmin(np.abs(x - image).sum(axis=(1, 2, 3)))]


def test_a_path_setting_is_recorded_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = S.resolve(ImageFolder.Settings, {"path": "pets"})
    assert settings.path == str(tmp_path / "pets")
    home = S.resolve(ImageFolder.Settings, {"path": "~/x"})
    assert home.path == os.path.join(os.path.expanduser("~"), "x")
