"""Pretrained models: listed with what they measured, usable wherever a run is taken,
refused by name when a shipped file is damaged, and shippable by a third-party package."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from zoo_core import plugins
from zoo_core.errors import UnknownNameError
from zoo_pretrained import store as shipped

MODELS = Path(__file__).resolve().parents[3] / "plugins" / "zoo_pretrained" / "models"


def test_zoo_pretrained_lists_the_shipped_models_with_their_recorded_numbers(run_cli):
    result = run_cli("pretrained", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert {"ddpm", "dqn"} <= set(rows)
    for name, row in rows.items():
        assert row["reference"] == f"pretrained:{name}"
        metrics = json.loads((Path(row["folder"]) / "metrics.json").read_text())
        assert row["recorded"]["eval"] == metrics.get("eval", {}), name
        assert row["trained"]["command"].startswith("zoo run "), name
    assert rows["dqn"]["recorded"]["eval"]["mean_return"] >= 475  # CartPole solved
    table = run_cli("pretrained", "--markdown").stdout.splitlines()
    assert len(table) == 2 + len(rows)  # header, rule, one row each with its command
    assert all(f"`{rows[line.split()[1]]['trained']['command']}`" in line for line in table[2:])


def test_the_shipped_set_is_small_and_every_file_matches_its_checksum():
    total = 0
    for folder in sorted(p for p in MODELS.iterdir() if p.is_dir()):
        manifest = shipped.read_manifest(folder, folder.name)  # raises on any mismatch
        on_disk = {p.name for p in folder.iterdir()} - {shipped.MANIFEST}
        assert set(manifest["files"]) == on_disk, f"{folder.name}: unlisted files"
        assert manifest["weights"]["bytes"] < manifest["weights"]["run_bytes"]
        total += sum(p.stat().st_size for p in folder.iterdir())
    assert total < 20e6


def test_an_unknown_name_is_refused_with_the_names_that_exist():
    with pytest.raises(UnknownNameError, match="Did you mean: dqn.*zoo pretrained"):
        shipped.resolve(plugins.get_registry(), "pretrained:dqm")


@pytest.fixture
def third_party_dqn(tmp_path, make_dist):
    """A copy of the shipped DQN, registered by a third-party package's hook."""
    folder = tmp_path / "pkg" / "cartpole"
    shutil.copytree(MODELS / "dqn", folder)
    make_dist(
        "zoo-rl-weights",
        "zoo_rl_weights",
        f"""
        from zoo_core import hookimpl

        @hookimpl
        def register_pretrained(register):
            register("cartpole", {str(folder)!r}, summary="a CartPole agent")
        """,
    )
    plugins.reset()
    return folder


