"""Finding and decoding the images of a folder (no TensorFlow; Pillow decodes).

The layout is ``keras.utils.image_dataset_from_directory``'s: sub-folders that hold images
are classes (sorted by name, labels 0, 1, ...); a folder without such sub-folders is one
unlabelled set of the images directly in it. Symbolic links are followed, each real folder
once (a link loop is walked once, not forever).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from zoo_core import DataError

#: File name endings read as images (case-insensitive), as Keras' loader reads.
EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")

#: Pillow modes that hold no colour (a folder of only these defaults to one channel).
GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"})


@dataclass(frozen=True)
class Listing:
    """The image files of a folder: relative paths, their labels, the class names."""

    root: Path
    files: tuple[str, ...]  # relative to root, sorted within each class
    labels: tuple[int, ...]  # -1 for unlabelled
    class_names: tuple[str, ...]  # empty: unlabelled
    ignored: tuple[str, ...]  # image files outside the classes' folders

    @property
    def labelled(self) -> bool:
        return bool(self.class_names)


def is_image_name(name: str) -> bool:
    return name.lower().endswith(EXTENSIONS) and not name.startswith(".")


def _walk(folder: Path):
    """Image files under ``folder`` (recursively, links followed, each real folder once)."""
    seen: set[str] = set()
    for here, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(here)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs.sort()
        for name in sorted(files):
            if is_image_name(name):
                yield Path(here, name)


def _images_directly_in(folder: Path) -> list[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        raise DataError(f"cannot read the image folder {folder}: {exc.strerror}") from None
    return [n for n in names if is_image_name(n) and (folder / n).is_file()]


def list_folder(root: str | Path, labels: str = "inferred") -> Listing:
    """The images of ``root``; ``labels="none"`` takes every image under it, unlabelled."""
    root = Path(root).expanduser()
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise DataError(
            f"the image folder {root} {what}; give a folder of images with "
            "--set images.path=FOLDER (sub-folders as classes, or images directly in it)"
        )
    top = _images_directly_in(root)
    if labels == "none":
        files = [str(p.relative_to(root)) for p in _walk(root)]
        return Listing(root, tuple(files), (-1,) * len(files), (), ())
    classes: list[tuple[str, list[str]]] = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        found = [str(p.relative_to(root)) for p in _walk(Path(entry.path))]
        if found:
            classes.append((entry.name, found))
    if not classes:
        return Listing(root, tuple(top), (-1,) * len(top), (), ())
    files = [f for _, found in classes for f in found]
    labels_ = [i for i, (_, found) in enumerate(classes) for _ in found]
    return Listing(root, tuple(files), tuple(labels_), tuple(c for c, _ in classes), tuple(top))


def guess_channels(listing: Listing, look_at: int = 32) -> int:
    """1 when the first ``look_at`` files (in order) are all grayscale, else 3 (headers only)."""
    from PIL import Image

    for rel in listing.files[:look_at]:
        try:
            with Image.open(listing.root / rel) as im:
                if im.mode not in GRAY_MODES:
                    return 3
        except (OSError, ValueError):
            continue  # an unreadable file: counted when the folder is decoded
    return 1 if listing.files else 3


def decode(path: Path, size: int, channels: int, fit: str):
    """One image file as uint8 ``(size, size, channels)``: EXIF orientation applied,
    transparency over white, the first frame of an animation; ``fit="crop"`` scales the
    shorter side to ``size`` and cuts the centre, ``fit="pad"`` scales the longer side and
    pads with white, ``fit="stretch"`` scales each side. Raises ``OSError``/``ValueError``
    for a file Pillow cannot decode."""
    import numpy as np
    from PIL import Image, ImageOps

    with Image.open(path) as im:
        im.seek(0)
        im = ImageOps.exif_transpose(im)
        im = flatten(im, channels)
    resample = Image.Resampling.BICUBIC
    if fit == "crop":
        im = ImageOps.fit(im, (size, size), method=resample)
    elif fit == "pad":
        white = 255 if channels == 1 else (255, 255, 255)
        im = ImageOps.pad(im, (size, size), method=resample, color=white)
    else:
        im = im.resize((size, size), resample)
    out = np.asarray(im, dtype=np.uint8)
    return out.reshape(size, size, channels)


def flatten(im, channels: int):
    """``im`` as ``L`` or ``RGB``, any transparency composited over white."""
    from PIL import Image

    if im.mode in ("P", "PA") or "A" in im.mode or "transparency" in im.info:
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im)
    return im.convert("L" if channels == 1 else "RGB")
