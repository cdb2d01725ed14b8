"""The DQN agent: replay ring buffer, TD targets, target sync, epsilon, bad settings, a run."""

import json

import numpy as np
import pytest

from zoo_core import IncompatibleError, SettingsError, UsageError, plugins
from zoo_core.run import plan as planner
from zoo_core.run import runner
from zoo_core.run.request import RunRequest
from zoo_core.settings import resolve
from zoo_dqn.model import DQN
from zoo_dqn.replay import ReplayBuffer
from zoo_dqn.schedule import epsilon_at
from zoo_dqn.settings import DQNSettings


def test_ring_buffer_wraps_and_overwrites_the_oldest():
    buf = ReplayBuffer(3, (2,))
    for i in range(5):
        buf.add(np.full(2, i), i % 2, float(i), np.full(2, i + 1), i == 4)
    assert len(buf) == 3 and buf.pos == 2
    assert sorted(buf.rewards.tolist()) == [2.0, 3.0, 4.0]  # 0 and 1 were overwritten
    obs, act, rew, nxt, done = buf.take(np.array([0, 1, 2]))
    assert obs[:, 0].tolist() == [3, 4, 2] and done.tolist() == [0.0, 1.0, 0.0]
    assert (nxt[:, 0] == obs[:, 0] + 1).all()
    idx = buf.sample_indices(np.random.default_rng(0), (100,))
    assert idx.min() >= 0 and idx.max() < 3


def test_td_target_equals_a_hand_computed_value():
    from zoo_dqn.dqn import td_targets

    rewards = np.array([1.0, 0.5], np.float32)
    q_next_target = np.array([[2.0, 3.0], [4.0, 1.0]], np.float32)
    q_next_online = np.array([[5.0, 0.0], [0.0, 5.0]], np.float32)
    dones = np.array([0.0, 1.0], np.float32)
    # DQN: 1 + 0.9 * max(2, 3) = 3.7; the terminal one is just its reward
    np.testing.assert_allclose(td_targets(rewards, q_next_target, dones, 0.9), [3.7, 0.5])
    # Double DQN: online picks action 0 -> target scores 2: 1 + 0.9 * 2 = 2.8
    np.testing.assert_allclose(
        td_targets(rewards, q_next_target, dones, 0.9, q_next_online), [2.8, 0.5], rtol=1e-6
    )


def test_target_network_changes_only_at_sync_time():
    from zoo_dqn.dqn import DQNAlgorithm as Agent

    s = DQNSettings(hidden=(8,), updates_per_round=3, batch_size=4)
    agent = Agent(4, 2, s)
    rng = np.random.default_rng(0)
    batch = (
        rng.standard_normal((3, 4, 4)).astype("float32"),
        rng.integers(0, 2, (3, 4)).astype("int32"),
        np.ones((3, 4), "float32"),
        rng.standard_normal((3, 4, 4)).astype("float32"),
        np.zeros((3, 4), "float32"),
    )
    before = [w.copy() for w in agent.target.get_weights()]
    online_before = [w.copy() for w in agent.q.get_weights()]
    agent.train_round(batch)
    assert all((a == b).all() for a, b in zip(before, agent.target.get_weights(), strict=True))
    assert any((a != b).any() for a, b in zip(online_before, agent.q.get_weights(), strict=True))
    agent.sync_target()
    assert all(
        (a == b).all()
        for a, b in zip(agent.q.get_weights(), agent.target.get_weights(), strict=True)
    )


def test_polyak_sync_moves_the_target_part_way():
    from zoo_dqn.dqn import DQNAlgorithm as Agent

    agent = Agent(4, 2, DQNSettings(hidden=(8,), tau=0.25))
    agent.q.set_weights([w + 1.0 for w in agent.target.get_weights()])
    old = [w.copy() for w in agent.target.get_weights()]
    agent.sync_target()
    for o, t in zip(old, agent.target.get_weights(), strict=True):
        np.testing.assert_allclose(t, o + 0.25, rtol=1e-6)


