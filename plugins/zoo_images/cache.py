"""The decoded cache of an image folder: ``uint8`` pixels in a memory-mapped ``.npy``.

A folder is decoded once per (files' contents, size, channels, fit): the cache's name is a
SHA-256 over each file's relative path, label and content digest and those settings, so an
edited, added or removed file gives a new cache and an unchanged folder reuses the old one
without decoding. Content digests are remembered per file with its size and modification
time, so a second run reads no image bytes at all when nothing changed.

A cache is written into a temporary folder and renamed into place when complete, so an
interrupted decode leaves nothing that a later run would trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from zoo_core import DataError
from zoo_core.user_cache import cache_root, file_sha256

from .folder import EXTENSIONS, Listing, decode

VERSION = 1


def default_root() -> Path:
    """``images/`` in zoo's cache folder (:func:`zoo_core.user_cache.cache_root`)."""
    return cache_root() / "images"


@dataclass(frozen=True)
class Cache:
    """A complete cache: ``images`` (memory-mapped uint8, N x H x W x C), ``labels`` (int32,
    -1 unlabelled), ``files`` (relative paths of the rows), ``skipped`` (file, why)."""

    path: Path
    fingerprint: str
    images: object
    labels: object
    files: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]
    class_names: tuple[str, ...]


def content_digests(listing: Listing, root: Path) -> list[str]:
    """SHA-256 of each listed file, reusing a remembered digest while the file's size and
    modification time are unchanged."""
    memo_path = (
        root
        / "digests"
        / (hashlib.sha256(str(listing.root.resolve()).encode()).hexdigest()[:20] + ".json")
    )
    try:
        memo = json.loads(memo_path.read_text())
    except (OSError, ValueError):
        memo = {}
    out, fresh = [], {}
    for rel in listing.files:
        path = listing.root / rel
        try:
            st = path.stat()
        except OSError:
            out.append("unreadable")  # a broken link: skipped or refused when decoding
            continue
        key = [st.st_size, st.st_mtime_ns]
        known = memo.get(rel)
        digest = known[2] if known and known[:2] == key else file_sha256(path)
        fresh[rel] = [*key, digest]
        out.append(digest)
    if fresh != memo:
        memo_path.parent.mkdir(parents=True, exist_ok=True)
        partial = memo_path.with_name(memo_path.name + f".{os.getpid()}.partial")
        partial.write_text(json.dumps(fresh))
        os.replace(partial, memo_path)
    return out


def fingerprint(listing: Listing, digests: list[str], size: int, channels: int, fit: str) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([VERSION, size, channels, fit, list(listing.class_names)]).encode())
    for rel, label, digest in zip(listing.files, listing.labels, digests):
        h.update(f"{rel}\0{label}\0{digest}\n".encode())
    return h.hexdigest()


def open_cache(path: Path) -> Cache | None:
    import numpy as np

    index = path / "index.json"
    if not index.is_file():
        return None
    try:
        meta = json.loads(index.read_text())
        images = np.load(path / "images.npy", mmap_mode="r")
        labels = np.load(path / "labels.npy")
    except (OSError, ValueError):
        return None  # damaged: rebuilt
    if len(images) != len(meta["files"]) or len(labels) != len(images):
        return None
    return Cache(
        path,
        meta["fingerprint"],
        images,
        labels,
        tuple(meta["files"]),
        tuple(tuple(s) for s in meta["skipped"]),
        tuple(meta["class_names"]),
    )


def build(
    listing: Listing, *, size: int, channels: int, fit: str, bad_files: str, root: Path
) -> Cache:
    """The cache of ``listing`` at these settings: opened if it exists, else decoded."""
    import numpy as np

    root = Path(root)
    digests = content_digests(listing, root)
    key = fingerprint(listing, digests, size, channels, fit)
    where = root / key[:24]
    found = open_cache(where)
    if found is not None:
        return found
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key[:24]}.", dir=root))
    try:
        n = len(listing.files)
        images = np.lib.format.open_memmap(
            tmp / "images.npy", mode="w+", dtype=np.uint8, shape=(n, size, size, channels)
        )
        kept, labels, skipped = [], [], []
        for rel, label, decoded, why in _decode_all(listing, size, channels, fit):
            if why is not None:
                if bad_files == "refuse":
                    raise DataError(
                        f"cannot decode {listing.root / rel} ({why}); remove the file or pass "
                        "--set images.bad_files=skip to leave such files out"
                    )
                skipped.append((rel, why))
                continue
            images[len(kept)] = decoded
            kept.append(rel)
            labels.append(label)
        if not kept:
            raise DataError(
                f"none of the {n} image files in {listing.root} could be decoded "
                f"(first: {skipped[0][0]}: {skipped[0][1]})"
                if skipped
                else f"{listing.root} holds no image files ({', '.join(EXTENSIONS)})"
            )
        images.flush()
        del images
        if len(kept) < n:  # drop the rows of skipped files
            full = np.load(tmp / "images.npy", mmap_mode="r")
            trimmed = np.lib.format.open_memmap(
                tmp / "kept.npy", mode="w+", dtype=np.uint8, shape=(len(kept), *full.shape[1:])
            )
            trimmed[:] = full[: len(kept)]
            trimmed.flush()
            del full, trimmed
            os.replace(tmp / "kept.npy", tmp / "images.npy")
        np.save(tmp / "labels.npy", np.asarray(labels, dtype=np.int32))
        meta = {
            "fingerprint": key,
            "root": str(listing.root),
            "size": size,
            "channels": channels,
            "fit": fit,
            "files": kept,
            "skipped": skipped,
            "class_names": list(listing.class_names),
        }
        (tmp / "index.json").write_text(json.dumps(meta))
        try:
            os.replace(tmp, where)
        except OSError:  # another process finished the same cache first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    cache = open_cache(where)
    if cache is None:  # pragma: no cover - only if the folder is damaged under us
        raise DataError(f"the image cache {where} could not be read back; delete it and retry")
    return cache


def _decode_all(listing: Listing, size: int, channels: int, fit: str):
    """``(rel, label, pixels or None, why or None)`` per file, in order; decoded on a few
    threads (Pillow releases the GIL while decoding)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(rel):
        try:
            return decode(listing.root / rel, size, channels, fit), None
        except (OSError, ValueError, SyntaxError) as exc:  # Pillow's errors for bad files
            return None, f"{type(exc).__name__}: {str(exc)[:120]}"

    workers = min(8, (os.cpu_count() or 1) + 1)
    chunk = 1024  # decoded images in flight stay bounded, whatever the folder's size
    with ThreadPoolExecutor(workers) as pool:
        for start in range(0, len(listing.files), chunk):
            files = listing.files[start : start + chunk]
            labels = listing.labels[start : start + chunk]
            for rel, label, (pixels, why) in zip(files, labels, pool.map(one, files)):
                yield rel, label, pixels, why
