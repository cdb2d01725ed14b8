"""The off-policy training loop: environment steps, replay, training rounds, greedy
check-ups, checkpoints, records and progress, for any algorithm that can act and learn.

What the loop asks of an algorithm (:class:`zoo_dqn.dqn.DQNAlgorithm` is one):

- ``exploration(step) -> float`` and ``act(obs, epsilon, rng) -> action``;
- ``learn(buffer, rng, rounds) -> loss``: one training round from the replay buffer;
- ``policy()`` (the Keras network saved as ``model.keras``), ``policy_weights()`` and
  ``set_policy_weights(w)`` (the best check-up's network is kept);
- ``arrays()`` / ``restore(group)``: its whole state, for the checkpoint
  (:mod:`zoo_dqn.checkpoint`).

The loop records through the run's own API (:meth:`zoo_core.RunDir.record_step`,
:meth:`~zoo_core.RunDir.write_state`), as Keras families do through their callbacks, so a
new algorithm writes no run file. Check-up ``k`` is the loop's "epoch": callbacks in
``ctx.callbacks`` get ``on_epoch_begin(k)`` after it is saved (how the contract
kit interrupts a run).
"""

from __future__ import annotations

import time

import numpy as np

from . import checkpoint as ck
from .replay import ReplayBuffer

#: environment steps between updates of the progress line
PROGRESS_EVERY = 500


