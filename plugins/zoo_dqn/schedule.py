"""The DQN's exploration schedule (no TensorFlow here, so planning stays light)."""


def epsilon_at(step: int, s) -> float:
    """Linear schedule from eps_start to eps_end over eps_decay_steps, then flat."""
    frac = min(1.0, step / s.eps_decay_steps)
    return s.eps_start + frac * (s.eps_end - s.eps_start)
