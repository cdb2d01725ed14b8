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


@pytest.mark.parametrize("name, text", [
    ("metrics.json", "[1, 2]"), ("metrics.json", '{"history": 5}'),
    ("metrics.json", '{"history": [1]}'), ("metrics.json", '{"history": [], "test": 3}'),
    ("config.json", '"x"'), ("config.json", '{"model": 3}'),
    ("config.json", '{"model": {"name": "m", "settings": [1]}}')])
def test_a_run_file_of_the_wrong_shape_is_refused_in_one_line_and_never_overwritten(
        tmp_path, name, text):
    run = RunDir.create("m", "d", out=tmp_path / "run")
    (run.path / name).write_text(text)
    with pytest.raises(RunError) as exc:
        run.metrics() if name == "metrics.json" else run.config
    assert name in str(exc.value) and "\n" not in str(exc.value)
    if name == "metrics.json":  # a writer refuses too, so what is there stays
        with pytest.raises(RunError):
            run.update_metrics(params=3)
        assert (run.path / name).read_text() == text
    (run.path / "state.json").write_text('"epoch 3"')
    assert run.state() == {}


def test_zoo_runs_lists_every_run_and_names_the_one_whose_config_is_damaged(tmp_path):
    from zoo_reports.listing import list_runs

    for name in ("good", "bad"):
        run = RunDir.create("m", "d", out=tmp_path / name)
        run.write_json("config.json", {"model": {"name": "m", "settings": {}}, "seed": 0})
    (tmp_path / "bad" / "config.json").write_text('{"model": "m"}')
    rows = {r["run"]: r for r in list_runs(tmp_path)}
    assert set(rows) == {"good", "bad"} and rows["good"]["model"] == "m"
    assert rows["bad"]["status"] == "unknown" and "config.json" in rows["bad"]["note"]