def test_a_third_party_package_ships_its_own_and_eval_reproduces_its_record(
    third_party_dqn, run_cli
):
    listed = {r["name"]: r for r in json.loads(run_cli("pretrained", "--json").stdout)}
    assert listed["cartpole"]["package"] == "zoo-rl-weights"
    result = run_cli("eval", "pretrained:cartpole", "--set", "episodes=5", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mean_return"] >= 475  # the record: 500.0
    # the evaluation went to the working copy, never into the package
    assert (
        json.loads((third_party_dqn / "metrics.json").read_text())["evaluations"][-1]["settings"][
            "episodes"
        ]
        == 100
    )


def test_an_edited_weights_file_is_refused_in_one_line_naming_it(third_party_dqn, run_cli):
    weights = third_party_dqn / "model.keras"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    result = run_cli("sample", "pretrained:cartpole", "--n", "4")
    assert result.exit_code == 1
    assert str(weights) in result.stderr and "SHA-256" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_damaged_working_copy_is_restored_from_the_package(third_party_dqn):
    reg = plugins.get_registry()
    copy = Path(shipped.resolve(reg, "pretrained:cartpole"))
    (copy / "model.keras").write_bytes(b"not a model")
    copy = Path(shipped.resolve(reg, "pretrained:cartpole"))
    assert shipped.sha256(copy / "model.keras") == shipped.sha256(third_party_dqn / "model.keras")


def test_pack_refuses_an_unfinished_run_and_a_used_folder(third_party_dqn, tmp_path, run_cli):
    copy = Path(shipped.resolve(plugins.get_registry(), "pretrained:cartpole"))
    run = tmp_path / "run"
    shutil.copytree(copy, run)
    (run / "status.json").write_text(json.dumps({"status": "failed"}))
    result = run_cli("pretrained", "pack", str(run), "mine", "--into", str(tmp_path / "out"))
    assert result.exit_code == 2 and "has not finished (status failed)" in result.stderr
    (run / "status.json").write_text(json.dumps({"status": "finished"}))
    (tmp_path / "out" / "mine").mkdir(parents=True)
    (tmp_path / "out" / "mine" / "keep.txt").write_text("mine")
    result = run_cli("pretrained", "pack", str(run), "mine", "--into", str(tmp_path / "out"))
    assert result.exit_code == 2 and "not empty" in result.stderr
    assert (tmp_path / "out" / "mine" / "keep.txt").read_text() == "mine"


def test_zoo_sample_of_the_pretrained_dcgan_draws_its_garments(run_cli, tmp_path):
    """The issue's command; the quality of what it draws is held by test_quality's FID."""
    import matplotlib.image

    out = tmp_path / "s.png"
    result = run_cli("sample", "pretrained:dcgan", "--n", "16", "--out", str(out))
    assert result.exit_code == 0, result.output
    picture = matplotlib.image.imread(out)
    assert picture.shape[0] >= 400 and picture.std() > 0.1  # a grid, not a blank page


def test_a_setting_that_reshapes_the_saved_network_is_refused_naming_it(run_cli, tmp_path):
    """``--set`` on a saved run may change how it samples or draws, not its network: a
    latent size the weights do not have is named, with the way to train one that has it."""
    result = run_cli("viz", "pretrained:vae_2d", "--viz", "manifold", "--set", "model.latent_dim=4")
    assert result.exit_code == 2, result.output
    assert "'latent_dim' is fixed at training" in result.stderr
    assert "trained with latent_dim=2" in result.stderr
    assert "zoo run --like pretrained:vae_2d" in result.stderr
    assert "plugin changed" not in result.stderr


def test_two_packages_shipping_one_name_are_refused_naming_both(
    third_party_dqn, make_dist, run_cli
):
    make_dist(
        "zoo-more-weights",
        "zoo_more_weights",
        f"""
        from zoo_core import hookimpl

        @hookimpl
        def register_pretrained(register):
            register("cartpole", {str(third_party_dqn)!r})
        """,
    )
    plugins.reset()
    result = run_cli("eval", "pretrained:cartpole")
    assert result.exit_code == 1, result.output
    assert "zoo-more-weights and zoo-rl-weights" in result.stderr


def test_a_damaged_metrics_file_in_the_working_copy_is_restored(third_party_dqn, run_cli):
    """metrics.json grows with each evaluation and is kept; damaged, it is the package's again."""
    copy = Path(shipped.resolve(plugins.get_registry(), "pretrained:cartpole"))
    (copy / "metrics.json").write_text('{"history": [')
    result = run_cli("eval", "pretrained:cartpole", "--set", "episodes=2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads((copy / "metrics.json").read_text())["evaluations"]


def test_a_package_without_its_model_is_named_and_leaves_no_copy(third_party_dqn, run_cli):
    manifest = json.loads((third_party_dqn / "pretrained.json").read_text())
    del manifest["files"]["model.keras"]
    (third_party_dqn / "pretrained.json").write_text(json.dumps(manifest))
    (third_party_dqn / "model.keras").unlink()
    result = run_cli("sample", "pretrained:cartpole", "--n", "4")
    assert result.exit_code == 1
    assert str(third_party_dqn / "pretrained.json") in result.stderr
    assert "does not list model.keras" in result.stderr and "reinstall" in result.stderr
    digest = shipped.sha256(third_party_dqn / "pretrained.json")[:12]
    assert not (shipped.cache_root() / "pretrained" / f"cartpole-{digest}").exists()


def test_a_link_planted_in_the_working_copy_is_not_followed(third_party_dqn, tmp_path):
    reg = plugins.get_registry()
    copy = Path(shipped.resolve(reg, "pretrained:cartpole"))
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (copy / "model.keras").unlink()
    (copy / "model.keras").symlink_to(victim)
    for name in ("model.keras.tmp", ".model.keras.tmp", "pretrained.json.tmp"):
        (copy / name).symlink_to(victim)
    shipped.resolve(reg, "pretrained:cartpole")
    assert victim.read_text() == "precious"
    assert not (copy / "model.keras").is_symlink()
    assert shipped.sha256(copy / "model.keras") == shipped.sha256(third_party_dqn / "model.keras")


def test_a_copy_that_finds_no_room_says_so(third_party_dqn, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr(shipped.shutil, "copyfile", full)
    with pytest.raises(shipped.RunError, match="File too large.*free space") as e:
        shipped.resolve(plugins.get_registry(), "pretrained:cartpole")
    assert "writable" not in str(e.value)
