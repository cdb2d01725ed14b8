"""A run's model card: ``README.md`` in the run folder (and in a pretrained package),
generated from the run's own files only, so every number in it is one the run recorded.

The layout follows Hugging Face's model cards: YAML metadata first (licence, library,
tags, dataset, the headline evaluations), then the model and its paper, the training data
with checksums, the training procedure (command, seed, machine, wall time, versions), the
evaluations with their protocol (n, split, the feature space and its classifier's
held-out accuracy, the sampling settings), a sample grid, intended use and limitations.
Written when a run ends and after ``zoo eval``; ``zoo card RUN`` writes it again.
"""

from __future__ import annotations

import json
from pathlib import Path

from zoo_core.atomic_files import atomic_path
from zoo_core.errors import ZooError
from zoo_core.run_dir import RunDir

CARD = "README.md"
#: the licence of what zoo writes (code and trained weights); the data keeps its own, as
#: its plugin declares it (:attr:`zoo_core.dataset.Dataset.licence`)
LICENCE = "MIT"


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _num(v, digits: int = 4) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    return f"{v:,}" if isinstance(v, int) else f"{v:.{digits}g}"


def family_doc(model_cls) -> str:
    """The first paragraph of the model class's docstring: the family and its paper."""
    doc = (getattr(model_cls, "__doc__", "") or "").strip()
    return " ".join(doc.split("\n\n")[0].split()) if doc else ""


