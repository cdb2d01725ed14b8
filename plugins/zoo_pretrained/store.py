"""``pretrained:NAME``: a trained run a package ships, resolved (through the core's
``resolve_run`` hook) to a folder usable wherever a run folder is.

A shipped run is read-only (it may sit in site-packages, and its checksums must keep
meaning something), while ``zoo eval`` and ``zoo viz`` write into the run they open. So a
reference resolves to a working copy under the cache folder (``ZOO_CACHE``, else
``$XDG_CACHE_HOME/zoo``, else ``~/.cache/zoo``), made from the shipped files after every
one of them matched the SHA-256 recorded in its ``pretrained.json``; the copy's files are
checked against the same digests each time and restored from the package when they differ,
so a damaged or edited shipped file is refused by name and a damaged copy is repaired.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from zoo_core.atomic_files import atomic_path
from zoo_core.errors import RunError, UnknownNameError
from zoo_core.pretrained import MANIFEST, PREFIX  # noqa: F401 (the package's own names)
from zoo_core.user_cache import cache_root
from zoo_core.user_cache import file_sha256 as sha256

#: files of the copy that grow as it is used (evaluations): kept unless damaged
KEPT = ("metrics.json",)
#: what every package lists: a run without them is no run
REQUIRED = ("config.json", "model.keras")


def read_manifest(folder: Path, name: str) -> dict:
    """The package's ``pretrained.json`` with every file it lists checked."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        files = dict(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RunError(
            f"pretrained '{name}': {folder / MANIFEST} is missing or damaged "
            f"({type(exc).__name__}); reinstall the package that ships it"
        ) from None
    missing = [f for f in REQUIRED if f not in files]
    if missing:
        raise RunError(
            f"pretrained '{name}': {folder / MANIFEST} does not list {', '.join(missing)} "
            "(damaged or edited); reinstall the package that ships it"
        )
    for rel, digest in files.items():
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise RunError(
                f"pretrained '{name}': {folder / MANIFEST} lists {rel!r}, outside "
                "its folder; reinstall the package that ships it"
            )
        path = folder / rel
        if not path.is_file() or sha256(path) != digest:
            state = "is missing" if not path.is_file() else "does not match its SHA-256"
            raise RunError(
                f"pretrained '{name}': {path} {state} in {MANIFEST} (damaged or "
                "edited); reinstall the package that ships it"
            )
    return manifest


def resolve(registry, reference: str) -> str:
    """The working copy's folder for ``pretrained:NAME`` (made or repaired as needed)."""
    name = reference[len(PREFIX) :]
    if ("pretrained", name) in registry.conflicts:
        from zoo_core.errors import DuplicateNameError

        raise DuplicateNameError(
            f"pretrained '{name}' is registered by more than one package: "
            f"{' and '.join(sorted(registry.conflicts[('pretrained', name)]))}; uninstall "
            "one, or choose with ZOO_LOAD_PLUGINS=<package>,..."
        )
    entry = registry.pretrained.get(name)
    if entry is None:
        from zoo_core.registry import unknown_name_message

        raise UnknownNameError(
            unknown_name_message("pretrained model", name, sorted(registry.pretrained)).replace(
                "`zoo list`", "`zoo pretrained`"
            )
        )
    folder = Path(entry.folder)
    manifest = read_manifest(folder, name)
    copy = cache_root() / "pretrained" / f"{name}-{sha256(folder / MANIFEST)[:12]}"
    try:
        copy.mkdir(parents=True, exist_ok=True)
        for rel, digest in [*manifest["files"].items(), (MANIFEST, None)]:
            target = copy / rel
            if target.is_file() and not target.is_symlink() and _current(target, rel, digest):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(target) as tmp:  # a new file of its own: no link followed
                shutil.copyfile(folder / rel, tmp)
    except OSError as exc:
        raise RunError(
            f"pretrained '{name}': cannot make its working copy in {copy} "
            f"({exc.strerror or exc}); {_what_to_do(exc)}"
        ) from None
    return str(copy)


def _current(target: Path, rel: str, digest: str | None) -> bool:
    """Whether the copy's file may stay: it matches the package, or it is one that grows
    with use (``metrics.json``) and still reads as JSON (a damaged one is restored)."""
    if digest is None:  # pretrained.json: always the package's
        return False
    if rel in KEPT:
        try:
            return isinstance(json.loads(target.read_text()), dict)
        except (OSError, ValueError):
            return False
    return sha256(target) == digest


def _what_to_do(exc: OSError) -> str:
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "free space (or raise the file-size limit), or set ZOO_CACHE to a roomier folder"
    return "set ZOO_CACHE to a writable folder"
