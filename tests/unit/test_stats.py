"""Wilson intervals, Newcombe differences, the chi-square tail and the SRM test, checked
against hand arithmetic and published values; and properties (hypothesis) that they are total:
finite numbers in range for any counts and weights."""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alertsvc.domain.stats import (
    Interval,
    chi_square_sf,
    difference_interval,
    proportions,
    regularized_upper_gamma,
    sample_ratio_mismatch,
    wilson_interval,
    z_value,
)

Z = 1.959963984540054  # the 97.5% normal quantile


def test_z_for_95_percent_is_1_96() -> None:
    assert z_value(0.95) == pytest.approx(Z, abs=1e-12)


def test_wilson_interval_by_hand_for_10_of_100() -> None:
    # p = 0.1, n = 100, z² = 3.841459, z²/n = 0.03841459
    # centre = (0.1 + 0.03841459/2) / (1 + 0.03841459) = 0.1192073 / 1.0384146 = 0.1147974
    # half   = z / 1.0384146 * sqrt(0.1*0.9/100 + 0.03841459/400)
    #        = 1.8874577 * sqrt(0.0009 + 0.0000960365) = 1.8874577 * 0.0315600 = 0.0595684
    # -> [0.0552290, 0.1743658]
    interval = wilson_interval(10, 100)
    assert interval is not None
    assert interval.estimate == 0.1
    assert interval.low == pytest.approx(0.0552290, abs=2e-7)
    assert interval.high == pytest.approx(0.1743658, abs=2e-7)


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion",
        # Table I, score method without continuity correction.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
    ],
)
def test_wilson_interval_matches_newcombe_table(
    successes: int, trials: int, low: float, high: float
) -> None:
    interval = wilson_interval(successes, trials)
    assert interval is not None
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_wilson_interval_is_none_without_trials_and_exact_at_the_edges() -> None:
    assert wilson_interval(0, 0) is None
    zero = wilson_interval(0, 10)
    full = wilson_interval(10, 10)
    assert zero is not None
    assert zero.low == 0.0
    assert full is not None
    assert full.high == 1.0
    assert wilson_interval(11, 10) == full  # a count off by a race is clamped, never an error
    assert wilson_interval(-1, 10) == zero


@pytest.mark.parametrize(
    ("a", "n", "b", "m", "low", "high"),
    [
        # Newcombe (1998), "Interval estimation for the difference between independent
        # proportions", Table II, method 10 (hybrid score), examples (a)-(h).
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0),
        (10, 10, 0, 10, 0.6075, 1.0),
    ],
)
def test_difference_matches_newcombe_hybrid_score(
    a: int, n: int, b: int, m: int, low: float, high: float
) -> None:
    interval = difference_interval(a, n, b, m)
    assert interval is not None
    assert interval.estimate == pytest.approx(a / n - b / m)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_difference_by_hand_from_the_two_wilson_intervals() -> None:
    # 56/70: p1 = 0.8, Wilson [l1, u1]; 48/80: p2 = 0.6, Wilson [l2, u2].
    # L = (p1 - p2) - sqrt((p1 - l1)² + (u2 - p2)²), U = (p1 - p2) + sqrt((u1 - p1)² + (p2 - l2)²)
    one, two = wilson_interval(56, 70), wilson_interval(48, 80)
    assert one is not None
    assert two is not None
    low = 0.2 - math.sqrt((0.8 - one.low) ** 2 + (two.high - 0.6) ** 2)
    high = 0.2 + math.sqrt((one.high - 0.8) ** 2 + (0.6 - two.low) ** 2)
    interval = difference_interval(56, 70, 48, 80)
    assert interval is not None
    assert (interval.low, interval.high) == pytest.approx((low, high))


def test_difference_is_none_when_either_side_has_no_trials() -> None:
    assert difference_interval(1, 10, 0, 0) is None
    assert difference_interval(0, 0, 1, 10) is None


@pytest.mark.parametrize(
    ("statistic", "dof", "expected"),
    [
        # Textbook critical values: P(X >= x) for the 5% and 0.1% points.
        (3.841458820694124, 1, 0.05),
        (5.991464547107979, 2, 0.05),
        (7.814727903251178, 3, 0.05),
        (10.827566170662733, 1, 0.001),
        (13.815510557964274, 2, 0.001),
        (16.26623619623813, 3, 0.001),
        (21.66599433346194, 9, 0.01),
        (0.0, 3, 1.0),
    ],
)
def test_chi_square_tail_matches_critical_values(
    statistic: float, dof: int, expected: float
) -> None:
    assert chi_square_sf(statistic, dof) == pytest.approx(expected, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("x", [0.001, 0.5, 1.0, 2.5, 7.0, 30.0, 120.0])
def test_chi_square_tail_matches_closed_forms(x: float) -> None:
    # 1 dof: erfc(sqrt(x/2)); 2 dof: exp(-x/2); 4 dof: exp(-x/2) * (1 + x/2).
    assert chi_square_sf(x, 1) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-10)
    assert chi_square_sf(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-10)
    assert chi_square_sf(x, 4) == pytest.approx(math.exp(-x / 2) * (1 + x / 2), rel=1e-10)


