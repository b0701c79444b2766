"""Small statistics for experiment results: Wilson intervals, Newcombe differences, SRM.

Standard library only (`math`, `statistics.NormalDist`); the chi-square tail comes from the
regularized upper incomplete gamma function (series / continued fraction, as in Numerical
Recipes §6.2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

SRM_THRESHOLD = 0.001
_EPS = 1e-15
_MAX_ITERATIONS = 10_000
_TINY = 1e-300


def z_value(confidence: float = 0.95) -> float:
    """Two-sided normal quantile: 1.959963984540054 for 95%."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


@dataclass(frozen=True, slots=True)
class Interval:
    estimate: float
    low: float
    high: float


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> Interval | None:
    """Wilson score interval of a proportion; None without trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError("successes must be between 0 and trials")
    z = z_value(confidence)
    p = successes / trials
    z2n = z * z / trials
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / trials + z2n / (4 * trials))
    # At 0 and at n successes the exact bound is 0 (or 1); skip the rounding noise.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Interval(p, low, high)


def difference_interval(
    successes: int,
    trials: int,
    control_successes: int,
    control_trials: int,
    confidence: float = 0.95,
) -> Interval | None:
    """`p - p_control` with Newcombe's hybrid score interval (his method 10), built from the
    two Wilson intervals; better behaved than Wald near 0 and 1 and with small counts."""
    ours = wilson_interval(successes, trials, confidence)
    theirs = wilson_interval(control_successes, control_trials, confidence)
    if ours is None or theirs is None:
        return None
    p1, l1, u1 = ours.estimate, ours.low, ours.high
    p2, l2, u2 = theirs.estimate, theirs.low, theirs.high
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Interval(d, max(-1.0, low), min(1.0, high))


def _lower_series(a: float, x: float) -> float:
    """Regularized lower incomplete gamma P(a, x) by its series (converges fast for x < a+1)."""
    term = 1.0 / a
    total = term
    denominator = a
    for _ in range(_MAX_ITERATIONS):
        denominator += 1
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_fraction(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x) by its continued fraction (modified Lentz),
    for x >= a+1."""
    b = x + 1 - a
    c = 1 / _TINY
    d = 1 / b
    h = d
    for i in range(1, _MAX_ITERATIONS):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def regularized_upper_gamma(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x) / Γ(a)."""
    if a <= 0:
        raise ValueError("a must be positive")
    if x <= 0:
        return 1.0
    if x < a + 1:
        return max(0.0, 1.0 - _lower_series(a, x))
    return min(1.0, _upper_fraction(a, x))


def chi_square_sf(statistic: float, dof: int) -> float:
    """P(X >= statistic) for a chi-square variable with `dof` degrees of freedom."""
    if dof < 1:
        raise ValueError("dof must be at least 1")
    return regularized_upper_gamma(dof / 2, statistic / 2)


@dataclass(frozen=True, slots=True)
class SampleRatio:
    chi_square: float
    p_value: float
    mismatch: bool


def sample_ratio_mismatch(
    observed: Sequence[int], weights: Sequence[float], threshold: float = SRM_THRESHOLD
) -> SampleRatio:
    """Chi-square goodness of fit of exposed counts against the configured weights (k-1 dof);
    a p-value below `threshold` (0.001) flags a broken assignment or exposure logging."""
    if len(observed) != len(weights) or len(observed) < 2:
        raise ValueError("need one weight per observed count, and at least two")
    if any(not (math.isfinite(w) and w > 0) for w in weights):
        raise ValueError("weights must be positive")
    total = sum(observed)
    weight_sum = sum(weights)
    if total == 0:
        return SampleRatio(0.0, 1.0, False)
    statistic = 0.0
    for count, weight in zip(observed, weights, strict=True):
        expected = total * weight / weight_sum
        statistic += (count - expected) ** 2 / expected
    p_value = chi_square_sf(statistic, len(observed) - 1)
    return SampleRatio(statistic, p_value, p_value < threshold)