def card(path, model_cls=None, dataset_cls=None) -> str:
    """The model card of the run (or pretrained package) at ``path``, as Markdown; the
    model's and the dataset's plugin classes, when installed, add the paper and licence."""
    folder = Path(path)
    cfg, metrics = _read(folder / "config.json"), _read(folder / "metrics.json")
    data_manifest, shipped = _read(folder / "manifest.json"), _read(folder / "pretrained.json")
    model = cfg.get("model") or {}
    dataset = cfg.get("dataset") or {}
    name = shipped.get("name") or folder.name
    data_name = dataset.get("name")
    data_licence = getattr(dataset_cls, "licence", None) or "the licence of its source"
    history = metrics.get("history") or []
    evals = metrics.get("evaluations") or []
    latest = {}
    for record in evals:  # the latest record of each metric, as `eval` keeps them
        latest[record.get("metric")] = record
    trained = shipped.get("trained") or {}
    seconds = trained.get("train_seconds")
    if seconds is None:
        seconds = metrics.get("train_seconds") or sum(h.get("seconds", 0) for h in history)
    lines = ["---", f"license: {LICENCE.lower()}", "library_name: zoo", "tags:"]
    lines += [f"- {t}" for t in ("generative", "tensorflow", "keras", model.get("name", ""))]
    if data_name:
        lines += ["datasets:", f"- {data_name}"]
    headline = {k: v for k, v in (metrics.get("eval") or {}).items() if isinstance(v, float)}
    if headline:
        lines += ["metrics:"] + [f"- {k}: {_num(v, 6)}" for k, v in sorted(headline.items())]
    lines += ["---", "", f"# {name}", ""]
    lines += [
        shipped.get("summary")
        or f"`{model.get('name')}` trained on `{data_name or 'its own source'}` with zoo.",
        "",
        "## Model",
        "",
    ]
    about = family_doc(model_cls)
    if about:
        lines += [about, ""]
    lines += [
        f"- model: `{model.get('name')}` (plugin `{model.get('plugin')}` of "
        f"`{model.get('package')}`)",
        f"- parameters: {_num(metrics.get('params'))}",
        "- settings: "
        + ", ".join(f"`{k}={json.dumps(v)}`" for k, v in (model.get("settings") or {}).items()),
        "",
        "## Training data",
        "",
    ]
    if data_name:
        lines.append(f"- dataset: `{data_name}`, licence: {data_licence}")
        if data_manifest.get("source"):
            lines.append(f"- source: {data_manifest['source']}")
        splits = data_manifest.get("splits") or {}
        if splits:
            lines.append("- size: " + ", ".join(f"{k} {_num(v)}" for k, v in splits.items()))
        files = data_manifest.get("files")
        for f in files if isinstance(files, list) else []:
            digest = f.get("sha256") or f.get("sha256_decompressed")
            if digest:
                lines.append(f"- `{f.get('name')}` SHA-256 `{digest}`")
        if isinstance(files, int):
            lines.append(f"- {files:,} image files")
        if data_manifest.get("fingerprint"):  # an image folder: its content, hashed
            lines.append(f"- content fingerprint (SHA-256) `{data_manifest['fingerprint']}`")
    else:
        lines.append("- no dataset: the model trains on the source its settings name")
    command = trained.get("command") or "zoo " + " ".join(cfg.get("command") or [])
    lines += [
        "",
        "## Training",
        "",
        f"- command: `{command}`",
        f"- seed: {cfg.get('seed')}",
        f"- machine: {trained.get('machine') or cfg.get('machine') or 'not recorded'}",
        f"- training time: {seconds / 60:.1f} min over {len(history)} "
        f"{metrics.get('progress_unit', 'epoch')}s",
        f"- started: {cfg.get('created')}",
        "- versions: "
        + ", ".join(
            f"{k} {v}" for k, v in (trained.get("versions") or cfg.get("versions") or {}).items()
        ),
    ]
    if history:
        last = history[-1]
        lines.append(
            "- last "
            + metrics.get("progress_unit", "epoch")
            + ": "
            + ", ".join(f"{k} {_num(v)}" for k, v in last.items() if k != "seconds")
        )
    lines += ["", "## Evaluation", ""]
    if latest:
        lines += [
            "| metric | value | unit | protocol |",
            "|---|---|---|---|",
        ]
        sampling = {
            k: v
            for k, v in (model.get("settings") or {}).items()
            if k in ("sampler", "steps", "guidance", "eta", "temperature")
        }
        for metric, record in sorted(latest.items()):
            how = dict(record.get("settings") or {})
            notes = record.get("notes") or {}
            space = notes.get("feature_space") or (
                f"{notes['classifier']}@{notes.get('classifier_sha256', '')}"
                if notes.get("classifier")
                else None
            )
            protocol = ", ".join(f"{k} {_num(v)}" for k, v in how.items())
            if space:
                acc = notes.get("classifier_accuracy")
                protocol += f", features {space}" + (
                    f" (held-out accuracy {_num(acc)})" if acc is not None else ""
                )
            if sampling:
                protocol += ", sampled with " + ", ".join(f"{k} {v}" for k, v in sampling.items())
            for key, value in (record.get("values") or {}).items():
                unit = (record.get("units") or {}).get(key, "")
                lines.append(f"| {key} | {_num(value, 6)} | {unit} | {metric}: {protocol} |")
    else:
        lines.append("Not evaluated yet: `zoo eval RUN` measures it and updates this card.")
    test = metrics.get("test") or {}
    if test:
        lines += [
            "",
            "On the test split after training: "
            + ", ".join(f"{k} {_num(v)}" for k, v in test.items()),
        ]
    grid = next((p for p in ("samples.png", "figures/samples.png") if (folder / p).is_file()), None)
    if grid:
        lines += ["", "## Samples", "", f"![samples]({grid})"]
    lines += [
        "",
        "## Intended use and limitations",
        "",
        "For research, teaching and comparing generative models on the data above. The "
        "model knows only that data: it draws images like it, at its size, and says "
        "nothing reliable about any other. Metrics computed in a feature space compare only "
        "with numbers in the same space. Not for decisions about people.",
        "",
        "## Licence",
        "",
        f"Weights and this card: {LICENCE}. Data: {data_licence if data_name else 'none'}.",
    ]
    return "\n".join(lines) + "\n"


def plugin_classes(registry, folder) -> tuple:
    """The model's and the dataset's plugin classes named by the run's ``config.json``
    (None for one that is not installed: its card still gets written)."""
    cfg = _read(Path(folder) / "config.json")
    found = []
    for kind in ("model", "dataset"):
        name = (cfg.get(kind) or {}).get("name")
        try:
            found.append(registry.resolve(kind, name).entry.cls if name else None)
        except ZooError:
            found.append(None)
    return tuple(found)


def write_card(run: RunDir, model_cls=None, console=None, dataset_cls=None) -> Path | None:
    """(Re)write ``README.md`` in the run folder, atomically. With a ``console`` (a run
    ending, ``zoo eval``), a card that cannot be written is a warning, never a lost run."""
    target = run.path / CARD
    try:
        text = card(run.path, model_cls, dataset_cls)
        with atomic_path(target) as tmp:
            Path(tmp).write_text(text)
    except OSError as exc:
        if console is None:
            raise
        console.print(f"[yellow]warning:[/] no model card written: {exc}")
        return None
    return target
