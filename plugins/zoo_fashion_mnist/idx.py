"""A strict reader for the IDX format (the MNIST family's file format).

An IDX file starts with a magic number ``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian
uint32 dimensions, then the data. Every field is checked, so a damaged file fails with a
message that says what is wrong with which file.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from pathlib import Path

import numpy as np

from zoo_core.errors import DataError

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_bytes(path: Path) -> bytes:
    """The decompressed bytes of a ``.gz`` file (or a plain one)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"missing file {path}") from None
    except PermissionError:
        raise DataError(f"cannot read {path}: permission denied") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a folder, expected an IDX file") from None
    if path.suffix != ".gz":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        raise DataError(
            f"{path} is not a complete gzip file ({exc}); the download may have "
            "been cut short: delete it and fetch it again"
        ) from None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse(data: bytes, name: str = "IDX data", expect_ndim: int | None = None) -> np.ndarray:
    """Parse decompressed IDX bytes into an array (a read-only view, no copy)."""
    if len(data) < 4:
        raise DataError(f"{name}: too short to be an IDX file ({len(data)} bytes)")
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code not in _DTYPES:
        raise DataError(f"{name}: wrong magic number 0x{data[:4].hex()}; not an IDX file")
    if expect_ndim is not None and ndim != expect_ndim:
        raise DataError(f"{name}: expected {expect_ndim} dimensions, the header says {ndim}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{name}: header cut short")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(_DTYPES[dtype_code])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise DataError(
            f"{name}: the header promises {'x'.join(map(str, dims))} values "
            f"({expected} bytes) but the file holds {len(data) - header}"
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)


def write(path: Path, array: np.ndarray) -> None:
    """Write ``array`` as IDX (gzipped if the name ends in .gz); used by tests and tools."""
    array = np.asarray(array)
    code = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09}[array.dtype]
    blob = (
        struct.pack(">HBB", 0, code, array.ndim)
        + struct.pack(f">{array.ndim}I", *array.shape)
        + array.tobytes()
    )
    path = Path(path)
    path.write_bytes(gzip.compress(blob) if path.suffix == ".gz" else blob)
