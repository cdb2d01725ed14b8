"""``zoo pretrained pack`` checks everything before it writes, builds the package aside and
moves it into place whole: a refused pack leaves no folder (not even ``--into``), so the
retry with the mistake fixed goes into the same name."""

from __future__ import annotations

import shutil

import pytest

import zoo

TINY = dict(dataset="fashion_mnist", epochs=1, batch_size=64, limit=256, viz=[], progress=False)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    return zoo.run("vae_2d", seed=2, out=tmp_path_factory.mktemp("pack") / "run", **TINY).path


@pytest.mark.parametrize(
    "check", ["nope", "fid:bogus=1", ":n=5", "elbo:k=0", "elbo:k=abc", "fid:n", "dqn_return"]
)
def test_a_bad_check_is_refused_before_anything_is_written(finished, tmp_path, run_cli, check):
    into = tmp_path / "new" / "packages"
    r = run_cli("pretrained", "pack", str(finished), "tiny", "--into", str(into), "--check", check)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and not (tmp_path / "new").exists()


def test_a_truncated_model_is_refused_by_name_and_leaves_nothing(finished, tmp_path, run_cli):
    run = tmp_path / "run"
    shutil.copytree(finished, run)
    data = (run / "model.keras").read_bytes()
    (run / "model.keras").write_bytes(data[: len(data) // 2])
    into = tmp_path / "packages"
    r = run_cli("pretrained", "pack", str(run), "tiny", "--into", str(into))
    assert r.exit_code == 2 and "model.keras cannot be read" in r.output
    assert "unexpected" not in r.output and not into.exists()


def test_a_name_too_long_leaves_no_folder_and_the_retry_lands(finished, tmp_path, run_cli):
    into = tmp_path / "packages"
    r = run_cli("pretrained", "pack", str(finished), "x" * 300, "--into", str(into))
    assert r.exit_code == 2 and "at most 64" in r.output and not into.exists()
    r = run_cli("pretrained", "pack", str(finished), "tiny", "--into", str(into), "--check", "nope")
    assert r.exit_code == 2 and not into.exists()
    r = run_cli("pretrained", "pack", str(finished), "tiny", "--into", str(into))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in into.iterdir()) == ["tiny"]  # no partial copy beside it
    assert (into / "tiny" / "pretrained.json").is_file() and (into / "tiny" / "README.md").is_file()