def test_upper_gamma_by_hand_for_integer_a() -> None:
    # Q(5, 50) = e^-50 * (1 + 50 + 50²/2 + 50³/6 + 50⁴/24) = e^-50 * 282551 ≈ 5.4497e-17:
    # the continued-fraction branch, far in the tail.
    expected = math.exp(-50) * (1 + 50 + 1250 + 125000 / 6 + 6250000 / 24)
    assert regularized_upper_gamma(5, 50) == pytest.approx(expected, rel=1e-9)
    assert regularized_upper_gamma(5, 0) == 1.0
    with pytest.raises(ValueError, match="positive"):
        regularized_upper_gamma(0, 1)


def test_srm_by_hand_for_a_mild_imbalance() -> None:
    # 5000 vs 5200 at 50/50: expected 5100 each; chi² = 2 * 100² / 5100 = 3.9215686;
    # 1 dof: p = erfc(sqrt(3.9215686 / 2)) = 0.047670 -> not below 0.001.
    srm = sample_ratio_mismatch([5000, 5200], [1, 1])
    assert srm.chi_square == pytest.approx(20000 / 5100)
    assert srm.p_value == pytest.approx(0.0476704, abs=1e-6)
    assert not srm.mismatch


def test_srm_flags_a_broken_split() -> None:
    # 5000 vs 5500 at 50/50: expected 5250; chi² = 2 * 250² / 5250 = 23.809524;
    # p = erfc(sqrt(11.904762)) ≈ 1.07e-6 < 0.001.
    srm = sample_ratio_mismatch([5000, 5500], [50, 50])
    assert srm.chi_square == pytest.approx(125000 / 5250)
    assert srm.p_value == pytest.approx(math.erfc(math.sqrt(125000 / 5250 / 2)), rel=1e-9)
    assert srm.mismatch


def test_srm_uses_the_configured_weights() -> None:
    # 20/30/50 with 200/300/500 exposed fits exactly: chi² = 0, p = 1.
    exact = sample_ratio_mismatch([200, 300, 500], [2, 3, 5])
    assert exact.chi_square == 0.0
    assert exact.p_value == 1.0
    # The same counts against equal weights: expected 333.33 each;
    # chi² = (133.33² + 33.33² + 166.67²) / 333.33 = (17777.8 + 1111.1 + 27777.8) / 333.33 = 140
    skewed = sample_ratio_mismatch([200, 300, 500], [1, 1, 1])
    assert skewed.chi_square == pytest.approx(140.0)
    assert skewed.p_value == pytest.approx(math.exp(-70), rel=1e-9)  # 2 dof: e^(-x/2)
    assert skewed.mismatch


def test_srm_without_exposures_is_not_a_mismatch() -> None:
    srm = sample_ratio_mismatch([0, 0], [1, 1])
    assert (srm.p_value, srm.mismatch) == (1.0, False)
    with pytest.raises(ValueError, match="one expected share per observed count"):
        sample_ratio_mismatch([1, 2], [1])


def test_srm_accepts_expected_counts_as_the_split() -> None:
    # Only proportions matter: expected counts 250/750 are the weights 1/3.
    assert sample_ratio_mismatch([240, 760], [250.0, 750.0]) == sample_ratio_mismatch(
        [240, 760], [1, 3]
    )


def test_srm_ignores_a_variant_of_weight_0_that_holds_nobody() -> None:
    # 0 weight, 0 teens: a 1-dof test of the other two. 480/520 at 50/50: chi² = 2*20²/500.
    srm = sample_ratio_mismatch([480, 0, 520], [1, 0, 1])
    assert srm.chi_square == pytest.approx(1.6)
    assert srm.p_value == pytest.approx(math.erfc(math.sqrt(0.8)), rel=1e-9)
    assert not srm.mismatch


def test_srm_teens_in_a_variant_of_weight_0_are_a_certain_mismatch() -> None:
    srm = sample_ratio_mismatch([500, 1, 500], [1, 0, 1])
    assert (srm.p_value, srm.mismatch) == (0.0, True)
    assert math.isfinite(srm.chi_square)


