"""The run folder's own API: the only writer of metrics.json and state.json, and a failed
start that may be reused without losing anything that zoo did not write."""

import json
from pathlib import Path

import pytest

from zoo_core import RunDir, RunError


def failed_start(path):
    run = RunDir.create("m", "d", out=path)
    run.write_json("config.json", {"model": {"name": "m"}})
    run.mark_failed(RuntimeError("the data broke"))
    run.release_lock()  # as the runner does when the run ends
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
    (run.path / "notes.txt").unlink()  # a figure of the user's alone is kept as well
    with pytest.raises(RunError, match="not empty .*figures/mine.png"):
        RunDir.create("m", "d", out=run.path)
    assert (run.figures / "mine.png").read_bytes() == b"not zoo's"


def test_record_step_replaces_rows_from_a_resumed_step_and_writes_the_csv(tmp_path):
    run = RunDir.create("m", "d", out=tmp_path / "run")
    for epoch in (1, 2, 3):
        run.record_step({"epoch": epoch, "loss": 10.0 - epoch}, params=7)
    history = run.record_step({"epoch": 2, "loss": 0.5})  # a resume re-records epoch 2
    assert [h["epoch"] for h in history] == [1, 2]
    m = json.loads((run.path / "metrics.json").read_text())
    assert m["history"][-1] == {"epoch": 2, "loss": 0.5} and m["params"] == 7
    assert (run.path / "metrics.csv").read_text().splitlines() == ["epoch,loss", "1,9.0", "2,0.5"]
    run.write_state({"epoch": 2})
    assert run.state() == {"epoch": 2}


@pytest.mark.parametrize(
    "name, text",
    [
        ("metrics.json", "[1, 2]"),
        ("metrics.json", '{"history": 5}'),
        ("metrics.json", '{"history": [1]}'),
        ("metrics.json", '{"history": [], "test": 3}'),
        ("config.json", '"x"'),
        ("config.json", '{"model": 3}'),
        ("config.json", '{"model": {"name": "m", "settings": [1]}}'),
        # each file's schema (zoo_core/run_files.py): what zoo reads, checked on every read
        ("config.json", '{"model": {"name": "m", "settings": {}}, "seed": "zero"}'),
        ("config.json", '{"model": {"name": "m", "settings": {}}, "seed": null}'),
        ("config.json", '{"model": {"name": "m", "settings": {}}, "visualizers": "samples"}'),
        ("config.json", '{"seed": 0}'),
        ("metrics.json", '{"history": [], "eval": {"fid": "low"}}'),
        ("metrics.json", '{"history": [], "evaluations": [{"values": {"fid": "x"}}]}'),
        ("state.json", '{"epoch": "three"}'),
        ("state.json", '"epoch 3"'),
    ],
)
def test_a_run_file_of_the_wrong_shape_is_refused_in_one_line_and_never_overwritten(
    tmp_path, name, text
):
    run = RunDir.create("m", "d", out=tmp_path / "run")
    (run.path / name).write_text(text)
    read = {"metrics.json": run.metrics, "state.json": run.state}.get(name, lambda: run.config)
    with pytest.raises(RunError) as exc:
        read()
    assert name in str(exc.value) and "\n" not in str(exc.value)
    assert "must be" in str(exc.value) and "restore it" in str(exc.value)
    if name == "metrics.json":  # a writer refuses too, so what is there stays
        with pytest.raises(RunError):
            run.update_metrics(params=3)
        assert (run.path / name).read_text() == text


def test_zoo_runs_lists_every_run_and_names_the_one_whose_config_is_damaged(tmp_path):
    from zoo_reports.listing import list_runs

    for name in ("good", "bad"):
        run = RunDir.create("m", "d", out=tmp_path / name)
        run.write_json("config.json", {"model": {"name": "m", "settings": {}}, "seed": 0})
    (tmp_path / "bad" / "config.json").write_text('{"model": "m"}')
    run = RunDir.create("m", "d", out=tmp_path / "counted")  # state.json's epoch a word
    run.write_json("config.json", {"model": {"name": "m", "settings": {}}, "seed": 0})
    (run.path / "state.json").write_text('{"epoch": "three"}')
    rows = {r["run"]: r for r in list_runs(tmp_path)}
    assert set(rows) == {"good", "bad", "counted"} and rows["good"]["model"] == "m"
    assert rows["bad"]["status"] == "unknown" and "config.json" in rows["bad"]["note"]
    assert rows["counted"]["status"] == "unknown" and "'epoch'" in rows["counted"]["note"]


