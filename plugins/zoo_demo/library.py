"""What the page may open, and the trained models it keeps loaded.

A reference from the browser is only text, so it is checked here before anything is read:
it is one of the references named on the command line (``zoo demo RUN pretrained:NAME``),
or a run folder *under the root*, given relative to it. An absolute path, a ``..`` part, or
a symbolic link that leads out of the root is refused in one line; nothing outside is
opened, listed or read.

Loaded models are kept in a small least-recently-used cache (``--cache``, default 4), so
dragging a slider decodes with a model already in memory, and a page with many runs does
not hold them all.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from zoo_core.errors import NotARunError, UsageError
from zoo_core.run_dir import CONFIG

#: the most images one request may draw (the CLI's ``zoo sample`` takes 1,024; a page is
#: shared, so it is tighter)
MAX_IMAGES = 256


@dataclass(frozen=True)
class Offered:
    """One run the page offers: the text the page uses, and its folder."""

    reference: str
    path: Path


class Library:
    """The runs a page may open (``named`` references and runs under ``root``) and an LRU
    cache of at most ``cache_size`` loaded ones."""

    def __init__(self, root: str | Path, named: list[str] = (), *, cache_size: int = 4):
        from zoo_core import plugins

        if cache_size < 1:
            raise UsageError(f"--cache must be at least 1, got {cache_size}")
        self.root = Path(root)
        self.cache_size = cache_size
        self.named: dict[str, Path] = {}
        for ref in named:
            folder = Path(plugins.run_path(str(ref)))
            if not (folder / CONFIG).is_file():
                raise NotARunError(f"{ref} is not a run folder (no {CONFIG}); name a run")
            self.named[str(ref)] = folder
        self._loaded: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.RLock()
        # files a request hands to the page (a sample's .npz): one folder, gone at exit
        self._scratch = tempfile.TemporaryDirectory(prefix="zoo-demo-")
        self.scratch = Path(self._scratch.name)

    # -- what may be opened ---------------------------------------------------------------
    def offered(self) -> list[Offered]:
        """The named references first, then the run folders under the root (a root that does
        not exist offers none)."""
        out = [Offered(ref, path) for ref, path in self.named.items()]
        if self.root.is_dir():
            from zoo_reports.listing import find_runs

            base = self.root.resolve()
            for run in find_runs(self.root):
                real = run.path.resolve()
                if real.is_relative_to(base):  # a link out of the root is not offered
                    out.append(Offered(run.path.relative_to(self.root).as_posix(), run.path))
        return out

    def resolve(self, reference) -> Path:
        """The folder of ``reference``, or a one-line refusal: only named references and
        folders under the root, given relative to it, are opened."""
        if not isinstance(reference, str) or not reference.strip():
            raise UsageError("choose a model first")
        if reference in self.named:
            return self.named[reference]
        windows = PureWindowsPath(reference)
        parts = PurePosixPath(reference.replace("\\", "/")).parts
        if PurePosixPath(reference).is_absolute() or windows.is_absolute() or windows.drive:
            raise UsageError(f"{reference!r} is an absolute path; only runs under the root open")
        if ".." in parts:
            raise UsageError(f"{reference!r} leaves the root ('..'); only runs under it open")
        if ":" in reference:
            raise UsageError(f"{reference!r} was not named when the page started; it is not open")
        base = self.root.resolve()
        folder = (self.root / reference).resolve()
        if not folder.is_relative_to(base):
            raise UsageError(f"{reference!r} leads out of the root (a link); it is not opened")
        if not (folder / CONFIG).is_file():
            raise NotARunError(f"{reference!r} is not a run under the root")
        return self.root / reference

    def model_class(self, reference) -> type | None:
        """The model class a run was trained with, from its ``config.json`` (nothing is
        loaded); None where the run names a model no installed plugin provides."""
        return _class_at(self.resolve(reference))

    def offering(self, *capabilities: str) -> list[str]:
        """The references whose model class declares every one of ``capabilities``."""
        out = []
        for item in self.offered():
            cls = _class_at(item.path)
            if cls is not None and set(capabilities) <= set(cls.capabilities):
                out.append(item.reference)
        return out

    # -- loaded models ------------------------------------------------------------------------
    def run(self, reference):
        """The :class:`zoo.Run` of ``reference`` with its model loaded, from the cache when
        it is there (the least recently used one leaves when the cache is full)."""
        import zoo

        folder = self.resolve(reference)
        with self._lock:
            if reference in self._loaded:
                self._loaded.move_to_end(reference)
                return self._loaded[reference]
            run = zoo.open(folder, progress=False)
            run.model  # noqa: B018 (load now, inside the lock, once)
            self._loaded[reference] = run
            while len(self._loaded) > self.cache_size:
                self._loaded.popitem(last=False)
            return run

    def loaded(self) -> list[str]:
        """The references whose models are in memory, least recently used first."""
        with self._lock:
            return list(self._loaded)

    @property
    def lock(self) -> threading.RLock:
        """Held around each model call: one call at a time, in the order they come."""
        return self._lock


def _class_at(folder: Path) -> type | None:
    from zoo_core import plugins
    from zoo_core.errors import ZooError
    from zoo_core.run_dir import RunDir

    try:
        name = RunDir(folder).config["model"]["name"]
        return plugins.get_registry().resolve("model", name).entry.cls
    except (ZooError, KeyError, TypeError):
        return None
