"""The Runs tab's tables and pages, from what each run recorded: ``zoo runs``' rows, the
leaderboard's, one run's config, curves, figures and model card, and two runs side by side
as ``zoo compare`` puts them. Only runs the :class:`~zoo_demo.library.Library` offers are
read."""

from __future__ import annotations

from pathlib import Path

from zoo_core.errors import RunError, UsageError
from zoo_core.run_dir import RunDir

from .library import Library

RUN_COLUMNS = ("run", "model", "source", "seed", "status", "done", "planned", "unit", "best")


def runs_table(lib: Library) -> list[dict]:
    """One row per offered run: what ``zoo runs`` shows, keyed by the page's reference."""
    from zoo_reports.listing import row_of

    rows = []
    for item in lib.offered():
        try:
            row = row_of(RunDir(item.path))
        except RunError as exc:  # a damaged run is listed with why, as `zoo runs` does
            row = {"status": "unknown", "note": str(exc)}
        rows.append({"run": item.reference} | {k: row.get(k) for k in RUN_COLUMNS[1:]})
    return rows


def leaderboard(lib: Library) -> list[dict]:
    """The leaderboard's rows over the offered runs that hold a final model: the latest
    value of each evaluated metric (seed groups as mean ± std)."""
    from zoo_reports.leaderboard import rows_of

    finished = [
        RunDir(item.path) for item in lib.offered() if (item.path / "model.keras").is_file()
    ]
    refs = {str(item.path): item.reference for item in lib.offered()}
    rows = rows_of(finished)[0]
    for row in rows:
        row["run"] = refs.get(row.pop("path", ""), row["run"])
    return rows


def run_page(lib: Library, ref) -> dict:
    """One run: ``config``, ``history`` (rows), ``figures`` (PNG paths), ``card`` (its
    model card's Markdown, or a line saying it has none)."""
    folder = lib.resolve(ref)
    run = RunDir(folder)
    metrics = run.metrics()
    card = folder / "README.md"
    return {
        "config": run.config,
        "history": metrics.get("history") or [],
        "test": metrics.get("test") or {},
        "evaluations": metrics.get("eval") or {},
        "figures": figures_in(folder),
        "card": without_front_matter(card.read_text(encoding="utf-8"))
        if card.is_file()
        else f"No model card yet: `zoo card {ref}` writes one.",
    }


def figures_in(folder: Path) -> list[str]:
    """The run's pictures: a package's sample grid beside its files, then ``figures/``; a
    link that leads out of the run is left out."""
    inside = folder.resolve()
    found = sorted(folder.glob("*.png")) + sorted((folder / "figures").glob("*.png"))
    return [str(p) for p in found if p.resolve().is_relative_to(inside)]


def without_front_matter(card: str) -> str:
    """A model card's Markdown without its leading ``---`` metadata block (what a hub
    reads; on the page it would show as a paragraph of keys)."""
    if card.startswith("---\n"):
        end = card.find("\n---", 4)
        if end != -1:
            return card[end + 4 :].lstrip("\n")
    return card


def curves(history: list[dict]) -> list[dict]:
    """History rows as long-form points ``{epoch, metric, value}`` for a line plot (the
    step column is whichever the run counted in: epoch, or episode for an agent)."""
    points = []
    for i, row in enumerate(history):
        x = row.get("epoch", row.get("episode", i + 1))
        for key, value in row.items():
            if key in ("epoch", "episode", "seconds") or not isinstance(value, (int, float)):
                continue
            points.append({"epoch": x, "metric": key, "value": float(value)})
    return points


def compare(lib: Library, first, second) -> tuple[list[dict], object]:
    """Two runs side by side, as ``zoo compare A B`` reports them: rows of ``{"": key,
    first: value, second: value}`` for every recorded number and setting that differs, and
    the curves figure."""
    from zoo_reports.compare import compare_runs

    if first == second:
        raise UsageError("choose two different runs to compare")
    paths = [str(lib.resolve(first)), str(lib.resolve(second))]
    out = lib.scratch / "compare.png"
    rows, _, fig = compare_runs(paths, out, keep_figure=True, group=False)
    table = [
        {"": key, first: rows[0].get(key), second: rows[1].get(key)}
        for key in rows[0]
        if key != "run"
    ]
    settings = [RunDir(p).config.get("model", {}).get("settings", {}) for p in paths]
    for key in sorted(set(settings[0]) | set(settings[1])):
        if settings[0].get(key) != settings[1].get(key):
            table.append(
                {"": f"setting {key}", first: settings[0].get(key), second: settings[1].get(key)}
            )
    return table, fig