HOLDER = """
import sys, time
from zoo_core.run_dir import RunDir
run = RunDir.create("m", "d", out=sys.argv[1])
run.write_json("config.json", {"model": {"name": "vae_2d", "settings": {}}})
run.set_status("running")
print("ready", flush=True)
time.sleep(120)
"""


def test_a_run_being_written_is_refused_to_a_second_writer_naming_the_holder(tmp_path, run_cli):
    import subprocess
    import sys

    from zoo_core.run_dir import FolderLock

    folder = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert RunDir(folder).status() == ("running", "")
        r = run_cli("run", "--resume", str(folder))
        assert r.exit_code == 1 and f"in use by zoo run (pid {holder.pid}" in r.stderr
        r = run_cli("run", "vae_2d", "--dataset", "fashion_mnist", "--out", str(folder))
        assert r.exit_code == 1 and "already holds a run" in r.stderr
        with pytest.raises(RunError, match="in use by zoo run"):  # a second lock, in Python
            FolderLock(folder).acquire("a test")
    finally:
        holder.kill()  # SIGKILL: no handler runs, status.json still says "running"
        holder.wait()
    status = json.loads((folder / "status.json").read_text())
    assert status["status"] == "running"
    # even when the recorded host is another machine's (no pid to check), the lock that
    # went with the process says it is not running any more
    (folder / "status.json").write_text(json.dumps({**status, "host": "elsewhere"}))
    assert RunDir(folder).status() == ("interrupted", "process gone")


def test_two_searches_into_one_folder_are_refused(tmp_path, run_cli):
    from zoo_core.run_dir import FolderLock

    folder = tmp_path / "search"
    folder.mkdir()
    with FolderLock(folder).acquire("zoo tune"):
        r = run_cli(
            "tune",
            "vae_2d",
            "--dataset",
            "fashion_mnist",
            "--space",
            "learning_rate=1e-4:1e-2:log",
            "--trials",
            "1",
            "--out",
            str(folder),
        )
    assert r.exit_code == 1 and "is in use by zoo tune" in r.stderr
    assert [p.name for p in folder.iterdir()] == [".zoo.lock"]  # nothing of it written


def test_eval_waits_for_no_one_it_refuses_while_another_writer_holds_the_run(run_cli):
    from zoo_core import plugins
    from zoo_core.run_dir import FolderLock
    from zoo_pretrained import store as pretrained

    folder = pretrained.resolve(plugins.get_registry(), "pretrained:dqn")
    before = (Path(folder) / "metrics.json").read_text()
    with FolderLock(folder).acquire("zoo eval"):
        r = run_cli("eval", "pretrained:dqn", "--set", "episodes=1")
    assert r.exit_code == 1 and "is in use by zoo eval" in r.stderr
    assert (Path(folder) / "metrics.json").read_text() == before


def test_a_group_without_seeds_and_a_run_without_a_model_are_refused_in_one_line(tmp_path, run_cli):
    group = tmp_path / "group"
    group.mkdir()
    (group / "group.json").write_text('{"summary": {}}')
    r = run_cli("run", "--resume", str(group))
    assert r.exit_code == 1 and "group.json: 'seeds' must be" in r.stderr
    run = RunDir.create("m", "d", out=tmp_path / "run")
    (run.path / "config.json").write_text('{"seed": 0}')
    r = run_cli("compare", str(run.path), str(run.path))
    assert r.exit_code == 1 and "config.json: 'model' must be" in r.stderr
    assert "unexpected" not in r.output and len(r.stderr.strip().splitlines()) == 1
