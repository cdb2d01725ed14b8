"""Model cards: every run folder and every pretrained package has a ``README.md`` made from
its own files, and every number in it is one those files hold."""

import json
import re
from pathlib import Path

import pytest

PACKAGES = Path(__file__).resolve().parents[2] / "plugins" / "zoo_pretrained" / "models"


def card_numbers(text: str) -> tuple[dict, dict]:
    """The YAML metrics and the evaluation table's ``{key: value}`` of a card."""
    front = text.split("---")[1]
    yaml = {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"^- (\w+): ([-\d.e+]+)$", front, flags=re.M)
    }
    table = {}
    for line in text.split("## Evaluation")[1].split("##")[0].splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("metric", "---"):
            table[cells[0]] = float(cells[1].replace(",", ""))
    return yaml, table


def assert_numbers_match(folder: Path):
    text = (folder / "README.md").read_text()
    metrics = json.loads((folder / "metrics.json").read_text())
    latest = {}
    for record in metrics.get("evaluations", []):
        latest.update(record["values"])
    yaml, table = card_numbers(text)
    assert set(table) == set(latest), (sorted(table), sorted(latest))
    for key, value in table.items():  # printed with 6 significant digits
        assert value == pytest.approx(latest[key], rel=1e-5, abs=1e-9), key
    for key, value in yaml.items():
        assert value == pytest.approx(metrics["eval"][key], rel=1e-5, abs=1e-9), key
    config = json.loads((folder / "config.json").read_text())
    assert f"- seed: {config['seed']}" in text
    assert " ".join(config["command"]) in text


@pytest.mark.parametrize("name", sorted(p.name for p in PACKAGES.iterdir() if p.is_dir()))
def test_every_pretrained_package_carries_a_card_whose_numbers_are_its_own(name):
    folder = PACKAGES / name
    assert_numbers_match(folder)
    shipped = json.loads((folder / "pretrained.json").read_text())
    assert "README.md" in shipped["files"]  # checked like the weights
    text = (folder / "README.md").read_text()
    assert shipped["trained"]["machine"] in text
    assert f"{shipped['trained']['train_seconds'] / 60:.1f} min" in text
    if (folder / "samples.png").is_file():
        assert "![samples](samples.png)" in text and "samples.png" in shipped["files"]


def test_a_run_writes_its_card_and_eval_and_zoo_card_keep_it_true(run_cli, tmp_path):
    run = tmp_path / "run"
    r = run_cli(
        "run", "vae_2d", "--dataset", "fashion_mnist", "--set", "limit=128", "--epochs", "1",
        "--no-viz", "--out", str(run),
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    text = (run / "README.md").read_text()
    assert "Not evaluated yet" in text and "vae_2d" in text
    assert "license: mit" in text and "library_name: zoo" in text
    data = json.loads((run / "manifest.json").read_text())
    assert data["files"][0]["sha256_decompressed"] in text  # the data's checksum
    r = run_cli("eval", str(run), "--metric", "elbo")
    assert r.exit_code == 0, r.output
    assert_numbers_match(run)  # the card was rewritten with the evaluation

    (run / "README.md").unlink()
    printed = run_cli("card", str(run), "--print")
    assert printed.exit_code == 0 and not (run / "README.md").exists()
    r = run_cli("card", str(run))
    assert r.exit_code == 0 and (run / "README.md").read_text() == printed.output


def test_card_refuses_a_folder_that_is_not_a_run_and_adds_nothing_to_it(run_cli, tmp_path):
    r = run_cli("card", str(tmp_path))
    assert r.exit_code == 2 and "not a run directory" in r.output
    assert list(tmp_path.iterdir()) == []
