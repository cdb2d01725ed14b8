"""The statistics behind the sample metrics, in NumPy: Fréchet distance, the unbiased
polynomial-kernel MMD (KID), the classifier score, k-NN precision and recall, class coverage.

Pure functions of feature arrays, so each is tested against a closed form or a hand value.
"""

from __future__ import annotations

import numpy as np


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) (Heusel et al. 2017).

    The trace of the matrix square root is computed from the eigenvalues of
    ``sqrt(S1) S2 sqrt(S1)`` (symmetric, so ``eigh`` applies and no complex parts appear).
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    w, v = np.linalg.eigh(s1)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    inner = np.linalg.eigvalsh(root1 @ s2 @ root1)
    tr_sqrt = np.sqrt(np.clip(inner, 0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * tr_sqrt)


def gaussian_stats(features) -> tuple[np.ndarray, np.ndarray]:
    f = np.asarray(features, np.float64)
    return f.mean(axis=0), np.cov(f, rowvar=False)


def kid(
    real, fake, *, subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """Kernel Inception Distance (Bińkowski et al. 2018): the unbiased MMD^2 estimate with
    the kernel ``(x.y / d + 1)^3``, mean and std over random subsets."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    d = real.shape[1]
    m = min(subset_size, len(real), len(fake))
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(subsets):
        x = real[rng.choice(len(real), m, replace=False)]
        y = fake[rng.choice(len(fake), m, replace=False)]
        kxx = (x @ x.T / d + 1) ** 3
        kyy = (y @ y.T / d + 1) ** 3
        kxy = (x @ y.T / d + 1) ** 3
        out.append(
            (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
            + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
            - 2 * kxy.mean()
        )
    return float(np.mean(out)), float(np.std(out))


def classifier_score(probs, splits: int = 10) -> tuple[float, float]:
    """exp(E_x KL(p(y|x) || p(y))) per split, mean and std (the Inception score of
    Salimans et al. 2016, with the dataset's own classifier)."""
    probs = np.asarray(probs, np.float64)
    scores = []
    for part in np.array_split(probs, splits):
        py = part.mean(axis=0, keepdims=True)
        kl = (part * (np.log(part + 1e-12) - np.log(py + 1e-12))).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def _kth_neighbour_radius(feats, k: int, chunk: int = 1000) -> np.ndarray:
    f = np.asarray(feats, np.float32)
    sq = (f * f).sum(1)
    radii = np.empty(len(f), np.float32)
    for i in range(0, len(f), chunk):
        d = sq[i : i + chunk, None] + sq[None] - 2 * f[i : i + chunk] @ f.T
        # the k-th smallest, skipping the point itself (distance 0)
        radii[i : i + chunk] = np.sqrt(np.maximum(np.partition(d, k, axis=1)[:, k], 0))
    return radii


def _within(points, centres, radii, chunk: int = 1000) -> np.ndarray:
    """For each point: is it inside some centre's ball?"""
    p, c = np.asarray(points, np.float32), np.asarray(centres, np.float32)
    sq_p, sq_c = (p * p).sum(1), (c * c).sum(1)
    r2 = radii.astype(np.float32) ** 2
    inside = np.zeros(len(p), bool)
    for i in range(0, len(p), chunk):
        d = sq_p[i : i + chunk, None] + sq_c[None] - 2 * p[i : i + chunk] @ c.T
        inside[i : i + chunk] = (d <= r2[None]).any(axis=1)
    return inside


def precision_recall(real, fake, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019): the share of generated
    features inside the k-NN manifold of the real ones, and the reverse."""
    r_radii = _kth_neighbour_radius(real, k)
    f_radii = _kth_neighbour_radius(fake, k)
    precision = _within(fake, real, r_radii).mean()
    recall = _within(real, fake, f_radii).mean()
    return float(precision), float(recall)


def class_coverage(probs, classes: int) -> dict[str, float]:
    """How the predicted classes of samples spread: entropy (nats; ln C when uniform) and
    the share of the rarest class (1/C when uniform, 0 under mode collapse)."""
    counts = np.bincount(np.argmax(probs, axis=1), minlength=classes).astype(np.float64)
    share = counts / counts.sum()
    nz = share[share > 0]
    return {
        "class_entropy": float(-(nz * np.log(nz)).sum()),
        "rarest_class_share": float(share.min()),
    }
