"""Sharing a pretrained model without a hub: one archive file, and the user's store.

``zoo pretrained pack RUN NAME --archive FILE`` writes the package (card, weights, config,
``pretrained.json`` with the SHA-256 of every file) as one ``.tar.gz`` whose only folder is
``NAME/``, and prints the archive's own SHA-256 to publish beside it. ``zoo pretrained add
FILE [--sha256 HEX]`` reads it without trusting it (regular files in ``NAME/`` only, no
path leaving it, a size bound), unpacks it beside the store, checks every file against
``pretrained.json`` and moves it into the store in one rename, after which
``pretrained:NAME`` works everywhere. A truncated archive, a file that does not match, an
unlisted file or a name already installed with other contents is refused with one line and
nothing is installed. Names carry a version tag (``dcgan.fmnist-v1``): an update is a new
name, so a model a user relies on is never replaced.

The store is ``$ZOO_HOME/pretrained`` (else ``$XDG_DATA_HOME/zoo``, else
``~/.local/share/zoo``): not the cache, since nothing can make its contents again.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import zlib
from pathlib import Path

from zoo_core.errors import RunError, UsageError
from zoo_core.user_cache import data_root

from .store import MANIFEST, read_manifest, sha256

#: an archive bigger than this once unpacked is refused (a zip bomb, not a model)
MAX_BYTES = 4 << 30


def store_root() -> Path:
    return data_root() / "pretrained"


def installed() -> list[Path]:
    """The store's packages (folders with a ``pretrained.json``)."""
    root = store_root()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / MANIFEST).is_file() and p.is_dir())


def write_archive(folder: Path, name: str, out: Path) -> str:
    """The package ``folder`` (checked first) as ``out``; returns the archive's SHA-256."""
    manifest = read_manifest(folder, name)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with tarfile.open(tmp, "w:gz") as tar:
            for rel in [MANIFEST, *sorted(manifest["files"])]:
                info = tar.gettarinfo(str(folder / rel), arcname=f"{name}/{rel}")
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mtime = 0  # the same package, the same bytes
                with open(folder / rel, "rb") as f:
                    tar.addfile(info, f)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return sha256(out)


def _members(path: Path) -> tuple[str, dict[str, bytes]]:
    """``(NAME, {file: bytes})`` of a well-formed archive, or one line saying why not."""
    where = f"archive {path}"
    try:
        files, names, total = {}, set(), 0
        with tarfile.open(path, "r:gz") as tar:
            for m in tar:
                parts = Path(m.name).parts
                if m.isdir() and len(parts) == 1:
                    continue
                if ".." in parts or Path(m.name).is_absolute():
                    raise UsageError(f"{where}: {m.name!r} leaves the package's folder; refused")
                if not m.isfile() or len(parts) != 2:
                    raise UsageError(
                        f"{where}: {m.name!r} is not a file in the package's folder; "
                        "a zoo archive holds NAME/<files> only"
                    )
                total += m.size
                if total > MAX_BYTES:
                    raise UsageError(f"{where} unpacks to over {MAX_BYTES >> 30} GiB; refused")
                names.add(parts[0])
                data = tar.extractfile(m).read()
                if len(data) != m.size:
                    raise EOFError(f"{m.name} is cut short")
                files[parts[1]] = data
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise UsageError(
            f"{where} is truncated or not a zoo archive ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'unreadable'}); download it again"
        ) from None
    if len(names) != 1 or MANIFEST not in files:
        raise UsageError(f"{where} is not a zoo archive (one NAME/ folder with {MANIFEST})")
    return names.pop(), files


def add(path, *, expected_sha256: str | None = None, registry=None) -> str:
    """Install the archive at ``path`` into the store; its name (see the module's notes)."""
    from zoo_core.registry import PRETRAINED_NAME

    path = Path(path).expanduser()
    if not path.is_file():
        raise UsageError(f"no archive at {path}")
    if expected_sha256 is not None:
        digest = sha256(path)
        if digest != expected_sha256.strip().lower():
            raise UsageError(
                f"archive {path} has SHA-256 {digest}, not the {expected_sha256} given; "
                "it was changed or cut short: download it again"
            )
    name, files = _members(path)
    if not PRETRAINED_NAME.match(name):
        raise UsageError(f"archive {path} holds an invalid pretrained name {name!r}")
    root = store_root()
    root.mkdir(parents=True, exist_ok=True)
    work = root / f".add-{name}-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        (work / name).mkdir(parents=True)
        for rel, data in files.items():
            (work / name / rel).write_bytes(data)
        try:
            manifest = read_manifest(work / name, name)
        except RunError as exc:  # names the file that does not match
            raise UsageError(
                str(exc)
                .replace(str(work / name), f"{path}:{name}")
                .replace("reinstall the package that ships it", "download the archive again")
            ) from None
        unlisted = sorted(set(files) - set(manifest["files"]) - {MANIFEST})
        if unlisted:
            raise UsageError(
                f"archive {path}: {', '.join(unlisted)} not listed in {MANIFEST}; refused"
            )
        if manifest.get("name") not in (None, name):
            raise UsageError(
                f"archive {path}: its folder says {name!r} but {MANIFEST} says "
                f"{manifest.get('name')!r}; refused"
            )
        _refuse_taken(name, work / name / MANIFEST, registry)
        target = root / name
        if target.exists():  # the same contents, installed before
            return name
        os.replace(work / name, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return name


def _refuse_taken(name: str, manifest: Path, registry) -> None:
    """A name already installed with other contents is refused (version tags exist for
    updates); the same contents again is fine."""
    entry = registry.pretrained.get(name) if registry is not None else None
    folder = Path(entry.folder) if entry is not None else store_root() / name
    existing = folder / MANIFEST
    if existing.is_file() and sha256(existing) != sha256(manifest):
        raise UsageError(
            f"pretrained '{name}' is already installed ({folder}) with other contents; "
            "an update needs a new version tag (e.g. "
            f"{name.split('.')[0]}.v2: zoo pretrained pack RUN {name.split('.')[0]}.v2 "
            "--archive FILE)"
        )