def test_epsilon_follows_its_linear_schedule():
    s = DQNSettings(eps_start=1.0, eps_end=0.1, eps_decay_steps=100)
    assert [round(epsilon_at(t, s), 6) for t in (0, 50, 100, 1000)] == [1.0, 0.55, 0.1, 0.1]


@pytest.mark.parametrize(
    "sets,error,fragment",
    [
        ({"total_steps": "100", "warmup_steps": "500"}, SettingsError, "below warmup_steps"),
        ({"buffer_size": "10", "batch_size": "64"}, SettingsError, "smaller than batch_size"),
        ({"env": "CartPol-v1"}, UsageError, "Did you mean: CartPole-v1"),
        ({"env": "Pendulum-v1"}, IncompatibleError, "discrete action space"),
    ],
)
def test_bad_settings_are_refused_before_training(sets, error, fragment):
    with pytest.raises(error, match=fragment):
        DQN.check_settings(resolve(DQNSettings, sets))


def test_cli_refuses_unknown_env_with_exit_code_2(run_cli):
    r = run_cli("run", "dqn", "--env", "CartPole-v9")
    assert r.exit_code == 2 and "unknown environment 'CartPole-v9'" in r.output


def test_short_run_writes_returns_and_evaluates(tmp_path, run_cli):
    out = tmp_path / "dqn"
    r = run_cli(
        "run",
        "dqn",
        "--env",
        "CartPole-v1",
        "--set",
        "total_steps=600",
        "--set",
        "warmup_steps=200",
        "--set",
        "train_every=50",
        "--set",
        "updates_per_round=5",
        "--set",
        "eval_every=300",
        "--set",
        "eval_episodes=5",
        "--set",
        "hidden=16,16",
        "--out",
        str(out),
    )
    assert r.exit_code == 0, r.output
    rec = json.loads((out / "returns.json").read_text())
    assert len(rec["returns"]) >= 5 and sum(rec["returns"]) <= 600
    assert rec["steps"] == sorted(rec["steps"]) and rec["steps"][-1] <= 600
    test = json.loads((out / "metrics.json").read_text())["test"]
    assert test["episodes"] == 5 and 8 <= test["mean_return"] <= 500
    assert (out / "figures" / "returns.png").is_file()
    r = run_cli("eval", str(out), "--set", "episodes=3", "--json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["details"]["greedy_return"]["notes"]["episodes"] == 3
    r = run_cli("sample", str(out))
    assert r.exit_code == 2 and "cannot sample" in r.output


def test_dqn_is_refused_for_strategies_it_cannot_use():
    with pytest.raises(IncompatibleError, match="does not support the 'mirrored' strategy"):
        planner.plan(
            plugins.get_registry(),
            RunRequest("dqn", strategy="mirrored", flags={"env": "CartPole-v1"}),
        )


@pytest.mark.slow
def test_default_settings_solve_cartpole(tmp_path, run_cli):
    """One seed of the benchmark (bench/dqn_cartpole.py runs five): about 30 s here."""
    out = tmp_path / "solve"
    r = run_cli("run", "dqn", "--env", "CartPole-v1", "--seed", "0", "--no-viz", "--out", str(out))
    assert r.exit_code == 0, r.output
    test = json.loads((out / "metrics.json").read_text())["test"]
    assert test["mean_return"] >= 475


def test_the_numpy_acting_pass_equals_the_keras_q_network():
    from zoo_dqn.dqn import DQNAlgorithm as Agent

    agent = Agent(4, 2, DQNSettings(hidden=(16, 8)))
    agent.q.set_weights(
        [
            w + 0.1 * np.random.default_rng(i).standard_normal(w.shape)
            for i, w in enumerate(agent.q.get_weights())
        ]
    )
    agent.set_q_weights()
    obs = np.random.default_rng(5).standard_normal((32, 4)).astype("float32")
    np.testing.assert_allclose(agent.q_values(obs), agent.q(obs).numpy(), rtol=1e-5, atol=1e-6)


def test_same_seed_same_returns_and_the_best_checkup_network_is_kept(tmp_path, run_cli):
    args = [
        "--set",
        "total_steps=900",
        "--set",
        "warmup_steps=200",
        "--set",
        "train_every=50",
        "--set",
        "updates_per_round=4",
        "--set",
        "eval_every=300",
        "--set",
        "eval_episodes=3",
        "--set",
        "hidden=16",
        "--no-viz",
    ]
    for name in ("a", "b"):
        r = run_cli("run", "dqn", "--env", "CartPole-v1", *args, "--out", str(tmp_path / name))
        assert r.exit_code == 0, r.output
    a = json.loads((tmp_path / "a" / "returns.json").read_text())
    b = json.loads((tmp_path / "b" / "returns.json").read_text())
    assert a == b and len(a["returns"]) > 5
    # the final network is the best check-up's: evaluated the same way, it scores the best
    from zoo_core import plugins
    from zoo_core.run import runner
    from zoo_core.run_dir import RunDir

    run = RunDir(tmp_path / "a")
    hist = run.metrics()["history"]
    best = max(range(len(hist)), key=lambda i: (hist[i]["greedy_return_10"], i))
    plan = planner.plan(plugins.get_registry(), RunRequest.of_run(run, visualizers=[]))
    model, _ = runner.build(plan)
    model.load(run)
    step = hist[best]["step"]
    again = model.greedy_returns(10, seed=plan.seed + step).mean()
    assert again == hist[best]["greedy_return_10"]


def _zoo(*args, cwd):
    import os
    import signal
    import subprocess
    import sys

    # a shell starts background jobs with SIGINT ignored, and the child would inherit that:
    # give it the default disposition, so Python turns Ctrl-C into KeyboardInterrupt
    return subprocess.Popen(
        [sys.executable, "-m", "zoo_core.cli", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


# long enough (about 5 s of steps after the second check-up) that a SIGINT sent by a poller
# starved on a busy 2-core machine still lands before the end
SHORT = [
    "--set",
    "total_steps=12000",
    "--set",
    "warmup_steps=200",
    "--set",
    "train_every=50",
    "--set",
    "updates_per_round=4",
    "--set",
    "eval_every=1000",
    "--set",
    "eval_episodes=2",
    "--set",
    "hidden=16",
    "--no-viz",
    "--seed",
    "3",
]


@pytest.mark.slow  # make test-all (25 s): a real Ctrl-C; the contract class resumes dqn
def test_ctrl_c_keeps_the_last_checkup_and_resume_continues_exactly(tmp_path):
    """Ctrl-C (SIGINT) to a real `zoo run dqn` process part-way; `zoo run --resume` in a new
    process then ends with the same weights, target, optimizer state, returns and history
    as an uninterrupted run, although the checkpoint fell in the middle of an episode."""
    import signal
    import time

    from zoo_core.run_dir import RunDir

    full = _zoo("run", "dqn", "--env", "CartPole-v1", *SHORT, "--out", "full", cwd=tmp_path)
    assert full.wait(timeout=600) == 0, full.stdout.read()

    cut = _zoo("run", "dqn", "--env", "CartPole-v1", *SHORT, "--out", "cut", cwd=tmp_path)
    state = tmp_path / "cut" / "state.json"
    deadline = time.time() + 300
    while time.time() < deadline and not (
        state.exists() and json.loads(state.read_text()).get("epoch", 0) >= 2
    ):
        time.sleep(0.05)
    cut.send_signal(signal.SIGINT)
    out = cut.communicate(timeout=120)[0]
    assert cut.returncode != 0, "the run finished before it could be interrupted"
    saved = json.loads(state.read_text())
    assert 2 <= saved["epoch"] < 12 and saved["step"] < 12000
    assert "zoo run --resume" in out and "Traceback" not in out, (cut.returncode, out[-2000:])
    mid_episode = saved["episode_steps"] > 0

    again = _zoo("run", "--resume", str(tmp_path / "cut"), cwd=tmp_path)
    out = again.communicate(timeout=600)[0]
    assert again.returncode == 0, out
    assert f"resuming {tmp_path / 'cut'} after step {saved['step']:,}" in " ".join(out.split())

    a, b = RunDir(tmp_path / "full"), RunDir(tmp_path / "cut")
    assert a.read_json("returns.json") == b.read_json("returns.json")
    strip = [{k: v for k, v in h.items() if k != "seconds"} for h in a.metrics()["history"]]
    assert strip == [{k: v for k, v in h.items() if k != "seconds"} for h in b.metrics()["history"]]
    assert a.metrics()["test"] == b.metrics()["test"]
    plan = planner.plan(plugins.get_registry(), RunRequest.of_run(a, visualizers=[]))
    ma, _ = runner.build(plan)
    ma.load(a)
    mb, _ = runner.build(plan)
    mb.load(b)
    wa, wb = ma.get_weights(), mb.get_weights()
    assert len(wa) == len(wb) > 6  # online, target and Adam's moments
    assert all(np.array_equal(x, y) for x, y in zip(wa, wb))
    # the checkpoint at a check-up of a CartPole run almost always falls inside an episode
    # (seed 3: it does); the replay of its actions is what made the match exact
    assert mid_episode


def test_compare_reads_agents_by_environment_step(tmp_path, run_cli):
    """A finished DQN run compares as what it is: steps done, check-ups on a step axis."""
    args = [
        "--set",
        "total_steps=700",
        "--set",
        "warmup_steps=200",
        "--set",
        "train_every=50",
        "--set",
        "updates_per_round=2",
        "--set",
        "eval_every=250",
        "--set",
        "eval_episodes=2",
        "--set",
        "hidden=8",
        "--no-viz",
    ]
    for name, seed in (("a", "0"), ("b", "1")):
        r = run_cli(
            "run",
            "dqn",
            "--env",
            "CartPole-v1",
            *args,
            "--seed",
            seed,
            "--out",
            str(tmp_path / name),
        )
        assert r.exit_code == 0, r.output
    r = run_cli(
        "compare",
        str(tmp_path / "a"),
        str(tmp_path / "b"),
        "--out",
        str(tmp_path / "c.png"),
        "--json",
        "--each",
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["runs"]
    assert [row["steps"] for row in rows] == [700, 700] and "epochs" not in rows[0]
    # without --each the two seeds are one group: steps shared, returns as mean ± std
    r = run_cli(
        "compare",
        str(tmp_path / "a"),
        str(tmp_path / "b"),
        "--out",
        str(tmp_path / "c.png"),
        "--json",
    )
    (group,) = json.loads(r.stdout)["runs"]
    assert group["steps"] == 700 and group["seed"] == "0,1"
    returns = [row["test_mean_return"] for row in rows]
    expected = (
        returns[0]
        if returns[0] == returns[1]
        else {
            "mean": pytest.approx(sum(returns) / 2),
            "std": pytest.approx(abs(returns[0] - returns[1]) / 2**0.5),
            "n": 2,
        }
    )
    assert group["test_mean_return"] == expected
    assert rows[0]["test_mean_return"] > 0 and rows[0]["train_seconds"] > 0
    from zoo_reports.compare import compare_runs

    _, _, fig = compare_runs(
        [tmp_path / "a", tmp_path / "b"], tmp_path / "d.png", keep_figure=True, group=False
    )
    ax = fig.axes[0]
    assert ax.get_xlabel() == "environment step" and ax.get_title() == "greedy_return_10"
    assert list(ax.get_lines()[0].get_xdata()) == [250, 500]
