"""Where the Fashion-MNIST files come from; the first place that has all four wins.

1. ``--set data_dir=...``   2. ``$ZOO_DATA_DIR``   3. the Keras cache
(``~/.keras/datasets/fashion-mnist``)   4. Debian's ``/usr/share/datasets/fashion-mnist``
(package ``dataset-fashion-mnist``)   5. a download from the official mirror, verified.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from zoo_core.errors import DataError

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

#: SHA-256 of the *decompressed* files, so a recompressed copy of the same data is accepted.
SHA256 = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",  # noqa: E501
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",  # noqa: E501
}

MIRROR = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
HOW_TO_GET = (
    "install Debian's package (apt-get install dataset-fashion-mnist), or point "
    "to a folder with the four files: --set data_dir=DIR or ZOO_DATA_DIR=DIR"
)


@dataclass(frozen=True)
class Source:
    kind: str  # "data_dir", "ZOO_DATA_DIR", "keras cache", "debian", "download"
    path: Path

    def __str__(self):
        return f"{self.path} ({self.kind})"


def candidates(data_dir: str | None) -> list[Source]:
    out = []
    if data_dir:
        out.append(Source("data_dir", Path(data_dir).expanduser()))
    if os.environ.get("ZOO_DATA_DIR"):
        out.append(Source("ZOO_DATA_DIR", Path(os.environ["ZOO_DATA_DIR"]).expanduser()))
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    out.append(Source("keras cache", keras_home / "datasets" / "fashion-mnist"))
    out.append(Source("debian", DEBIAN_DIR))
    return out


def complete(src: Source) -> bool:
    return all((src.path / f).is_file() for f in FILES.values())


def find(data_dir: str | None = None, download: bool = True) -> Source:
    """The first complete source; an explicit ``data_dir`` must be complete itself."""
    looked = []
    for src in candidates(data_dir):
        if src.kind in ("data_dir", "ZOO_DATA_DIR"):
            if not src.path.exists():
                raise DataError(f"{src.kind} {src.path} does not exist; {HOW_TO_GET}")
            if not src.path.is_dir():
                raise DataError(
                    f"{src.kind} {src.path} is a file, not a folder; point it at the folder "
                    f"that holds {', '.join(FILES.values())}"
                )
            if not os.access(src.path, os.R_OK | os.X_OK):
                raise DataError(
                    f"cannot read the folder {src.path} ({src.kind}): permission denied"
                )
            missing = [f for f in FILES.values() if not (src.path / f).is_file()]
            if missing:
                raise DataError(
                    f"missing file {src.path / missing[0]} ({src.kind}); the folder "
                    f"needs {', '.join(FILES.values())}"
                )
            return src
        if complete(src):
            return src
        looked.append(str(src.path))
    if download:
        try:
            return fetch(candidates(None)[-2].path)
        except DataError as exc:
            looked.append(f"{MIRROR} ({exc})")
    raise DataError(f"Fashion-MNIST not found (looked in {'; '.join(looked)}); {HOW_TO_GET}")


def locate(data_dir: str | None = None) -> Source | None:
    """Like :func:`find` but never downloads or raises (for ``zoo info``)."""
    try:
        return find(data_dir, download=False)
    except DataError:
        return None


def fetch(target: Path) -> Source:
    """Download the four files into ``target`` (the Keras cache), verified, with progress."""
    import gzip
    import hashlib
    import urllib.error
    import urllib.request

    from rich.progress import Progress

    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create {target}: {exc.strerror}") from None
    with Progress(transient=True) as progress:
        for name in FILES.values():
            dest = target / name
            if dest.is_file():
                continue
            task = progress.add_task(f"downloading {name}", total=None)
            tmp = dest.with_suffix(".part")
            try:
                with urllib.request.urlopen(MIRROR + name, timeout=10) as r, open(tmp, "wb") as f:
                    progress.update(task, total=int(r.headers.get("Content-Length") or 0) or None)
                    while chunk := r.read(1 << 16):
                        f.write(chunk)
                        progress.advance(task, len(chunk))
                digest = hashlib.sha256(gzip.decompress(tmp.read_bytes())).hexdigest()
                if digest != SHA256[name]:
                    raise DataError(f"downloaded {name} does not match its checksum")
                os.replace(tmp, dest)
            except (urllib.error.URLError, OSError) as exc:
                tmp.unlink(missing_ok=True)
                raise DataError(f"download failed: {getattr(exc, 'reason', exc)}") from None
            finally:
                tmp.unlink(missing_ok=True)
    return Source("download", target)


#: The shipped feature classifier (`zoo features fashion_mnist --out ...`) and its SHA-256.
CLASSIFIER = "feature_classifier.npz"
CLASSIFIER_SHA256 = "7f4260adc0ac3e1599d104642195a5a6ec3aca6ac4262932f6b3bda8da47ca10"