@pytest.mark.parametrize(
    ("observed", "weights"),
    [
        ([10], [1.0]),  # one variant: nothing to compare
        ([10, 0], [1.0, 0.0]),  # all the weight on one variant
        ([7, 0, 0], [5.0, 0.0, 0.0]),
    ],
)
def test_srm_with_one_possible_variant_has_nothing_to_test(
    observed: list[int], weights: list[float]
) -> None:
    assert sample_ratio_mismatch(observed, weights) == sample_ratio_mismatch([0], [1])


def test_srm_survives_weights_that_overflow_a_sum_or_underflow_a_share() -> None:
    # 1e308 + 1e308 is inf in floating point; scaled first, they are half and half.
    huge = sample_ratio_mismatch([500, 500], [1e308, 1e308])
    assert (huge.chi_square, huge.p_value, huge.mismatch) == (0.0, 1.0, False)
    # A share of 5e-324 / 1e308 is 0: that variant can hold nobody, so its teens alarm.
    tiny = sample_ratio_mismatch([10**9, 3], [1e308, 5e-324])
    assert (tiny.p_value, tiny.mismatch) == (0.0, True)
    # A share just above 0 makes a term beyond the largest float: still a finite statistic.
    edge = sample_ratio_mismatch([10**9, 10**9], [1.0, 1e-308])
    assert edge.chi_square == sys.float_info.max
    assert (edge.p_value, edge.mismatch) == (0.0, True)


def test_proportions_are_shares_and_all_zero_weights_give_no_shares() -> None:
    assert proportions([1, 3]) == [0.25, 0.75]
    assert proportions([1e308, 1e308]) == [0.5, 0.5]
    assert proportions([0, 0]) == [0.0, 0.0]
    assert proportions([2, math.nan, -1, math.inf]) == [1.0, 0.0, 0.0, 0.0]
    assert proportions([]) == []


# --- Properties: total functions -----------------------------------------------------------

COUNTS = st.integers(min_value=0, max_value=10**12)
WEIGHTS = st.one_of(
    st.floats(min_value=0, max_value=1e308, allow_subnormal=True),
    st.sampled_from([0.0, 5e-324, 1e-300, 1e308, math.inf, -1.0, math.nan]),
)


def _finite_in(interval: Interval, low: float, high: float) -> bool:
    values = (interval.estimate, interval.low, interval.high)
    return all(math.isfinite(v) and low <= v <= high for v in values)


@settings(max_examples=300, deadline=None)
@given(successes=st.integers(-5, 10**12), trials=st.integers(-5, 10**12))
def test_wilson_is_none_or_a_finite_interval_around_the_estimate(
    successes: int, trials: int
) -> None:
    interval = wilson_interval(successes, trials)
    if trials <= 0:
        assert interval is None
        return
    assert interval is not None
    assert _finite_in(interval, 0.0, 1.0)
    assert interval.low <= interval.estimate <= interval.high


@settings(max_examples=300, deadline=None)
@given(a=COUNTS, n=COUNTS, b=COUNTS, m=COUNTS)
def test_difference_is_none_or_a_finite_interval_within_minus_one_and_one(
    a: int, n: int, b: int, m: int
) -> None:
    interval = difference_interval(a, n, b, m)
    if n == 0 or m == 0:
        assert interval is None
        return
    assert interval is not None
    assert _finite_in(interval, -1.0, 1.0)


@settings(max_examples=500, deadline=None)
@given(
    st.integers(1, 10).flatmap(
        lambda k: st.tuples(
            st.lists(COUNTS, min_size=k, max_size=k), st.lists(WEIGHTS, min_size=k, max_size=k)
        )
    )
)
def test_srm_is_finite_for_any_counts_and_weights(
    case: tuple[list[int], list[float]],
) -> None:
    observed, weights = case
    srm = sample_ratio_mismatch(observed, weights)
    assert math.isfinite(srm.chi_square)
    assert srm.chi_square >= 0
    assert 0.0 <= srm.p_value <= 1.0
    assert srm.mismatch == (srm.p_value < 0.001)
    shares = proportions(weights)
    assert all(math.isfinite(s) and 0 <= s <= 1 for s in shares)
    assert math.fsum(shares) == pytest.approx(1.0) or not any(shares)


@settings(max_examples=200, deadline=None)
@given(statistic=st.floats(min_value=0, max_value=sys.float_info.max), dof=st.integers(1, 9))
def test_the_chi_square_tail_is_a_probability_for_any_finite_statistic(
    statistic: float, dof: int
) -> None:
    assert 0.0 <= chi_square_sf(statistic, dof) <= 1.0
