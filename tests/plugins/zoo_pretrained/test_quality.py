"""Real-quality numbers in seconds, with no training: each shipped model's quick checks
(recorded by ``zoo pretrained pack --check`` on the packed weights) measured again through
``zoo eval pretrained:NAME``. A metric, a loader or a sampler that silently changed moves
them well past these margins; a different CPU moves them by rounding only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

MODELS = Path(__file__).resolve().parents[3] / "plugins" / "zoo_pretrained" / "models"

#: value -> (absolute, relative) margin: |now - recorded| <= abs + rel * |recorded|
MARGINS = {
    "fid": (1.0, 0.05),  # FID of 1,000 samples: a broken loader gives 200+
    "neg_elbo": (1.0, 0.0),  # nats per image, of about 250-270
    "mean_return": (25.0, 0.0),  # CartPole: solved is 475 of at most 500
    "bits_per_dim": (0.02, 0.0),
    "nll_bits_per_dim": (0.01, 0.0),  # a flow's exact test bits/dim, about 3.5
    "conditional_accuracy": (0.05, 0.0),
}

CHECKS = [
    (folder.name, check)
    for folder in sorted(MODELS.iterdir())
    if (folder / "pretrained.json").is_file()
    for check in json.loads((folder / "pretrained.json").read_text()).get("checks", [])
]


def test_the_shipped_models_record_quick_checks():
    assert {name for name, _ in CHECKS} >= {"dqn"}
    assert all(set(c["values"]) & set(MARGINS) for _, c in CHECKS)


#: checks of 20 s and more each (an ODE sampler of 19 evaluations per image): make test-all
SLOW = {"flow_matching", "flow_matching_cond"}


@pytest.mark.parametrize(
    "name,check",
    [pytest.param(n, c, marks=[pytest.mark.slow] if n in SLOW else []) for n, c in CHECKS],
    ids=[f"{n}-{c['metric']}" for n, c in CHECKS],
)
def test_a_fresh_eval_of_a_shipped_model_matches_its_record(name, check, run_cli):
    sets = [a for s in check["sets"] for a in ("--set", s)]
    result = run_cli("eval", f"pretrained:{name}", "--metric", check["metric"], *sets, "--json")
    assert result.exit_code == 0, result.output
    now = json.loads(result.stdout)
    compared = set(check["values"]) & set(MARGINS)
    for key in compared:
        absolute, relative = MARGINS[key]
        recorded = check["values"][key]
        assert abs(now[key] - recorded) <= absolute + relative * abs(recorded), (
            f"{name} {key}: {now[key]:.4g} now, {recorded:.4g} recorded"
        )


def test_nll_of_the_first_n_images_says_how_many_it_measured(run_cli):
    """``nll``'s ``n`` (the realnvp check's) measures a slice, and the record says so."""
    result = run_cli("eval", "pretrained:realnvp", "--metric", "nll", "--set", "n=300", "--json")
    assert result.exit_code == 0, result.output
    details = json.loads(result.stdout)["details"]["nll"]
    assert details["notes"]["images"] == 300 and details["settings"]["n"] == 300
