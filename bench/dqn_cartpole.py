"""Benchmark: does `zoo run dqn --env CartPole-v1` solve CartPole within 50,000 steps?

Trains with default settings for several seeds and prints, per seed, the greedy 100-episode
mean return, the wall time and the environment steps per second.

    python bench/dqn_cartpole.py [--seeds 0,1,2,3,4]
"""

from __future__ import annotations

import argparse
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from zoo_core import plugins  # noqa: E402
from zoo_core.run import plan as planner
from zoo_core.run import runner
from zoo_core.run.request import RunRequest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--set", dest="sets", action="append", default=[])
    args = ap.parse_args()
    console = Console(stderr=True)
    table = Table("seed", "greedy mean (100 ep)", "std", "solved", "train wall s", "steps/s")
    solved, returns, rates = 0, [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in [int(s) for s in args.seeds.split(",")]:
            plan = planner.plan(
                plugins.get_registry(),
                RunRequest("dqn", env="CartPole-v1", visualizers=[], seed=seed, sets=args.sets),
            )
            run, test, _ = runner.execute(plan, console, out=os.path.join(tmp, f"s{seed}"))
            m = run.metrics()
            solved += int(test["solved"])
            returns.append(test["mean_return"])
            rates.append(m["steps_per_second"])
            table.add_row(
                str(seed),
                f"{test['mean_return']:.1f}",
                f"{test['std_return']:.1f}",
                str(test["solved"]),
                f"{m['train_seconds']:.1f}",
                f"{m['steps_per_second']:,.0f}",
            )
    Console().print(table)
    Console().print(
        f"solved (greedy mean >= 475) for {solved} of {len(args.seeds.split(','))} "
        "seeds, 50,000 environment steps each"
    )
    from benchlib import record, row

    n = len(returns)
    record(
        "dqn_cartpole",
        [
            row(
                "CartPole-v1 seeds solved (greedy mean >= 475, 100 episodes)",
                f"{solved} of {n}",
                spread=f"mean returns {min(returns):.0f}-{max(returns):.0f}",
            ),
            row(
                "environment steps/s while training",
                f"{sorted(rates)[n // 2]:,.0f}",
                spread=f"{min(rates):,.0f}-{max(rates):,.0f}",
            ),
        ],
    )


if __name__ == "__main__":
    main()
