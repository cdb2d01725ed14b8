"""The run folder's own API: the only writer of metrics.json and state.json, and a failed
start that may be reused without losing anything that zoo did not write."""

import json

import pytest

from zoo_core import RunDir, RunError


def failed_start(path):
    run = RunDir.create("m", "d", out=path)
    run.write_json("config.json", {"model": {"name": "m"}})
    run.mark_failed(RuntimeError("the data broke"))
    return run


def test_a_failed_start_is_reused_when_it_holds_only_what_zoo_wrote(tmp_path):
    failed_start(tmp_path / "run")
    again = RunDir.create("m", "d", out=tmp_path / "run")
    assert again.path == tmp_path / "run" and not (again.path / "config.json").exists()
    assert (again.path / "checkpoints").is_dir()


def test_a_failed_start_holding_a_users_file_is_refused_and_the_file_kept(tmp_path):
    run = failed_start(tmp_path / "run")
    (run.path / "notes.txt").write_text("my notes")
    (run.figures / "mine.png").write_bytes(b"not zoo's")
    with pytest.raises(RunError, match="not empty"):
        RunDir.create("m", "d", out=run.path)
    assert (run.path / "notes.txt").read_text() == "my notes"


def test_record_step_replaces_rows_from_a_resumed_step_and_writes_the_csv(tmp_path):
    run = RunDir.create("m", "d", out=tmp_path / "run")
    for epoch in (1, 2, 3):
        run.record_step({"epoch": epoch, "loss": 10.0 - epoch}, params=7)
    history = run.record_step({"epoch": 2, "loss": 0.5})  # a resume re-records epoch 2
    assert [h["epoch"] for h in history] == [1, 2]
    m = json.loads((run.path / "metrics.json").read_text())
    assert m["history"][-1] == {"epoch": 2, "loss": 0.5} and m["params"] == 7
    assert (run.path / "metrics.csv").read_text().splitlines() == [
        "epoch,loss", "1,9.0", "2,0.5"]
    run.write_state({"epoch": 2})
    assert run.state() == {"epoch": 2}


def test_a_metrics_file_of_the_wrong_shape_reads_as_empty(tmp_path):
    run = RunDir.create("m", "d", out=tmp_path / "run")
    (run.path / "metrics.json").write_text("[1, 2]")
    assert run.metrics() == {"history": [], "test": {}}
    (run.path / "state.json").write_text('"epoch 3"')
    assert run.state() == {}
