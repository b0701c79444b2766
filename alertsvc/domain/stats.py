"""Small statistics for experiment results: Wilson intervals, Newcombe differences, SRM.

Standard library only (`math`, `statistics.NormalDist`); the chi-square tail comes from the
regularized upper incomplete gamma function (series / continued fraction, as in Numerical
Recipes §6.2).

The functions that take counts and weights are total: whatever counts and finite or not
weights they are given (zero trials, zero weights, one variant, huge numbers), they answer
finite numbers, so no NaN or infinity ever reaches a JSON answer or a page.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

SRM_THRESHOLD = 0.001
_EPS = 1e-15
_MAX_ITERATIONS = 10_000
_TINY = 1e-300
# The largest statistic reported: a fit so bad that the sum overflowed is still a finite number.
_STATISTIC_CEILING = sys.float_info.max


def z_value(confidence: float = 0.95) -> float:
    """Two-sided normal quantile: 1.959963984540054 for 95%."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


@dataclass(frozen=True, slots=True)
class Interval:
    estimate: float
    low: float
    high: float


def proportions(weights: Sequence[float]) -> list[float]:
    """Each weight's share of their sum. A weight that is not finite and above 0 counts as 0;
    weights that are all 0 give all-zero shares. Scaled by the largest weight before summing,
    so no sum overflows (two weights of 1e308 are half and half, not NaN)."""
    clean = [float(w) if math.isfinite(w) and w > 0 else 0.0 for w in weights]
    top = max(clean, default=0.0)
    if top == 0:
        return [0.0] * len(clean)
    scaled = [w / top for w in clean]
    total = math.fsum(scaled)  # between 1 and len(weights): no overflow
    return [w / total for w in scaled]


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> Interval | None:
    """Wilson score interval of a proportion; None without trials. Successes outside
    `[0, trials]` are clamped into it (a count can only be off by a race, never by design)."""
    if trials <= 0:
        return None
    successes = min(max(successes, 0), trials)
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
    observed: Sequence[int], expected: Sequence[float], threshold: float = SRM_THRESHOLD
) -> SampleRatio:
    """Chi-square goodness of fit of exposed counts against the expected split (k-1 dof): the
    configured weights, or the expected counts (any non-negative numbers: only their
    proportions matter). A p-value below `threshold` (0.001) flags a broken assignment or
    exposure logging.

    Total: a variant the split gives no share (weight 0) cannot hold teens, so a teen there
    is a certain mismatch (p = 0); such variants add no term and no degree of freedom. With
    fewer than two variants that can hold teens there is nothing to test (p = 1)."""
    if len(observed) != len(expected):
        raise ValueError("need one expected share per observed count")
    counts = [max(int(count), 0) for count in observed]
    shares = proportions(expected)
    total = sum(counts)
    if total == 0:
        return SampleRatio(0.0, 1.0, False)
    statistic = 0.0
    for count, share in zip(counts, shares, strict=True):
        if share > 0:
            expected_count = total * share
            difference = count - expected_count
            statistic += difference * difference / expected_count
    statistic = min(statistic, _STATISTIC_CEILING)  # an overflowed sum is +inf
    impossible = any(count > 0 and share == 0 for count, share in zip(counts, shares, strict=True))
    dof = sum(1 for share in shares if share > 0) - 1
    if impossible:
        p_value = 0.0
    elif dof < 1:
        p_value = 1.0
    else:
        p_value = chi_square_sf(statistic, dof)
    return SampleRatio(statistic, p_value, p_value < threshold)
