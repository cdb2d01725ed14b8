"""``images``: any folder of images, as a dataset, with no code.

``zoo run ddpm --dataset images --set images.path=~/photos``. Sub-folders that hold images
are classes (``keras.utils.image_dataset_from_directory``'s layout); a folder with images
directly in it is unlabelled. PNG, JPEG, BMP, GIF (first frame) and WebP files of any size
and mode are decoded once with Pillow into a ``uint8`` cache (:mod:`zoo_images.cache`) and
streamed in batches from it, so the folder may be larger than memory.

The held-out ``test`` split is drawn per class from ``split_seed`` (a dataset setting, not
the run's seed: runs with different seeds are then measured on the same held-out images).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from zoo_core import DataError, Dataset, DataSpec

from . import cache as caching
from .folder import Listing, guess_channels, list_folder

SPLITS = ("train", "test", "all")


@dataclass(frozen=True)
class ImageFolderSettings:
    path: str | None = field(
        default=None,
        metadata={
            "help": "the folder: sub-folders as classes, or images directly in it",
            "path": True,
        },
    )
    size: int = field(default=32, metadata={"help": "images are made size x size pixels", "min": 4})
    fit: Literal["crop", "pad", "stretch"] = field(
        default="crop",
        metadata={"help": "crop: scale and cut the centre; pad: scale and pad white; stretch"},
    )
    channels: int | None = field(
        default=None,
        metadata={
            "help": "1 (grayscale) or 3 (RGB); none: 1 if the files are gray, else 3",
            "choices": (None, 1, 3),
        },
    )
    labels: Literal["inferred", "none"] = field(
        default="inferred",
        metadata={"help": "inferred: sub-folders are classes; none: every image, unlabelled"},
    )
    test_fraction: float = field(
        default=0.1, metadata={"help": "share of each class held out as 'test'", "min": 0.0}
    )
    split_seed: int = field(default=0, metadata={"help": "seed of the held-out split", "min": 0})
    bad_files: Literal["skip", "refuse"] = field(
        default="skip",
        metadata={"help": "files that cannot be decoded: skip (and count) or refuse"},
    )
    cache_dir: str | None = field(
        default=None,
        metadata={"help": "where decoded caches go (default ~/.cache/zoo/images)", "path": True},
    )


class ImageFolder(Dataset):
    """Images from a folder (any size, grayscale or colour), decoded once, streamed."""

    Settings = ImageFolderSettings
    provides_features = True
    folder_setting = "path"
    name = "images"

    # -- what is known without decoding ------------------------------------------------
    @classmethod
    def listing_of(cls, settings) -> Listing:
        if not settings.path:
            raise DataError(
                f"the {cls.name} dataset needs a folder: --set {cls.name}.path=FOLDER "
                "(sub-folders as classes, or images directly in it)"
            )
        return list_folder(settings.path, settings.labels)

    @classmethod
    def channels_of(cls, settings, listing: Listing) -> int:
        return settings.channels or guess_channels(listing)

    @classmethod
    def spec(cls, settings) -> DataSpec:
        listing = cls.listing_of(settings)
        if not listing.files:
            raise DataError(
                f"{listing.root} holds no images (png, jpg, jpeg, bmp, gif, webp), directly "
                "or in sub-folders; point images.path at the folder that does"
            )
        if not 0.0 < settings.test_fraction < 1.0:
            raise DataError(
                f"images.test_fraction must be between 0 and 1 (exclusive), got "
                f"{settings.test_fraction}"
            )
        size = settings.size
        return DataSpec(
            kind="images",
            element_shape=(size, size, cls.channels_of(settings, listing)),
            dtype="float32",
            class_names=listing.class_names,
            splits=SPLITS,
        )

    # -- the decoded cache and the split ------------------------------------------------
    @cached_property
    def listing(self) -> Listing:
        return self.listing_of(self.settings)

    @cached_property
    def cache(self) -> caching.Cache:
        s = self.settings
        root = Path(s.cache_dir) if s.cache_dir else caching.default_root()
        return caching.build(
            self.listing,
            size=s.size,
            channels=self.channels_of(s, self.listing),
            fit=s.fit,
            bad_files=getattr(s, "bad_files", "refuse"),
            root=root,
        )

    @cached_property
    def rows(self) -> dict[str, object]:
        """The cache's rows of each split: per class, a seeded share held out as test."""
        import numpy as np

        labels = self.cache.labels
        rng = np.random.default_rng(self.settings.split_seed)
        train, test = [], []
        groups = np.unique(labels)
        for label in groups:
            members = np.flatnonzero(labels == label)
            what = f"class '{self.cache.class_names[label]}'" if label >= 0 else "the folder"
            if len(members) < 2:
                raise DataError(
                    f"{what} of {self.listing.root} has {len(members)} usable image; "
                    "a split needs at least 2 (one to train on, one held out): add images"
                    + (" or remove that sub-folder" if label >= 0 else "")
                )
            members = rng.permutation(members)
            held = min(len(members) - 1, max(1, round(len(members) * self.settings.test_fraction)))
            test.append(members[:held])
            train.append(members[held:])
        train_rows = np.sort(np.concatenate(train))
        test_rows = np.sort(np.concatenate(test))
        return {"train": train_rows, "test": test_rows, "all": np.arange(len(labels))}

    def _rows(self, split: str):
        if split not in SPLITS:
            raise DataError(f"unknown split '{split}' of {self.name}; choose {', '.join(SPLITS)}")
        return self.rows[split]

    def num_examples(self, split: str) -> int:
        return len(self._rows(split))

    def labels_of(self, rows):
        import numpy as np

        labels = self.cache.labels[rows]
        return np.maximum(labels, 0).astype(np.int32)  # unlabelled: 0

    def arrays(self, split: str):
        """``x``: float32 (N, size, size, channels) in [0, 1] (the whole split in memory: for
        figures and metrics; training streams with :meth:`pipeline`); ``y``: int32."""
        import numpy as np

        rows = self._rows(split)
        x = np.divide(self.cache.images[rows], 255.0, dtype=np.float32)
        return x, self.labels_of(rows)

    def pipeline(self, split, batch_size, *, seed, shuffle=True, first_epoch=0):
        """Batches streamed from the memory-mapped cache (only the batches in flight are in
        memory), shuffled per epoch from ``(seed, epoch)`` as the array pipeline is."""
        from zoo_keras.pipeline import pipeline

        rows = self._rows(split)
        return pipeline(
            self.cache.images,
            self.cache.labels.clip(0),
            batch_size,
            seed=seed,
            shuffle=shuffle,
            first_epoch=first_epoch,
            rows=rows,
        )

    # -- feature space for the sample metrics -------------------------------------------
    def features_path(self) -> Path:
        s = self.settings
        return self.cache.path / f"features-split{s.split_seed}-{s.test_fraction:g}.npz"

    def feature_extractor(self):
        """Labelled: a classifier trained on this folder's train split the first time a
        metric needs it (``zoo features``), cached beside the decoded images; unlabelled:
        seeded random features (:func:`zoo_keras.features.random_features`)."""
        import json

        from zoo_keras import features

        spec = self.spec(self.settings)
        if not spec.labelled:
            return features.random_features(
                spec.element_shape, self.cache.path / "random-features.npz"
            )
        path = self.features_path()
        if not path.is_file():
            train_feature_classifier(self, path)
        record = json.loads(path.with_suffix(".json").read_text())
        return features.FeatureExtractor(
            path,
            record["sha256"],
            spec.element_shape,
            spec.num_classes,
            how_to_fix=f"delete it and run `zoo features {self.name}` to retrain",
        )

    # -- describing ---------------------------------------------------------------------
    def describe(self) -> dict:
        s = self.settings
        if not s.path:
            return {"path": f"not set; --set {self.name}.path=FOLDER"}
        try:
            listing = self.listing
        except DataError as exc:
            return {"path": str(exc)}
        return {
            "path": str(listing.root),
            "files": len(listing.files),
            "classes": len(listing.class_names) or "unlabelled",
            "size": f"{s.size}x{s.size}",
        }

    def manifest(self) -> dict:
        c = self.cache
        return {
            "dataset": self.name,
            "source": str(self.listing.root),
            "fingerprint": c.fingerprint,
            "cache": str(c.path),
            "files": len(c.files),
            "skipped": [{"file": f, "why": why} for f, why in c.skipped],
            "splits": {k: int(len(v)) for k, v in self.rows.items()},
            "class_names": list(c.class_names),
        }


def train_feature_classifier(dataset, path: Path, *, epochs: int = 12, seed: int = 0):
    """Train and save the feature classifier of a labelled dataset (saying so on stderr:
    it takes a while the first time); returns its record."""
    import time

    from rich.console import Console

    from zoo_keras.features import save_weights, train_classifier

    started = time.perf_counter()
    Console(stderr=True).print(
        f"training the feature classifier of {dataset.listing.root} on its train split "
        f"({epochs} epochs, once; cached beside the decoded images)"
    )
    net, accuracy = train_classifier(dataset, epochs=epochs, seed=seed, verbose=0)
    info = {
        "dataset": dataset.name,
        "fingerprint": dataset.cache.fingerprint,
        "test_accuracy": accuracy,
        "epochs": epochs,
        "seed": seed,
        "train_seconds": round(time.perf_counter() - started, 1),
    }
    save_weights(net, path, info)
    return info
