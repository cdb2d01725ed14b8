"""``zoo run --track mlflow`` against a real MLflow tracking server (``mlflow server`` with a
SQLite store on a loopback port, started here), read back through MLflow's own client."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("mlflow", reason="the mlflow extra is not installed: pip install 'zoo[mlflow]'")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    mlflow = shutil.which("mlflow", path=str(Path(sys.executable).parent)) or "mlflow"
    proc = subprocess.Popen(
        [
            mlflow, "server", "--backend-store-uri", f"sqlite:///{folder / 'store.db'}",
            "--artifacts-destination", str(folder / "artifacts"),
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        ],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    uri = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if urllib.request.urlopen(f"{uri}/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("mlflow server did not start in 2 minutes")
        yield uri
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_tracked_run_is_on_the_server_with_its_settings_epochs_card_and_export(
    server, run_cli, tmp_path, monkeypatch
):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "zoo-test")
    out = tmp_path / "run"
    r = run_cli(
        "run", "vae_2d", "--dataset", "fashion_mnist", "--set", "limit=128", "--epochs", "2",
        "--no-viz", "--track", "mlflow", "--out", str(out),
    )  # fmt: skip
    assert r.exit_code == 0, r.output

    from mlflow import MlflowClient

    client = MlflowClient(server)
    experiment = client.get_experiment_by_name("zoo-test")
    (found,) = client.search_runs([experiment.experiment_id])
    assert found.info.status == "FINISHED" and found.info.run_name == "run"
    assert found.data.tags["zoo.model"] == "vae_2d"
    assert found.data.tags["zoo.run_dir"] == str(out)
    config = json.loads((out / "config.json").read_text())
    for key, value in config["model"]["settings"].items():
        assert found.data.params[f"model.{key}"] == str(value)
    assert found.data.params["seed"] == str(config["seed"])
    history = json.loads((out / "metrics.json").read_text())["history"]
    logged = client.get_metric_history(found.info.run_id, "loss")
    assert [m.step for m in logged] == [h["epoch"] for h in history]
    assert [m.value for m in logged] == pytest.approx([h["loss"] for h in history])
    test = json.loads((out / "metrics.json").read_text())["test"]
    assert found.data.metrics["test_neg_elbo"] == pytest.approx(test["neg_elbo"])
    top = {a.path for a in client.list_artifacts(found.info.run_id)}
    assert {"README.md", "config.json", "metrics.json", "export"} <= top
    exported = {a.path for a in client.list_artifacts(found.info.run_id, "export")}
    assert "export/saved_model" in exported and "export/export.json" in exported
    card = client.download_artifacts(found.info.run_id, "README.md", str(tmp_path))
    assert Path(card).read_text() == (out / "README.md").read_text()


def test_a_server_that_does_not_answer_is_refused_before_the_run_starts(
    run_cli, tmp_path, monkeypatch
):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", raising=False)
    out = tmp_path / "run"
    r = run_cli(
        "run", "vae_2d", "--dataset", "fashion_mnist", "--epochs", "1", "--track", "mlflow",
        "--out", str(out),
    )  # fmt: skip
    assert r.exit_code == 2 and "does not answer" in r.output, r.output
    assert len(r.output.strip().splitlines()) == 1
    assert not out.exists()
    os.environ.pop("MLFLOW_HTTP_REQUEST_MAX_RETRIES", None)