class OffPolicyLoop:
    """Runs ``algorithm`` in ``env`` for ``settings.total_steps`` steps.

    ``evaluate(episodes, seed)``: greedy returns at a check-up (every ``eval_every``
    steps after warm-up); the best check-up's policy is kept. Resume is exact: the
    checkpoint holds the algorithm, the buffer, the generator and the environment as a
    replay (see :mod:`zoo_dqn.checkpoint`)."""

    def __init__(self, algorithm, settings, evaluate):
        self.algo, self.s, self.evaluate = algorithm, settings, evaluate

    def run(self, ctx, env) -> dict:
        s, algo = self.s, self.algo
        buffer = ReplayBuffer(s.buffer_size, env.observation_space.shape)
        rng = np.random.default_rng(ctx.seed)
        best_weights = None
        if ctx.resume:
            p, best_weights = ck.load(ctx.run, algo, buffer)
            rng.bit_generator.state = p.rng
            obs = ck.rebuild_env(env, p)
            ctx.console.print(f"resuming {ctx.run.path} after step {p.step:,}")
        else:
            p = ck.Progress(env_reset=int(ctx.seed))
            obs, _ = env.reset(seed=ctx.seed)
        callbacks = list(ctx.callbacks)
        board = _Board(ctx.run.file("tensorboard") if ctx.tensorboard else None)
        best = -np.inf if p.best_score is None else p.best_score
        t0, done_before = time.perf_counter(), p.step

        def checkpoint(notify=True):
            from zoo_keras.checkpoints import signals_deferred

            p.rng = rng.bit_generator.state
            with signals_deferred():  # a Ctrl-C here lands after the whole checkpoint
                ck.save(ctx.run, algo, buffer, p, best_weights)
                ctx.run.record_step(
                    p.history[-1] if p.history else {"step": 0}, key="step", history=p.history
                )
                ctx.run.write_json("returns.json", {"returns": p.returns, "steps": p.ends})
            for cb in callbacks if notify else ():
                cb.on_epoch_begin(p.epoch)

        progress = _progress_bar(ctx.console)
        try:
            with progress:
                task = progress.add_task("", total=s.total_steps, completed=p.step, stats="")
                for step in range(p.step + 1, s.total_steps + 1):
                    p.step = step
                    eps = algo.exploration(step)
                    action = algo.act(obs, eps, rng)
                    next_obs, reward, terminated, truncated, _ = env.step(action)
                    p.episode_actions.append(action)
                    buffer.add(obs, action, reward, next_obs, terminated)
                    p.episode_return += float(reward)
                    obs = next_obs
                    if terminated or truncated:
                        board.scalars(step, episode_return=p.episode_return)
                        p.returns.append(p.episode_return)
                        p.ends.append(step)
                        p.episode_return = 0.0
                        p.env_reset = env.unwrapped.np_random.bit_generator.state
                        p.episode_actions = []
                        obs, _ = env.reset()
                    if step > s.warmup_steps and step % s.train_every == 0:
                        p.loss = algo.learn(buffer, rng, p.rounds)
                        p.rounds += 1
                    checkup = (
                        bool(s.eval_every) and step % s.eval_every == 0 and step > s.warmup_steps
                    )
                    if checkup:
                        score = float(self.evaluate(10, seed=ctx.seed + step).mean())
                        seconds = p.seconds + time.perf_counter() - t0
                        p.history.append(
                            {
                                "epoch": p.epoch + 1,
                                "step": step,
                                "mean_return_100": float(np.mean(p.returns[-100:]))
                                if p.returns
                                else 0.0,
                                "greedy_return_10": score,
                                "loss": p.loss,
                                "seconds": round(seconds, 2),
                            }
                        )
                        board.scalars(
                            step,
                            **{
                                k: v
                                for k, v in p.history[-1].items()
                                if k not in ("epoch", "step", "seconds")
                            },
                        )
                        if score >= best:
                            best, p.best_score = score, score
                            best_weights = algo.policy_weights()
                    if checkup or (not s.eval_every and step % ck.CHECKPOINT_EVERY == 0):
                        p.seconds += time.perf_counter() - t0
                        t0 = time.perf_counter()
                        checkpoint()
                    if step % PROGRESS_EVERY == 0 or step == s.total_steps:
                        sps = (step - done_before) / max(1e-9, time.perf_counter() - t0 + p.seconds)
                        mean100 = np.mean(p.returns[-100:]) if p.returns else 0.0
                        progress.update(
                            task,
                            completed=step,
                            stats=(
                                f"episodes {len(p.returns)}  mean100 {mean100:.1f}  "
                                f"eps {eps:.2f}  {sps:,.0f} steps/s"
                            ),
                        )
        except KeyboardInterrupt:
            last = ctx.run.state()
            if last.get("step"):
                ctx.console.print(
                    f"interrupted: the checkpoint at step {last['step']:,} is "
                    f"kept; continue with `zoo run --resume {ctx.run.path}`"
                )
            raise
        finally:
            env.close()
            board.close()
        if ctx.run.state().get("step") != p.step:  # the end state: a finished run loads whole
            p.seconds += time.perf_counter() - t0
            t0 = time.perf_counter()
            checkpoint(notify=False)
        wall = p.seconds + time.perf_counter() - t0
        if best_weights is not None:  # keep the best network seen at a check-up
            algo.set_policy_weights(best_weights)
        ctx.run.write_json("returns.json", {"returns": p.returns, "steps": p.ends})
        ctx.run.update_metrics(
            train_seconds=round(wall, 2), steps_per_second=round(s.total_steps / wall, 1)
        )
        return {"episodes": len(p.returns), "train_seconds": wall}


def _progress_bar(console):
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("step"),
        BarColumn(bar_width=20),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TextColumn("{task.fields[stats]}"),
        TimeRemainingColumn(),
        console=console,
    )


class _Board:
    """TensorBoard scalars of the loop (episode returns by environment step, the check-up
    scores), or nothing when ``folder`` is None."""

    def __init__(self, folder):
        self.writer = None
        if folder is not None:
            import tensorflow as tf

            self.writer = tf.summary.create_file_writer(str(folder / "train"))

    def scalars(self, step: int, **values) -> None:
        if self.writer is None:
            return
        import tensorflow as tf

        with self.writer.as_default():
            for name, value in values.items():
                tf.summary.scalar(name, float(value), step=step)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
