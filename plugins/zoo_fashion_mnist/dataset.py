"""Fashion-MNIST: 70,000 28x28 grayscale images of ten kinds of clothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from zoo_core import DataError, Dataset, DataSpec

from . import sources

if TYPE_CHECKING:  # numpy loads when first used, so `zoo list` stays quick
    import numpy as np

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
SIZES = {"train": 60_000, "test": 10_000}
SPLITS = ("train", "test", "all")


@dataclass(frozen=True)
class FashionMNISTSettings:
    data_dir: str | None = field(
        default=None, metadata={"help": "folder with the four IDX .gz files (searched first)"}
    )
    limit: int | None = field(
        default=None, metadata={"help": "use only the first N examples of each split", "min": 1}
    )
    binarize: Literal["none", "fixed", "stochastic"] = field(
        default="none",
        metadata={"help": "none; fixed (pixel > threshold); stochastic (Bernoulli draw per epoch)"},
    )
    threshold: float = field(default=0.5, metadata={"help": "for binarize=fixed"})
    verify: bool = field(default=True, metadata={"help": "check SHA-256 of each file"})
    download: bool = field(
        default=True,
        metadata={"help": "download from the official mirror if no local copy is found"},
    )


class FashionMNIST(Dataset):
    """Fashion-MNIST (Zalando): 60k train + 10k test 28x28 grayscale, 10 classes."""

    Settings = FashionMNISTSettings
    licence = "MIT (Zalando Research; Debian package dataset-fashion-mnist)"
    provides_features = True

    def __init__(self, settings=None):
        super().__init__(settings)
        self._digests: dict[str, str] = {}
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @classmethod
    def spec(cls, settings) -> DataSpec:
        return DataSpec(
            kind="images",
            element_shape=(28, 28, 1),
            dtype="float32",
            class_names=CLASS_NAMES,
            splits=SPLITS,
        )

    # -- files ---------------------------------------------------------------------------
    @cached_property
    def source(self) -> sources.Source:
        return sources.find(self.settings.data_dir, download=self.settings.download)

    def _read(self, key: str) -> tuple[np.ndarray, str]:
        from . import idx  # numpy: loaded when data is read, not when zoo lists plugins

        name = sources.FILES[key]
        path = self.source.path / name
        data = idx.read_bytes(path)
        digest = idx.sha256(data)
        if self.settings.verify and digest != sources.SHA256[name]:
            raise DataError(
                f"{path} does not match the known checksum of {name} (sha256 "
                f"{digest[:12]}...); the file is damaged or not Fashion-MNIST: "
                "replace it, or pass --set verify=false if it is on purpose"
            )
        array = idx.parse(data, str(path), expect_ndim=3 if "images" in key else 1)
        self._digests[name] = digest
        return array, digest

    def _split(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        cache = self._cache
        if split not in cache:
            images, _ = self._read(f"{split}_images")
            labels, _ = self._read(f"{split}_labels")
            if len(images) != len(labels):
                raise DataError(
                    f"{self.source.path}: {split} has {len(images)} images but "
                    f"{len(labels)} labels; the files do not belong together"
                )
            if images.shape[1:] != (28, 28):
                raise DataError(
                    f"{self.source.path}: {split} images are "
                    f"{'x'.join(map(str, images.shape[1:]))}, expected 28x28"
                )
            if len(labels) and int(labels.max()) >= len(CLASS_NAMES):  # verify=false too
                raise DataError(
                    f"{self.source.path}: {split} labels go up to "
                    f"{int(labels.max())}, but Fashion-MNIST has classes "
                    f"0..{len(CLASS_NAMES) - 1}; the label file is damaged or "
                    "not Fashion-MNIST's"
                )
            cache[split] = (images, labels)
        return cache[split]

    def arrays(self, split: str):
        """``x``: float32 (N, 28, 28, 1) in [0, 1]; ``y``: int32 (N,)."""
        import numpy as np

        if split not in SPLITS:
            raise DataError(f"unknown split '{split}' of fashion_mnist; choose {', '.join(SPLITS)}")
        parts = [self._split(s) for s in (("train", "test") if split == "all" else (split,))]
        limit = self.settings.limit
        images = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
        labels = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
        if limit is not None:
            images, labels = images[:limit], labels[:limit]
        # one conversion from the file's bytes: uint8 -> float32 with a channel axis
        x = np.divide(images[..., None], 255.0, dtype=np.float32)
        return x, labels.astype(np.int32)

    def transform(self, x, seed):
        """Binarization per batch, in the tf.data pipeline (stochastic: fresh each epoch)."""
        import tensorflow as tf

        mode = self.settings.binarize
        if mode == "fixed":
            return tf.cast(x > self.settings.threshold, x.dtype)
        if mode == "stochastic":
            return tf.cast(tf.random.stateless_uniform(tf.shape(x), seed=seed) < x, x.dtype)
        return x

    def feature_extractor(self):
        """The shipped classifier (``feature_classifier.npz``, SHA-256 checked): penultimate
        features and class probabilities, for FID and the other sample metrics."""
        from pathlib import Path

        from zoo_keras.features import FeatureExtractor

        return FeatureExtractor(
            Path(__file__).with_name(sources.CLASSIFIER),
            sources.CLASSIFIER_SHA256,
            (28, 28, 1),
            len(CLASS_NAMES),
        )

    # -- describing ----------------------------------------------------------------------
    def sizes(self) -> dict[str, int]:
        sizes = dict(SIZES, all=SIZES["train"] + SIZES["test"])
        if self.settings.limit:
            sizes = {k: min(v, self.settings.limit) for k, v in sizes.items()}
        return sizes

    def describe(self) -> dict:
        found = sources.locate(self.settings.data_dir)
        return {
            "found": str(found) if found else f"not found locally; {sources.HOW_TO_GET}",
            "splits": self.sizes(),
            "binarize": self.settings.binarize,
        }

    def manifest(self) -> dict:
        for split in ("train", "test"):
            self._split(split)
        return {
            "dataset": "fashion_mnist",
            "source": str(self.source),
            "files": [
                {
                    "name": n,
                    "path": str(self.source.path / n),
                    "sha256_decompressed": self._digests.get(n),
                }
                for n in sources.FILES.values()
            ],
            "splits": self.sizes(),
            "binarize": self.settings.binarize,
        }
